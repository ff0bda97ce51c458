//! AVX2 + FMA element-wise arithmetic modulo one prime, four residues at a time: additions,
//! subtractions and negations on 64-bit lanes (every width); products of two residue vectors in
//! double precision (primes below `2^51`); products by a constant (double precision below `2^51`,
//! Shoup on 64-bit lanes above); the pass `(x - y) w [+ z]` that ends a rescale or a mod-down;
//! and the permutation of an automorphism in evaluation form.
//!
//! Inputs and outputs are canonical residues (`[0, q)`), so every kernel computes exactly what
//! the portable loop computes. Pointers rather than slices: an output may be one of the inputs.
//! Every function is `unsafe` because it needs AVX2 and FMA and because of the pointers; the
//! safe wrappers in `simd/pointwise.rs` check lengths and the path first.

use super::elementwise::Consts;
use super::{csub_epi64, Int};
use super::{load, splat, store};
use std::arch::x86_64::*;

#[inline(always)]
unsafe fn pd(x: __m256i) -> __m256d {
    _mm256_castsi256_pd(x)
}

/// `x < 0 ? x + m : x` on `u64` lanes holding values in `(-2^62, 2^62)`.
#[inline(always)]
unsafe fn cadd_epi64(x: __m256i, m: __m256i) -> __m256i {
    _mm256_castpd_si256(_mm256_blendv_pd(pd(x), pd(_mm256_add_epi64(x, m)), pd(x)))
}

/// `x < 0 ? x + m : x` on `f64` lanes.
#[inline(always)]
unsafe fn cadd_pd(x: __m256d, m: __m256d) -> __m256d {
    _mm256_blendv_pd(x, _mm256_add_pd(x, m), x)
}

/// An element-wise operation on two residue vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Binary {
    /// `x + y`.
    Add,
    /// `x - y`.
    Sub,
    /// `x y` (primes below `2^51`).
    Mul,
}

/// `out[c] = op(x[c], y[c]) mod q` for `c < n`.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `x`, `y`, `out` valid for `n` words (`out` may equal `x`
/// or `y`, no other overlap), `n` a multiple of 4; entries below `q < 2^61`, and `q < 2^51` for
/// [`Binary::Mul`].
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn binary(
    op: Binary,
    x: *const u64,
    y: *const u64,
    out: *mut u64,
    n: usize,
    q: u64,
) {
    debug_assert!(n.is_multiple_of(4));
    let qv = splat(q);
    let f = Consts::new(q);
    for c in (0..n).step_by(4) {
        let (a, b) = (load(x.add(c)), load(y.add(c)));
        let r = match op {
            Binary::Add => csub_epi64(_mm256_add_epi64(a, b), qv),
            Binary::Sub => cadd_epi64(_mm256_sub_epi64(a, b), qv),
            // (-1.25 q, 1.25 q), exact; brought into [0, q).
            Binary::Mul => f.canonical(f.mul_mod(f.to_f64(a), f.to_f64(b))),
        };
        store(out.add(c), r);
    }
}

/// `acc[c] = acc[c] + x[c] y[c] mod q`, for `q < 2^51`.
///
/// # Safety
/// The CPU must support AVX2 and FMA; all three valid for `n` words, `n` a multiple of 4, `acc`
/// overlapping neither input; entries below `q < 2^51`.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn mul_add(acc: *mut u64, x: *const u64, y: *const u64, n: usize, q: u64) {
    debug_assert!(n.is_multiple_of(4));
    let f = Consts::new(q);
    for c in (0..n).step_by(4) {
        // (-1.25 q, 2.25 q): an integer below 2^53, exact.
        let r = f.mul_mod(f.to_f64(load(x.add(c))), f.to_f64(load(y.add(c))));
        let r = _mm256_add_pd(r, f.to_f64(load(acc.add(c))));
        store(acc.add(c), f.canonical(r));
    }
}

/// `x[c] = -x[c] mod q`.
///
/// # Safety
/// The CPU must support AVX2; `x` valid for `n` words, `n` a multiple of 4, entries below
/// `q < 2^63`.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn neg(x: *mut u64, n: usize, q: u64) {
    debug_assert!(n.is_multiple_of(4));
    let qv = splat(q);
    for c in (0..n).step_by(4) {
        let a = load(x.add(c));
        let zero = _mm256_cmpeq_epi64(a, _mm256_setzero_si256());
        store(x.add(c), _mm256_andnot_si256(zero, _mm256_sub_epi64(qv, a)));
    }
}

/// A constant multiplier `w < q` with its companions: `fl(w / q)` (double precision) and
/// `floor(w 2^64 / q)` (Shoup).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Constant {
    pub w: u64,
    pub w_shoup: u64,
}

/// `out[c] = (x[c] - y[c]) w [+ z[c]] mod q` (`y` absent: `x[c] w`), the pass that ends a
/// rescale or a mod-down, and a product by a constant.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `x`, `out` and, when given, `y`, `z` valid for `n` words,
/// `n` a multiple of 4, `out` equal to `x`, equal to `z` or overlapping nothing (each block of
/// four is read before it is written); entries below `q < 2^61`; `w.w < q`,
/// `w.w_shoup = floor(w 2^64 / q)`.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn sub_mul_const(
    x: *const u64,
    y: Option<*const u64>,
    z: Option<*const u64>,
    out: *mut u64,
    n: usize,
    w: Constant,
    q: u64,
) {
    debug_assert!(n.is_multiple_of(4) && w.w < q);
    if q < 1 << 51 {
        // x - y in (-q, q); its product in (-q, q); plus z in (-q, 2q).
        let f = Consts::new(q);
        let (wv, wq) = (_mm256_set1_pd(w.w as f64), _mm256_set1_pd(w.w as f64 / q as f64));
        for c in (0..n).step_by(4) {
            let mut d = f.to_f64(load(x.add(c)));
            if let Some(y) = y {
                d = _mm256_sub_pd(d, f.to_f64(load(y.add(c))));
            }
            let mut r = cadd_pd(f.mul_mod_shoup(d, wv, wq), f.q);
            if let Some(z) = z {
                let s = _mm256_add_pd(r, f.to_f64(load(z.add(c))));
                let t = _mm256_sub_pd(s, f.q);
                r = _mm256_blendv_pd(t, s, t);
            }
            store(out.add(c), f.to_u64(r));
        }
    } else {
        // x - y + q in (0, 2q); its Shoup product in [0, 2q); plus z in [0, 3q).
        let int = Int::new(q);
        let (wv, wc) = (splat(w.w), splat(w.w_shoup));
        for c in (0..n).step_by(4) {
            let mut d = load(x.add(c));
            if let Some(y) = y {
                d = _mm256_sub_epi64(_mm256_add_epi64(d, int.q), load(y.add(c)));
            }
            let mut r = int.mul_shoup_lazy(d, wv, wc);
            if let Some(z) = z {
                r = csub_epi64(_mm256_add_epi64(r, load(z.add(c))), int.two_q);
            }
            store(out.add(c), csub_epi64(r, int.q));
        }
    }
}

/// `out[4b + j] = src[perm[4b + j]]` for a permutation that maps every aligned block of four
/// entries onto an aligned block of four, as every automorphism does in evaluation form: block
/// `b` comes from block `perm[4b] / 4`, its lanes ordered by `lanes[perm[4b] % 4]` (`vpermd`
/// indices).
///
/// # Safety
/// The CPU must support AVX2; `src` and `out` of `n` words, `n` a multiple of 4, not
/// overlapping; `perm` of `n` entries below `n`.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn permute(src: &[u64], perm: &[u32], lanes: &[[u32; 8]; 4], out: &mut [u64]) {
    let n = src.len();
    debug_assert!(perm.len() == n && out.len() == n && n.is_multiple_of(4));
    let ctrl: [__m256i; 4] =
        std::array::from_fn(|v| _mm256_loadu_si256(lanes[v].as_ptr() as *const __m256i));
    for b in (0..n).step_by(4) {
        let p = *perm.get_unchecked(b) as usize;
        let block = load(src.as_ptr().add(p & !3));
        store(out.as_mut_ptr().add(b), _mm256_permutevar8x32_epi32(block, ctrl[p & 3]));
    }
}
