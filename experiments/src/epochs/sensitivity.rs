//! How much weight error the optimizer makes of small errors in its state.
//!
//! Every crossing of a bootstrap leaves an error in the state `(w, v)` (a bootstrap's output
//! error times the state bound `sigma`, plus the rounding of the round's own arithmetic), and
//! Nesterov's momentum carries each such error into every later iterate. How far that alone
//! takes the weights is a plaintext question: train the same rounds of the same minibatches in
//! `f64`, add uniform noise in `[-eps, eps]` to every coordinate of `w` and `v` at each crossing
//! ([`circuits::reference::train_in_rounds`]), and compare with the unperturbed run at the same
//! points as the encrypted run (each round's end). In the linear regime the result scales with
//! `eps`, so `error / eps` is the optimizer's amplification of a crossing's error.

use crate::error::Result;
use circuits::reference::{train_in_rounds, TrainConfig};
use linalg::PlainMatrix;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// `log2` of the default `eps`: a 256-slot bootstrap's largest output error (about `2^-23`)
/// times the default state bound 8.
pub const LOG2_PERTURBATION: i32 = -20;

/// The seed of the noise (fixed: the figure is reproducible).
const SEED: u64 = 20_261_201;

/// The largest weight error, within each epoch of `m` iterations, at the ends of `rounds`, of
/// plaintext training over `all` (every epoch's rows in order) perturbed by `eps` at each
/// crossing, against `reference` (`w_0 ..` of the unperturbed run).
///
/// # Errors
/// As [`train_in_rounds`].
pub fn perturbed_errors(
    all: &PlainMatrix,
    cfg: &TrainConfig,
    rounds: &[usize],
    reference: &[Vec<f64>],
    m: usize,
    eps: f64,
) -> Result<Vec<f64>> {
    let mut rng = ChaCha20Rng::seed_from_u64(SEED);
    let mut noise = |x: &mut [f64]| {
        for xi in x {
            // Uniform in [-1, 1) from 53 random bits.
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0;
            *xi += eps * u;
        }
    };
    let ws = train_in_rounds(all, cfg, rounds, |_, w, v| {
        noise(w);
        noise(v);
    })?;
    let epochs = rounds.iter().sum::<usize>().div_ceil(m.max(1));
    let ends = rounds.iter().scan(0, |end, &k| {
        *end += k;
        Some(*end)
    });
    let errors = ends.map(|end| (end, super::max_abs_diff(&ws[end], &reference[end])));
    Ok(per_epoch_max(errors, m, epochs))
}

/// The largest error within each of `epochs` epochs of `m` iterations, from `(iteration,
/// error)` points: epoch `e` holds iterations `e m + 1 ..= (e + 1) m` (iteration 0, before any
/// training, belongs to none).
pub(super) fn per_epoch_max(
    points: impl IntoIterator<Item = (usize, f64)>,
    m: usize,
    epochs: usize,
) -> Vec<f64> {
    let mut out = vec![0.0f64; epochs];
    for (i, err) in points.into_iter().filter(|&(i, _)| i > 0) {
        if let Some(e) = out.get_mut((i - 1) / m.max(1)) {
            *e = e.max(err);
        }
    }
    out
}
