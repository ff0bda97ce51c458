//! The client's uploads per round and the server's loop over rounds and bootstraps.

use super::{Crossing, EpochConfig, Round, Schedule, State};
use crate::baseline::lr_unit;
use crate::error::{CircuitError, ConfigFault, Result};
use crate::protocol::{
    encrypt_objects, ModelAndPrevious, Object, ObjectName, ObjectSpec, Objects, PlainObject,
    StateVector, VectorLayout,
};
use crate::training::{Kind, Training};
use ckks::eval::CkksEvaluator;
use linalg::{EncodingUnit, LinAlg, PlainMatrix};
use std::collections::BTreeMap;

/// What the server reports as it goes (for progress and for the experiment's instruments).
#[derive(Debug)]
pub enum EpochEvent<'a, V> {
    /// A round starts training.
    Round(&'a Round),
    /// A round has trained: its `(w_k, w_{k-1})`.
    Trained(&'a Round, &'a ModelAndPrevious<V>),
    /// The state after the round is being bootstrapped.
    Bootstrapping(&'a Round),
    /// The state is refreshed: `(w, v)` as the next round reads them.
    Bootstrapped(&'a Round, &'a State<V>),
}

/// Epoch training on the rows `z_i = y_i x_i` of one epoch (`M b` rows, feature 0 the bias).
#[derive(Clone, Debug)]
pub struct EpochTraining<'a> {
    /// Which circuit.
    pub kind: Kind,
    /// The configuration.
    pub config: EpochConfig,
    /// The epoch's rows.
    pub z: &'a PlainMatrix,
}

impl<'a> EpochTraining<'a> {
    /// Epoch training of `kind`.
    ///
    /// # Errors
    /// As [`EpochConfig::check`]; [`CircuitError::NotEnoughData`] for fewer than `M b` rows.
    pub fn new(kind: Kind, config: EpochConfig, z: &'a PlainMatrix) -> Result<Self> {
        config.check()?;
        config.cfg.check(z.rows())?;
        Ok(Self { kind, config, z })
    }

    /// The rounds.
    ///
    /// # Errors
    /// As [`EpochConfig::schedule`].
    pub fn schedule(&self) -> Result<Schedule> {
        self.config.schedule(self.kind)
    }

    /// The encoding unit on `slots` slots: as wide as the padded features, so that a column
    /// vector is one tile and one bootstrap refreshes the state.
    ///
    /// # Errors
    /// [`CircuitError::InvalidConfig`] for more features than slots.
    pub fn unit(&self, slots: usize) -> Result<EncodingUnit> {
        lr_unit(slots, self.z.cols())
    }

    /// The rows of round `r`'s minibatches.
    pub fn round_rows(&self, r: &Round) -> PlainMatrix {
        let (b, m) = (self.config.cfg.batch_size, self.config.cfg.minibatches);
        PlainMatrix::from_fn(r.minibatches * b, self.z.cols(), |i, j| {
            self.z.get(r.minibatch(i / b, m) * b + i % b, j)
        })
    }

    /// Round `r` as a training circuit on its rows `rows` ([`EpochTraining::round_rows`]), on
    /// `slots` slots.
    ///
    /// # Errors
    /// As [`EpochTraining::unit`].
    pub fn round_training<'b>(
        &self,
        r: &Round,
        rows: &'b PlainMatrix,
        slots: usize,
    ) -> Result<Training<'b>> {
        let cfg = self.config.round_config(r.first_iteration, r.minibatches);
        let t = Training::new(self.kind, cfg, rows).with_unit_height(self.unit(slots)?.height());
        let d = rows.cols();
        Ok(if r.resumed { t.with_refreshed_state(vec![0.0; d], vec![0.0; d]) } else { t })
    }

    /// What the client uploads for round `r` on `slots` slots: the round's inputs but, for a
    /// resumed round, its state, which the server makes (the baseline's first round reads the
    /// zero state as an upload).
    ///
    /// # Errors
    /// As [`Training::upload`].
    pub fn upload(&self, r: &Round, slots: usize) -> Result<Vec<ObjectSpec>> {
        let rows = self.round_rows(r);
        let t = self.round_training(r, &rows, slots)?;
        let specs = t.upload(slots, r.top)?;
        Ok(specs.into_iter().filter(|s| !(r.resumed && is_state(s.name()))).collect())
    }

    /// Round `r`'s uploads on `slots` slots: their specs ([`EpochTraining::upload`]) and their
    /// plaintext values by name, for the client to encrypt.
    ///
    /// # Errors
    /// As [`EpochTraining::upload`] and [`Training::plain_inputs`].
    pub fn round_inputs(
        &self,
        r: &Round,
        slots: usize,
    ) -> Result<(Vec<ObjectSpec>, BTreeMap<ObjectName, PlainObject>)> {
        let rows = self.round_rows(r);
        let t = self.round_training(r, &rows, slots)?;
        let mut plain = t.plain_inputs()?;
        let specs = self.upload(r, slots)?;
        plain.retain(|name, _| specs.iter().any(|s| s.name() == *name));
        Ok((specs, plain))
    }

    /// The client's side: round `r`'s uploads, encrypted (or encoded under a simulated
    /// evaluator).
    ///
    /// # Errors
    /// As [`EpochTraining::round_inputs`]; the toolkit's errors.
    pub fn encrypt_round<E: CkksEvaluator>(&self, e: &E, r: &Round) -> Result<Objects<E::Value>> {
        let (specs, mut plain) = self.round_inputs(r, e.slots())?;
        encrypt_objects(&LinAlg::new(e), &specs, |s| {
            plain.remove(&s.name()).ok_or(CircuitError::MissingObject { name: s.name() })
        })
    }

    /// What [`EpochTraining::serve`] returns on `slots` slots: the parts of `(w, w_prev)` of
    /// the last round with their levels, and `eta` of the last iteration (for the client's
    /// `v = (1 - eta) w + eta w_prev`).
    ///
    /// # Errors
    /// As [`EpochTraining::schedule`] and [`Training::returned`].
    pub fn returned(&self, slots: usize) -> Result<(Vec<ObjectSpec>, f64)> {
        let schedule = self.schedule()?;
        let last = schedule.rounds.last().ok_or(ConfigFault::EmptyBatches)?;
        let rows = self.round_rows(last);
        let t = self.round_training(last, &rows, slots)?;
        let eta = *t.cfg.etas().last().ok_or(ConfigFault::EmptyBatches)?;
        Ok((t.returned(slots, last.top)?, eta))
    }

    /// The server's side: every round on its uploads (asked for one round at a time, so that
    /// only one round's inputs need be in memory; `uploads` may fail with the caller's error
    /// type `X`), the state bootstrapped between rounds; `(w_k, w_{k-1})` of the last round,
    /// for the client to decrypt as after a single run.
    ///
    /// # Errors
    /// [`ConfigFault::RoundState`](crate::ConfigFault::RoundState) if `e` bootstraps to another level than the schedule's;
    /// the uploads' errors; the rounds' and the crossings' errors.
    pub fn serve<E: CkksEvaluator, X: From<CircuitError>>(
        &self,
        e: &E,
        mut uploads: impl FnMut(&Round) -> std::result::Result<Objects<E::Value>, X>,
        mut observe: impl FnMut(EpochEvent<'_, E::Value>),
    ) -> std::result::Result<ModelAndPrevious<E::Value>, X> {
        let schedule = self.schedule()?;
        if schedule.bootstraps() > 0 {
            let plan = e
                .bootstrap_plan()
                .ok_or(CircuitError::from(ckks::CkksError::BootstrapUnavailable))?;
            if plan.output_level() != self.config.levels {
                return Err(CircuitError::InvalidConfig(ConfigFault::RoundState {
                    round: 0,
                    what: "the evaluator bootstraps to another level than the schedule's",
                })
                .into());
            }
        }
        let la = LinAlg::new(e);
        let mut state: Option<State<E::Value>> = None;
        let mut model = None;
        for r in &schedule.rounds {
            observe(EpochEvent::Round(r));
            let rows = self.round_rows(r);
            let t = self.round_training(r, &rows, e.slots())?;
            let mut objects = uploads(r)?;
            if r.resumed {
                let refreshed =
                    state.take().ok_or(CircuitError::from(ConfigFault::RoundState {
                        round: r.index,
                        what: "a resumed round without a state",
                    }))?;
                let specs = t.upload(e.slots(), r.top)?;
                objects.extend(self.state_objects(&la, r, &specs, &refreshed)?);
            }
            let out = t.run_on_with_previous(e, &t.inputs_from(objects)?)?;
            observe(EpochEvent::Trained(r, &out));
            if r.bootstrap_after {
                observe(EpochEvent::Bootstrapping(r));
                let refreshed = self.crossing(r).cross(&la, &out.0, &out.1)?;
                observe(EpochEvent::Bootstrapped(r, &refreshed));
                state = Some(refreshed);
            }
            model = Some(out);
        }
        model.ok_or(CircuitError::InvalidConfig(ConfigFault::EmptyBatches).into())
    }

    /// The refresh after round `r`: its last iteration's `eta` and the state bound.
    pub fn crossing(&self, r: &Round) -> Crossing {
        let cfg = self.config.round_config(r.first_iteration, r.minibatches);
        let eta = *cfg.etas().last().expect("a round has an iteration");
        Crossing { eta, sigma: self.config.state_bound }
    }

    /// The state objects a resumed round reads, at their planned levels: the refreshed column
    /// vectors `(w, v)` (both circuits read a refreshed state in the column layout).
    fn state_objects<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        r: &Round,
        specs: &[ObjectSpec],
        (w, v): &State<E::Value>,
    ) -> Result<Objects<E::Value>> {
        let mut out = Objects::new();
        for s in specs.iter().filter(|s| is_state(s.name())) {
            let x = match s.name() {
                ObjectName::State { vector: StateVector::W, layout: VectorLayout::Col } => w,
                ObjectName::State { vector: StateVector::V, layout: VectorLayout::Col } => v,
                _ => {
                    return Err(CircuitError::InvalidConfig(ConfigFault::RoundState {
                        round: r.index,
                        what: "a refreshed state in the row layout",
                    }))
                }
            };
            out.insert(s.name(), Object::Col(la.align_to_level(x, s.level())?));
        }
        Ok(out)
    }
}

/// Whether `name` is a state vector (made by the server in an epoch run).
fn is_state(name: ObjectName) -> bool {
    matches!(name, ObjectName::State { .. })
}
