//! AVX-512 kernels for the negacyclic NTT: AVX-512 IFMA for primes below 2^51 ([`Tables`]), and
//! AVX-512F/DQ 64-bit integer lanes for primes up to 61 bits ([`IntTables`]).
//!
//! The same Harvey butterflies as the scalar transform in [`crate::math::ntt`], eight lanes at a
//! time, in one of the two arithmetics of `arith.rs`: 52-bit Shoup constants
//! `w' = floor(w 2^52 / q)` and IFMA products, or 64-bit Shoup constants and 32 x 32-bit
//! products. The stage layout is shared: the three stages whose
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

use super::{KernelTables, Twiddles};
use arith::{csub, mul_shoup_lazy, splat, Arith8, Ifma52, Int64};
use std::arch::x86_64::*;

mod arith;
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
        inverse(a, self.q, &self.inv, &self.inv52, self.last)
    }
}

/// The twiddles of one transform with their 64-bit Shoup companions, for the AVX-512F/DQ
/// integer kernel (`q < 2^61`).
#[derive(Debug)]
pub(crate) struct IntTables(KernelTables);

/// Whether the running CPU has what the integer kernel needs besides the IFMA path's
/// AVX-512F: AVX-512DQ (`vpmullq`; every IFMA CPU so far has it).
pub fn int_available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512dq")
}

impl IntTables {
    /// For `q < 2^61` and `N >= 16`.
    pub(crate) fn new(tw: &Twiddles<'_>) -> Self {
        assert!(tw.modulus.bits() <= 61 && tw.fwd.len() >= 16);
        Self(KernelTables::shoup(tw))
    }

    /// # Safety
    /// The CPU must support AVX-512F and DQ ([`int_available`]).
    pub(crate) unsafe fn forward(&self, a: &mut [u64]) {
        let t = &self.0;
        assert_eq!(a.len(), t.fwd.len());
        forward_int(a, t.q, &t.fwd, &t.fwd_c)
    }

    /// # Safety
    /// The CPU must support AVX-512F and DQ ([`int_available`]).
    pub(crate) unsafe fn inverse(&self, a: &mut [u64]) {
        let t = &self.0;
        assert_eq!(a.len(), t.inv.len());
        inverse_int(a, t.q, &t.inv, &t.inv_c, t.last)
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

/// Forward transform, same contract as the scalar one: entries `< q` in and out.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512 IFMA ([`available`]); `q < 2^51`; `a.len() = n`
/// is a power of two of at least 16; `w`/`ws` hold the `n` twiddles `psi^brv(k)` and their
/// 52-bit Shoup companions.
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn forward(a: &mut [u64], q: u64, w: &[u64], ws: &[u64]) {
    if q < 1 << 50 {
        forward_impl(a, w, ws, &Ifma52::<false>::new(q))
    } else {
        forward_impl(a, w, ws, &Ifma52::<true>::new(q))
    }
}

/// Inverse transform including the `1/N` factor, same contract as the scalar one.
///
/// # Safety
/// As [`forward`], with `w`/`ws` the inverse twiddles `psi^-brv(k)` and companions; `last`
/// holds `n_inv`, its companion, `last_w` (`n_inv psi^-brv(1)`) and its companion.
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn inverse(a: &mut [u64], q: u64, w: &[u64], ws: &[u64], last: [u64; 4]) {
    if q < 1 << 50 {
        inverse_impl(a, w, ws, last, &Ifma52::<false>::new(q))
    } else {
        inverse_impl(a, w, ws, last, &Ifma52::<true>::new(q))
    }
}

/// [`forward`] on 64-bit lanes for `q < 2^61`, with 64-bit Shoup companions.
///
/// # Safety
/// The CPU must support AVX-512F and DQ; otherwise as [`forward`].
#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn forward_int(a: &mut [u64], q: u64, w: &[u64], wc: &[u64]) {
    forward_impl(a, w, wc, &Int64::new(q))
}

/// [`inverse`] on 64-bit lanes for `q < 2^61`, with 64-bit Shoup companions.
///
/// # Safety
/// The CPU must support AVX-512F and DQ; otherwise as [`inverse`].
#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn inverse_int(a: &mut [u64], q: u64, w: &[u64], wc: &[u64], last: [u64; 4]) {
    inverse_impl(a, w, wc, last, &Int64::new(q))
}

/// The forward transform in the arithmetic `ar` (inlined into the callers above, which are
/// compiled for its instructions).
#[inline(always)]
unsafe fn forward_impl<A: Arith8>(a: &mut [u64], w: &[u64], ws: &[u64], ar: &A) {
    let n = a.len();
    debug_assert!(n >= 16 && n.is_power_of_two() && w.len() == n && ws.len() == n);
    let p = a.as_mut_ptr();
    let mut t = n;
    let mut m = 1;
    // Two stages per pass while both spans are at least 8: half the memory traffic.
    while t >= 32 {
        let span = t >> 1;
        let h = span >> 1;
        for i in 0..m {
            let (w1, w1s) = (splat(w[m + i]), splat(ws[m + i]));
            let (w2a, w2as) = (splat(w[2 * m + 2 * i]), splat(ws[2 * m + 2 * i]));
            let (w2b, w2bs) = (splat(w[2 * m + 2 * i + 1]), splat(ws[2 * m + 2 * i + 1]));
            let base = p.add(2 * i * span);
            for j in (0..h).step_by(8) {
                let (p0, p1, p2, p3) =
                    (base.add(j), base.add(h + j), base.add(span + j), base.add(span + h + j));
                let (x0, x1, x2, x3) = (load(p0), load(p1), load(p2), load(p3));
                let (x0, x2) = ar.fwd(x0, x2, w1, w1s);
                let (x1, x3) = ar.fwd(x1, x3, w1, w1s);
                let (x0, x1) = ar.fwd(x0, x1, w2a, w2as);
                let (x2, x3) = ar.fwd(x2, x3, w2b, w2bs);
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
        radix2_stage(p, m, t, w, ws, |x, y, wv, wsv| ar.fwd(x, y, wv, wsv));
        m <<= 1;
    }
    // Spans 4, 2, 1 on blocks of 16 entries, then the final reduction to [0, q).
    let small = SmallSpans::load();
    for blk in (0..n).step_by(16) {
        let mut lo = load(p.add(blk));
        let mut hi = load(p.add(blk + 8));
        for stage in 0..3 {
            small.stage(&mut lo, &mut hi, stage, blk, n, w, ws, |x, y, wv, wsv| {
                ar.fwd(x, y, wv, wsv)
            });
        }
        store(p.add(blk), ar.output(lo));
        store(p.add(blk + 8), ar.output(hi));
    }
}

/// The inverse transform in the arithmetic `ar`, as [`forward_impl`].
#[inline(always)]
unsafe fn inverse_impl<A: Arith8>(a: &mut [u64], w: &[u64], ws: &[u64], last: [u64; 4], ar: &A) {
    let n = a.len();
    debug_assert!(n >= 16 && n.is_power_of_two() && w.len() == n && ws.len() == n);
    let p = a.as_mut_ptr();
    let small = SmallSpans::load();
    // Spans 1, 2, 4 first.
    for blk in (0..n).step_by(16) {
        let mut lo = load(p.add(blk));
        let mut hi = load(p.add(blk + 8));
        for stage in (0..3).rev() {
            small.stage(&mut lo, &mut hi, stage, blk, n, w, ws, |x, y, wv, wsv| {
                ar.inv(x, y, wv, wsv)
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
            let (wa, was) = (splat(w[m + 2 * i]), splat(ws[m + 2 * i]));
            let (wb, wbs) = (splat(w[m + 2 * i + 1]), splat(ws[m + 2 * i + 1]));
            let (wc, wcs) = (splat(w[m / 2 + i]), splat(ws[m / 2 + i]));
            let base = p.add(4 * i * t);
            for j in (0..t).step_by(8) {
                let (p0, p1, p2, p3) =
                    (base.add(j), base.add(t + j), base.add(2 * t + j), base.add(3 * t + j));
                let (y0, y1, y2, y3) = (load(p0), load(p1), load(p2), load(p3));
                let (y0, y1) = ar.inv(y0, y1, wa, was);
                let (y2, y3) = ar.inv(y2, y3, wb, wbs);
                let (y0, y2) = ar.inv(y0, y2, wc, wcs);
                let (y1, y3) = ar.inv(y1, y3, wc, wcs);
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
        radix2_stage(p, m, t, w, ws, |x, y, wv, wsv| ar.inv(x, y, wv, wsv));
        t <<= 1;
        m >>= 1;
    }
    // Last stage with 1/N folded in, fully reduced.
    let h = n / 2;
    let last = last.map(|x| splat(x));
    for j in (0..h).step_by(8) {
        let (s, d) = ar.inv_last(load(p.add(j)), load(p.add(j + h)), &last);
        store(p.add(j), s);
        store(p.add(j + h), d);
    }
}
