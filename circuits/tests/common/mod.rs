//! Shared test data: random rows `z_i = y_i x_i` and relative errors.

use linalg::PlainMatrix;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// Random rows `z_i = y_i x_i` with a bias column, features in [0, 1], labels +-1.
pub fn data(seed: u64, n: usize, d: usize) -> PlainMatrix {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut rows = Vec::with_capacity(n * d);
    for _ in 0..n {
        let y = if u() < 0.5 { -1.0 } else { 1.0 };
        rows.push(y);
        for _ in 1..d {
            rows.push(y * u());
        }
    }
    PlainMatrix::new(n, d, rows).unwrap()
}

/// `||got - want|| / ||want||`, after checking that the lengths agree.
#[allow(dead_code)]
pub fn rel_error(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len(), "lengths differ");
    let diff: f64 = got.iter().zip(want).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
    let norm: f64 = want.iter().map(|x| x * x).sum::<f64>().sqrt();
    diff / norm.max(1e-300)
}
