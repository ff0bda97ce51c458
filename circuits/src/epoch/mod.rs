//! Training whole epochs on the server alone: rounds of minibatches between bootstraps.
//!
//! The client uploads every minibatch of `E` epochs once, each at the level where it is
//! consumed; the server trains round after round and, between rounds, refreshes the model
//! state by bootstrapping; one encrypted model comes back. Nesterov's `a_t` runs on across
//! rounds and epochs, so the iterates are those of one plaintext run over the `E M`
//! minibatches (the epoch's `M` minibatches in order, `E` times).
//!
//! # What crosses a bootstrap
//! A round of `k` minibatches ends with `w_k` and `w_{k-1}` (each as row- and column-layout
//! partial sums for the low-depth circuit, column vectors for the baseline). The next round
//! needs `w_0' = w_k` and `v_0' = (1 - eta) w_k + eta w_{k-1}` (`eta` of the round's last
//! iteration), in the layouts its first step reads. Two real vectors travel in one ciphertext
//! and one bootstrap:
//!
//! 1. **Pack** (one level): `X = w / sigma + i v / sigma` as a column vector. Every term is one
//!    constant product (the constants `1/sigma`, `(1 - eta)/sigma`, `eta/sigma`, halved, folded
//!    into the row-to-column conversion's mask for a row-layout part), the imaginary unit is
//!    the free monomial [`CkksEvaluator::mul_i`](ckks::eval::CkksEvaluator::mul_i), and one
//!    conjugation keeps the real parts of `w` and `v` only (their noise's imaginary parts would
//!    otherwise cross over: [`pack`]). `sigma` ([`EpochConfig::state_bound`]) keeps every slot
//!    within the bootstrap's input bound.
//! 2. **Bootstrap** each tile of `X`. A column vector's tile repeats with the unit's width
//!    `n`, so the sparse bootstrap of `n` slots applies (choose the unit so that one tile holds
//!    all features: one bootstrap per crossing).
//! 3. **Unpack** (no level): `w = (sigma/2) (X + conj X)`, `v = (sigma/2) i (conj X - X)`:
//!    one conjugation (a key switch) and integer products.
//!
//! Both circuits resume from these column vectors at the bootstrap's output level. The
//! low-depth circuit starts its pipeline from them
//! ([`Start::Refreshed`](crate::lowdepth::Start::Refreshed)): `u_0 = -Z_0 v_0` as a row vector
//! (a masked sum, depth 2), so its first step is an `A` step, whose `y_0` is wanted in the row
//! layout only at depth 3, time enough to convert `w_0` and `v_0` (two levels).
//!
//! # Schedule
//! With `L` levels after a bootstrap ([`EpochConfig::levels`]) every round's inputs start at
//! the top, `L`, and its outputs must keep one level for the packing: `depth(k) + 1 <= L`.
//!
//! | round | circuit | largest `k` |
//! |---|---|---|
//! | first (zero start, fresh uploads) | baseline | `5k <= L - 1` |
//! | first | low-depth | zero-start depth (1, 4, 7, 9, 12, 14, ...) `<= L - 1` |
//! | later (resumed) | baseline | `5k <= L - 1` |
//! | later | low-depth | refreshed depth (5, 8, 10, 13, 15, 18, ...) `<= L - 1` |
//!
//! A resumed low-depth round pays for its full first step (three or four levels more than the
//! zero start): its pipeline restarts at each bootstrap. (Carrying
//! the pipeline's `u_k` across instead would need a third vector in the bootstrap: two
//! bootstraps per crossing.) At `L = 10` (128-bit at `N = 2^16` with the default 256-slot
//! bootstrap, [`ckks::boot::BootstrapConfig::parameters`]) the baseline trains one minibatch per
//! bootstrap and the low-depth circuit two; at `L = 11`, with the same digits and special
//! primes, two and three: for one epoch of 46 minibatches, 22 bootstraps against 14. From
//! `L = 12` the chain fits the bound only with more digits (every key switch dearer, the
//! circuit's at its levels too: more digits start below `L`). At `L = 14` the low-depth circuit
//! bootstraps half as often as the baseline at its own `L`; its rotation keys, restricted to
//! the circuit's levels ([`ckks::SecretKey::galois_keys_at`]), keep the keys within memory (a
//! quarter of a full key each), but its minibatches cost more. Which `L` suits a circuit is
//! therefore part of any comparison of the two ([`EpochTraining::own_levels`]: 11 for both;
//! the README measures both choices). Checked by a test (`circuits/tests/epoch.rs`),
//! with the depth finder and an op counter over the whole schedule at `L = 10`:
//!
//! | `L` | chain (`dnum`, special primes, `log2 QP <= 1747`) | baseline `k` (first, later) | low-depth `k` (first, later) | bootstraps per 46 minibatches |
//! |---|---|---|---|---|
//! | 10 | 6, 6 x 50 bits, 1701 | 1, 1 | 4, 2 | 45 and 21 |
//! | 11 | 6, 6 x 50 bits, 1741 | 2, 2 | 4, 3 | 22 and 14 |
//! | 12 | 8, 5 x 50 bits, 1731 | 2, 2 | 4, 3 | 22 and 14 |
//! | 13 | 11, 4 x 50 bits, 1721 | 2, 2 | 5, 3 | 22 and 14 |
//! | 14 | 11, 3 x 61 bits, 1744 | 2, 2 | 5, 4 | 22 and 11 |
//! | 15 | 17, 2 x 61 bits, 1723 | 2, 2 | 6, 4 | 22 and 10 |
//! | 16 | 34, 2 x 50 bits, 1741 | 3, 3 | 6, 5 | 15 and 8 |

mod crossing;
mod params;
mod run;

pub use crossing::{pack, unpack, Crossing, State};
pub use run::{EpochEvent, EpochTraining};

use crate::baseline::Baseline;
use crate::error::{CircuitError, ConfigFault, Result};
use crate::lowdepth::LowDepth;
use crate::reference::TrainConfig;
use crate::training::Kind;
use serde::{Deserialize, Serialize};

/// What to train and how many levels a bootstrap leaves.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochConfig {
    /// The hyper-parameters; `minibatches` is the epoch's `M`, `start_iteration` must be 0.
    pub cfg: TrainConfig,
    /// Epochs `E`.
    pub epochs: usize,
    /// Levels after a bootstrap (the bootstrap's output level), where every round's inputs
    /// start.
    pub levels: usize,
    /// `sigma`: the state is divided by it before bootstrapping (every slot of
    /// `(w + i v) / sigma` must be within the bootstrap's input bound) and multiplied back
    /// after; an even integer of at least 2.
    pub state_bound: u32,
}

/// One round: `minibatches` iterations from `first_iteration` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// The round's index.
    pub index: usize,
    /// The global index of its first iteration (Nesterov's `a_t` continues from there).
    pub first_iteration: usize,
    /// Its minibatches `k`.
    pub minibatches: usize,
    /// Whether it resumes from a bootstrapped state (every round but the first).
    pub resumed: bool,
    /// The level its inputs start at.
    pub top: usize,
    /// Its depth.
    pub depth: usize,
    /// Whether a bootstrap follows it (every round but the last).
    pub bootstrap_after: bool,
}

impl Round {
    /// The epoch-local index of the minibatch of iteration `i` of the round, with `m`
    /// minibatches per epoch.
    pub fn minibatch(&self, i: usize, m: usize) -> usize {
        (self.first_iteration + i) % m
    }

    /// One line for progress reports, with `m` minibatches per epoch and `rounds` in all:
    /// `round 3/22: epoch 1, minibatches 7..=8 (depth 7 from level 8)`.
    pub fn label(&self, m: usize, rounds: usize) -> String {
        let (first, last) = (self.first_iteration, self.first_iteration + self.minibatches - 1);
        format!(
            "round {}/{rounds}: epoch {}, minibatches {}..={} (depth {} from level {})",
            self.index + 1,
            first / m.max(1) + 1,
            first % m.max(1) + 1,
            last % m.max(1) + 1,
            self.depth,
            self.top
        )
    }
}

/// The rounds of a training run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Which circuit.
    pub kind: Kind,
    /// Levels after a bootstrap.
    pub levels: usize,
    /// The rounds, in order.
    pub rounds: Vec<Round>,
}

impl Schedule {
    /// The bootstraps (one per round but the last; each bootstraps the state's tiles).
    pub fn bootstraps(&self) -> usize {
        self.rounds.iter().filter(|r| r.bootstrap_after).count()
    }

    /// All iterations.
    pub fn iterations(&self) -> usize {
        self.rounds.iter().map(|r| r.minibatches).sum()
    }

    /// Minibatches per bootstrap, on average.
    pub fn minibatches_per_bootstrap(&self) -> f64 {
        self.iterations() as f64 / self.bootstraps().max(1) as f64
    }
}

impl EpochConfig {
    /// Checks the configuration.
    ///
    /// # Errors
    /// [`CircuitError::InvalidConfig`] for no epoch, a nonzero start iteration or a state bound
    /// that is odd or below 2; as [`TrainConfig::check`] for `M` minibatches.
    pub fn check(&self) -> Result<()> {
        if self.epochs == 0 || self.cfg.minibatches == 0 || self.cfg.batch_size == 0 {
            return Err(CircuitError::InvalidConfig(ConfigFault::EmptyBatches));
        }
        if self.cfg.start_iteration != 0 {
            return Err(CircuitError::InvalidConfig(ConfigFault::EpochStart {
                start: self.cfg.start_iteration,
            }));
        }
        if self.state_bound < 2 || !self.state_bound.is_multiple_of(2) {
            return Err(CircuitError::InvalidConfig(ConfigFault::StateBound {
                bound: self.state_bound,
            }));
        }
        Ok(())
    }

    /// The configuration of `k` iterations from iteration `first`.
    pub fn round_config(&self, first: usize, k: usize) -> TrainConfig {
        TrainConfig { minibatches: k, start_iteration: first, ..self.cfg.clone() }
    }

    /// The depth of a round of `k` minibatches.
    ///
    /// # Errors
    /// As [`LowDepth::new`].
    pub fn round_depth(&self, kind: Kind, k: usize, resumed: bool) -> Result<usize> {
        let cfg = self.round_config(0, k);
        Ok(match (kind, resumed) {
            (Kind::Baseline, _) => Baseline::new(cfg).depth(),
            (Kind::LowDepth, false) => LowDepth::new(cfg)?.depth(),
            (Kind::LowDepth, true) => LowDepth::refreshed(cfg)?.depth(),
        })
    }

    /// The rounds: each as long as its levels allow (see the module docs), the last one
    /// shorter if the minibatches run out.
    ///
    /// # Errors
    /// As [`EpochConfig::check`]; [`CircuitError::InvalidConfig`] when not even one minibatch
    /// fits between bootstraps.
    pub fn schedule(&self, kind: Kind) -> Result<Schedule> {
        self.check()?;
        let total = self.epochs * self.cfg.minibatches;
        let mut rounds: Vec<Round> = Vec::new();
        let mut first = 0;
        while first < total {
            let resumed = !rounds.is_empty();
            let top = self.levels;
            let mut k = 0;
            while first + k < total && self.round_depth(kind, k + 1, resumed)? < top {
                k += 1;
            }
            if k == 0 {
                let needed = self.round_depth(kind, 1, resumed)? + 1;
                return Err(CircuitError::InvalidConfig(ConfigFault::RoundTooShallow {
                    needed,
                    levels: self.levels,
                }));
            }
            let depth = self.round_depth(kind, k, resumed)?;
            rounds.push(Round {
                index: rounds.len(),
                first_iteration: first,
                minibatches: k,
                resumed,
                top,
                depth,
                bootstrap_after: first + k < total,
            });
            first += k;
        }
        Ok(Schedule { kind, levels: self.levels, rounds })
    }
}
