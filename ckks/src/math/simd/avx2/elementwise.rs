//! AVX2 + FMA element-wise kernels of key switching: the centred lift of a single-prime base
//! conversion, the sums of a multi-prime base conversion and the exact sums of products of the
//! inner product with the key.
//!
//! Every function is `unsafe` only because it needs AVX2 and FMA; the safe wrappers in
//! `simd/elementwise.rs` call them only when [`super::Path::Avx2`] is supported.

use super::Pre;
use super::{load, store};
use std::arch::x86_64::*;

/// Widest prime of [`mac2`]: products are reduced in double precision.
pub(crate) const SUMS_MAX_BITS: u32 = 51;

const ROUND: i32 = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

/// The centred lift of residues `x < a` into `Z_b` (`a <= 2b`), four lanes at a time: `x mod b`
/// if `x <= a/2`, else `x - a mod b`.
///
/// # Safety
/// The CPU must support AVX2; `input.len() == output.len()`, a multiple of 4; `a <= 2b < 2^63`;
/// every input `< a`.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn centred_lift_small(input: &[u64], output: &mut [u64], a: u64, b: u64) {
    let n = input.len();
    debug_assert!(output.len() == n && n.is_multiple_of(4) && a <= 2 * b);
    let lift = LiftSmall::new(a, b);
    for c in (0..n).step_by(4) {
        store(output.as_mut_ptr().add(c), lift.apply(load(input.as_ptr().add(c))));
    }
}

/// The centred lift from `Z_a` into `Z_b` for `a <= 2b < 2^63`, as a first-pass conversion.
pub(super) struct LiftSmall {
    b: __m256i,
    half: __m256i,
    a_mod_b: __m256i,
}

impl LiftSmall {
    #[inline(always)]
    pub(super) unsafe fn new(a: u64, b: u64) -> Self {
        debug_assert!(a <= 2 * b && b < 1 << 62);
        Self {
            b: _mm256_set1_epi64x(b as i64),
            half: _mm256_set1_epi64x((a >> 1) as i64),
            a_mod_b: _mm256_set1_epi64x((a % b) as i64),
        }
    }
}

impl Pre for LiftSmall {
    #[inline(always)]
    unsafe fn apply(&self, x: __m256i) -> __m256i {
        // x mod b (x < 2b), then minus a mod b where x > a/2; signed compares (all below 2^63).
        let r = _mm256_sub_epi64(x, self.b);
        let r = _mm256_castpd_si256(_mm256_blendv_pd(
            _mm256_castsi256_pd(r),
            _mm256_castsi256_pd(x),
            _mm256_castsi256_pd(r),
        ));
        let neg = _mm256_cmpgt_epi64(x, self.half);
        let t = _mm256_sub_epi64(r, _mm256_and_si256(neg, self.a_mod_b));
        let u = _mm256_add_epi64(t, self.b);
        let o = _mm256_blendv_pd(
            _mm256_castsi256_pd(t),
            _mm256_castsi256_pd(u),
            _mm256_castsi256_pd(t),
        );
        _mm256_castpd_si256(o)
    }
}

/// Constants of the double-precision arithmetic for one prime `q < 2^51`.
pub(super) struct Consts {
    pub(super) q: __m256d,
    q_inv: __m256d,
    magic: __m256d,
    magic_bits: __m256i,
}

impl Consts {
    #[inline(always)]
    pub(super) unsafe fn new(q: u64) -> Self {
        let magic = _mm256_set1_pd(4503599627370496.0);
        Self {
            q: _mm256_set1_pd(q as f64),
            q_inv: _mm256_set1_pd(1.0 / q as f64),
            magic,
            magic_bits: _mm256_castpd_si256(magic),
        }
    }

    /// `u64` lanes below `2^52` as `f64`.
    #[inline(always)]
    pub(super) unsafe fn to_f64(&self, x: __m256i) -> __m256d {
        _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(x, self.magic_bits)), self.magic)
    }

    /// `x y - k q` with `k = round(fl(x y) fl(1/q))`, for `x, y < q < 2^51`: the estimate is within
    /// 1.25 of `x y / q` (three roundings of relative size `2^-53` on a value below `2^51`), so
    /// the result, exact (see `avx2/mod.rs`), lies in `(-1.25 q, 1.25 q)`.
    #[inline(always)]
    pub(super) unsafe fn mul_mod(&self, x: __m256d, y: __m256d) -> __m256d {
        let h = _mm256_mul_pd(x, y);
        let l = _mm256_fmsub_pd(x, y, h);
        let k = _mm256_round_pd::<ROUND>(_mm256_mul_pd(h, self.q_inv));
        _mm256_add_pd(_mm256_fnmadd_pd(k, self.q, h), l)
    }

    /// `x m - k q` in `(-q, q)` with `k = round(x mq)`, `mq = fl(m / q)`, for integers
    /// `0 <= x < 2^51` and `m < q` (two roundings on a value below `2^51`: the estimate is within
    /// one of `x m / q`, and exact when that is an integer), computed exactly as in `avx2/mod.rs`.
    #[inline(always)]
    pub(super) unsafe fn mul_mod_shoup(&self, x: __m256d, m: __m256d, mq: __m256d) -> __m256d {
        let k = _mm256_round_pd::<ROUND>(_mm256_mul_pd(x, mq));
        let h = _mm256_mul_pd(x, m);
        let l = _mm256_fmsub_pd(x, m, h);
        _mm256_add_pd(_mm256_fnmadd_pd(k, self.q, h), l)
    }

    /// An integer `|x| < 2^53` as its residue in `[0, q)`, in `u64` lanes: centred, then `q` added
    /// where negative.
    #[inline(always)]
    pub(super) unsafe fn canonical(&self, x: __m256d) -> __m256i {
        let r = self.centre(x);
        let neg = _mm256_cmp_pd::<_CMP_LT_OQ>(r, _mm256_setzero_pd());
        self.to_u64(_mm256_add_pd(r, _mm256_and_pd(neg, self.q)))
    }

    /// Canonical `f64` residues (integers in `[0, q)`) as `u64`.
    #[inline(always)]
    pub(super) unsafe fn to_u64(&self, x: __m256d) -> __m256i {
        _mm256_xor_si256(_mm256_castpd_si256(_mm256_add_pd(x, self.magic)), self.magic_bits)
    }

    /// `x - round(x / q) q` in `(-0.51 q, 0.51 q)` for integers `|x| < 2^53`.
    #[inline(always)]
    pub(super) unsafe fn centre(&self, x: __m256d) -> __m256d {
        let k = _mm256_round_pd::<ROUND>(_mm256_mul_pd(x, self.q_inv));
        _mm256_fnmadd_pd(k, self.q, x)
    }
}

/// Adds `src[c] b[c]` and `src[c] a[c]` mod `q` to the `f64` sums `acc0`, `acc1` (integers, kept
/// within `(-3.01 q, 3.01 q)`, below `2^53`: each call adds less than `1.25 q` to a sum that was
/// centred at most one call before; `centre` says to centre after this call's addition). With
/// `first` the sums are overwritten, not read.
///
/// # Safety
/// The CPU must support AVX2 and FMA; all slices `n` long, a multiple of 4; `q < 2^51`; entries
/// of `src`, `b`, `a` below `q`; `acc0`/`acc1` below `1.76 q` in magnitude when `centre` is false,
/// `3.01 q` otherwise (the caller centres every second call).
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn mac2(
    src: &[u64],
    b: &[u64],
    a: &[u64],
    acc0: &mut [f64],
    acc1: &mut [f64],
    q: u64,
    first: bool,
    centre: bool,
) {
    let n = src.len();
    debug_assert!(b.len() == n && a.len() == n && acc0.len() == n && acc1.len() == n);
    debug_assert!(n.is_multiple_of(4) && q < 1 << SUMS_MAX_BITS);
    let k = Consts::new(q);
    for c in (0..n).step_by(4) {
        let s = k.to_f64(load(src.as_ptr().add(c)));
        let r0 = k.mul_mod(s, k.to_f64(load(b.as_ptr().add(c))));
        let r1 = k.mul_mod(s, k.to_f64(load(a.as_ptr().add(c))));
        let (p0, p1) = (acc0.as_mut_ptr().add(c), acc1.as_mut_ptr().add(c));
        let (mut s0, mut s1) = if first {
            (r0, r1)
        } else {
            (_mm256_add_pd(_mm256_loadu_pd(p0), r0), _mm256_add_pd(_mm256_loadu_pd(p1), r1))
        };
        if centre {
            s0 = k.centre(s0);
            s1 = k.centre(s1);
        }
        _mm256_storeu_pd(p0, s0);
        _mm256_storeu_pd(p1, s1);
    }
}

/// The sums of [`mac2`] as canonical residues.
///
/// # Safety
/// As [`mac2`], with `out.len() == acc.len()`.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn finish(acc: &[f64], out: &mut [u64], q: u64) {
    debug_assert!(acc.len() == out.len() && acc.len().is_multiple_of(4));
    let k = Consts::new(q);
    for c in (0..acc.len()).step_by(4) {
        store(out.as_mut_ptr().add(c), k.canonical(_mm256_loadu_pd(acc.as_ptr().add(c))));
    }
}

/// Which bits of a term's words enter [`conversion_sums`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The whole word (below `2^51`).
    Whole,
    /// The low 32 bits.
    Low,
    /// The bits from 32 up (below `2^51`).
    High,
}

/// One term of [`conversion_sums`]: `part(x[c]) * m mod b` for every coefficient `c`, with
/// `mq = fl(m / b)`.
pub(crate) struct Term<'a> {
    pub x: &'a [u64],
    pub part: Part,
    pub m: f64,
    pub mq: f64,
}

/// `sum_t part_t(x_t[c]) m_t mod b` into `out[c]` (canonical): the sums of a fast base conversion
/// into a prime `b < 2^51`, the words converted to `f64` in registers, each product reduced in
/// double precision as in `avx2/mod.rs` (for `x < 2^51` and `m < b` the remainder is exact and within
/// `(-b, b)`), the sum centred every third term (below `3.51 b < 2^53`, exact).
///
/// # Safety
/// The CPU must support AVX2 and FMA; `b < 2^51`; every `x` slice as long as `out`, a multiple
/// of 4; every `m < b` an integer, `mq = fl(m / b)`. (Words whose part is not below `2^51` give
/// wrong sums, not undefined behaviour.)
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn conversion_sums(terms: &[Term<'_>], b: u64, out: &mut [u64]) {
    let n = out.len();
    debug_assert!(n.is_multiple_of(4) && b < 1 << SUMS_MAX_BITS);
    debug_assert!(terms.iter().all(|t| t.x.len() == n && t.m < b as f64));
    let k = Consts::new(b);
    // Four blocks of four coefficients at a time: four independent chains of additions (one
    // chain is latency-bound) and the per-term work (constants, the part's branch) shared; the
    // same arithmetic per coefficient whatever the grouping.
    let wide = n / 16 * 16;
    for c in (0..wide).step_by(16) {
        sums_block::<4>(terms, &k, out.as_mut_ptr(), c);
    }
    for c in (wide..n).step_by(4) {
        sums_block::<1>(terms, &k, out.as_mut_ptr(), c);
    }
}

/// [`conversion_sums`] on `G` blocks of four coefficients from `c`.
#[inline(always)]
unsafe fn sums_block<const G: usize>(terms: &[Term<'_>], k: &Consts, out: *mut u64, c: usize) {
    let mut acc = [_mm256_setzero_pd(); G];
    for chunk in terms.chunks(3) {
        for t in chunk {
            let (m, mq) = (_mm256_set1_pd(t.m), _mm256_set1_pd(t.mq));
            let x = t.x.as_ptr().add(c);
            match t.part {
                Part::Whole => accumulate::<G, 0>(&mut acc, x, m, mq, k),
                Part::Low => accumulate::<G, 1>(&mut acc, x, m, mq, k),
                Part::High => accumulate::<G, 2>(&mut acc, x, m, mq, k),
            }
        }
        // Centred after every third term: below 3.51 b < 2^53, exact.
        if chunk.len() == 3 {
            for a in &mut acc {
                *a = k.centre(*a);
            }
        }
    }
    for (g, &a) in acc.iter().enumerate() {
        store(out.add(c + 4 * g), k.canonical(a));
    }
}

/// `acc[g] += part(x[4g..4g + 4]) m mod b` (in `(-b, b)`), the part 0 whole, 1 low, 2 high.
#[inline(always)]
unsafe fn accumulate<const G: usize, const PART: u8>(
    acc: &mut [__m256d; G],
    x: *const u64,
    m: __m256d,
    mq: __m256d,
    k: &Consts,
) {
    let part = [Part::Whole, Part::Low, Part::High][PART as usize];
    for (g, a) in acc.iter_mut().enumerate() {
        let w = self::part(part, load(x.add(4 * g)));
        *a = _mm256_add_pd(*a, k.mul_mod_shoup(k.to_f64(w), m, mq));
    }
}

/// The bits of `w` that `p` names.
#[inline(always)]
unsafe fn part(p: Part, w: __m256i) -> __m256i {
    match p {
        Part::Whole => w,
        Part::Low => _mm256_and_si256(w, _mm256_set1_epi64x(0xffff_ffff)),
        Part::High => _mm256_srli_epi64::<32>(w),
    }
}
