//! The stage layout of the AVX2 transforms, shared by both arithmetics: two stages per pass
//! (radix 4) while the inner span is at least four lanes, then radix 2 down to span 4, then spans
//! 2 and 1 on pairs of vectors shuffled into butterfly order.

use super::{load, store};
use super::{Arith, Pre};
use std::arch::x86_64::*;

#[inline(always)]
unsafe fn splat(v: &[u64], k: usize) -> __m256i {
    _mm256_set1_epi64x(*v.get_unchecked(k) as i64)
}

/// `[v[k], v[k], v[k + 1], v[k + 1]]`: the twiddles of span 2 in the order of [`span2_split`].
#[inline(always)]
unsafe fn pairs(v: &[u64], k: usize) -> __m256i {
    debug_assert!(k + 2 <= v.len());
    let two = _mm_loadu_si128(v.as_ptr().add(k) as *const __m128i);
    _mm256_permute4x64_epi64::<0b01_01_00_00>(_mm256_castsi128_si256(two))
}

/// Entries `a = [a0 a1 a2 a3]`, `b = [b0 b1 b2 b3]` as the butterfly inputs of span 2:
/// `x = [a0 a1 b0 b1]`, `y = [a2 a3 b2 b3]`; its own inverse.
#[inline(always)]
unsafe fn span2_split(a: __m256i, b: __m256i) -> (__m256i, __m256i) {
    (_mm256_permute2x128_si256::<0x20>(a, b), _mm256_permute2x128_si256::<0x31>(a, b))
}

/// From the span-2 layout `x = [a0 a1 b0 b1]`, `y = [a2 a3 b2 b3]` to the span-1 layout
/// `[a0 a2 b0 b2]`, `[a1 a3 b1 b3]` (butterfly groups in order); its own inverse.
#[inline(always)]
unsafe fn span1_split(x: __m256i, y: __m256i) -> (__m256i, __m256i) {
    (_mm256_unpacklo_epi64(x, y), _mm256_unpackhi_epi64(x, y))
}

/// The forward transform of `pre(src)` into `a`: the first pass reads `src` (which may be `a`'s
/// own buffer) and applies `pre` to each loaded vector, every later pass works in place.
#[inline(always)]
pub(super) unsafe fn forward_impl<A: Arith, P: Pre>(
    src: *const u64,
    a: &mut [u64],
    pre: &P,
    ar: &A,
    w: &[u64],
    wc: &[u64],
) {
    let n = a.len();
    debug_assert!(n >= 8 && n.is_power_of_two() && w.len() == n && wc.len() == n);
    let p = a.as_mut_ptr();
    let mut t = n;
    let mut m = 1;
    let mut first = true;
    // Two stages per pass (spans t/2 and t/4) while t/4 is at least one vector.
    while t >= 16 {
        if first {
            fwd_radix4::<A, P, true>(src, p, m, t, pre, ar, w, wc);
        } else {
            fwd_radix4::<A, P, false>(p, p, m, t, pre, ar, w, wc);
        }
        first = false;
        t >>= 2;
        m <<= 2;
    }
    // At most one stage of span 4.
    if t == 8 {
        t = 4;
        if first {
            fwd_radix2::<A, P, true>(src, p, m, t, pre, ar, w, wc);
        } else {
            fwd_radix2::<A, P, false>(p, p, m, t, pre, ar, w, wc);
        }
        m <<= 1;
    }
    debug_assert_eq!(m, n / 8);
    // Spans 2 and 1 on blocks of eight, then the reduction to [0, q).
    for blk in (0..n).step_by(8) {
        let (x, y) = span2_split(ar.pass_in(load(p.add(blk))), ar.pass_in(load(p.add(blk + 4))));
        let g = n / 4 + blk / 4;
        let (x, y) = ar.fwd(x, y, pairs(w, g), pairs(wc, g));
        let (x, y) = span1_split(x, y);
        let g = n / 2 + blk / 2;
        let (x, y) = ar.fwd(x, y, load(w.as_ptr().add(g)), load(wc.as_ptr().add(g)));
        let (x, y) = span1_split(ar.output(x), ar.output(y));
        let (lo, hi) = span2_split(x, y);
        store(p.add(blk), lo);
        store(p.add(blk + 4), hi);
    }
}

/// Stages of spans `t/2` and `t/4` over the `m` blocks of `t` entries at `p` (`t >= 16`); the
/// `FIRST` pass reads `src` through `pre` and converts to the kernel's representation.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn fwd_radix4<A: Arith, P: Pre, const FIRST: bool>(
    src: *const u64,
    p: *mut u64,
    m: usize,
    t: usize,
    pre: &P,
    ar: &A,
    w: &[u64],
    wc: &[u64],
) {
    let h = t / 4;
    for i in 0..m {
        let tw = [
            splat(w, m + i),
            splat(wc, m + i),
            splat(w, 2 * m + 2 * i),
            splat(wc, 2 * m + 2 * i),
            splat(w, 2 * m + 2 * i + 1),
            splat(wc, 2 * m + 2 * i + 1),
        ];
        let base = p.add(i * t);
        let sbase = src.add(i * t);
        if h >= 8 {
            for j in (0..h).step_by(8) {
                radix4_groups::<A, P, FIRST, 2>(sbase.add(j), base.add(j), h, pre, ar, &tw);
            }
        } else {
            radix4_groups::<A, P, FIRST, 1>(sbase, base, h, pre, ar, &tw);
        }
    }
}

/// The two stages of one radix-4 pass on `G` consecutive vectors of each quarter (`G`
/// independent groups, their butterflies interleaved so that the CPU finds independent work next
/// to each other: one group alone is bound by the latency of its chain of products).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
unsafe fn radix4_groups<A: Arith, P: Pre, const FIRST: bool, const G: usize>(
    src: *const u64,
    p: *mut u64,
    h: usize,
    pre: &P,
    ar: &A,
    tw: &[__m256i; 6],
) {
    let [w1, w1c, w2, w2c, w3, w3c] = *tw;
    let mut x = [[_mm256_setzero_si256(); G]; 4];
    for (k, xk) in x.iter_mut().enumerate() {
        for (g, v) in xk.iter_mut().enumerate() {
            let off = k * h + 4 * g;
            *v = if FIRST {
                ar.input(pre.apply(load(src.add(off))))
            } else {
                ar.pass_in(load(p.add(off)))
            };
        }
    }
    for g in 0..G {
        (x[0][g], x[2][g]) = ar.fwd(x[0][g], x[2][g], w1, w1c);
    }
    for g in 0..G {
        (x[1][g], x[3][g]) = ar.fwd(x[1][g], x[3][g], w1, w1c);
    }
    for g in 0..G {
        (x[0][g], x[1][g]) = ar.fwd(x[0][g], x[1][g], w2, w2c);
    }
    for g in 0..G {
        (x[2][g], x[3][g]) = ar.fwd(x[2][g], x[3][g], w3, w3c);
    }
    for (k, xk) in x.iter().enumerate() {
        for (g, &v) in xk.iter().enumerate() {
            store(p.add(k * h + 4 * g), v);
        }
    }
}

/// One stage of span `t >= 4` over `m` groups (the `FIRST` pass as in [`fwd_radix4`]).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn fwd_radix2<A: Arith, P: Pre, const FIRST: bool>(
    src: *const u64,
    p: *mut u64,
    m: usize,
    t: usize,
    pre: &P,
    ar: &A,
    w: &[u64],
    wc: &[u64],
) {
    for i in 0..m {
        let (wv, wcv) = (splat(w, m + i), splat(wc, m + i));
        let base = p.add(2 * i * t);
        let sbase = src.add(2 * i * t);
        for j in (0..t).step_by(4) {
            let (x, y);
            if FIRST {
                x = ar.input(pre.apply(load(sbase.add(j))));
                y = ar.input(pre.apply(load(sbase.add(j + t))));
            } else {
                (x, y) = (ar.pass_in(load(base.add(j))), ar.pass_in(load(base.add(j + t))));
            }
            let (x, y) = ar.fwd(x, y, wv, wcv);
            store(base.add(j), x);
            store(base.add(j + t), y);
        }
    }
}

#[inline(always)]
pub(super) unsafe fn inverse_impl<A: Arith>(
    a: &mut [u64],
    ar: &A,
    w: &[u64],
    wc: &[u64],
    last: &[u64; 4],
) {
    let n = a.len();
    debug_assert!(n >= 8 && n.is_power_of_two() && w.len() == n && wc.len() == n);
    let p = a.as_mut_ptr();
    // Spans 1 and 2 first, converting the input.
    for blk in (0..n).step_by(8) {
        let (lo, hi) = span2_split(ar.input(load(p.add(blk))), ar.input(load(p.add(blk + 4))));
        let (x, y) = span1_split(lo, hi);
        let g = n / 2 + blk / 2;
        let (x, y) = ar.inv(x, y, load(w.as_ptr().add(g)), load(wc.as_ptr().add(g)));
        let (x, y) = span1_split(x, y);
        let g = n / 4 + blk / 4;
        let (x, y) = ar.inv(x, y, pairs(w, g), pairs(wc, g));
        let (lo, hi) = span2_split(x, y);
        store(p.add(blk), lo);
        store(p.add(blk + 4), hi);
    }
    let mut t = 4;
    let mut m = n / 8;
    // Two stages per pass (spans t and 2t) while both have at least two groups.
    while m >= 4 {
        for i in 0..m / 2 {
            let (wa, wac) = (splat(w, m + 2 * i), splat(wc, m + 2 * i));
            let (wb, wbc) = (splat(w, m + 2 * i + 1), splat(wc, m + 2 * i + 1));
            let (wd, wdc) = (splat(w, m / 2 + i), splat(wc, m / 2 + i));
            let base = p.add(4 * i * t);
            for j in (0..t).step_by(4) {
                let (p0, p1, p2, p3) =
                    (base.add(j), base.add(t + j), base.add(2 * t + j), base.add(3 * t + j));
                let (y0, y1) = ar.inv(load(p0), load(p1), wa, wac);
                let (y2, y3) = ar.inv(load(p2), load(p3), wb, wbc);
                let (y0, y2) = ar.inv(y0, y2, wd, wdc);
                let (y1, y3) = ar.inv(y1, y3, wd, wdc);
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
        for i in 0..m {
            let (wv, wcv) = (splat(w, m + i), splat(wc, m + i));
            let base = p.add(2 * i * t);
            for j in (0..t).step_by(4) {
                let (x, y) = ar.inv(load(base.add(j)), load(base.add(j + t)), wv, wcv);
                store(base.add(j), x);
                store(base.add(j + t), y);
            }
        }
        t <<= 1;
        m >>= 1;
    }
    // The last stage with 1/N folded in, back to canonical u64.
    let h = n / 2;
    debug_assert_eq!(t, h);
    let last = [
        _mm256_set1_epi64x(last[0] as i64),
        _mm256_set1_epi64x(last[1] as i64),
        _mm256_set1_epi64x(last[2] as i64),
        _mm256_set1_epi64x(last[3] as i64),
    ];
    for j in (0..h).step_by(4) {
        let (x, y) = ar.inv_last(load(p.add(j)), load(p.add(j + h)), &last);
        store(p.add(j), x);
        store(p.add(j + h), y);
    }
}
