//! The Galois automorphisms `X -> X^g` of `Z[X] / (X^N + 1)` (`g` odd): the elements of slot
//! rotations (powers of 5) and of conjugation (`2N - 1`), and inverses. The permutation an
//! automorphism induces in evaluation form is [`crate::math::poly::eval_automorphism_permutation`].

use super::ring::RingContext;

/// The Galois element `5^k mod 2N` of a left rotation by `step` (negative: right) of the `N/2`
/// slots, `k = step mod N/2`.
pub fn rotation_element(n: usize, step: i64) -> usize {
    let m = 2 * n as u64;
    let k = step.rem_euclid((n / 2) as i64) as u64;
    let (mut r, mut b, mut e) = (1u64, 5u64 % m, k);
    while e > 0 {
        if e & 1 == 1 {
            r = r * b % m;
        }
        b = b * b % m;
        e >>= 1;
    }
    r as usize
}

/// The Galois element of complex conjugation, `2N - 1`.
pub fn conjugation_element(n: usize) -> usize {
    2 * n - 1
}

/// The inverse of the odd `g` modulo the power of two `m`.
pub(crate) fn inverse_mod_2n(g: usize, m: usize) -> usize {
    // g^(m/2 - 1) = g^-1 in the unit group of Z_m (of order m/2).
    let mut r = 1usize;
    let mut b = g % m;
    let mut e = m / 2 - 1;
    while e > 0 {
        if e & 1 == 1 {
            r = r * b % m;
        }
        b = b * b % m;
        e >>= 1;
    }
    r
}

impl RingContext {
    /// The Galois element of a left rotation by `step` slots (negative: right).
    pub fn rotation_galois_element(&self, step: i64) -> usize {
        rotation_element(self.n(), step)
    }

    /// The Galois element of complex conjugation, `2N - 1`.
    pub fn conjugation_galois_element(&self) -> usize {
        conjugation_element(self.n())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_and_rotation_elements() {
        for m in [16usize, 2048] {
            for g in (1..m).step_by(2) {
                assert_eq!(g * inverse_mod_2n(g, m) % m, 1);
            }
        }
        assert_eq!(rotation_element(8, 1), 5);
        assert_eq!(rotation_element(8, -1), rotation_element(8, 3));
        assert_eq!(rotation_element(8, 4), 1);
        assert_eq!(conjugation_element(8), 15);
    }
}
