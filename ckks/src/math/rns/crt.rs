//! Exact CRT reconstruction of a residue vector (num-bigint, with an allocation-free path over
//! fixed-width words).

use crate::math::modulus::Modulus;
use num_bigint::{BigInt, BigUint};
use num_traits::{One, ToPrimitive, Zero};

/// Exact reconstruction of `x mod Q`, `Q = q_0 ... q_{k-1}`, from its residues.
///
/// Definition: `x = sum_i [x_i * (Q/q_i)^-1]_{q_i} * (Q/q_i) mod Q`.
#[derive(Clone, Debug)]
pub struct Crt {
    moduli: Vec<Modulus>,
    product: BigUint,
    half: BigUint,
    q_hat: Vec<BigUint>,
    q_hat_inv: Vec<u64>,
    /// `Q/q_i` and `Q` as little-endian words (fixed width), for the allocation-free path.
    q_hat_words: Vec<Vec<u64>>,
    product_words: Vec<u64>,
}

/// Words of the fixed-width integers in [`Crt::reconstruct_centered_f64`]: 64 primes of 61 bits
/// times a carry.
const CRT_WORDS: usize = 64;

fn to_words(x: &BigUint, width: usize) -> Vec<u64> {
    let mut w = x.to_u64_digits();
    w.resize(width, 0);
    w
}

impl Crt {
    /// Precomputes the constants for pairwise coprime `moduli`.
    ///
    /// # Panics
    /// If the moduli are not pairwise coprime.
    pub fn new(moduli: &[Modulus]) -> Self {
        let product = moduli.iter().fold(BigUint::one(), |acc, q| acc * q.value());
        let mut q_hat = Vec::with_capacity(moduli.len());
        let mut q_hat_inv = Vec::with_capacity(moduli.len());
        for q in moduli {
            let h = &product / q.value();
            let h_mod = (&h % q.value()).to_u64().expect("residue fits a word");
            q_hat_inv.push(q.inv(h_mod).expect("moduli are pairwise coprime"));
            q_hat.push(h);
        }
        let half = &product >> 1;
        let width = (product.bits() as usize).div_ceil(64) + 1;
        assert!(width < CRT_WORDS, "at most 64 primes of at most 61 bits");
        let q_hat_words = q_hat.iter().map(|h| to_words(h, width)).collect();
        let product_words = to_words(&product, width);
        Self {
            moduli: moduli.to_vec(),
            product,
            half,
            q_hat,
            q_hat_inv,
            q_hat_words,
            product_words,
        }
    }

    /// The centred representative of the residues, rounded to `f64`, without allocating.
    ///
    /// Computes `S = sum_i y_i (Q/q_i)` with `y_i = [x_i (Q/q_i)^-1]_{q_i}` in fixed-width
    /// words and subtracts `v Q` with `v = round(sum_i y_i / q_i)` (estimated in `f64`), which
    /// gives the centred value exactly unless it lies within about `2^-40 Q` of `+-Q/2`. The
    /// conversion to `f64` truncates to the top 128 bits before rounding (relative error at most
    /// `2^-52`). Agrees with [`Crt::reconstruct_centered`] (tested).
    pub fn reconstruct_centered_f64(&self, residues: &[u64]) -> f64 {
        assert_eq!(residues.len(), self.moduli.len());
        let width = self.product_words.len();
        let mut s = [0u64; CRT_WORDS];
        let mut frac = 0.0f64;
        for ((&r, q), (&hi, h)) in
            residues.iter().zip(&self.moduli).zip(self.q_hat_inv.iter().zip(&self.q_hat_words))
        {
            let y = q.mul(r, hi);
            frac += y as f64 / q.value() as f64;
            mul_add_words(&mut s[..width], h, y);
        }
        let v = frac.round() as u64;
        let mut t = [0u64; CRT_WORDS];
        mul_add_words(&mut t[..width], &self.product_words, v);
        let (neg, mag) = if ge_words(&s[..width], &t[..width]) {
            sub_words(&mut s[..width], &t[..width]);
            (false, &s[..width])
        } else {
            sub_words(&mut t[..width], &s[..width]);
            (true, &t[..width])
        };
        let f = words_to_f64(mag);
        if neg {
            -f
        } else {
            f
        }
    }

    /// `Q`.
    pub fn product(&self) -> &BigUint {
        &self.product
    }

    /// The representative of the residues in `[0, Q)`.
    pub fn reconstruct(&self, residues: &[u64]) -> BigUint {
        assert_eq!(residues.len(), self.moduli.len());
        let mut acc = BigUint::zero();
        for (((r, q), h), &hi) in
            residues.iter().zip(&self.moduli).zip(&self.q_hat).zip(&self.q_hat_inv)
        {
            acc += h * q.mul(*r, hi);
        }
        acc % &self.product
    }

    /// The representative of the residues in `(-Q/2, Q/2]`.
    pub fn reconstruct_centered(&self, residues: &[u64]) -> BigInt {
        let x = self.reconstruct(residues);
        if x > self.half {
            BigInt::from(x) - BigInt::from(self.product.clone())
        } else {
            BigInt::from(x)
        }
    }
}

/// `acc += a * y` over little-endian words (the caller sizes `acc` so that nothing overflows).
fn mul_add_words(acc: &mut [u64], a: &[u64], y: u64) {
    let mut carry = 0u128;
    for (d, &w) in acc.iter_mut().zip(a) {
        let t = w as u128 * y as u128 + *d as u128 + carry;
        *d = t as u64;
        carry = t >> 64;
    }
    debug_assert_eq!(carry, 0);
}

fn ge_words(a: &[u64], b: &[u64]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x > y;
        }
    }
    true
}

/// `a -= b` for `a >= b`.
fn sub_words(a: &mut [u64], b: &[u64]) {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d1, b1) = x.overflowing_sub(y);
        let (d2, b2) = d1.overflowing_sub(borrow as u64);
        *x = d2;
        borrow = b1 || b2;
    }
}

fn words_to_f64(w: &[u64]) -> f64 {
    match w.iter().rposition(|&x| x != 0) {
        None => 0.0,
        Some(0) => w[0] as f64,
        Some(h) => {
            let top = ((w[h] as u128) << 64) | w[h - 1] as u128;
            top as f64 * 2f64.powi(64 * (h as i32 - 1))
        }
    }
}

/// `x` as the nearest `f64` (exact big-integer input, one rounding).
pub fn bigint_to_f64(x: &BigInt) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}
