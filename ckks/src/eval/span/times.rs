//! The cost model in seconds: per-operation times measured on an evaluator at a few levels and
//! interpolated linearly between them (every operation's cost grows with the number of primes,
//! about linearly; a key switch's also steps with its digits, which the interpolation smooths).

use super::CostModel;
use crate::error::Result;
use crate::eval::observe::Event;
use crate::eval::traits::{CkksEvaluator, Op};
use crate::scheme::Meta;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

/// The operations [`OpTimes`] times; every [`Op`] is costed by one or a sum of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimedOp {
    /// Encoding a plaintext (costs [`Op::Encode`]).
    Encode,
    /// Ciphertext addition (also subtraction and negation).
    Add,
    /// Addition of a plaintext (also its subtraction).
    AddPlain,
    /// Multiplication by a plaintext.
    MulPlain,
    /// Addition of a constant.
    AddConst,
    /// Multiplication by a real constant.
    MulConst,
    /// Multiplication by an integer.
    MulInteger,
    /// Ciphertext multiplication, not relinearized (also squaring).
    Mul,
    /// Relinearization.
    Relinearize,
    /// Rescale (also part of an alignment).
    Rescale,
    /// Level drop by one (also part of an alignment).
    DropLevel,
    /// A rotation on its own (also conjugation).
    Rotate,
    /// The decomposition a hoisted batch of rotations shares.
    Hoisting,
    /// One rotation of a hoisted batch, beyond the shared decomposition.
    HoistedRotation,
}

impl TimedOp {
    /// Every timed operation.
    pub const ALL: [TimedOp; 14] = [
        TimedOp::Encode,
        TimedOp::Add,
        TimedOp::AddPlain,
        TimedOp::MulPlain,
        TimedOp::AddConst,
        TimedOp::MulConst,
        TimedOp::MulInteger,
        TimedOp::Mul,
        TimedOp::Relinearize,
        TimedOp::Rescale,
        TimedOp::DropLevel,
        TimedOp::Rotate,
        TimedOp::Hoisting,
        TimedOp::HoistedRotation,
    ];

    /// A short name (`"relinearize"`, `"hoisted_rotation"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            TimedOp::Encode => "encode",
            TimedOp::Add => "add",
            TimedOp::AddPlain => "add_plain",
            TimedOp::MulPlain => "mul_plain",
            TimedOp::AddConst => "add_const",
            TimedOp::MulConst => "mul_const",
            TimedOp::MulInteger => "mul_integer",
            TimedOp::Mul => "mul",
            TimedOp::Relinearize => "relinearize",
            TimedOp::Rescale => "rescale",
            TimedOp::DropLevel => "drop_level",
            TimedOp::Rotate => "rotate",
            TimedOp::Hoisting => "hoisting",
            TimedOp::HoistedRotation => "hoisted_rotation",
        }
    }
}

/// Seconds per operation at a few levels, as a [`CostModel`] in nanoseconds
/// ([`OpTimes::TICKS_PER_SECOND`]). Encryptions cost nothing (the client's work, not the
/// server's); a bootstrap costs [`OpTimes::with_bootstrap`]'s time, or else a rough estimate
/// from its profile (its key switches at the rotation time of the highest level measured).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpTimes {
    /// Per operation: `(level, seconds)`, levels ascending.
    table: BTreeMap<TimedOp, Vec<(usize, f64)>>,
    bootstrap: Option<f64>,
}

impl OpTimes {
    /// Ticks of the cost model per second.
    pub const TICKS_PER_SECOND: f64 = 1e9;

    /// Seconds of `ticks`.
    pub fn to_seconds(ticks: u64) -> f64 {
        ticks as f64 / Self::TICKS_PER_SECOND
    }

    /// A table from `(operation, level, seconds)` entries (an operation never given costs 0).
    pub fn from_entries(entries: impl IntoIterator<Item = (TimedOp, usize, f64)>) -> Self {
        let mut table: BTreeMap<TimedOp, Vec<(usize, f64)>> = BTreeMap::new();
        for (op, level, s) in entries {
            let row = table.entry(op).or_default();
            row.retain(|&(l, _)| l != level);
            row.push((level, s));
            row.sort_by_key(|&(l, _)| l);
        }
        Self { table, bootstrap: None }
    }

    /// The same table, a bootstrap costing `seconds`.
    pub fn with_bootstrap(mut self, seconds: f64) -> Self {
        self.bootstrap = Some(seconds);
        self
    }

    /// Every measured entry: `(operation, level, seconds)`.
    pub fn entries(&self) -> impl Iterator<Item = (TimedOp, usize, f64)> + '_ {
        self.table.iter().flat_map(|(&op, row)| row.iter().map(move |&(l, s)| (op, l, s)))
    }

    /// The time of `op` at `level`: linear between the measured levels around it, and along
    /// the nearest segment beyond them (never below 0).
    pub fn seconds(&self, op: TimedOp, level: usize) -> f64 {
        let Some(row) = self.table.get(&op) else { return 0.0 };
        let at = |i: usize| (row[i].0 as f64, row[i].1);
        if row.len() == 1 {
            return row[0].1;
        }
        let i = row.iter().position(|&(l, _)| l >= level).unwrap_or(row.len() - 1).max(1);
        let ((l0, s0), (l1, s1)) = (at(i - 1), at(i));
        (s0 + (s1 - s0) * (level as f64 - l0) / (l1 - l0)).max(0.0)
    }

    fn ticks(&self, op: TimedOp, level: usize) -> u64 {
        (self.seconds(op, level) * Self::TICKS_PER_SECOND).round() as u64
    }

    /// Times every [`TimedOp`] on `e` at each of `levels` (the median of `samples` runs each),
    /// rotating by `steps[0]` and hoisting all of `steps` (nonzero, with keys in `e`; with a
    /// single step, a hoisted rotation is costed as a plain one). `e` must be able to encrypt.
    /// Call it where the operations run as they should be costed: inside a one-thread rayon pool
    /// for the per-core costs Brent's bound takes. Wall-clock time; see
    /// [`OpTimes::measure_with`] for another clock.
    ///
    /// # Errors
    /// `e`'s errors (a missing key, a level beyond the chain, no encryption key).
    pub fn measure<E: CkksEvaluator>(
        e: &E,
        levels: &[usize],
        samples: usize,
        steps: &[i64],
    ) -> Result<Self> {
        let start = Instant::now();
        Self::measure_with(e, levels, samples, steps, &|| start.elapsed().as_secs_f64(), 0.0)
    }

    /// As [`OpTimes::measure`], reading seconds from `clock` (for example the thread's CPU time,
    /// which on a shared machine leaves out the time other processes hold the core), each
    /// sample repeating the operation until `resolution` seconds have passed on that clock (a
    /// coarse clock, such as one that advances with the scheduler's ticks, then errs by at most
    /// one tick in `resolution`); the cost of reading the clock is measured and subtracted.
    ///
    /// # Errors
    /// As [`OpTimes::measure`].
    pub fn measure_with<E: CkksEvaluator>(
        e: &E,
        levels: &[usize],
        samples: usize,
        steps: &[i64],
        clock: &dyn Fn() -> f64,
        resolution: f64,
    ) -> Result<Self> {
        let samples = samples.max(1);
        let mut reads: Vec<f64> = (0..5).map(|_| -clock() + clock()).collect();
        reads.sort_by(f64::total_cmp);
        let overhead = reads[2].max(0.0);
        let median = |f: &mut dyn FnMut() -> Result<()>| -> Result<f64> {
            let mut t = Vec::with_capacity(samples);
            for _ in 0..samples {
                let (start, mut runs) = (clock(), 0u32);
                let elapsed = loop {
                    f()?;
                    runs += 1;
                    let elapsed = clock() - start - overhead;
                    if elapsed >= resolution {
                        break elapsed;
                    }
                };
                t.push(elapsed.max(0.0) / f64::from(runs));
            }
            t.sort_by(f64::total_cmp);
            Ok(t[samples / 2])
        };
        let n = e.slots();
        let xs: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1000) as f64 / 2000.0).collect();
        let ys: Vec<f64> = xs.iter().map(|x| 0.5 - x).collect();
        let mut entries = Vec::new();
        for &l in levels {
            let (a, b) = (e.encrypt(&xs, l)?, e.encrypt(&ys, l)?);
            let p = e.encode(&ys, l)?;
            let ab = e.mul(&a, &b)?;
            let c = e.relinearize(&ab)?;
            let mut time = |op: TimedOp, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
                entries.push((op, l, median(f)?));
                Ok(())
            };
            time(TimedOp::Encode, &mut || e.encode(&xs, l).map(|v| drop(black_box(v))))?;
            time(TimedOp::Add, &mut || e.add(&a, &b).map(|v| drop(black_box(v))))?;
            time(TimedOp::AddPlain, &mut || e.add_plain(&a, &p).map(|v| drop(black_box(v))))?;
            time(TimedOp::MulPlain, &mut || e.mul_plain(&a, &p).map(|v| drop(black_box(v))))?;
            time(TimedOp::AddConst, &mut || e.add_const(&a, 0.25).map(|v| drop(black_box(v))))?;
            time(TimedOp::MulConst, &mut || e.mul_const(&a, 0.5).map(|v| drop(black_box(v))))?;
            time(TimedOp::MulInteger, &mut || e.mul_integer(&a, 3).map(|v| drop(black_box(v))))?;
            time(TimedOp::Mul, &mut || e.mul(&a, &b).map(|v| drop(black_box(v))))?;
            time(TimedOp::Relinearize, &mut || e.relinearize(&ab).map(|v| drop(black_box(v))))?;
            if l > 0 {
                time(TimedOp::Rescale, &mut || e.rescale(&c).map(|v| drop(black_box(v))))?;
                time(TimedOp::DropLevel, &mut || {
                    e.drop_level(&a, l - 1).map(|v| drop(black_box(v)))
                })?;
            }
            let first = steps.first().copied().unwrap_or(1);
            let rotate = median(&mut || e.rotate(&a, first).map(|v| drop(black_box(v))))?;
            let (shared, each) = match steps.len() {
                0 | 1 => (0.0, rotate),
                m => {
                    let batch =
                        median(&mut || e.rotate_hoisted(&a, steps).map(|v| drop(black_box(v))))?;
                    // batch = shared + m each, rotate = shared + each.
                    let each = ((batch - rotate) / (m - 1) as f64).clamp(0.0, rotate);
                    (rotate - each, each)
                }
            };
            entries.extend([
                (TimedOp::Rotate, l, rotate),
                (TimedOp::Hoisting, l, shared),
                (TimedOp::HoistedRotation, l, each),
            ]);
        }
        Ok(Self::from_entries(entries))
    }
}

impl CostModel for OpTimes {
    fn cost(&self, event: &Event<'_>) -> u64 {
        let at = event.operands.first().map_or(event.result.level, |m: &Meta| m.level);
        let t = |op| self.ticks(op, at);
        match event.op {
            Op::Encrypt | Op::BootstrapStage(_) => 0,
            Op::Encode => self.ticks(TimedOp::Encode, event.result.level),
            Op::Add | Op::Sub | Op::Neg => t(TimedOp::Add),
            Op::AddPlain | Op::SubPlain => t(TimedOp::AddPlain),
            // The imaginary unit is a plaintext product (with the monomial X^(N/2)).
            Op::MulPlain | Op::MulI => t(TimedOp::MulPlain),
            Op::AddConst => t(TimedOp::AddConst),
            Op::MulConst => t(TimedOp::MulConst),
            Op::MulInteger => t(TimedOp::MulInteger),
            Op::Mul | Op::Square => t(TimedOp::Mul),
            Op::Relinearize => t(TimedOp::Relinearize),
            Op::Rescale => t(TimedOp::Rescale),
            Op::DropLevel => t(TimedOp::DropLevel),
            Op::AlignToLevel if event.result.level == at => 0,
            Op::AlignToLevel => {
                // A drop to the level above, a multiplication by 1 and a rescale there.
                let above = event.result.level + 1;
                t(TimedOp::DropLevel)
                    + self.ticks(TimedOp::MulConst, above)
                    + self.ticks(TimedOp::Rescale, above)
            }
            Op::Rotate { hoisted: false, .. } | Op::Conjugate => t(TimedOp::Rotate),
            Op::Rotate { hoisted: true, .. } => t(TimedOp::HoistedRotation),
            Op::Bootstrap => match (self.bootstrap, event.bootstrap) {
                (Some(s), _) => (s * Self::TICKS_PER_SECOND).round() as u64,
                (None, Some(profile)) => {
                    let top = self.table.get(&TimedOp::Rotate).and_then(|r| r.last());
                    let per = top.map_or(0.0, |&(_, s)| s);
                    (profile.counts.key_switches() as f64 * per * Self::TICKS_PER_SECOND).round()
                        as u64
                }
                (None, None) => 0,
            },
        }
    }

    fn hoisting(&self, input: &Meta, _rotations: usize) -> u64 {
        self.ticks(TimedOp::Hoisting, input.level)
    }
}
