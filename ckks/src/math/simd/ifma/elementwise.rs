//! The AVX-512 IFMA kernels of key switching's inner products (the 52-bit halves of each
//! product summed, then reduced) and the centred lift, for primes below 2^51, on the NTT
//! module's vector helpers.

use super::{csub, load, mul_shoup_lazy, shoup52, store};
use crate::math::Modulus;
use std::arch::x86_64::*;

/// Adds one digit's products to running sums: with `acc = [lo0 | hi0 | lo1 | hi1]` (four runs of
/// `n` words), the 52-bit halves of `src[c] b[c]` go to `lo0`/`hi0` and of `src[c] a[c]` to
/// `lo1`/`hi1`. Up to 64 calls keep the sums below 2^64; [`reduce_sums`] finishes.
///
/// # Safety
/// The CPU must support AVX-512F and IFMA ([`available`](super::available)); `src`, `b`, `a`
/// hold `n` values below `2^51` (`n` a multiple of 8), `acc` holds `4n` words.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) unsafe fn mac2(src: &[u64], b: &[u64], a: &[u64], acc: &mut [u64]) {
    let n = src.len();
    debug_assert!(b.len() == n && a.len() == n && acc.len() == 4 * n && n.is_multiple_of(8));
    let p = acc.as_mut_ptr();
    for c in (0..n).step_by(8) {
        let (dv, bv, av) =
            (load(src.as_ptr().add(c)), load(b.as_ptr().add(c)), load(a.as_ptr().add(c)));
        let (pl0, ph0, pl1, ph1) = (p.add(c), p.add(n + c), p.add(2 * n + c), p.add(3 * n + c));
        store(pl0, _mm512_madd52lo_epu64(load(pl0), dv, bv));
        store(ph0, _mm512_madd52hi_epu64(load(ph0), dv, bv));
        store(pl1, _mm512_madd52lo_epu64(load(pl1), dv, av));
        store(ph1, _mm512_madd52hi_epu64(load(ph1), dv, av));
    }
}

/// Reduces the sums of [`mac2`] modulo `q` into `o0` and `o1`.
///
/// # Safety
/// As [`mac2`], with `q < 2^51` and `o0`, `o1` of `n` words.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) unsafe fn reduce_sums(acc: &[u64], q: &Modulus, o0: &mut [u64], o1: &mut [u64]) {
    let n = o0.len();
    debug_assert!(o1.len() == n && acc.len() == 4 * n && n.is_multiple_of(8));
    let red = Reduce104::new(q);
    let p = acc.as_ptr();
    for c in (0..n).step_by(8) {
        store(o0.as_mut_ptr().add(c), red.reduce(load(p.add(c)), load(p.add(n + c))));
        store(o1.as_mut_ptr().add(c), red.reduce(load(p.add(2 * n + c)), load(p.add(3 * n + c))));
    }
}

/// Lane-wise reduction of `h 2^52 + l mod q` for `l, h < 2^58` and `q < 2^51`: the value is
/// split into 52-bit pieces `l' + h0 2^52 + h1 2^104`, each multiplied by its power of two
/// mod `q` with a lazy Shoup product (each `< 2q`), and the sum (`< 6q`) fully reduced.
struct Reduce104 {
    q: __m512i,
    two_q: __m512i,
    four_q: __m512i,
    neg_q: __m512i,
    mask: __m512i,
    /// `(1, 2^52 mod q, 2^104 mod q)` and their 52-bit Shoup companions.
    w: [(__m512i, __m512i); 3],
}

impl Reduce104 {
    #[inline(always)]
    unsafe fn new(q: &Modulus) -> Self {
        let qv = q.value();
        let c1 = q.reduce_u128(1u128 << 52);
        let c2 = q.mul(c1, c1);
        let pair = |w: u64| (_mm512_set1_epi64(w as i64), _mm512_set1_epi64(shoup52(w, qv) as i64));
        Self {
            q: _mm512_set1_epi64(qv as i64),
            two_q: _mm512_set1_epi64((2 * qv) as i64),
            four_q: _mm512_set1_epi64((4 * qv) as i64),
            neg_q: _mm512_set1_epi64(((1u64 << 52) - qv) as i64),
            mask: _mm512_set1_epi64(((1u64 << 52) - 1) as i64),
            w: [pair(1), pair(c1), pair(c2)],
        }
    }

    #[inline(always)]
    unsafe fn reduce(&self, l: __m512i, h: __m512i) -> __m512i {
        let h = _mm512_add_epi64(h, _mm512_srli_epi64::<52>(l));
        let l = _mm512_and_si512(l, self.mask);
        let h1 = _mm512_srli_epi64::<52>(h);
        let h0 = _mm512_and_si512(h, self.mask);
        let m = |x, (w, ws): (__m512i, __m512i)| mul_shoup_lazy(x, w, ws, self.neg_q, self.mask);
        let t = _mm512_add_epi64(m(l, self.w[0]), m(h0, self.w[1]));
        let t = _mm512_add_epi64(t, m(h1, self.w[2]));
        csub(csub(csub(t, self.four_q), self.two_q), self.q)
    }
}

/// The centred lift of residues `x < a` into `Z_b`, for `a <= 2b`: `x mod b` if `x <= a/2`,
/// else `x - a mod b`. Eight lanes at a time.
///
/// # Safety
/// The CPU must support AVX-512F ([`available`](super::available) implies it);
/// `input.len() == output.len()`, a multiple of 8; `a <= 2b < 2^62`; every input `< a`.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn centred_lift_small(input: &[u64], output: &mut [u64], a: u64, b: u64) {
    let n = input.len();
    debug_assert!(output.len() == n && n.is_multiple_of(8) && a <= 2 * b);
    let bv = _mm512_set1_epi64(b as i64);
    let half = _mm512_set1_epi64((a >> 1) as i64);
    let a_mod_b = _mm512_set1_epi64((a % b) as i64);
    let zero = _mm512_setzero_si512();
    for c in (0..n).step_by(8) {
        let x = load(input.as_ptr().add(c));
        let r = csub(x, bv); // x mod b, since x < a <= 2b
        let neg = _mm512_cmpgt_epu64_mask(x, half);
        let sub = _mm512_mask_mov_epi64(zero, neg, a_mod_b);
        let t = _mm512_sub_epi64(r, sub);
        store(output.as_mut_ptr().add(c), _mm512_min_epu64(t, _mm512_add_epi64(t, bv)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::available;
    use super::*;
    use crate::math::primes::largest_ntt_prime;
    use crate::math::Prng;

    #[test]
    #[cfg_attr(not(ckks_cpu_ifma), ignore = "no AVX-512 IFMA on this machine: kernel not run")]
    fn digit_sums_match_u128_reference() {
        assert!(available(), "built on a CPU with AVX-512 IFMA, running on one without");
        let n = 64;
        let mut prng = Prng::from_u64_seed(3);
        for bits in [30u32, 45, 50, 51] {
            let q = Modulus::new(largest_ntt_prime(bits, 2 * n as u64, &[]).unwrap());
            for digits in [1usize, 3, 64] {
                for extreme in [false, true] {
                    let mut gen = || -> Vec<u64> {
                        (0..n)
                            .map(|_| {
                                if extreme {
                                    q.value() - 1
                                } else {
                                    prng.uniform_below(q.value())
                                }
                            })
                            .collect()
                    };
                    let d: Vec<Vec<u64>> = (0..digits).map(|_| gen()).collect();
                    let b: Vec<Vec<u64>> = (0..digits).map(|_| gen()).collect();
                    let a: Vec<Vec<u64>> = (0..digits).map(|_| gen()).collect();
                    let (mut o0, mut o1) = (vec![0u64; n], vec![0u64; n]);
                    let mut acc = vec![0u64; 4 * n];
                    for j in 0..digits {
                        // SAFETY: checked `available()`; equal lengths, a multiple of 8; <= 64
                        // digits of values below q < 2^51.
                        unsafe { mac2(&d[j], &b[j], &a[j], &mut acc) };
                    }
                    // SAFETY: as above.
                    unsafe { reduce_sums(&acc, &q, &mut o0, &mut o1) };
                    for c in 0..n {
                        let e0 = (0..digits).fold(0u64, |s, j| q.add(s, q.mul(d[j][c], b[j][c])));
                        let e1 = (0..digits).fold(0u64, |s, j| q.add(s, q.mul(d[j][c], a[j][c])));
                        assert_eq!((o0[c], o1[c]), (e0, e1), "{bits} bits, {digits} digits");
                    }
                }
            }
        }
    }
}
