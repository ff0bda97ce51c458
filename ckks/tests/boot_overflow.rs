//! The integer overflow term of the modulus raise, measured over many encryptions.
//!
//! Raised under the ephemeral secret of Hamming weight `h`, a level-0 ciphertext decrypts to
//! `c_0 + c_1 s' = m + q_0 I` with `c_0 = [m - c_1 s']_{q_0}` (centred), so
//! `I = round(c_1 s' / q_0)` up to the tiny `m / q_0`: each coefficient of `c_1 s'` is a sum of
//! `h` centred residues, `|c| <= q_0 / 2`, so `|I| <= h / 2` always; for residues that look
//! uniform, `I` is the rounding of an Irwin-Hall sum of `h` uniform variables on `[-1/2, 1/2]`
//! (variance `h / 12`, plus `1 / 12` for the rounding). The modular reduction covers
//! `|x| <= K = (h + 1) / 2 + 1/2`, so the bootstrapping never fails on the overflow term.

use ckks::boot::{BootstrapConfig, BootstrapPlan, Bootstrapper};
use ckks::{Prng, SecretKey, Security};
use std::sync::Arc;

#[test]
fn overflow_term_stays_within_its_bound() {
    let config =
        BootstrapConfig { slots: None, cts_levels: 2, stc_levels: 2, ..Default::default() };
    let h = config.hamming_weight;
    let ctx =
        config.parameters(10, 1, 60, 40, Security::InsecureToyParameters).unwrap().build().unwrap();
    let plan = Arc::new(BootstrapPlan::new(ctx.chain(), &config).unwrap());
    let mut prng = Prng::from_u64_seed(21);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let bt = Bootstrapper::generate(&sk, plan.clone(), &mut prng).unwrap();
    assert_eq!(bt.keys().encapsulation.hamming_weight(), h);
    let bound = h as f64 / 2.0;
    assert!(plan.k() >= bound + 0.5);
    let encryptions = 200;
    let mut counts = std::collections::BTreeMap::<i64, usize>::new();
    let (mut sum2, mut total) = (0.0, 0usize);
    for i in 0..encryptions {
        let values: Vec<f64> =
            (0..ctx.slots()).map(|j| ((i * 31 + j * 7) % 17) as f64 / 17.0 - 0.5).collect();
        let ct = sk.encrypt(&ctx.encode_at(&values, 0).unwrap(), &mut prng).unwrap();
        let raised = bt.mod_raise(&ct).unwrap();
        // Coefficients over q_0 (the raised ciphertext's scale): I + m / q_0.
        for x in ctx.decode_coeffs(&sk.decrypt(&raised).unwrap()).unwrap() {
            let i = x.round();
            assert!((x - i).abs() < 1.0 / plan.message_ratio(), "the message part is small");
            *counts.entry(i as i64).or_default() += 1;
            sum2 += i * i;
            total += 1;
        }
    }
    let max = counts.keys().map(|i| i.abs()).max().unwrap();
    let variance = sum2 / total as f64;
    let expected = (h as f64 + 1.0) / 12.0;
    let tail: usize = counts.iter().filter(|(i, _)| i.abs() >= 5).map(|(_, c)| c).sum();
    // P(|I| >= 5) = P(|S_h| >= 4.5), exactly from the Irwin-Hall distribution (about 0.0055
    // for h = 32).
    let predicted = total as f64 * irwin_hall_tail(h, 4.5);
    eprintln!(
        "{total} coefficients: max |I| = {max} (bound {bound}), variance {variance:.3} (expected \
         {expected:.3}), |I| >= 5: {tail} (predicted {predicted:.0}); P(|I| >= 16) = {:.1e}; \
         histogram {counts:?}",
        irwin_hall_tail(h, 15.5)
    );
    assert!(max as f64 <= bound);
    assert!((variance / expected - 1.0).abs() < 0.02, "variance {variance} vs {expected}");
    assert!((tail as f64 / predicted - 1.0).abs() < 0.15, "tail {tail} vs {predicted}");
}

/// `P(|S| >= t)` for `S` the sum of `n` uniform variables on `[-1/2, 1/2]`, `t` a half-integer:
/// `2 P(IH_n <= n/2 - t)` with `P(IH_n <= x) = sum_{k <= x} (-1)^k C(n, k) (x - k)^n / n!`,
/// summed exactly in big integers (the terms cancel by many orders of magnitude).
fn irwin_hall_tail(n: usize, t: f64) -> f64 {
    use num_bigint::BigInt;
    use num_traits::ToPrimitive;
    // x = n/2 - t, doubled to an integer: 2x - 2k = n - 2t - 2k.
    let x2 = (n as f64 - 2.0 * t) as i64;
    let mut sum = BigInt::from(0);
    let mut binom = BigInt::from(1);
    for k in 0..=(x2 / 2) {
        let term = BigInt::from(x2 - 2 * k).pow(n as u32) * &binom;
        sum += if k % 2 == 0 { term } else { -term };
        binom = binom * (n as i64 - k) / (k + 1);
    }
    let denom = (1..=n as i64).fold(BigInt::from(1), |a, i| a * i) * BigInt::from(2).pow(n as u32);
    // The ratio in f64: both scaled to at most 1000 bits (no overflow, tiny tails kept).
    let shift = denom.bits().saturating_sub(1000);
    let (s, d) = ((&sum >> shift).to_f64().unwrap(), (&denom >> shift).to_f64().unwrap());
    2.0 * s / d
}
