//! Pins of the numbers every trainer shares. The plaintext reference trainer, the baseline and the
//! low-depth circuit all take Nesterov's `eta_t` from `TrainConfig::etas` and the sigmoid from
//! `SigmoidPoly`, so a wrong schedule or a wrong fit would pass every test that compares them
//! with one another. Here they are compared with numbers computed independently (40-digit
//! arithmetic with mpmath, outside this code base) and with HELR's published coefficients.

// The literals below are written with the digits mpmath printed, more than an f64 holds.
#![allow(clippy::excessive_precision)]

use circuits::reference::{train, train_from, TrainConfig};
use circuits::sigmoid::SigmoidPoly;
use linalg::PlainMatrix;

/// `eta_0 .. eta_9` for `a_0 = 0.01`, `a_{t+1} = (1 + sqrt(1 + 4 a_t^2)) / 2`,
/// `eta_t = (1 - a_t) / a_{t+1}`, computed with mpmath at 40 significant digits:
///
/// ```text
/// from mpmath import mp, mpf, sqrt; mp.dps = 40; a = mpf('0.01')
/// for t in range(10): n = (1 + sqrt(1 + 4*a*a)) / 2; print((1 - a) / n); a = n
/// ```
const ETAS: [f64; 10] = [
    0.989_901_019_795_051_385_584_330_6,
    -0.000_061_793_804_200_746_816_683_976_44,
    -0.281_783_320_435_150_179_687_529_3,
    -0.434_060_706_311_145_073_422_598,
    -0.531_075_878_806_438_657_302_451_7,
    -0.598_787_319_680_778_883_508_346_7,
    -0.648_929_945_115_552_642_782_320_6,
    -0.687_651_056_474_760_820_246_641_3,
    -0.718_504_055_402_859_760_961_675_8,
    -0.743_694_514_457_515_698_957_831,
];

/// The exact least-squares cubic for the logistic function on `[-8, 8]` (uniform weight):
/// `1/2 + C1 x + C3 x^3`, from the 2 x 2 normal equations with the integrals done by mpmath's
/// `quad` at 40 digits (`int x^(j+k)` over `[-8, 8]` and `int (sigma(x) - 1/2) x^j`, j, k in
/// {1, 3}).
const C1: f64 = 0.150_120_413_273_518_370_269_599_6;
const C3: f64 = -0.001_593_017_407_219_916_731_614_217;

#[test]
fn nesterov_etas_are_the_independently_computed_ones() {
    let cfg = TrainConfig { minibatches: ETAS.len(), ..TrainConfig::default() };
    assert_eq!(cfg.a0, 0.01);
    let etas = cfg.etas();
    assert_eq!(etas.len(), ETAS.len());
    for (t, (&got, &want)) in etas.iter().zip(&ETAS).enumerate() {
        // Absolute: eta_1 = 1 - a_1 is a cancellation (a_1 = 1.0001), so its relative error
        // is about 1e-12 while its absolute error is that of a_1, a few ulps of 1.
        assert!((got - want).abs() < 1e-15, "eta_{t}: {got:e}, want {want:e}");
    }
    // A resumed run continues the sequence where the earlier rounds stopped.
    for start in 0..8 {
        let resumed = TrainConfig { start_iteration: start, minibatches: 2, ..cfg.clone() };
        let got = resumed.etas();
        assert_eq!(got.len(), 2);
        for (j, g) in got.iter().enumerate() {
            assert!((g - ETAS[start + j]).abs() < 1e-15, "start {start}, eta_{}", start + j);
        }
    }
}

#[test]
fn the_default_sigmoid_is_helrs_degree_3_fit() {
    let p = SigmoidPoly::default_degree3();
    assert_eq!(p.interval, 8.0);
    assert_eq!(p.coeffs.len(), 4, "degree 3");
    assert_eq!((p.coeffs[0], p.coeffs[2]), (0.5, 0.0));
    // HELR (Kim, Song, Kim, Lee and Cheon, 2018) publish the fit as
    // 0.5 - 1.20096 (x/8) + 0.81562 (x/8)^3 for sigma(-x), i.e. 0.5 + 0.15012 x - 0.001593 x^3
    // for sigma(x): five decimals of 8 c_1 and 512 c_3, so half a unit of the fifth decimal.
    assert!((8.0 * p.coeffs[1] - 1.20096).abs() <= 5e-6, "{:?}", p.coeffs);
    assert!((512.0 * p.coeffs[3] + 0.81562).abs() <= 5e-6, "{:?}", p.coeffs);
    // And the exact least-squares optimum, to the accuracy of the crate's Simpson quadrature
    // (200,000 intervals) and elimination.
    assert!((p.coeffs[1] - C1).abs() < 1e-12 * C1.abs(), "c1 = {:e}", p.coeffs[1]);
    assert!((p.coeffs[3] - C3).abs() < 1e-12 * C3.abs(), "c3 = {:e}", p.coeffs[3]);
}

/// The reference trainer against a second, literal transcription of its recurrence with the
/// pinned numbers above (not `TrainConfig::etas` nor `SigmoidPoly`):
/// `g_t = (1/b) sum_i p(-z_i . v_t) z_i`, `w_{t+1} = v_t + gamma g_t`,
/// `v_{t+1} = (1 - eta_t) w_{t+1} + eta_t w_t`.
#[test]
fn the_reference_trainer_follows_the_pinned_recurrence() {
    let (b, d, k, gamma) = (4, 3, 8, 0.5);
    // Fixed rows z_i = y_i x_i with a bias column.
    let z = PlainMatrix::from_fn(b * k, d, |i, j| {
        let y = if i % 3 == 0 { -1.0 } else { 1.0 };
        let x = if j == 0 { 1.0 } else { ((i * 7 + j * 3) % 11) as f64 / 10.0 };
        y * x
    });
    let p = |x: f64| 0.5 + C1 * x + C3 * x * x * x;
    let step = |w0: Vec<f64>, v0: Vec<f64>, etas: &[f64], first_batch: usize| {
        let (mut w, mut v) = (w0, v0);
        for (t, &eta) in etas.iter().enumerate() {
            let mut g = vec![0.0; d];
            for i in (first_batch + t) * b..(first_batch + t + 1) * b {
                let s = p(-(0..d).map(|j| z.get(i, j) * v[j]).sum::<f64>());
                (0..d).for_each(|j| g[j] += s * z.get(i, j) / b as f64);
            }
            let w_next: Vec<f64> = (0..d).map(|j| v[j] + gamma * g[j]).collect();
            v = (0..d).map(|j| (1.0 - eta) * w_next[j] + eta * w[j]).collect();
            w = w_next;
        }
        (w, v)
    };
    let cfg = TrainConfig { batch_size: b, minibatches: k, gamma, ..TrainConfig::default() };
    let got = train(&z, &cfg).unwrap();
    let (w, v) = step(vec![0.0; d], vec![0.0; d], &ETAS[..k], 0);
    let close = |a: &[f64], b: &[f64]| {
        assert_eq!(a.len(), b.len());
        a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12 * (1.0 + y.abs()))
    };
    assert!(close(got.model(), &w), "{:?} vs {w:?}", got.model());
    assert!(close(&got.v[k], &v), "{:?} vs {v:?}", got.v[k]);
    assert!(w.iter().any(|x| x.abs() > 1e-3), "the test data must move the model: {w:?}");
    // A resumed round (from iteration 3, state (w_3, v_3), on the next minibatches).
    let (w3, v3) = step(vec![0.0; d], vec![0.0; d], &ETAS[..3], 0);
    let rest = PlainMatrix::from_fn(b * (k - 3), d, |i, j| z.get(3 * b + i, j));
    let cfg = TrainConfig { minibatches: k - 3, start_iteration: 3, ..cfg };
    let resumed = train_from(&rest, &cfg, &w3, &v3).unwrap();
    assert!(close(resumed.model(), &w), "{:?} vs {w:?}", resumed.model());
}
