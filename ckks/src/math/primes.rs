//! Primality testing and NTT-friendly prime generation (`q = 1 mod 2N`).

use super::modulus::Modulus;

fn mul_mod(a: u64, b: u64, m: u64) -> u64 {
    ((a as u128 * b as u128) % m as u128) as u64
}

fn pow_mod(mut b: u64, mut e: u64, m: u64) -> u64 {
    let mut r = 1 % m;
    b %= m;
    while e > 0 {
        if e & 1 == 1 {
            r = mul_mod(r, b, m);
        }
        b = mul_mod(b, b, m);
        e >>= 1;
    }
    r
}

/// Deterministic Miller-Rabin for 64-bit integers (the first twelve primes as witnesses are
/// enough for every `n < 3.3 * 10^24`).
pub fn is_prime(n: u64) -> bool {
    const WITNESSES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for &p in &WITNESSES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    'witness: for &a in &WITNESSES {
        let mut x = pow_mod(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul_mod(x, x, n);
            if x == n - 1 {
                continue 'witness;
            }
        }
        return false;
    }
    true
}

/// The prime `q = 1 mod two_n` nearest to `target` (ties go down) that is not in `exclude` and has
/// at most `max_bits` bits, or `None` if the search leaves `[two_n + 1, 2^max_bits)`.
///
/// Candidates are visited in order of distance from `target`, so the answer is deterministic.
pub fn nearest_ntt_prime(target: f64, two_n: u64, max_bits: u32, exclude: &[u64]) -> Option<u64> {
    let limit = if max_bits >= 64 { u64::MAX } else { 1u64 << max_bits };
    if !(target.is_finite() && target >= 1.0 && target < limit as f64) {
        return None;
    }
    // The candidate `k * two_n + 1` just below target, then walk outwards.
    let k0 = ((target - 1.0) / two_n as f64).floor() as u64;
    let (mut down, mut up) = (Some(k0), Some(k0 + 1));
    let ok = |k: u64| -> Option<u64> {
        let c = k.checked_mul(two_n)?.checked_add(1)?;
        (c < limit && c > two_n && !exclude.contains(&c) && is_prime(c)).then_some(c)
    };
    loop {
        let cand_down = down.map(|k| (k, (target - (k * two_n + 1) as f64).abs()));
        let cand_up = up.and_then(|k| {
            let c = k.checked_mul(two_n)?.checked_add(1)?;
            (c < limit).then_some((k, (c as f64 - target).abs()))
        });
        let (take_down, k) = match (cand_down, cand_up) {
            (None, None) => return None,
            (Some((kd, _)), None) => (true, kd),
            (None, Some((ku, _))) => (false, ku),
            (Some((kd, dd)), Some((ku, du))) => {
                if dd <= du {
                    (true, kd)
                } else {
                    (false, ku)
                }
            }
        };
        if let Some(c) = ok(k) {
            return Some(c);
        }
        if take_down {
            down = k.checked_sub(1).filter(|&k| k > 0);
        } else {
            up = k.checked_add(1);
        }
    }
}

/// The largest prime `q = 1 mod two_n` with exactly `bits` bits that is not in `exclude`.
pub fn largest_ntt_prime(bits: u32, two_n: u64, exclude: &[u64]) -> Option<u64> {
    if !(2..=62).contains(&bits) {
        return None;
    }
    let hi = 1u64 << bits;
    let lo = 1u64 << (bits - 1);
    let mut c = ((hi - 1) / two_n) * two_n + 1;
    while c > lo {
        if !exclude.contains(&c) && is_prime(c) {
            return Some(c);
        }
        c = c.checked_sub(two_n)?;
    }
    None
}

/// A primitive `2n`-th root of unity modulo the prime `q = 1 mod 2n`: the smallest such root
/// reachable as `x^((q-1)/2n)` for `x = 2, 3, ...`, so tables are reproducible.
///
/// # Panics
/// If `2n` does not divide `q - 1` (the parameter context only builds tables for NTT primes).
pub fn primitive_root_2n(q: &Modulus, n: usize) -> u64 {
    let two_n = 2 * n as u64;
    let qv = q.value();
    assert_eq!((qv - 1) % two_n, 0, "{qv} is not 1 mod {two_n}");
    let mut best: Option<u64> = None;
    for x in 2..qv {
        let g = q.pow(x, (qv - 1) / two_n);
        // g has order exactly 2n iff g^n = -1.
        if q.pow(g, n as u64) == qv - 1 {
            // The smallest primitive root among the powers g^(odd) is the canonical choice.
            let g2 = q.mul(g, g);
            let mut r = g;
            for _ in 0..n {
                best = Some(best.map_or(r, |b| b.min(r)));
                r = q.mul(r, g2);
            }
            break;
        }
    }
    best.expect("a prime 1 mod 2n has a primitive 2n-th root")
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;

    #[test]
    fn primality_agrees_with_trial_division() {
        for n in 0u64..20000 {
            let naive = n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0);
            assert_eq!(is_prime(n), naive, "{n}");
        }
        assert!(is_prime((1 << 61) - 1));
        assert!(!is_prime((1u64 << 61) - 3));
        assert!(is_prime(1152921504606584833));
    }

    #[test]
    fn generated_primes_are_ntt_friendly() {
        let two_n = 1u64 << 15;
        let p = largest_ntt_prime(50, two_n, &[]).unwrap();
        assert_eq!(p % two_n, 1);
        assert_eq!(64 - p.leading_zeros(), 50);
        let p2 = largest_ntt_prime(50, two_n, &[p]).unwrap();
        assert!(p2 < p && p2 % two_n == 1 && is_prime(p2));
        let t = 2f64.powi(40);
        let near = nearest_ntt_prime(t, two_n, 61, &[]).unwrap();
        assert_eq!(near % two_n, 1);
        assert!((near as f64 - t).abs() < 2f64.powi(26));
        // Nothing closer was skipped.
        let d = (near as f64 - t).abs() as u64;
        let lo = (t as u64).saturating_sub(d) / two_n;
        let hi = (t as u64 + d) / two_n + 1;
        for k in lo..=hi {
            let c = k * two_n + 1;
            if c != near && is_prime(c) {
                assert!((c as f64 - t).abs() >= d as f64);
            }
        }
    }

    #[test]
    fn root_has_order_2n() {
        let n = 1024usize;
        let q = Modulus::new(largest_ntt_prime(40, 2 * n as u64, &[]).unwrap());
        let g = primitive_root_2n(&q, n);
        assert_eq!(q.pow(g, n as u64), q.value() - 1);
        assert_eq!(q.pow(g, 2 * n as u64), 1);
        let big = BigUint::from(g).modpow(&BigUint::from(n as u64), &BigUint::from(q.value()));
        assert_eq!(big, BigUint::from(q.value() - 1));
    }
}
