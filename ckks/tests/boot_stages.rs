//! Each bootstrapping stage against its plaintext definition, at small insecure parameters:
//! CoeffsToSlots and SlotsToCoeffs against the canonical embedding evaluated naively in the
//! test, the modular reduction against `f64`.

use ckks::boot::{BootstrapConfig, BootstrapPlan, Bootstrapper};
use ckks::{Complex64, Context, Prng, SecretKey, Security};
use std::f64::consts::PI;
use std::sync::Arc;

struct Setup {
    ctx: Context,
    sk: SecretKey,
    bt: Bootstrapper,
    prng: Prng,
}

fn setup(log_n: u32, slots: Option<usize>) -> Setup {
    let config =
        BootstrapConfig { slots, cts_levels: 2, stc_levels: 2, ..BootstrapConfig::default() };
    let lit = config.parameters(log_n, 1, 60, 40, Security::InsecureToyParameters).unwrap();
    let ctx = lit.build().unwrap();
    let plan = Arc::new(BootstrapPlan::new(ctx.chain(), &config).unwrap());
    let mut prng = Prng::from_u64_seed(11);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let bt = Bootstrapper::generate(&sk, plan, &mut prng).unwrap();
    Setup { ctx, sk, bt, prng }
}

fn uniform(p: &mut Prng) -> f64 {
    (p.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// The canonical embedding of `n` slots, naively: `z_j = sum_k u_k w^(5^j k)`,
/// `w = exp(2 pi i / 4n)`.
fn naive_decode(u: &[Complex64]) -> Vec<Complex64> {
    let n = u.len();
    let m = 4 * n;
    let mut g = 1usize;
    (0..n)
        .map(|_| {
            let z = u.iter().enumerate().fold(Complex64::new(0.0, 0.0), |acc, (k, &x)| {
                let e = (g * k) % m;
                acc + x * Complex64::from_polar(1.0, 2.0 * PI * e as f64 / m as f64)
            });
            g = g * 5 % m;
            z
        })
        .collect()
}

/// The inverse for real polynomials of degree `< 2n` (`n` slots), naively:
/// `a_k = Re(sum_j z_j w^(-5^j k)) / n`, `k < 2n`.
fn naive_encode(z: &[Complex64]) -> Vec<f64> {
    let n = z.len();
    let m = 4 * n;
    (0..2 * n)
        .map(|k| {
            let mut g = 1usize;
            let mut acc = Complex64::new(0.0, 0.0);
            for zj in z {
                let e = (m - (g * k) % m) % m;
                acc += zj * Complex64::from_polar(1.0, 2.0 * PI * e as f64 / m as f64);
                g = g * 5 % m;
            }
            acc.re / n as f64
        })
        .collect()
}

fn bit_reversed<T: Copy>(v: &[T]) -> Vec<T> {
    let bits = v.len().trailing_zeros();
    (0..v.len()).map(|i| v[i.reverse_bits() >> (usize::BITS - bits)]).collect()
}

fn max_diff(a: &[Complex64], b: &[Complex64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).norm()).fold(0.0, f64::max)
}

#[test]
fn coeffs_to_slots_is_the_inverse_embedding() {
    for slots in [None, Some(32)] {
        let mut s = setup(11, slots);
        let plan = s.bt.plan().clone();
        let (n, half) = (plan.slots(), s.ctx.slots());
        let k = plan.k();
        // Raised-like slots: coefficients x = I + m up to about 16, over q_0.
        let mut coeffs = vec![0.0; 2 * half];
        coeffs.iter_mut().for_each(|c| {
            *c = (16.0 * uniform(&mut s.prng)).round() + uniform(&mut s.prng) / 256.0
        });
        let z = s.ctx.encoder().coeffs_to_slots(&coeffs);
        let top = s.ctx.max_level();
        let ct =
            s.sk.encrypt(&s.ctx.encode_complex(&z, top, plan.raised_scale()).unwrap(), &mut s.prng)
                .unwrap();
        let parts = s.bt.coeffs_to_slots(&ct).unwrap();
        assert_eq!(parts.len(), if plan.is_full() { 2 } else { 1 });
        // The definition: the trace (sparse) sums the N/2n copies of z; the inverse embedding of
        // the n resulting slots; packed, bit-reversed, over K.
        let g = half / n;
        let zn: Vec<Complex64> =
            (0..n).map(|j| (0..g).map(|c| z[j + c * n]).sum::<Complex64>() / g as f64).collect();
        let a = naive_encode(&zn);
        let packed: Vec<Complex64> = (0..n).map(|j| Complex64::new(a[j], a[j + n]) / k).collect();
        let u = bit_reversed(&packed);
        let want: Vec<Vec<Complex64>> = if plan.is_full() {
            vec![
                u.iter().map(|x| Complex64::new(x.re, 0.0)).collect(),
                u.iter().map(|x| Complex64::new(x.im, 0.0)).collect(),
            ]
        } else {
            let p: Vec<Complex64> = u
                .iter()
                .map(|x| Complex64::new(x.re, 0.0))
                .chain(u.iter().map(|x| Complex64::new(x.im, 0.0)))
                .collect();
            vec![(0..half).map(|r| p[r % (2 * n)]).collect()]
        };
        for (p, w) in parts.iter().zip(&want) {
            assert_eq!((p.level(), p.scale()), (plan.reduction_level(), plan.raised_scale()));
            let got = s.ctx.decode_complex(&s.sk.decrypt(p).unwrap()).unwrap();
            let err = max_diff(&got, w);
            // In message units (times K rho) this is the coefficients' error.
            eprintln!(
                "CoeffsToSlots, {n} slots: 2^{:.1} (x K rho: 2^{:.1})",
                err.log2(),
                (err * k * plan.message_ratio()).log2()
            );
            assert!(err * k * plan.message_ratio() < 2f64.powi(-26));
        }
        // The naive inverse inverts the encoder's embedding.
        if plan.is_full() {
            let back = naive_encode(&z);
            assert!(back.iter().zip(&coeffs).all(|(x, y)| (x - y).abs() < 1e-9));
        }
    }
}

#[test]
fn slots_to_coeffs_is_the_embedding() {
    for slots in [None, Some(32)] {
        let mut s = setup(11, slots);
        let plan = s.bt.plan().clone();
        let (n, half) = (plan.slots(), s.ctx.slots());
        let (level, scale) = plan.reduced();
        // Reduced values as sin(2 pi c / rho) for the coefficients c of slots in [-1, 1]
        // (about 1 / sqrt(n)): small, as SlotsToCoeffs sees them.
        let c = 2.0 * PI / plan.message_ratio() / (n as f64).sqrt();
        let parts: Vec<Vec<Complex64>> = (0..if plan.is_full() { 2 } else { 1 })
            .map(|_| (0..half).map(|_| Complex64::new(c * uniform(&mut s.prng), 0.0)).collect())
            .collect();
        let cts: Vec<_> = parts
            .iter()
            .map(|p| {
                // Sparse: the 2n real values repeat with period 2n.
                let v: Vec<Complex64> = (0..half).map(|r| p[r % (2 * n).min(half)]).collect();
                s.sk.encrypt(&s.ctx.encode_complex(&v, level, scale).unwrap(), &mut s.prng).unwrap()
            })
            .collect();
        let out = s.bt.slots_to_coeffs(&cts).unwrap();
        assert_eq!(out.level(), plan.output_level());
        assert_eq!(out.scale(), s.ctx.scale(plan.output_level()));
        let got = s.ctx.decode_complex(&s.sk.decrypt(&out).unwrap()).unwrap();
        // The definition: packed coefficients (bit-reversed) times rho / 2 pi.
        let k = plan.message_ratio() / (2.0 * PI);
        let packed: Vec<Complex64> = (0..n)
            .map(|j| {
                let (re, im) = if plan.is_full() {
                    (parts[0][j].re, parts[1][j].re)
                } else {
                    (parts[0][j].re, parts[0][j + n].re)
                };
                Complex64::new(re, im) * k
            })
            .collect();
        let z = naive_decode(&bit_reversed(&packed));
        let want: Vec<Complex64> = (0..half).map(|r| z[r % n]).collect();
        let err = max_diff(&got, &want);
        eprintln!("SlotsToCoeffs, {n} slots: 2^{:.1}", err.log2());
        assert!(err < 2f64.powi(-20));
    }
}

#[test]
fn modular_reduction_is_the_sine() {
    let mut s = setup(11, None);
    let plan = s.bt.plan().clone();
    let half = s.ctx.slots();
    let k = plan.k();
    // x = I + m: integers up to h / 2 plus a small fraction, over K.
    let ints = (plan.config().hamming_weight / 2) as f64;
    let x: Vec<f64> = (0..half)
        .map(|_| (uniform(&mut s.prng) * ints).round() + uniform(&mut s.prng) / 256.0)
        .collect();
    let v: Vec<f64> = x.iter().map(|&x| x / k).collect();
    let level = plan.reduction_level();
    let ct =
        s.sk.encrypt(&s.ctx.encode(&v, level, plan.raised_scale()).unwrap(), &mut s.prng).unwrap();
    let out = s.bt.eval_mod(&ct).unwrap();
    assert_eq!(out.level(), plan.reduced().0);
    assert_eq!(out.scale(), plan.reduced().1);
    let got = s.ctx.decode(&s.sk.decrypt(&out).unwrap()).unwrap();
    let reduction = plan.reduction();
    // Against its definition: sin(2 pi x), corrected by the arcsine's series y + y^3 / 6.
    let definition = |x: f64| {
        let y = (2.0 * PI * x).sin();
        reduction.arcsine.as_ref().map_or(y, |a| a.eval(y))
    };
    let err = got.iter().zip(&x).map(|(g, &x)| (g - definition(x)).abs()).fold(0.0, f64::max);
    eprintln!(
        "modular reduction: 2^{:.1} (approximation 2^{:.1})",
        err.log2(),
        reduction.max_error().log2()
    );
    // Observed 2^-38.6 (N = 2^11).
    assert!(err < 2f64.powi(-34));
    // And 2 pi (x mod 1), up to the series' fifth-order term (|x mod 1| <= 1/256 here).
    let rho = plan.message_ratio();
    let series = reduction.series_error(rho / 256.0, rho) / rho;
    let err = got
        .iter()
        .zip(&x)
        .map(|(g, &x)| (g / (2.0 * PI) - (x - x.round())).abs())
        .fold(0.0, f64::max);
    eprintln!("x mod 1: 2^{:.1} (series 2^{:.1})", err.log2(), series.log2());
    assert!(err < 1.1 * series + 2f64.powi(-36));
}
