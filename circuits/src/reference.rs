//! The plaintext reference trainer: minibatch logistic regression with Nesterov's accelerated
//! gradient and a polynomial sigmoid, in plain `f64` (no evaluator). Both circuits must
//! reproduce its iterates.
//!
//! With `z_i = y_i x_i` (labels in {-1, +1}, feature 0 the bias), minibatch `t` the rows
//! `t b .. (t + 1) b`, `w_0 = v_0 = 0` and `a_0`:
//!
//! ```text
//! g_t     = (1/b) sum_i p(-z_i . v_t) z_i          (p the polynomial sigmoid)
//! w_{t+1} = v_t + gamma g_t
//! a_{t+1} = (1 + sqrt(1 + 4 a_t^2)) / 2,   eta_t = (1 - a_t) / a_{t+1}
//! v_{t+1} = (1 - eta_t) w_{t+1} + eta_t w_t
//! ```

use crate::error::{CircuitError, ConfigFault, Result};
use crate::sigmoid::SigmoidPoly;
use linalg::PlainMatrix;

/// Hyper-parameters of the training algorithm.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Rows per minibatch `b`.
    pub batch_size: usize,
    /// Minibatches `k` (one iteration each).
    pub minibatches: usize,
    /// Learning rate `gamma`.
    pub gamma: f64,
    /// Nesterov's `a_0`.
    pub a0: f64,
    /// The sigmoid approximation.
    pub sigmoid: SigmoidPoly,
    /// The index of the first iteration (nonzero when training resumes after earlier rounds:
    /// Nesterov's `a_t` continues from there).
    pub start_iteration: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            batch_size: 256,
            minibatches: 6,
            gamma: 0.5,
            a0: 0.01,
            sigmoid: SigmoidPoly::default_degree3(),
            start_iteration: 0,
        }
    }
}

impl TrainConfig {
    /// Checks the configuration against `rows` available samples.
    ///
    /// # Errors
    /// [`CircuitError::NotEnoughData`], [`CircuitError::InvalidConfig`].
    pub fn check(&self, rows: usize) -> Result<()> {
        if self.batch_size == 0 || self.minibatches == 0 {
            return Err(CircuitError::InvalidConfig(ConfigFault::EmptyBatches));
        }
        if !(self.gamma.is_finite() && self.a0.is_finite()) {
            return Err(CircuitError::InvalidConfig(ConfigFault::NonFiniteRate));
        }
        let needed = self.batch_size * self.minibatches;
        if rows < needed {
            return Err(CircuitError::NotEnoughData {
                minibatches: self.minibatches,
                batch_size: self.batch_size,
                needed,
                available: rows,
            });
        }
        Ok(())
    }

    /// `eta_t` for the `k` iterations from `start_iteration` on.
    pub fn etas(&self) -> Vec<f64> {
        let step = |a: f64| (1.0 + (1.0 + 4.0 * a * a).sqrt()) / 2.0;
        let mut a = (0..self.start_iteration).fold(self.a0, |a, _| step(a));
        (0..self.minibatches)
            .map(|_| {
                let next = (1.0 + (1.0 + 4.0 * a * a).sqrt()) / 2.0;
                let eta = (1.0 - a) / next;
                a = next;
                eta
            })
            .collect()
    }
}

/// The iterates of a run: `w_0 .. w_k` and `v_0 .. v_k`.
#[derive(Clone, Debug, PartialEq)]
pub struct Iterates {
    /// `w_t`; the model is `w_k`.
    pub w: Vec<Vec<f64>>,
    /// `v_t`.
    pub v: Vec<Vec<f64>>,
}

impl Iterates {
    /// The trained model `w_k`.
    pub fn model(&self) -> &[f64] {
        self.w.last().expect("w_0 is always present")
    }
}

/// Trains on `z` (rows `z_i = y_i x_i`) from `w_0 = v_0 = 0`.
///
/// # Errors
/// As [`TrainConfig::check`].
pub fn train(z: &PlainMatrix, cfg: &TrainConfig) -> Result<Iterates> {
    let zero = vec![0.0; z.cols()];
    train_from(z, cfg, &zero, &zero)
}

/// Trains on `z` from the state `(w_0, v_0)` (a resumed run: with
/// [`TrainConfig::start_iteration`] set, the iterates continue those of the earlier rounds).
///
/// # Errors
/// As [`TrainConfig::check`]; [`CircuitError::InvalidConfig`] for a state of the wrong length.
pub fn train_from(z: &PlainMatrix, cfg: &TrainConfig, w0: &[f64], v0: &[f64]) -> Result<Iterates> {
    cfg.check(z.rows())?;
    let (b, d) = (cfg.batch_size, z.cols());
    if w0.len() != d || v0.len() != d {
        return Err(CircuitError::InvalidConfig(ConfigFault::StateLength {
            w: w0.len(),
            v: v0.len(),
            features: d,
        }));
    }
    let etas = cfg.etas();
    let mut w = vec![w0.to_vec()];
    let mut v = vec![v0.to_vec()];
    for (t, &eta) in etas.iter().enumerate() {
        let vt = &v[t];
        let mut g = vec![0.0; d];
        for i in t * b..(t + 1) * b {
            let zi = z.row(i);
            let s = cfg.sigmoid.eval(-dot(zi, vt));
            for (gj, zj) in g.iter_mut().zip(zi) {
                *gj += s * zj;
            }
        }
        let w_next: Vec<f64> =
            vt.iter().zip(&g).map(|(vj, gj)| vj + cfg.gamma * gj / b as f64).collect();
        let v_next = w_next.iter().zip(&w[t]).map(|(a, b)| (1.0 - eta) * a + eta * b).collect();
        w.push(w_next);
        v.push(v_next);
    }
    Ok(Iterates { w, v })
}

/// Plaintext training in rounds of `rounds[r]` minibatches (the rows of `z` in order, as many
/// as the rounds take), with `perturb(r, w, v)` applied to the state after every round but the
/// last: a model of a state that crosses each bootstrap with some error. Nesterov's `a_t` runs
/// on across rounds, so with a `perturb` that does nothing the iterates are [`train`]'s over
/// the same minibatches. Returns `w_0 ..` after every iteration.
///
/// # Errors
/// As [`train_from`] (`cfg.minibatches` is ignored: the rounds set the count).
pub fn train_in_rounds(
    z: &PlainMatrix,
    cfg: &TrainConfig,
    rounds: &[usize],
    mut perturb: impl FnMut(usize, &mut [f64], &mut [f64]),
) -> Result<Vec<Vec<f64>>> {
    TrainConfig { minibatches: rounds.iter().sum(), ..cfg.clone() }.check(z.rows())?;
    let (b, d) = (cfg.batch_size, z.cols());
    let (mut w, mut v) = (vec![0.0; d], vec![0.0; d]);
    let mut ws = vec![w.clone()];
    let mut first = cfg.start_iteration;
    for (r, &k) in rounds.iter().enumerate() {
        let start = (first - cfg.start_iteration) * b;
        let rows = PlainMatrix::from_fn(k * b, d, |i, j| z.get(start + i, j));
        let round = TrainConfig { minibatches: k, start_iteration: first, ..cfg.clone() };
        let it = train_from(&rows, &round, &w, &v)?;
        ws.extend(it.w[1..].iter().cloned());
        (w, v) = (it.w[k].clone(), it.v[k].clone());
        if r + 1 < rounds.len() {
            perturb(r, &mut w, &mut v);
        }
        first += k;
    }
    Ok(ws)
}

/// `a . b`.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The fraction of samples `(x_i, y_i)` with `sign(w . x_i) = y_i` (a score of 0 counts as
/// +1).
pub fn accuracy(x: &PlainMatrix, y: &[f64], w: &[f64]) -> f64 {
    let right = (0..x.rows())
        .filter(|&i| {
            let s = dot(x.row(i), w);
            (s >= 0.0) == (y[i] > 0.0)
        })
        .count();
    right as f64 / x.rows() as f64
}
