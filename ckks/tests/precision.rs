//! Precision at Microsoft SEAL's default-like parameters, for comparison with SEAL's figures on
//! the same machine: `N = 2^14`, a 60-bit `q_0`, seven 40-bit data primes, one 60-bit special
//! prime and `dnum = 8` (each key-switching digit is one prime, as in SEAL), scale `2^40`.
//!
//! Reference figures (Microsoft SEAL, same operations, same machine, one run each):
//! multiply + relinearize + rescale of two public-key encrypted vectors in `[-1, 1]`:
//! max error `2.486e-8`; rotation by one slot: `1.4e-6`.
//!
//! What this implementation measured over 120 runs, each with its own keys and inputs
//! (`calibrate_over_independent_keys`, ignored: `cargo test --release -p ckks --test precision
//! -- --ignored --nocapture`, about a minute; seeds `PRECISION_SEED + r`, default 0, for
//! `PRECISION_RUNS` runs, default 120; these figures are from the defaults):
//! multiply + relinearize + rescale: min `1.77e-8`, median `2.17e-8`, mean `2.26e-8`, 90th
//! percentile `2.75e-8`, max `3.56e-8` (80% of runs at or below SEAL's `2.486e-8`, 30% at or
//! below `2e-8`); rotation by one: min `5.3e-8`, median `6.7e-8`, max `9.6e-8`, about 20 times
//! below SEAL's figure. (An earlier calibration of 120 runs with keys from the OS's entropy
//! gave the same picture: mean `2.25e-8`, max `3.09e-8`; rotation median `6.6e-8`.)
//!
//! The multiplication error is what the noise analysis predicts: the slot noise of a fresh
//! public-key encryption (rounding noise `r_0 + r_1 s` of the division by `P`) has a standard
//! deviation of `N / 6 / 2^40 = 2.5e-9` (measured `2.54e-9`); in the slots it is a *product*
//! `r_1(zeta) s(zeta)` of two near-Gaussian values, whose tail is heavier than a Gaussian's, so
//! the maximum over 8192 slots is about 7 standard deviations. The product adds `a e_b + b e_a`
//! and the rescale's rounding noise of the same kind.

use ckks::{
    Ciphertext, Context, EvaluationKeys, Evaluator, ParametersLiteral, Prng, PublicKey, SecretKey,
    Security,
};
use std::sync::OnceLock;

struct Fixture {
    ctx: Context,
    sk: SecretKey,
    pk: PublicKey,
    eval: Evaluator,
}

/// SEAL's `CKKS` default-like chain: `{60, 40, 40, 40, 40, 40, 40, 40, 60}` at `N = 2^14`.
fn seal_like() -> ParametersLiteral {
    ParametersLiteral {
        log_n: 14,
        first_prime_bits: 60,
        data_prime_bits: vec![40; 7],
        bootstrap_prime_bits: Vec::new(),
        special_prime_bits: vec![60],
        log_scale: 40,
        dnum: 8,
        security: Security::HeStandard128,
    }
}

fn fx() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let ctx = seal_like().build().expect("SEAL's parameters are valid and 128-bit secure");
        Fixture::with_keys(ctx, 0x5ea1)
    })
}

/// A full vector of uniform values in `[-1, 1)`.
fn uniform_vector(prng: &mut Prng, len: usize) -> Vec<f64> {
    (0..len).map(|_| (prng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0).collect()
}

fn max_err(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max)
}

impl Fixture {
    /// Keys for `ctx` from `seed`: secret, public, relinearization, rotations by 1 and -1.
    fn with_keys(ctx: Context, seed: u64) -> Self {
        let mut prng = Prng::from_u64_seed(seed);
        let sk = SecretKey::generate(&ctx, &mut prng);
        let pk = sk.public_key(&mut prng);
        let keys = EvaluationKeys {
            relinearization: Some(sk.relinearization_key(&mut prng)),
            galois: sk.galois_keys(&[1, -1], false, &mut prng),
        };
        let eval = Evaluator::new(&ctx, keys).unwrap();
        Fixture { ctx, sk, pk, eval }
    }

    fn pk_encrypt(&self, v: &[f64], prng: &mut Prng) -> Ciphertext {
        let pt = self.ctx.encode_at(v, self.ctx.max_level()).unwrap();
        self.pk.encrypt(&self.ctx, &pt, prng).unwrap()
    }

    fn dec(&self, ct: &Ciphertext) -> Vec<f64> {
        self.ctx.decode(&self.sk.decrypt(ct).unwrap()).unwrap()
    }

    /// Max error of `rescale(relinearize(x * y))` for one pair of fresh random vectors.
    fn mul_error(&self, seed: u64) -> f64 {
        let mut prng = Prng::from_u64_seed(seed);
        let n = self.ctx.slots();
        let (a, b) = (uniform_vector(&mut prng, n), uniform_vector(&mut prng, n));
        let (x, y) = (self.pk_encrypt(&a, &mut prng), self.pk_encrypt(&b, &mut prng));
        let r = self.eval.rescale(&self.eval.mul_relin(&x, &y).unwrap()).unwrap();
        assert_eq!(r.level(), self.ctx.max_level() - 1);
        let want: Vec<f64> = a.iter().zip(&b).map(|(p, q)| p * q).collect();
        max_err(&self.dec(&r), &want)
    }

    /// Max error of `rotate(x, step)` for one fresh random vector.
    fn rotate_error(&self, seed: u64, step: i64) -> f64 {
        let mut prng = Prng::from_u64_seed(seed);
        let n = self.ctx.slots();
        let a = uniform_vector(&mut prng, n);
        let x = self.pk_encrypt(&a, &mut prng);
        let r = self.eval.rotate(&x, step).unwrap();
        let want: Vec<f64> =
            (0..n).map(|j| a[(j as i64 + step).rem_euclid(n as i64) as usize]).collect();
        max_err(&self.dec(&r), &want)
    }
}

const TRIALS: u64 = 8;
const SEAL_MUL: f64 = 2.486e-8;
const SEAL_ROTATE: f64 = 1.4e-6;

#[test]
fn the_parameters_are_seals() {
    let ctx = &fx().ctx;
    assert_eq!((ctx.n(), ctx.slots(), ctx.max_level(), ctx.dnum()), (1 << 14, 8192, 7, 8));
    assert!(ctx.digits().iter().all(|d| d.len() == 1), "one prime per digit");
    let q = ctx.q_primes();
    let p = ctx.special_primes();
    assert_eq!((q.len(), p.len()), (8, 1));
    assert!(q[0] < 1 << 60 && q[0] > 1 << 59 && p[0] < 1 << 60 && p[0] > 1 << 59);
    for &qi in &q[1..] {
        assert!(((qi as f64).log2() - 40.0).abs() < 1e-4, "data prime {qi}");
    }
    assert!((ctx.log_qp() - 400.0).abs() < 0.01 && ctx.log_qp() <= 438.0);
    assert_eq!(ctx.scale(7), 2f64.powi(40));
    println!("{}", ctx.summary());
}

/// One multiply + relinearize + rescale of two full public-key encrypted random vectors.
#[test]
fn multiply_relinearize_rescale_is_as_precise_as_seal() {
    let f = fx();
    let errors: Vec<f64> = (0..TRIALS).map(|t| f.mul_error(1000 + t)).collect();
    for (t, e) in errors.iter().enumerate() {
        println!("mul+relin+rescale, run {t}: max error {e:.3e} = 2^-{:.2}", -e.log2());
    }
    let mean = errors.iter().sum::<f64>() / errors.len() as f64;
    let worst = errors.iter().copied().fold(0.0, f64::max);
    println!(
        "mul+relin+rescale: mean {mean:.3e}, worst {worst:.3e} = 2^-{:.2} over {TRIALS} runs \
         (SEAL: {SEAL_MUL:.3e})",
        -worst.log2()
    );
    // Every run: observed at most 3.56e-8 over the 120 calibration runs; 5e-8 leaves room for
    // the heavy tail.
    assert!(worst < 5e-8, "worst {worst:e}");
    // At least as precise as SEAL on average: the mean of these fixed-seed runs (2.24e-8 when
    // measured; over 120 random runs 2.25e-8) is below SEAL's figure at the same parameters.
    assert!(mean <= SEAL_MUL, "mean {mean:e} vs SEAL {SEAL_MUL:e}");
}

#[test]
fn rotation_is_more_precise_than_seal() {
    let f = fx();
    let mut worst = 0.0f64;
    for t in 0..TRIALS {
        for step in [1i64, -1] {
            let e = f.rotate_error(2000 + t, step);
            println!("rotate by {step}, run {t}: max error {e:.3e} = 2^-{:.2}", -e.log2());
            worst = worst.max(e);
        }
    }
    println!(
        "rotation: worst {worst:.3e} = 2^-{:.2} over {} rotations (SEAL: {SEAL_ROTATE:.1e})",
        -worst.log2(),
        2 * TRIALS
    );
    // Observed at most 9.6e-8 over 120 runs (the key-switching noise of the q_0 digit:
    // q_0 / P is about 1, so it contributes about sqrt(N / 12) * 3.2 per coefficient).
    assert!(worst < SEAL_ROTATE, "worst {worst:e} vs SEAL {SEAL_ROTATE:e}");
    assert!(worst < 2.5e-7, "worst {worst:e}");
}

/// `min, median, mean, 90th percentile, max` of `v`.
fn stats(v: &mut [f64]) -> [f64; 5] {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    [v[0], at(0.5), v.iter().sum::<f64>() / v.len() as f64, at(0.9), v[v.len() - 1]]
}

/// The calibration behind the figures in this file's header: `PRECISION_RUNS` runs (default
/// 120), each with its own keys and inputs (seeds `PRECISION_SEED + r`, default 0).
#[test]
#[ignore = "calibration run, about a minute"]
fn calibrate_over_independent_keys() {
    let env = |name: &str, default: u64| {
        std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
    };
    let (runs, seed) = (env("PRECISION_RUNS", 120), env("PRECISION_SEED", 0));
    let ctx = seal_like().build().unwrap();
    let (mut mul, mut rot) = (Vec::new(), Vec::new());
    for r in 0..runs {
        let f = Fixture::with_keys(ctx.clone(), seed + r);
        mul.push(f.mul_error(1 << 32 | (seed + r)));
        rot.push(f.rotate_error(2 << 32 | (seed + r), 1));
    }
    let below =
        |v: &[f64], x: f64| 100.0 * v.iter().filter(|&&e| e <= x).count() as f64 / v.len() as f64;
    let (mb, m2) = (below(&mul, SEAL_MUL), below(&mul, 2e-8));
    let [lo, med, mean, p90, hi] = stats(&mut mul);
    println!(
        "mul+relin+rescale over {runs} runs: min {lo:.3e}, median {med:.3e}, mean {mean:.3e}, \
         90th percentile {p90:.3e}, max {hi:.3e} ({mb:.0}% at or below SEAL's {SEAL_MUL:.3e}, \
         {m2:.0}% at or below 2e-8)"
    );
    let [lo, med, mean, p90, hi] = stats(&mut rot);
    println!(
        "rotate by 1 over {runs} runs: min {lo:.3e}, median {med:.3e}, mean {mean:.3e}, \
         90th percentile {p90:.3e}, max {hi:.3e} (SEAL: {SEAL_ROTATE:.1e})"
    );
}
