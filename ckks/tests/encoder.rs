//! The encoder against the canonical embedding evaluated naively (`O(N^2)`, written here from the
//! definition) at the ring degrees the scheme is used at: `N = 2^11 .. 2^14` (the unit tests in
//! `ckks/src/scheme/encoder.rs` stop at `N = 2^10`).
//!
//! Definition: slot `j` of a real polynomial `m` of degree `< N` is `m(zeta^(5^j mod 2N))`,
//! `zeta = exp(i pi / N)`, for `j < N/2`; the inverse is `m_k = (2/N) Re sum_j z_j
//! conj(zeta_j)^k` (the other `N/2` roots are the conjugates).

use ckks::{Complex64, Encoder, ParametersLiteral, Security};
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// `exp(i pi k / N)` for `k < 2N`, each from its own `sin_cos` (no recurrence).
fn roots(n: usize) -> Vec<Complex64> {
    (0..2 * n)
        .map(|k| {
            let (s, c) = (std::f64::consts::PI * k as f64 / n as f64).sin_cos();
            Complex64::new(c, s)
        })
        .collect()
}

/// `5^j mod 2N`, `j < N/2`.
fn exponents(n: usize) -> Vec<usize> {
    std::iter::successors(Some(1usize), |g| Some(g * 5 % (2 * n))).take(n / 2).collect()
}

/// The slots of `coeffs`, from the definition.
fn naive_slots(coeffs: &[f64]) -> Vec<Complex64> {
    let n = coeffs.len();
    let root = roots(n);
    exponents(n)
        .into_iter()
        .map(|g| coeffs.iter().enumerate().map(|(k, &c)| root[g * k % (2 * n)] * c).sum())
        .collect()
}

/// The real coefficients whose slots are `z`, from the definition.
fn naive_coeffs(z: &[Complex64], n: usize) -> Vec<f64> {
    let root = roots(n);
    let gs = exponents(n);
    (0..n)
        .map(|k| {
            let s: Complex64 =
                z.iter().zip(&gs).map(|(zj, &g)| zj * root[g * k % (2 * n)].conj()).sum();
            2.0 * s.re / n as f64
        })
        .collect()
}

fn uniform(rng: &mut rand_chacha::ChaCha20Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

fn max_dist(a: &[Complex64], b: &[Complex64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).norm()).fold(0.0, f64::max)
}

/// The special FFT both ways against the naive embedding. Coefficients in [-1, 1] give slots of
/// size about sqrt(N); both transforms carry a rounding error of order `log N` ulps of that,
/// while the naive sums carry about `sqrt(N)` ulps. Measured (printed): slots 2^-41.6 at
/// N = 2^11 to 2^-39.1 at N = 2^14, coefficients 2^-52 at every N; bounds 2^-36 and 2^-49,
/// three bits above (a wrong root or slot order gives errors of order 1).
#[test]
fn special_fft_matches_the_naive_embedding_up_to_n_2_14() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
    for log_n in 11..=14u32 {
        let n = 1usize << log_n;
        let enc = Encoder::new(n);
        let coeffs: Vec<f64> = (0..n).map(|_| uniform(&mut rng)).collect();
        let fast = enc.coeffs_to_slots(&coeffs);
        let slot_err = max_dist(&fast, &naive_slots(&coeffs));
        let z: Vec<Complex64> =
            (0..n / 2).map(|_| Complex64::new(uniform(&mut rng), uniform(&mut rng))).collect();
        let back = enc.slots_to_coeffs(&z);
        let want = naive_coeffs(&z, n);
        assert_eq!(back.len(), n);
        let coeff_err = back.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        println!(
            "N = 2^{log_n}: slots 2^{:.1}, coefficients 2^{:.1} from the naive embedding",
            slot_err.log2(),
            coeff_err.log2()
        );
        assert!(slot_err < 2f64.powi(-36), "N = 2^{log_n}: slots off by {slot_err:e}");
        assert!(coeff_err < 2f64.powi(-49), "N = 2^{log_n}: coefficients off by {coeff_err:e}");
    }
}

/// The context's encoder (special FFT, scaling, rounding, RNS) and decoder (exact CRT) against
/// the definition: the exact coefficients of `encode(z)` have the naive slots `z` up to the
/// rounding to integers (`N` roundings of at most 1/2, divided by the scale 2^40: a slot error
/// of standard deviation `sqrt(N/12) 2^-40`, its maximum over `N/2` slots about four times
/// that), and `decode_complex` gives the naive slots of those coefficients. Measured (printed):
/// encode 2^-34.4 (N = 2^12) and 2^-33.7 (N = 2^13), decode 2^-47 and 2^-46.
#[test]
fn context_encoding_matches_the_naive_embedding() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(12);
    for log_n in [12u32, 13] {
        let ctx = ParametersLiteral::with_levels(log_n, 2, 60, 40, 60, 1)
            .security(Security::InsecureToyParameters)
            .build()
            .unwrap();
        let n = ctx.n();
        let z: Vec<Complex64> =
            (0..n / 2).map(|_| Complex64::new(uniform(&mut rng), uniform(&mut rng))).collect();
        for level in [0, 2] {
            let pt = ctx.encode_complex(&z, level, ctx.scale(level)).unwrap();
            let coeffs = ctx.decode_coeffs(&pt).unwrap();
            assert_eq!(coeffs.len(), n);
            let naive = naive_slots(&coeffs);
            let enc_err = max_dist(&naive, &z);
            let dec_err = max_dist(&ctx.decode_complex(&pt).unwrap(), &naive);
            println!(
                "N = 2^{log_n}, level {level}: encode 2^{:.1}, decode 2^{:.1} from the definition",
                enc_err.log2(),
                dec_err.log2()
            );
            // 4 sqrt(N) 2^-40 (2^-31.5 at N = 2^13): about 2 bits above the measured worst.
            let bound = 4.0 * (n as f64).sqrt() * 2f64.powi(-40);
            assert!(enc_err < bound, "N = 2^{log_n}: encode {enc_err:e}");
            assert!(dec_err < 2f64.powi(-43), "N = 2^{log_n}: decode {dec_err:e}");
        }
    }
}
