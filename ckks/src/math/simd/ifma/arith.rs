//! The two lane arithmetics of the eight-lane transforms ([`super::forward_impl`],
//! [`super::inverse_impl`]): the 52-bit one of AVX-512 IFMA for `q < 2^51`, and a 64-bit one on
//! AVX-512F alone for primes up to 61 bits (the first prime and the special primes).
//!
//! Both keep the Harvey bounds of the scalar transform: forward values in `[0, 4q)`, inverse
//! values in `[0, 2q)`; `output` and `inv_last` give canonical residues.
//!
//! Every function is `unsafe` only because it needs AVX-512F (and, for [`Ifma52`], IFMA): the
//! kernels construct an arithmetic only inside functions compiled for those features, which
//! [`super::super::NttKernel`] calls only when the path is supported.

use std::arch::x86_64::*;

/// The lane arithmetic of an eight-lane kernel.
pub(super) trait Arith8 {
    /// Forward butterfly `(x + w y, x - w y)`, lazy (`[0, 4q)` in and out).
    unsafe fn fwd(&self, x: __m512i, y: __m512i, w: __m512i, wc: __m512i) -> (__m512i, __m512i);
    /// A forward value as a canonical residue.
    unsafe fn output(&self, x: __m512i) -> __m512i;
    /// Inverse butterfly `(x + y, (x - y) w)`, lazy (`[0, 2q)` in and out).
    unsafe fn inv(&self, x: __m512i, y: __m512i, w: __m512i, wc: __m512i) -> (__m512i, __m512i);
    /// The last inverse butterfly `((x + y) n^-1, (x - y) w n^-1)` as canonical residues;
    /// `last = [n^-1, companion, w n^-1, companion]` broadcast.
    unsafe fn inv_last(&self, x: __m512i, y: __m512i, last: &[__m512i; 4]) -> (__m512i, __m512i);
}

/// `x >= m ? x - m : x`, lane-wise, for `x < 2^63` (a wrapped `x - m` is the larger).
#[inline(always)]
pub(super) unsafe fn csub(x: __m512i, m: __m512i) -> __m512i {
    _mm512_min_epu64(x, _mm512_sub_epi64(x, m))
}

/// `x` in every lane.
#[inline(always)]
pub(super) unsafe fn splat(x: u64) -> __m512i {
    _mm512_set1_epi64(x as i64)
}

// ----- 52-bit products (IFMA), q < 2^51 --------------------------------------------------------

/// IFMA arithmetic for `q < 2^50`, or `q < 2^51` if `WIDE`, with 52-bit Shoup companions
/// `w' = floor(w 2^52 / q)`: `vpmadd52huq` gives `floor(y w' / 2^52)` and two `vpmadd52luq`
/// give `y w - qhat q mod 2^52`, exact because the true value lies in `[0, 2q)`.
pub(super) struct Ifma52<const WIDE: bool> {
    q: __m512i,
    two_q: __m512i,
    /// `2^52 - q`.
    neg_q: __m512i,
    mask: __m512i,
}

impl<const WIDE: bool> Ifma52<WIDE> {
    #[inline(always)]
    pub(super) unsafe fn new(q: u64) -> Self {
        debug_assert!(q < 1 << (50 + WIDE as u32));
        Self {
            q: splat(q),
            two_q: splat(2 * q),
            neg_q: splat((1 << 52) - q),
            mask: splat((1 << 52) - 1),
        }
    }

    #[inline(always)]
    unsafe fn mul_shoup_lazy(&self, y: __m512i, w: __m512i, ws: __m512i) -> __m512i {
        mul_shoup_lazy(y, w, ws, self.neg_q, self.mask)
    }
}

/// `y w mod q` in `[0, 2q)` for lanes `y < 2^52`, `neg_q = 2^52 - q`, `mask = 2^52 - 1`.
#[inline(always)]
pub(super) unsafe fn mul_shoup_lazy(
    y: __m512i,
    w: __m512i,
    ws: __m512i,
    neg_q: __m512i,
    mask: __m512i,
) -> __m512i {
    let zero = _mm512_setzero_si512();
    let qhat = _mm512_madd52hi_epu64(zero, y, ws);
    let t = _mm512_madd52lo_epu64(zero, y, w);
    let t = _mm512_madd52lo_epu64(t, qhat, neg_q);
    _mm512_and_si512(t, mask)
}

impl<const WIDE: bool> Arith8 for Ifma52<WIDE> {
    #[inline(always)]
    unsafe fn fwd(&self, x: __m512i, y: __m512i, w: __m512i, ws: __m512i) -> (__m512i, __m512i) {
        let x = csub(x, self.two_q);
        // y < 4q may exceed 52 bits for q >= 2^50 (WIDE): bring it below 2q first.
        let y = if WIDE { csub(y, self.two_q) } else { y };
        let v = self.mul_shoup_lazy(y, w, ws);
        (_mm512_add_epi64(x, v), _mm512_sub_epi64(_mm512_add_epi64(x, self.two_q), v))
    }

    #[inline(always)]
    unsafe fn output(&self, x: __m512i) -> __m512i {
        csub(csub(x, self.two_q), self.q)
    }

    #[inline(always)]
    unsafe fn inv(&self, x: __m512i, y: __m512i, w: __m512i, ws: __m512i) -> (__m512i, __m512i) {
        let s = csub(_mm512_add_epi64(x, y), self.two_q);
        let d = _mm512_sub_epi64(_mm512_add_epi64(x, self.two_q), y);
        let d = if WIDE { csub(d, self.two_q) } else { d };
        (s, self.mul_shoup_lazy(d, w, ws))
    }

    #[inline(always)]
    unsafe fn inv_last(&self, x: __m512i, y: __m512i, last: &[__m512i; 4]) -> (__m512i, __m512i) {
        let s = csub(_mm512_add_epi64(x, y), self.two_q);
        let d = csub(_mm512_sub_epi64(_mm512_add_epi64(x, self.two_q), y), self.two_q);
        let s = csub(self.mul_shoup_lazy(s, last[0], last[1]), self.q);
        let d = csub(self.mul_shoup_lazy(d, last[2], last[3]), self.q);
        (s, d)
    }
}

// ----- 64-bit products (AVX-512F), q < 2^61 ----------------------------------------------------

/// 64-bit integer arithmetic for `q < 2^61` with Shoup's companions `floor(w 2^64 / q)`, on
/// AVX-512F and DQ: the eight-lane form of the AVX2 integer kernel's (`avx2::Int`), whose error
/// analysis it shares. The quotient `floor(y wc / 2^64)` is estimated from three of the four
/// 32 x 32-bit partial products (at most 2 below the true one), so `y w - k q` lies in
/// `[0, 4q)` and one conditional subtraction brings it below `2q`; its low word is two
/// `vpmullq`. (The AVX2 kernel's low word, two `vpmuludq` and two `vpmulld` on operands with
/// swapped halves, measured 1.14-1.21x of tfhe-ntt's time here against 1.02-1.05x: see the
/// README's NTT table on the Intel Xeon.)
pub(super) struct Int64 {
    q: __m512i,
    two_q: __m512i,
}

impl Int64 {
    #[inline(always)]
    pub(super) unsafe fn new(q: u64) -> Self {
        debug_assert!(q < 1 << 61);
        Self { q: splat(q), two_q: splat(2 * q) }
    }

    /// `y w mod q` in `[0, 2q)` for any `y`, `w < q` and `wc = floor(w 2^64 / q)`.
    #[inline(always)]
    unsafe fn mul_shoup_lazy(&self, y: __m512i, w: __m512i, wc: __m512i) -> __m512i {
        let y_hi = _mm512_srli_epi64::<32>(y);
        let wc_hi = _mm512_srli_epi64::<32>(wc);
        let lh = _mm512_mul_epu32(y, wc_hi);
        let hl = _mm512_mul_epu32(y_hi, wc);
        let hh = _mm512_mul_epu32(y_hi, wc_hi);
        let k = _mm512_add_epi64(
            hh,
            _mm512_add_epi64(_mm512_srli_epi64::<32>(lh), _mm512_srli_epi64::<32>(hl)),
        );
        let lo = _mm512_sub_epi64(_mm512_mullo_epi64(y, w), _mm512_mullo_epi64(k, self.q));
        csub(lo, self.two_q)
    }
}

impl Arith8 for Int64 {
    #[inline(always)]
    unsafe fn fwd(&self, x: __m512i, y: __m512i, w: __m512i, wc: __m512i) -> (__m512i, __m512i) {
        let x = csub(x, self.two_q);
        let v = self.mul_shoup_lazy(y, w, wc);
        (_mm512_add_epi64(x, v), _mm512_sub_epi64(_mm512_add_epi64(x, self.two_q), v))
    }

    #[inline(always)]
    unsafe fn output(&self, x: __m512i) -> __m512i {
        csub(csub(x, self.two_q), self.q)
    }

    #[inline(always)]
    unsafe fn inv(&self, x: __m512i, y: __m512i, w: __m512i, wc: __m512i) -> (__m512i, __m512i) {
        let s = csub(_mm512_add_epi64(x, y), self.two_q);
        let d = _mm512_sub_epi64(_mm512_add_epi64(x, self.two_q), y);
        (s, self.mul_shoup_lazy(d, w, wc))
    }

    #[inline(always)]
    unsafe fn inv_last(&self, x: __m512i, y: __m512i, last: &[__m512i; 4]) -> (__m512i, __m512i) {
        let s = _mm512_add_epi64(x, y);
        let d = _mm512_sub_epi64(_mm512_add_epi64(x, self.two_q), y);
        (
            csub(self.mul_shoup_lazy(s, last[0], last[1]), self.q),
            csub(self.mul_shoup_lazy(d, last[2], last[3]), self.q),
        )
    }
}
