//! `Modulus` through its public API against `u128` and num-bigint arithmetic, with the edges
//! uniform draws almost never reach: operands 0, 1, q - 2, q - 1, q, q + 1 and the ends of the
//! input ranges (`u64::MAX`, `u128::MAX`, `(q - 1)^2`, the multiple of `q` just below `2^64`), for
//! a prime of every width the scheme accepts (20 to 61 bits), the smallest and largest moduli
//! `Modulus` accepts (3 and `2^61 - 1`) and random odd moduli (not necessarily prime).
//!
//! Every operation's contract (from its documentation) is checked on the inputs it allows:
//! `add`, `sub`, `neg`, `neg_if`, `shoup` take operands below `q`; `reduce`, `mul`, `mul_add`,
//! `mul_shoup(_lazy)`, `pow` and `inv` any `u64`; `reduce_u128` any `u128`; `reduce_i64` any `i64`.

use ckks::math::modulus::MAX_MODULUS_BITS;
use ckks::math::primes::largest_ntt_prime;
use ckks::math::Modulus;
use num_bigint::BigUint;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// The widths of the primes the parameter validation accepts.
const WIDTHS: std::ops::RangeInclusive<u32> = 20..=MAX_MODULUS_BITS;

/// The largest NTT prime (`= 1 mod 2^12`) of each width, then the extreme moduli.
fn moduli() -> Vec<u64> {
    let mut m: Vec<u64> = WIDTHS
        .map(|b| largest_ntt_prime(b, 1 << 12, &[]).expect("a prime of each width"))
        .collect();
    m.extend([3, 5, (1 << 61) - 1, (1 << 61) - 3, (1 << 40) + 1]);
    m
}

/// Operands below `q`: the edges and the middle.
fn small_edges(q: u64) -> Vec<u64> {
    let mut v = vec![0, 1, 2, q / 2, q / 2 + 1, q - 2, q - 1];
    v.retain(|&x| x < q);
    v
}

/// Any `u64`: the edges below `q`, around `q`, and at the top of the range.
fn word_edges(q: u64) -> Vec<u64> {
    let top = u64::MAX / q * q;
    let mut v = small_edges(q);
    v.extend([q, q + 1, 2 * q - 1, top - 1, top, u64::MAX - 1, u64::MAX]);
    v
}

/// Any `u128`.
fn wide_edges(q: u64) -> Vec<u128> {
    let q = q as u128;
    vec![
        0,
        1,
        q - 1,
        q,
        (q - 1) * (q - 1),
        q * q - 1,
        q * q,
        (u64::MAX as u128) * (u64::MAX as u128),
        (u64::MAX as u128) << 64,
        u128::MAX / q * q - 1,
        u128::MAX / q * q,
        u128::MAX - 1,
        u128::MAX,
    ]
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Checks every operation of `Modulus::new(q)` on one combination of operands: `a`, `b` below
/// `q`, `x`, `y` any words, `z` any `u128`.
fn check_all(q: u64, a: u64, b: u64, x: u64, y: u64, z: u128) -> Result<(), TestCaseError> {
    let m = Modulus::new(q);
    let (qw, q128) = (q, q as u128);
    let r = |v: u128| (v % q128) as u64;
    prop_assert_eq!(m.value(), q);
    prop_assert_eq!(m.bits(), 64 - q.leading_zeros());
    prop_assert_eq!(m.add(a, b), r(a as u128 + b as u128));
    prop_assert_eq!(m.sub(a, b), r(a as u128 + q128 - b as u128));
    prop_assert_eq!(m.neg(a), r(q128 - a as u128));
    prop_assert_eq!(m.neg_if(a, true), m.neg(a));
    prop_assert_eq!(m.neg_if(a, false), a);
    prop_assert_eq!(m.reduce(x), x % qw);
    prop_assert_eq!(m.reduce_u128(z), r(z));
    let s = x as i64;
    prop_assert_eq!(m.reduce_i64(s), (s as i128).rem_euclid(q as i128) as u64);
    prop_assert_eq!(m.mul(x, y), r(x as u128 * y as u128));
    prop_assert_eq!(m.mul_add(x, y, b), r(x as u128 * y as u128 + b as u128));
    // Shoup: the companion against num-bigint, the products against u128.
    let w = b;
    let ws = m.shoup(w);
    let want = (BigUint::from(w) << 64u32) / BigUint::from(q);
    prop_assert_eq!(BigUint::from(ws), want);
    let lazy = m.mul_shoup_lazy(x, w, ws);
    prop_assert!(lazy < 2 * q, "lazy {} not below 2q", lazy);
    prop_assert_eq!(lazy % q, r(x as u128 * w as u128));
    prop_assert_eq!(m.mul_shoup(x, w, ws), r(x as u128 * w as u128));
    // pow against num-bigint, with exponents from the edges too.
    for e in [0, 1, 2, y, q - 1, u64::MAX] {
        let want = BigUint::from(x).modpow(&BigUint::from(e), &BigUint::from(q));
        prop_assert_eq!(BigUint::from(m.pow(x, e)), want, "{}^{} mod {}", x, e, q);
    }
    // inv: Some exactly when gcd(x, q) = 1, and then a true inverse below q.
    match m.inv(x) {
        Some(i) => {
            prop_assert!(i < q);
            prop_assert_eq!(r(i as u128 * (x % q) as u128), 1 % q);
        }
        None => prop_assert!(gcd(x % q, q) != 1, "{} is invertible mod {}", x, q),
    }
    prop_assert_eq!(gcd(x % q, q) == 1, m.inv(x).is_some());
    // center: the representative in (-q/2, q/2].
    let c = m.center(a);
    prop_assert!(-((q / 2) as i64) <= c && c <= (q / 2) as i64, "center {}", c);
    prop_assert_eq!((c as i128).rem_euclid(q as i128) as u64, a);
    let mut slice = [x, y, u64::MAX, 0];
    m.reduce_slice(&mut slice);
    prop_assert_eq!(slice, [x % q, y % q, u64::MAX % q, 0]);
    Ok(())
}

/// For every modulus: every pair of edge operands below `q` (`add`, `sub`, Shoup's `w`, ...),
/// every pair of edge words (`mul`, `pow`, `inv`, ...) and every edge `u128` (`reduce_u128`), the
/// other operands cycling through their edges. Deterministic.
#[test]
fn every_edge_pair() {
    for q in moduli() {
        let (small, words, wide) = (small_edges(q), word_edges(q), wide_edges(q));
        let mut calls = 0usize;
        let mut check = |a: u64, b: u64, x: u64, y: u64, z: u128| {
            calls += 1;
            check_all(q, a, b, x, y, z).unwrap_or_else(|e| {
                panic!("q = {q}, a = {a}, b = {b}, x = {x}, y = {y}, z = {z}: {e}")
            });
        };
        for (i, &a) in small.iter().enumerate() {
            for (j, &b) in small.iter().enumerate() {
                check(a, b, words[(i + j) % words.len()], words[j], wide[(i * 7 + j) % wide.len()]);
            }
        }
        for (i, &x) in words.iter().enumerate() {
            for (j, &y) in words.iter().enumerate() {
                check(
                    small[i % small.len()],
                    small[j % small.len()],
                    x,
                    y,
                    wide[(i + j) % wide.len()],
                );
            }
        }
        for (i, &z) in wide.iter().enumerate() {
            check(small[i % small.len()], small[(i + 3) % small.len()], words[i], words[i + 1], z);
        }
        assert!(calls >= 49 + 196 + 13);
    }
}

/// A modulus: a prime of a random accepted width, an extreme one, or a random odd modulus.
fn modulus() -> impl Strategy<Value = u64> {
    let primes = moduli();
    prop_oneof![
        3 => prop::sample::select(primes),
        1 => (3u64..(1 << 61)).prop_map(|q| q | 1),
    ]
}

/// A value below `q`: an edge half the time, uniform otherwise.
fn below(q: u64) -> impl Strategy<Value = u64> {
    prop_oneof![prop::sample::select(small_edges(q)), 0..q]
}

fn word(q: u64) -> impl Strategy<Value = u64> {
    prop_oneof![prop::sample::select(word_edges(q)), any::<u64>(), 0..q]
}

fn wide(q: u64) -> impl Strategy<Value = u128> {
    let q128 = q as u128;
    prop_oneof![
        prop::sample::select(wide_edges(q)),
        any::<u128>(),
        // Around multiples of q (where a Barrett estimate is off by one).
        (any::<u64>(), 0u128..3).prop_map(move |(k, d)| (k as u128 * q128).wrapping_add(d)),
        (any::<u64>(), 1u128..3).prop_map(move |(k, d)| (k as u128 * q128).wrapping_sub(d)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 4000,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x4d0d_0001),
        ..ProptestConfig::default()
    })]

    /// Edges mixed with uniform draws, on moduli of every accepted width and random odd ones.
    #[test]
    fn mixed_edges_and_random(
        (q, a, b, x, y, z) in modulus().prop_flat_map(|q| (Just(q), below(q), below(q), word(q), word(q), wide(q)))
    ) {
        check_all(q, a, b, x, y, z)?;
    }
}
