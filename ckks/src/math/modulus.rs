//! Word-sized modular arithmetic with precomputed Barrett and Shoup constants.
//!
//! A [`Modulus`] owns every reduction in the crate: the NTT, the RNS base conversions and the
//! scheme never write `% q` on a hot path.

/// The largest supported modulus width. The lazy NTT keeps values in `[0, 4q)`, so `4q < 2^64`.
pub const MAX_MODULUS_BITS: u32 = 61;

/// An odd modulus `q` with `2 < q < 2^61`, and its reduction constants.
///
/// Barrett: `ratio = floor(2^128 / q)` stored as two words, so that any `u128` reduces with two
/// high multiplications and one conditional subtraction. Shoup: for a fixed multiplicand `w < q`,
/// `w' = floor(w * 2^64 / q)` turns `a * w mod q` into two word multiplications
/// ([`Modulus::shoup`], [`Modulus::mul_shoup`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Modulus {
    value: u64,
    ratio_hi: u64,
    ratio_lo: u64,
    bits: u32,
}

impl Modulus {
    /// Builds the reduction constants for `q`.
    ///
    /// # Panics
    /// If `q` is even, `q < 3`, or `q >= 2^61` (moduli come from the validated parameter context,
    /// which reports such values as errors before they get here).
    pub fn new(q: u64) -> Self {
        assert!(
            q >= 3 && q & 1 == 1 && q < (1u64 << MAX_MODULUS_BITS),
            "modulus {q} must be odd and in [3, 2^61)"
        );
        // floor(2^128 / q) = floor((2^128 - 1) / q) since q is odd (q does not divide 2^128).
        let ratio = u128::MAX / q as u128;
        Self {
            value: q,
            ratio_hi: (ratio >> 64) as u64,
            ratio_lo: ratio as u64,
            bits: 64 - q.leading_zeros(),
        }
    }

    /// The modulus `q`.
    #[inline(always)]
    pub const fn value(&self) -> u64 {
        self.value
    }

    /// The bit length of `q`.
    #[inline(always)]
    pub const fn bits(&self) -> u32 {
        self.bits
    }

    /// `a + b mod q` for `a, b < q`.
    #[inline(always)]
    pub fn add(&self, a: u64, b: u64) -> u64 {
        debug_assert!(a < self.value && b < self.value);
        let s = a + b;
        if s >= self.value {
            s - self.value
        } else {
            s
        }
    }

    /// `a - b mod q` for `a, b < q`.
    #[inline(always)]
    pub fn sub(&self, a: u64, b: u64) -> u64 {
        debug_assert!(a < self.value && b < self.value);
        if a >= b {
            a - b
        } else {
            a + self.value - b
        }
    }

    /// `-a mod q` for `a < q`.
    #[inline(always)]
    pub fn neg(&self, a: u64) -> u64 {
        debug_assert!(a < self.value);
        if a == 0 {
            0
        } else {
            self.value - a
        }
    }

    /// `x mod q` for any 128-bit `x` (Barrett reduction with base 2^64).
    #[inline(always)]
    pub fn reduce_u128(&self, x: u128) -> u64 {
        let x0 = x as u64;
        let x1 = (x >> 64) as u64;
        // quotient estimate floor(x * ratio / 2^128), off from floor(x / q) by at most one.
        let t0 = ((x0 as u128 * self.ratio_lo as u128) >> 64) as u64;
        let t1 = x0 as u128 * self.ratio_hi as u128;
        let t2 = x1 as u128 * self.ratio_lo as u128;
        let mid = t0 as u128 + (t1 as u64) as u128 + (t2 as u64) as u128;
        let qhat = x1
            .wrapping_mul(self.ratio_hi)
            .wrapping_add((t1 >> 64) as u64)
            .wrapping_add((t2 >> 64) as u64)
            .wrapping_add((mid >> 64) as u64);
        let r = x0.wrapping_sub(qhat.wrapping_mul(self.value));
        if r >= self.value {
            r - self.value
        } else {
            r
        }
    }

    /// `x mod q` for any 64-bit `x`.
    #[inline(always)]
    pub fn reduce(&self, x: u64) -> u64 {
        let qhat = ((x as u128 * self.ratio_hi as u128) >> 64) as u64;
        let r = x.wrapping_sub(qhat.wrapping_mul(self.value));
        if r >= self.value {
            r - self.value
        } else {
            r
        }
    }

    /// `x mod q` for a signed `x` (branch-free: signs of noise samples are random).
    #[inline(always)]
    pub fn reduce_i64(&self, x: i64) -> u64 {
        let r = self.reduce(x.unsigned_abs());
        self.neg_if(r, x < 0)
    }

    /// `-a mod q` if `negate`, else `a`, for `a < q`, without a branch.
    #[inline(always)]
    pub fn neg_if(&self, a: u64, negate: bool) -> u64 {
        let m = (negate as u64).wrapping_neg();
        let v = ((self.value - a) & m) | (a & !m);
        // v == q only for a == 0 negated.
        v.min(v.wrapping_sub(self.value))
    }

    /// `a * b mod q` for `a, b < 2^64` (Barrett).
    #[inline(always)]
    pub fn mul(&self, a: u64, b: u64) -> u64 {
        self.reduce_u128(a as u128 * b as u128)
    }

    /// `a * b + c mod q`.
    #[inline(always)]
    pub fn mul_add(&self, a: u64, b: u64, c: u64) -> u64 {
        self.reduce_u128(a as u128 * b as u128 + c as u128)
    }

    /// The Shoup companion `floor(w * 2^64 / q)` of a fixed multiplicand `w < q`.
    #[inline(always)]
    pub fn shoup(&self, w: u64) -> u64 {
        debug_assert!(w < self.value);
        (((w as u128) << 64) / self.value as u128) as u64
    }

    /// `a * w mod q` in `[0, 2q)`, for any `a < 2^64`, `w < q` and `w_shoup = shoup(w)`.
    #[inline(always)]
    pub fn mul_shoup_lazy(&self, a: u64, w: u64, w_shoup: u64) -> u64 {
        let qhat = ((a as u128 * w_shoup as u128) >> 64) as u64;
        a.wrapping_mul(w).wrapping_sub(qhat.wrapping_mul(self.value))
    }

    /// `a * w mod q` in `[0, q)`, for any `a < 2^64`, `w < q` and `w_shoup = shoup(w)`.
    #[inline(always)]
    pub fn mul_shoup(&self, a: u64, w: u64, w_shoup: u64) -> u64 {
        let r = self.mul_shoup_lazy(a, w, w_shoup);
        if r >= self.value {
            r - self.value
        } else {
            r
        }
    }

    /// `base^exp mod q`.
    pub fn pow(&self, base: u64, mut exp: u64) -> u64 {
        let mut result = self.reduce(1);
        let mut b = self.reduce(base);
        while exp > 0 {
            if exp & 1 == 1 {
                result = self.mul(result, b);
            }
            b = self.mul(b, b);
            exp >>= 1;
        }
        result
    }

    /// The inverse of `a` modulo `q`, or `None` when `gcd(a, q) != 1`.
    pub fn inv(&self, a: u64) -> Option<u64> {
        let (mut r0, mut r1) = (self.value as i128, self.reduce(a) as i128);
        let (mut t0, mut t1) = (0i128, 1i128);
        while r1 != 0 {
            let qt = r0 / r1;
            (r0, r1) = (r1, r0 - qt * r1);
            (t0, t1) = (t1, t0 - qt * t1);
        }
        if r0 != 1 {
            return None;
        }
        Some(t0.rem_euclid(self.value as i128) as u64)
    }

    /// The centred representative of `a < q` in `(-q/2, q/2]`.
    #[inline(always)]
    pub fn center(&self, a: u64) -> i64 {
        if a > self.value >> 1 {
            a as i64 - self.value as i64
        } else {
            a as i64
        }
    }

    /// Reduces every entry of `v` (any `u64`) into `[0, q)`.
    pub fn reduce_slice(&self, v: &mut [u64]) {
        for x in v {
            *x = self.reduce(*x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PRIMES: [u64; 4] = [
        65537,
        (1 << 40) - 87,
        1152921504606584833, // 60-bit NTT prime
        (1 << 61) - 1,
    ];

    /// A word drawn at the edges as often as not: 0, 1, q - 1, q, 2^64 - 1, or `raw`.
    fn edge(q: u64, sel: u8, raw: u64) -> u64 {
        match sel {
            0 => 0,
            1 => 1,
            2 => q - 1,
            3 => q,
            4 => u64::MAX,
            _ => raw,
        }
    }

    proptest! {
        #[test]
        fn arithmetic_matches_u128(
            i in 0usize..4, sa in 0u8..10, sb in 0u8..10, sx in 0u8..8, a: u64, b: u64, x: u128
        ) {
            let m = Modulus::new(PRIMES[i]);
            let q = PRIMES[i];
            let (a, b) = (edge(q, sa, a), edge(q, sb, b));
            // 128-bit inputs at the edges too: 0, the largest product of residues, 2^128 - 1.
            let x = match sx {
                0 => 0,
                1 => (q as u128 - 1) * (q as u128 - 1),
                2 => u128::MAX,
                _ => x,
            };
            // Residues below q: the edges of `a`, `b` other than q and 2^64 - 1 stay edges.
            let (ar, br) = (a % q, b % q);
            prop_assert_eq!(m.reduce(a), a % q);
            prop_assert_eq!(m.reduce_u128(x), (x % q as u128) as u64);
            prop_assert_eq!(m.mul(a, b), ((a as u128 * b as u128) % q as u128) as u64);
            prop_assert_eq!(m.add(ar, br), ((ar as u128 + br as u128) % q as u128) as u64);
            prop_assert_eq!(m.sub(ar, br), ((ar as u128 + q as u128 - br as u128) % q as u128) as u64);
            prop_assert_eq!(m.mul_shoup(a, br, m.shoup(br)), ((a as u128 * br as u128) % q as u128) as u64);
            let lazy = m.mul_shoup_lazy(a, br, m.shoup(br));
            prop_assert!(lazy < 2 * q && lazy % q == m.mul(a, br));
            prop_assert_eq!(m.mul_add(a, b, ar), ((a as u128 * b as u128 + ar as u128) % q as u128) as u64);
            if ar != 0 {
                prop_assert_eq!(m.mul(m.inv(ar).unwrap(), ar), 1);
            }
            let s = a as i64;
            prop_assert_eq!(m.reduce_i64(s), (s as i128).rem_euclid(q as i128) as u64);
            prop_assert_eq!(m.neg_if(ar, true), m.neg(ar));
            prop_assert_eq!(m.neg_if(ar, false), ar);
            prop_assert_eq!(m.neg_if(0, true), 0);
        }
    }

    #[test]
    fn pow_and_center() {
        let m = Modulus::new(65537);
        assert_eq!(m.pow(3, 65536), 1);
        assert_eq!(m.center(65536), -1);
        assert_eq!(m.center(32768), 32768);
        assert_eq!(m.inv(0), None);
    }
}
