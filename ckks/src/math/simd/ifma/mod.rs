//! AVX-512 IFMA kernels for the negacyclic NTT, for primes below 2^51.
//!
//! The same Harvey butterflies as the scalar transform in [`crate::math::ntt`], eight lanes at a time,
//! with 52-bit Shoup constants `w' = floor(w 2^52 / q)`: `vpmadd52huq` gives
//! `floor(y w' / 2^52)` and two `vpmadd52luq` give `y w - qhat q mod 2^52`, which is exact because
//! the true value lies in `[0, 2q)`. Lazy values stay below `4q < 2^53` and are brought below
//! `2q < 2^52` before each product. The three stages whose
//! butterfly span is below eight lanes run on pairs of vectors, shuffled into butterfly order
//! and back. The wide stages run two at a time (radix 4) to halve the memory traffic.
//!
//! Every function here is `unsafe` only because it requires the CPU features it is compiled
//! for; [`available`] checks them at run time and [`super::NttKernel`] only builds [`Tables`]
//! (and the element-wise wrappers only call in) when the path is supported.
//!
//! Moved unchanged from `math/ntt_ifma.rs` (tested on AVX-512 IFMA machines before the move);
//! only the table type and the visibility are new. The key-switching sums and the centred lift
//! are in `elementwise.rs`.

use super::Twiddles;
use std::arch::x86_64::*;

mod elementwise;
pub(crate) use elementwise::{centred_lift_small, mac2, reduce_sums};

/// Largest prime width this kernel accepts (multiplicands below `2q` must fit 52 bits).
pub const MAX_BITS: u32 = 51;

/// Whether the running CPU has AVX-512F and AVX-512 IFMA.
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512ifma")
}

/// 52-bit Shoup companion `floor(w * 2^52 / q)`.
pub fn shoup52(w: u64, q: u64) -> u64 {
    (((w as u128) << 52) / q as u128) as u64
}

/// The twiddles of one transform with their 52-bit Shoup companions.
#[derive(Debug)]
pub(crate) struct Tables {
    q: u64,
    fwd: Vec<u64>,
    fwd52: Vec<u64>,
    inv: Vec<u64>,
    inv52: Vec<u64>,
    /// `(n_inv, companion, last_w, companion)`.
    last: [u64; 4],
}

impl Tables {
    /// For `q < 2^51` and `N >= 16`.
    pub(crate) fn new(tw: &Twiddles<'_>) -> Self {
        let q = tw.modulus.value();
        assert!(tw.modulus.bits() <= MAX_BITS && tw.fwd.len() >= 16);
        Self {
            q,
            fwd: tw.fwd.to_vec(),
            fwd52: tw.fwd.iter().map(|&w| shoup52(w, q)).collect(),
            inv: tw.inv.to_vec(),
            inv52: tw.inv.iter().map(|&w| shoup52(w, q)).collect(),
            last: [tw.n_inv, shoup52(tw.n_inv, q), tw.last_w, shoup52(tw.last_w, q)],
        }
    }

    /// # Safety
    /// The CPU must support AVX-512F and IFMA.
    pub(crate) unsafe fn forward(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.fwd.len());
        forward(a, self.q, &self.fwd, &self.fwd52)
    }

    /// # Safety
    /// The CPU must support AVX-512F and IFMA.
    pub(crate) unsafe fn inverse(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.inv.len());
        let [n_inv, n_inv_s, last_w, last_ws] = self.last;
        inverse(a, self.q, &self.inv, &self.inv52, n_inv, n_inv_s, last_w, last_ws)
    }
}

/// Lane indices (into the concatenation of two vectors) of the butterfly inputs `x` and `y`,
/// and of the way back, for spans 4, 2 and 1.
struct Shuffle {
    x: [u64; 8],
    y: [u64; 8],
    back_lo: [u64; 8],
    back_hi: [u64; 8],
}

const SHUFFLES: [Shuffle; 3] = [
    // span 4
    Shuffle {
        x: [0, 1, 2, 3, 8, 9, 10, 11],
        y: [4, 5, 6, 7, 12, 13, 14, 15],
        back_lo: [0, 1, 2, 3, 8, 9, 10, 11],
        back_hi: [4, 5, 6, 7, 12, 13, 14, 15],
    },
    // span 2
    Shuffle {
        x: [0, 1, 4, 5, 8, 9, 12, 13],
        y: [2, 3, 6, 7, 10, 11, 14, 15],
        back_lo: [0, 1, 8, 9, 2, 3, 10, 11],
        back_hi: [4, 5, 12, 13, 6, 7, 14, 15],
    },
    // span 1
    Shuffle {
        x: [0, 2, 4, 6, 8, 10, 12, 14],
        y: [1, 3, 5, 7, 9, 11, 13, 15],
        back_lo: [0, 8, 1, 9, 2, 10, 3, 11],
        back_hi: [4, 12, 5, 13, 6, 14, 7, 15],
    },
];

/// Twiddle lane patterns for spans 4, 2, 1: lane `k` uses twiddle `base + PATTERN[k]`.
const TWIDDLE_LANES: [[u64; 8]; 3] =
    [[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 2, 2, 3, 3], [0, 1, 2, 3, 4, 5, 6, 7]];

/// One stage of `m` butterfly groups of span `t >= 8` over the `2 m t` entries at `p`, group `i`
/// with twiddle `w[m + i]`, butterfly `bf(x, y, w, w')`.
#[inline(always)]
unsafe fn radix2_stage(
    p: *mut u64,
    m: usize,
    t: usize,
    w: &[u64],
    ws: &[u64],
    bf: impl Fn(__m512i, __m512i, __m512i, __m512i) -> (__m512i, __m512i),
) {
    for i in 0..m {
        let wv = _mm512_set1_epi64(w[m + i] as i64);
        let wsv = _mm512_set1_epi64(ws[m + i] as i64);
        let base = p.add(2 * i * t);
        for j in (0..t).step_by(8) {
            let (x, y) = bf(load(base.add(j)), load(base.add(j + t)), wv, wsv);
            store(base.add(j), x);
            store(base.add(j + t), y);
        }
    }
}

/// Shuffle and twiddle-lane vectors for the stages of span 4, 2 and 1.
struct SmallSpans {
    shuffles: [[__m512i; 4]; 3],
    lanes: [__m512i; 3],
}

impl SmallSpans {
    #[inline(always)]
    unsafe fn load() -> Self {
        let sh = |s: &Shuffle| {
            [
                load(s.x.as_ptr()),
                load(s.y.as_ptr()),
                load(s.back_lo.as_ptr()),
                load(s.back_hi.as_ptr()),
            ]
        };
        Self {
            shuffles: [sh(&SHUFFLES[0]), sh(&SHUFFLES[1]), sh(&SHUFFLES[2])],
            lanes: [
                load(TWIDDLE_LANES[0].as_ptr()),
                load(TWIDDLE_LANES[1].as_ptr()),
                load(TWIDDLE_LANES[2].as_ptr()),
            ],
        }
    }

    /// One stage of span `4 >> stage` on the 16 entries `lo ++ hi` that start at `blk`, with
    /// the butterfly `bf(x, y, w, w')`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn stage(
        &self,
        lo: &mut __m512i,
        hi: &mut __m512i,
        stage: usize,
        blk: usize,
        n: usize,
        w: &[u64],
        ws: &[u64],
        bf: impl Fn(__m512i, __m512i, __m512i, __m512i) -> (__m512i, __m512i),
    ) {
        let (sh, ln) = (&self.shuffles[stage], self.lanes[stage]);
        let span = 4 >> stage;
        // The stage has n / (2 span) groups; this block's first is blk / (2 span). Its (at most
        // eight) twiddles are consecutive: one load, one lane shuffle.
        let first = n / (2 * span) + blk / (2 * span);
        let wv = _mm512_permutexvar_epi64(ln, load(w.as_ptr().add(first)));
        let wsv = _mm512_permutexvar_epi64(ln, load(ws.as_ptr().add(first)));
        let x = _mm512_permutex2var_epi64(*lo, sh[0], *hi);
        let y = _mm512_permutex2var_epi64(*lo, sh[1], *hi);
        let (x, y) = bf(x, y, wv, wsv);
        *lo = _mm512_permutex2var_epi64(x, sh[2], y);
        *hi = _mm512_permutex2var_epi64(x, sh[3], y);
    }
}

#[inline(always)]
unsafe fn load(p: *const u64) -> __m512i {
    _mm512_loadu_si512(p as *const _)
}

#[inline(always)]
unsafe fn store(p: *mut u64, v: __m512i) {
    _mm512_storeu_si512(p as *mut _, v)
}

/// `y w mod q` in `[0, 2q)` for lanes `y < 2^52`.
#[inline(always)]
unsafe fn mul_shoup_lazy(
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

/// `x >= m ? x - m : x`, lane-wise, for `x < 2^63`.
#[inline(always)]
unsafe fn csub(x: __m512i, m: __m512i) -> __m512i {
    _mm512_min_epu64(x, _mm512_sub_epi64(x, m))
}

#[inline(always)]
unsafe fn fwd_butterfly<const WIDE: bool>(
    x: __m512i,
    y: __m512i,
    w: __m512i,
    ws: __m512i,
    two_q: __m512i,
    neg_q: __m512i,
    mask: __m512i,
) -> (__m512i, __m512i) {
    let x = csub(x, two_q);
    // y < 4q may exceed 52 bits for q >= 2^50 (WIDE): bring it below 2q first.
    let y = if WIDE { csub(y, two_q) } else { y };
    let v = mul_shoup_lazy(y, w, ws, neg_q, mask);
    (_mm512_add_epi64(x, v), _mm512_sub_epi64(_mm512_add_epi64(x, two_q), v))
}

#[inline(always)]
unsafe fn inv_butterfly<const WIDE: bool>(
    x: __m512i,
    y: __m512i,
    w: __m512i,
    ws: __m512i,
    two_q: __m512i,
    neg_q: __m512i,
    mask: __m512i,
) -> (__m512i, __m512i) {
    let s = csub(_mm512_add_epi64(x, y), two_q);
    let d = _mm512_sub_epi64(_mm512_add_epi64(x, two_q), y);
    let d = if WIDE { csub(d, two_q) } else { d };
    (s, mul_shoup_lazy(d, w, ws, neg_q, mask))
}

/// Forward transform, same contract as the scalar one: entries `< q` in and out.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512 IFMA ([`available`]); `q < 2^51`; `a.len() = n`
/// is a power of two of at least 16; `w`/`ws` hold the `n` twiddles `psi^brv(k)` and their
/// 52-bit Shoup companions.
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn forward(a: &mut [u64], q: u64, w: &[u64], ws: &[u64]) {
    if q < 1 << 50 {
        forward_impl::<false>(a, q, w, ws)
    } else {
        forward_impl::<true>(a, q, w, ws)
    }
}

/// [`forward`] for `q < 2^50` (`WIDE = false`: lazy values below `4q < 2^52` need no extra
/// reduction) or `q < 2^51` (`WIDE = true`).
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn forward_impl<const WIDE: bool>(a: &mut [u64], q: u64, w: &[u64], ws: &[u64]) {
    let n = a.len();
    debug_assert!(n >= 16 && n.is_power_of_two() && w.len() == n && ws.len() == n);
    let p = a.as_mut_ptr();
    let two_q = _mm512_set1_epi64((2 * q) as i64);
    let qv = _mm512_set1_epi64(q as i64);
    let neg_q = _mm512_set1_epi64(((1u64 << 52) - q) as i64);
    let mask = _mm512_set1_epi64(((1u64 << 52) - 1) as i64);
    let mut t = n;
    let mut m = 1;
    // Two stages per pass while both spans are at least 8: half the memory traffic.
    while t >= 32 {
        let span = t >> 1;
        let h = span >> 1;
        for i in 0..m {
            let w1 = _mm512_set1_epi64(w[m + i] as i64);
            let w1s = _mm512_set1_epi64(ws[m + i] as i64);
            let w2a = _mm512_set1_epi64(w[2 * m + 2 * i] as i64);
            let w2as = _mm512_set1_epi64(ws[2 * m + 2 * i] as i64);
            let w2b = _mm512_set1_epi64(w[2 * m + 2 * i + 1] as i64);
            let w2bs = _mm512_set1_epi64(ws[2 * m + 2 * i + 1] as i64);
            let base = p.add(2 * i * span);
            for j in (0..h).step_by(8) {
                let (p0, p1, p2, p3) =
                    (base.add(j), base.add(h + j), base.add(span + j), base.add(span + h + j));
                let (x0, x1, x2, x3) = (load(p0), load(p1), load(p2), load(p3));
                let (x0, x2) = fwd_butterfly::<WIDE>(x0, x2, w1, w1s, two_q, neg_q, mask);
                let (x1, x3) = fwd_butterfly::<WIDE>(x1, x3, w1, w1s, two_q, neg_q, mask);
                let (x0, x1) = fwd_butterfly::<WIDE>(x0, x1, w2a, w2as, two_q, neg_q, mask);
                let (x2, x3) = fwd_butterfly::<WIDE>(x2, x3, w2b, w2bs, two_q, neg_q, mask);
                store(p0, x0);
                store(p1, x1);
                store(p2, x2);
                store(p3, x3);
            }
        }
        t >>= 2;
        m <<= 2;
    }
    while t > 8 {
        t >>= 1;
        radix2_stage(p, m, t, w, ws, |x, y, wv, wsv| {
            fwd_butterfly::<WIDE>(x, y, wv, wsv, two_q, neg_q, mask)
        });
        m <<= 1;
    }
    // Spans 4, 2, 1 on blocks of 16 entries, then the final reduction to [0, q).
    let small = SmallSpans::load();
    for blk in (0..n).step_by(16) {
        let mut lo = load(p.add(blk));
        let mut hi = load(p.add(blk + 8));
        for stage in 0..3 {
            small.stage(&mut lo, &mut hi, stage, blk, n, w, ws, |x, y, wv, wsv| {
                fwd_butterfly::<WIDE>(x, y, wv, wsv, two_q, neg_q, mask)
            });
        }
        lo = csub(csub(lo, two_q), qv);
        hi = csub(csub(hi, two_q), qv);
        store(p.add(blk), lo);
        store(p.add(blk + 8), hi);
    }
}

/// Inverse transform including the `1/N` factor, same contract as the scalar one.
///
/// # Safety
/// As [`forward`], with `w`/`ws` the inverse twiddles `psi^-brv(k)` and companions;
/// `n_inv`, `last_w` (`n_inv psi^-brv(1)`) and their 52-bit companions for the last stage.
#[target_feature(enable = "avx512f,avx512ifma")]
#[allow(clippy::too_many_arguments)]
unsafe fn inverse(
    a: &mut [u64],
    q: u64,
    w: &[u64],
    ws: &[u64],
    n_inv: u64,
    n_inv_s: u64,
    last_w: u64,
    last_ws: u64,
) {
    if q < 1 << 50 {
        inverse_impl::<false>(a, q, w, ws, [n_inv, n_inv_s, last_w, last_ws])
    } else {
        inverse_impl::<true>(a, q, w, ws, [n_inv, n_inv_s, last_w, last_ws])
    }
}

/// [`inverse`] specialised as [`forward_impl`].
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn inverse_impl<const WIDE: bool>(
    a: &mut [u64],
    q: u64,
    w: &[u64],
    ws: &[u64],
    last: [u64; 4],
) {
    let [n_inv, n_inv_s, last_w, last_ws] = last;
    let n = a.len();
    debug_assert!(n >= 16 && n.is_power_of_two() && w.len() == n && ws.len() == n);
    let p = a.as_mut_ptr();
    let two_q = _mm512_set1_epi64((2 * q) as i64);
    let qv = _mm512_set1_epi64(q as i64);
    let neg_q = _mm512_set1_epi64(((1u64 << 52) - q) as i64);
    let mask = _mm512_set1_epi64(((1u64 << 52) - 1) as i64);
    let small = SmallSpans::load();
    // Spans 1, 2, 4 first.
    for blk in (0..n).step_by(16) {
        let mut lo = load(p.add(blk));
        let mut hi = load(p.add(blk + 8));
        for stage in (0..3).rev() {
            small.stage(&mut lo, &mut hi, stage, blk, n, w, ws, |x, y, wv, wsv| {
                inv_butterfly::<WIDE>(x, y, wv, wsv, two_q, neg_q, mask)
            });
        }
        store(p.add(blk), lo);
        store(p.add(blk + 8), hi);
    }
    let mut t = 8;
    let mut m = n / 16;
    // Two stages per pass while both have at least two groups.
    while m >= 4 {
        for i in 0..m / 2 {
            let wa = _mm512_set1_epi64(w[m + 2 * i] as i64);
            let was = _mm512_set1_epi64(ws[m + 2 * i] as i64);
            let wb = _mm512_set1_epi64(w[m + 2 * i + 1] as i64);
            let wbs = _mm512_set1_epi64(ws[m + 2 * i + 1] as i64);
            let wc = _mm512_set1_epi64(w[m / 2 + i] as i64);
            let wcs = _mm512_set1_epi64(ws[m / 2 + i] as i64);
            let base = p.add(4 * i * t);
            for j in (0..t).step_by(8) {
                let (p0, p1, p2, p3) =
                    (base.add(j), base.add(t + j), base.add(2 * t + j), base.add(3 * t + j));
                let (y0, y1, y2, y3) = (load(p0), load(p1), load(p2), load(p3));
                let (y0, y1) = inv_butterfly::<WIDE>(y0, y1, wa, was, two_q, neg_q, mask);
                let (y2, y3) = inv_butterfly::<WIDE>(y2, y3, wb, wbs, two_q, neg_q, mask);
                let (y0, y2) = inv_butterfly::<WIDE>(y0, y2, wc, wcs, two_q, neg_q, mask);
                let (y1, y3) = inv_butterfly::<WIDE>(y1, y3, wc, wcs, two_q, neg_q, mask);
                store(p0, y0);
                store(p1, y1);
                store(p2, y2);
                store(p3, y3);
            }
        }
        t <<= 2;
        m >>= 2;
    }
    while m > 1 {
        radix2_stage(p, m, t, w, ws, |x, y, wv, wsv| {
            inv_butterfly::<WIDE>(x, y, wv, wsv, two_q, neg_q, mask)
        });
        t <<= 1;
        m >>= 1;
    }
    // Last stage with 1/N folded in, fully reduced.
    let h = n / 2;
    let niv = _mm512_set1_epi64(n_inv as i64);
    let nis = _mm512_set1_epi64(n_inv_s as i64);
    let lwv = _mm512_set1_epi64(last_w as i64);
    let lws = _mm512_set1_epi64(last_ws as i64);
    for j in (0..h).step_by(8) {
        let x = load(p.add(j));
        let y = load(p.add(j + h));
        let s = csub(_mm512_add_epi64(x, y), two_q);
        let d = csub(_mm512_sub_epi64(_mm512_add_epi64(x, two_q), y), two_q);
        let s = csub(mul_shoup_lazy(s, niv, nis, neg_q, mask), qv);
        let d = csub(mul_shoup_lazy(d, lwv, lws, neg_q, mask), qv);
        store(p.add(j), s);
        store(p.add(j + h), d);
    }
}
