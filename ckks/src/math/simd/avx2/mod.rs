//! AVX2 + FMA kernels of the negacyclic NTT: the butterflies of the portable transform
//! ([`crate::math::ntt`]), four lanes at a time, in two arithmetics.
//!
//! - **Double precision, `q < 2^51`** ([`FloatTables`]). The transform runs on `f64` values
//!   (integers below `4q < 2^53`, exact). A twiddle product `y w mod q` takes the quotient
//!   estimate `k = round(y * fl(w / q))` and the exact remainder `y w - k q` from the two-product
//!   `h = fl(y w)`, `l = fma(y, w, -h)` (exact) and `fma(-k, q, h) + l` (exact: an integer below
//!   `2^52`). With `|y w / q| < 2^51` the estimate is within one of `y w / q` (two roundings of
//!   relative size `2^-53`), and `y w / q` is never an integer unless the product is 0 mod q, so
//!   the remainder lies in `(-q, q)`. Six floating-point operations, no 64-bit integer product
//!   (which AVX2 lacks). For `q < 2^50` the multiplicand may be anything below `2q`; for
//!   `2^50 <= q < 2^51` (`WIDE`, half the primes near a 50-bit scale) it is first brought below
//!   `q` (forward) or centred into `(-q/2, q/2]` (inverse), three more operations.
//! - **64-bit integers, `q < 2^61`** ([`IntTables`]). Shoup products as in the portable code, the
//!   quotient estimate from three `vpmuludq`, the low word of `y w - k q` from two more and two
//!   `vpmulld` (the cross terms matter only mod 2^32): measured 0.82-0.95x of tfhe-ntt's time
//!   against 0.90-1.27x with six `vpmuludq` for the low word (same runs, `NTT_BEST_OF=1`).
//!
//! Measured on an AMD EPYC Zen 3 (2 cores, shared): see `ckks/benches/ntt.rs` and the README.
//!
//! The stage layout is the one of the IFMA kernel: two stages per pass (radix 4) while the inner
//! span is at least four lanes, then radix 2 down to span 4, then spans 2 and 1 on pairs of
//! vectors shuffled into butterfly order. The first pass converts `u64` input into the kernel's
//! format in registers and the last pass converts back, so the buffer holds `f64` bit patterns
//! only inside one call.
//!
//! Every function is `unsafe` only because it needs AVX2 and FMA; [`super::NttKernel`] builds the
//! tables only when [`super::Path::Avx2`] is supported.

pub(crate) mod elementwise;
pub(crate) mod pointwise;
mod stages;
pub(crate) mod wide;

use super::{KernelTables as Tables, Twiddles};
use stages::{forward_impl, inverse_impl};
use std::arch::x86_64::*;

/// Widest prime of the double-precision kernel: lazy values below `4q < 2^53` are exact `f64`s.
pub(crate) const FLOAT_MAX_BITS: u32 = 51;

// ----- lane moves shared by every kernel file ------------------------------------------------
//
// Safety (all three): AVX2 instructions, so only reachable from `#[target_feature(enable =
// "avx2")]` code; `load` and `store` need `p..p + 4` valid (unaligned is fine).

/// Four words from `p`.
#[inline(always)]
unsafe fn load(p: *const u64) -> __m256i {
    _mm256_loadu_si256(p as *const __m256i)
}

/// Four words to `p`.
#[inline(always)]
unsafe fn store(p: *mut u64, v: __m256i) {
    _mm256_storeu_si256(p as *mut __m256i, v)
}

/// `x` in every lane.
#[inline(always)]
unsafe fn splat(x: u64) -> __m256i {
    _mm256_set1_epi64x(x as i64)
}

// ----- the two arithmetics ------------------------------------------------------------------

/// The lane arithmetic of one kernel. Registers hold the kernel's own representation (`f64` bit
/// patterns or `u64`); forward values stay in `[0, 4q)` (or, for `Float<false>`, `(-3q, 3q)`),
/// inverse values in `[0, 2q)`.
trait Arith {
    /// `u64` residues `< q` into the kernel's representation.
    unsafe fn input(&self, x: __m256i) -> __m256i;
    /// A forward value as it enters a pass after the first (a reduction, or nothing).
    unsafe fn pass_in(&self, x: __m256i) -> __m256i;
    /// Forward Harvey butterfly `(x + w y, x - w y)`, lazy.
    unsafe fn fwd(&self, x: __m256i, y: __m256i, w: __m256i, wc: __m256i) -> (__m256i, __m256i);
    /// A forward value as a canonical `u64` residue.
    unsafe fn output(&self, x: __m256i) -> __m256i;
    /// Inverse Gentleman-Sande butterfly `(x + y, (x - y) w)`, lazy.
    unsafe fn inv(&self, x: __m256i, y: __m256i, w: __m256i, wc: __m256i) -> (__m256i, __m256i);
    /// The last inverse butterfly `((x + y) n^-1, (x - y) w n^-1)` as canonical `u64` residues;
    /// `last = [n^-1, companion, w n^-1, companion]` broadcast.
    unsafe fn inv_last(&self, x: __m256i, y: __m256i, last: &[__m256i; 4]) -> (__m256i, __m256i);
}

/// What the first pass of a forward transform does to each loaded vector of `u64` residues
/// before the butterflies (fusing a conversion into the transform saves a pass over the data).
pub(super) trait Pre {
    unsafe fn apply(&self, x: __m256i) -> __m256i;
}

/// Nothing: a plain transform.
pub(super) struct Identity;

impl Pre for Identity {
    #[inline(always)]
    unsafe fn apply(&self, x: __m256i) -> __m256i {
        x
    }
}

#[inline(always)]
unsafe fn pd(x: __m256i) -> __m256d {
    _mm256_castsi256_pd(x)
}

#[inline(always)]
unsafe fn si(x: __m256d) -> __m256i {
    _mm256_castpd_si256(x)
}

/// `x >= m ? x - m : x` on `f64` lanes (the sign of `x - m` picks; `x - m` is never `-0`).
#[inline(always)]
unsafe fn csub_pd(x: __m256d, m: __m256d) -> __m256d {
    let t = _mm256_sub_pd(x, m);
    _mm256_blendv_pd(t, x, t)
}

/// `x >= m ? x - m : x` on `u64` lanes below `2^63`.
#[inline(always)]
pub(super) unsafe fn csub_epi64(x: __m256i, m: __m256i) -> __m256i {
    let t = _mm256_sub_epi64(x, m);
    si(_mm256_blendv_pd(pd(t), pd(x), pd(t)))
}

/// Double-precision arithmetic for `q < 2^50`, or `q < 2^51` if `WIDE`; companions are
/// `fl(w / q)`.
struct Float<const WIDE: bool> {
    q: __m256d,
    two_q: __m256d,
    /// `fl(1 / q)`, for the centring of `WIDE`.
    q_inv: __m256d,
    /// `2^52`, as a double and as its bit pattern: `u64 <-> f64` for values below `2^52`.
    magic: __m256d,
    magic_bits: __m256i,
}

impl<const WIDE: bool> Float<WIDE> {
    #[inline(always)]
    unsafe fn new(q: u64) -> Self {
        debug_assert!(q < 1 << (50 + WIDE as u32));
        let magic = _mm256_set1_pd(4503599627370496.0);
        Self {
            q: _mm256_set1_pd(q as f64),
            two_q: _mm256_set1_pd((2 * q) as f64),
            q_inv: _mm256_set1_pd(1.0 / q as f64),
            magic,
            magic_bits: si(magic),
        }
    }

    /// `x - k q` in `(-0.51 q, 0.51 q)`, `k = round(x / q)`, for integers `|x| < 2^53`.
    #[inline(always)]
    unsafe fn centre(&self, x: __m256d) -> __m256d {
        let k = _mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm256_mul_pd(x, self.q_inv),
        );
        _mm256_fnmadd_pd(k, self.q, x)
    }

    /// `y w - k q` in `(-q, q)`, `k = round(y wq)`, for `w < q`, `wq = fl(w / q)` and
    /// `|y w / q| < 2^51`.
    #[inline(always)]
    unsafe fn mul_mod(&self, y: __m256d, w: __m256d, wq: __m256d) -> __m256d {
        let k = _mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm256_mul_pd(y, wq),
        );
        let h = _mm256_mul_pd(y, w);
        let l = _mm256_fmsub_pd(y, w, h);
        _mm256_add_pd(_mm256_fnmadd_pd(k, self.q, h), l)
    }

    /// Canonical `f64` residue into `u64`.
    #[inline(always)]
    unsafe fn to_u64(&self, x: __m256d) -> __m256i {
        _mm256_xor_si256(si(_mm256_add_pd(x, self.magic)), self.magic_bits)
    }

    /// `(-q, q)` to `[0, q)` (`r` is never `-0`: see [`Float::mul_mod`]'s operands).
    #[inline(always)]
    unsafe fn canon(&self, r: __m256d) -> __m256d {
        _mm256_blendv_pd(r, _mm256_add_pd(r, self.q), r)
    }
}

impl<const WIDE: bool> Arith for Float<WIDE> {
    #[inline(always)]
    unsafe fn input(&self, x: __m256i) -> __m256i {
        si(_mm256_sub_pd(pd(_mm256_or_si256(x, self.magic_bits)), self.magic))
    }

    /// `q < 2^50`: a value from a previous pass, in `(-3q, 3q)`, centred into `(-0.51q, 0.51q)`.
    #[inline(always)]
    unsafe fn pass_in(&self, x: __m256i) -> __m256i {
        if WIDE {
            x
        } else {
            si(self.centre(pd(x)))
        }
    }

    /// `q < 2^50`: signed values, no reduction: a pass starts from `|x| < q` (the input, or
    /// centred), each butterfly adds `r in (-q, q)`, so the multiplicand of the second stage is
    /// below `2q < 2^51` (what `mul_mod` needs) and a pass ends within `(-3q, 3q)`: three
    /// operations per pass and value instead of four per butterfly. `2^50 <= q < 2^51`: values in
    /// `[0, 4q)`, brought below `2q` (the multiplicand below `q`) before each butterfly.
    #[inline(always)]
    unsafe fn fwd(&self, x: __m256i, y: __m256i, w: __m256i, wc: __m256i) -> (__m256i, __m256i) {
        if !WIDE {
            let (x, r) = (pd(x), self.mul_mod(pd(y), pd(w), pd(wc)));
            return (si(_mm256_add_pd(x, r)), si(_mm256_sub_pd(x, r)));
        }
        let x = csub_pd(pd(x), self.two_q);
        let y = csub_pd(csub_pd(pd(y), self.two_q), self.q);
        let r = self.mul_mod(y, pd(w), pd(wc));
        // x + q in [q, 3q), r in (-q, q): both outputs in (0, 4q).
        let xq = _mm256_add_pd(x, self.q);
        (si(_mm256_add_pd(xq, r)), si(_mm256_sub_pd(xq, r)))
    }

    #[inline(always)]
    unsafe fn output(&self, x: __m256i) -> __m256i {
        if WIDE {
            self.to_u64(csub_pd(csub_pd(pd(x), self.two_q), self.q))
        } else {
            self.to_u64(self.canon(self.centre(pd(x))))
        }
    }

    #[inline(always)]
    unsafe fn inv(&self, x: __m256i, y: __m256i, w: __m256i, wc: __m256i) -> (__m256i, __m256i) {
        let (x, y) = (pd(x), pd(y));
        let s = csub_pd(_mm256_add_pd(x, y), self.two_q);
        let d = _mm256_sub_pd(x, y);
        let d = if WIDE { self.centre(d) } else { d };
        let r = self.mul_mod(d, pd(w), pd(wc));
        (si(s), si(_mm256_add_pd(r, self.q)))
    }

    #[inline(always)]
    unsafe fn inv_last(&self, x: __m256i, y: __m256i, last: &[__m256i; 4]) -> (__m256i, __m256i) {
        let (x, y) = (pd(x), pd(y));
        let s = csub_pd(_mm256_add_pd(x, y), self.two_q);
        let s = if WIDE { csub_pd(s, self.q) } else { s };
        let s = self.canon(self.mul_mod(s, pd(last[0]), pd(last[1])));
        let d = _mm256_sub_pd(x, y);
        let d = if WIDE { self.centre(d) } else { d };
        let d = self.canon(self.mul_mod(d, pd(last[2]), pd(last[3])));
        (self.to_u64(s), self.to_u64(d))
    }
}

/// 64-bit integer arithmetic for `q < 2^61`; companions are Shoup's `floor(w 2^64 / q)`.
pub(super) struct Int {
    pub(super) q: __m256i,
    pub(super) two_q: __m256i,
    pub(super) q_hi: __m256i,
    /// `q` with the 32-bit halves of each lane swapped.
    q_swap: __m256i,
}

impl Int {
    #[inline(always)]
    pub(super) unsafe fn new(q: u64) -> Self {
        Self {
            q: _mm256_set1_epi64x(q as i64),
            two_q: _mm256_set1_epi64x((2 * q) as i64),
            q_hi: _mm256_set1_epi64x((q >> 32) as i64),
            q_swap: _mm256_set1_epi64x(q.rotate_left(32) as i64),
        }
    }

    /// `y w mod q` in `[0, 2q)` for any `y`, `w < q` and `wc = floor(w 2^64 / q)` (Shoup).
    ///
    /// The quotient `floor(y wc / 2^64)` is estimated from three of the four 32 x 32-bit partial
    /// products, leaving out the low one and the carries of the middle ones' low halves: the
    /// estimate is at most 2 below, so `y w - k q` lies in `[0, 4q)` (below 2^63) and one
    /// conditional subtraction of `2q` finishes. (The exact high product, four products and the
    /// carry chain, is also an idiom LLVM recognises and turns into four scalar `mul`s with lane
    /// extractions: 2x slower here.)
    #[inline(always)]
    pub(super) unsafe fn mul_shoup_lazy(&self, y: __m256i, w: __m256i, wc: __m256i) -> __m256i {
        let y_hi = _mm256_srli_epi64::<32>(y);
        let wc_hi = _mm256_srli_epi64::<32>(wc);
        let lh = _mm256_mul_epu32(y, wc_hi);
        let hl = _mm256_mul_epu32(y_hi, wc);
        let hh = _mm256_mul_epu32(y_hi, wc_hi);
        let k = _mm256_add_epi64(
            hh,
            _mm256_add_epi64(_mm256_srli_epi64::<32>(lh), _mm256_srli_epi64::<32>(hl)),
        );
        // y w - k q mod 2^64 = (y_l w_l - k_l q_l) + 2^32 (y_l w_h + y_h w_l - k_l q_h - k_h q_l):
        // the cross terms matter only mod 2^32, two to a lane from 32-bit products of `y` and
        // `k` with `w` and `q` whose halves are swapped.
        let w_swap = _mm256_shuffle_epi32::<0b10_11_00_01>(w);
        let lo = _mm256_sub_epi64(_mm256_mul_epu32(y, w), _mm256_mul_epu32(k, self.q));
        let cross =
            _mm256_sub_epi32(_mm256_mullo_epi32(y, w_swap), _mm256_mullo_epi32(k, self.q_swap));
        let mid = _mm256_add_epi64(
            _mm256_slli_epi64::<32>(cross),
            _mm256_and_si256(cross, _mm256_set1_epi64x(-1 << 32)),
        );
        csub_epi64(_mm256_add_epi64(lo, mid), self.two_q)
    }
}

impl Arith for Int {
    #[inline(always)]
    unsafe fn input(&self, x: __m256i) -> __m256i {
        x
    }

    #[inline(always)]
    unsafe fn pass_in(&self, x: __m256i) -> __m256i {
        x
    }

    #[inline(always)]
    unsafe fn fwd(&self, x: __m256i, y: __m256i, w: __m256i, wc: __m256i) -> (__m256i, __m256i) {
        let x = csub_epi64(x, self.two_q);
        let v = self.mul_shoup_lazy(y, w, wc);
        (_mm256_add_epi64(x, v), _mm256_sub_epi64(_mm256_add_epi64(x, self.two_q), v))
    }

    #[inline(always)]
    unsafe fn output(&self, x: __m256i) -> __m256i {
        csub_epi64(csub_epi64(x, self.two_q), self.q)
    }

    #[inline(always)]
    unsafe fn inv(&self, x: __m256i, y: __m256i, w: __m256i, wc: __m256i) -> (__m256i, __m256i) {
        let s = csub_epi64(_mm256_add_epi64(x, y), self.two_q);
        let d = _mm256_sub_epi64(_mm256_add_epi64(x, self.two_q), y);
        (s, self.mul_shoup_lazy(d, w, wc))
    }

    #[inline(always)]
    unsafe fn inv_last(&self, x: __m256i, y: __m256i, last: &[__m256i; 4]) -> (__m256i, __m256i) {
        let s = _mm256_add_epi64(x, y);
        let d = _mm256_sub_epi64(_mm256_add_epi64(x, self.two_q), y);
        (
            csub_epi64(self.mul_shoup_lazy(s, last[0], last[1]), self.q),
            csub_epi64(self.mul_shoup_lazy(d, last[2], last[3]), self.q),
        )
    }
}

// ----- tables -------------------------------------------------------------------------------

/// The double-precision kernel's tables (`q < 2^51`).
#[derive(Debug)]
pub(crate) struct FloatTables(Tables);

/// The integer kernel's tables (`q < 2^61`).
#[derive(Debug)]
pub(crate) struct IntTables(Tables);

impl FloatTables {
    pub(crate) fn new(tw: &Twiddles<'_>) -> Self {
        assert!(tw.modulus.bits() <= FLOAT_MAX_BITS && tw.fwd.len() >= 8);
        let q = tw.modulus.value();
        let qf = q as f64;
        let w = |v: &[u64]| v.iter().map(|&x| (x as f64).to_bits()).collect();
        let c = |v: &[u64]| v.iter().map(|&x| (x as f64 / qf).to_bits()).collect();
        let pair = |x: u64| [(x as f64).to_bits(), (x as f64 / qf).to_bits()];
        let [a, b] = pair(tw.n_inv);
        let [d, e] = pair(tw.last_w);
        Self(Tables {
            q,
            fwd: w(tw.fwd),
            fwd_c: c(tw.fwd),
            inv: w(tw.inv),
            inv_c: c(tw.inv),
            last: [a, b, d, e],
        })
    }

    /// # Safety
    /// The CPU must support AVX2 and FMA.
    pub(crate) unsafe fn forward(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.0.fwd.len());
        forward_float(a.as_ptr(), a, &self.0, &Identity)
    }

    /// The transform of the centred lift of `src` from `Z_from` into `a`.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; `from < 2^61` odd; entries of `src` below `from`.
    pub(crate) unsafe fn forward_lifted(&self, src: &[u64], a: &mut [u64], from: u64) {
        assert_eq!(a.len(), self.0.fwd.len());
        forward_lifted(src, a, from, &self.0, true)
    }

    /// # Safety
    /// The CPU must support AVX2 and FMA.
    pub(crate) unsafe fn inverse(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.0.inv.len());
        inverse_float(a, &self.0)
    }
}

impl IntTables {
    pub(crate) fn new(tw: &Twiddles<'_>) -> Self {
        assert!(tw.fwd.len() >= 8);
        Self(Tables::shoup(tw))
    }

    /// # Safety
    /// The CPU must support AVX2 and FMA.
    pub(crate) unsafe fn forward(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.0.fwd.len());
        forward_int(a.as_ptr(), a, &self.0, &Identity)
    }

    /// As [`FloatTables::forward_lifted`].
    ///
    /// # Safety
    /// As [`FloatTables::forward_lifted`].
    pub(crate) unsafe fn forward_lifted(&self, src: &[u64], a: &mut [u64], from: u64) {
        assert_eq!(a.len(), self.0.fwd.len());
        forward_lifted(src, a, from, &self.0, false)
    }

    /// # Safety
    /// The CPU must support AVX2 and FMA.
    pub(crate) unsafe fn inverse(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.0.inv.len());
        inverse_int(a, &self.0)
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn forward_float<P: Pre>(src: *const u64, a: &mut [u64], t: &Tables, pre: &P) {
    if t.q < 1 << 50 {
        forward_impl(src, a, pre, &Float::<false>::new(t.q), &t.fwd, &t.fwd_c)
    } else {
        forward_impl(src, a, pre, &Float::<true>::new(t.q), &t.fwd, &t.fwd_c)
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn inverse_float(a: &mut [u64], t: &Tables) {
    if t.q < 1 << 50 {
        inverse_impl(a, &Float::<false>::new(t.q), &t.inv, &t.inv_c, &t.last)
    } else {
        inverse_impl(a, &Float::<true>::new(t.q), &t.inv, &t.inv_c, &t.last)
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn forward_int<P: Pre>(src: *const u64, a: &mut [u64], t: &Tables, pre: &P) {
    forward_impl(src, a, pre, &Int::new(t.q), &t.fwd, &t.fwd_c)
}

/// The transform of the centred lift of `src` (residues modulo `from`) into `a`, with the lift of
/// `wide` (any sizes) or of `elementwise` (`from <= 2q`) in the first pass.
#[target_feature(enable = "avx2,fma")]
unsafe fn forward_lifted(src: &[u64], a: &mut [u64], from: u64, t: &Tables, float: bool) {
    assert_eq!(src.len(), a.len());
    let src = src.as_ptr();
    match (from <= 2 * t.q, float) {
        (true, true) => forward_float(src, a, t, &elementwise::LiftSmall::new(from, t.q)),
        (true, false) => forward_int(src, a, t, &elementwise::LiftSmall::new(from, t.q)),
        (false, true) => forward_float(src, a, t, &wide::Lift::new(from, t.q)),
        (false, false) => forward_int(src, a, t, &wide::Lift::new(from, t.q)),
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn inverse_int(a: &mut [u64], t: &Tables) {
    inverse_impl(a, &Int::new(t.q), &t.inv, &t.inv_c, &t.last)
}
