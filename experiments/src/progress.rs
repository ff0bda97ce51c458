//! Progress of a long encrypted run, from an observer: key switches done against the total a
//! symbolic run counted, the depth reached and what the circuit is computing there. On a
//! terminal, an `indicatif` bar with the rate and the estimated time left; otherwise (a log, a
//! pipe, CI) one plain line on stderr each time the run enters a new stage.

use circuits::training::{Kind, Training};
use ckks::eval::{CkksEvaluator, Event, Observer};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// A progress display for one run.
pub struct Progress {
    name: &'static str,
    total: usize,
    depth: usize,
    stages: Vec<(usize, String)>,
    /// `None` when stderr is not a terminal (plain lines instead).
    bar: Option<ProgressBar>,
    done: AtomicUsize,
    top: AtomicUsize,
    lowest: AtomicUsize,
    /// The index of the stage last shown, plus one (0: none yet).
    shown: AtomicUsize,
    start: Instant,
}

impl Progress {
    /// Progress of circuit `name`, expecting `total` key switches and depth `depth`; `stages`
    /// names what happens from each depth on (minibatch and stage), in increasing depth.
    pub fn new(
        name: &'static str,
        total: usize,
        depth: usize,
        stages: Vec<(usize, String)>,
    ) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let style = ProgressStyle::with_template(
                "[{prefix}] {bar:30} {pos}/{len} key switches, {rate}, ETA {eta}  {msg}",
            )
            .expect("a valid template")
            .with_key(
                "rate",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", s.per_sec());
                },
            );
            ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
                .with_style(style)
                .with_prefix(name)
        });
        Self {
            name,
            total: total.max(1),
            depth,
            stages,
            bar,
            done: AtomicUsize::new(0),
            top: AtomicUsize::new(0),
            lowest: AtomicUsize::new(usize::MAX),
            shown: AtomicUsize::new(0),
            start: Instant::now(),
        }
    }

    /// Ends the display with a last line.
    pub fn finish(&self) {
        let done = self.done.load(Ordering::Relaxed);
        let elapsed = self.start.elapsed().as_secs_f64();
        match &self.bar {
            Some(bar) => bar.finish_with_message(format!("done in {elapsed:.1} s")),
            None => eprintln!("[{}] done: {done} key switches in {elapsed:.1} s", self.name),
        }
    }

    /// The depth reached so far.
    fn reached(&self) -> usize {
        let top = self.top.load(Ordering::Relaxed);
        let lowest = self.lowest.load(Ordering::Relaxed);
        top.saturating_sub(lowest.min(top))
    }

    /// Shows the stage of the depth reached, if it is a new one.
    fn update_stage(&self) {
        let reached = self.reached();
        let Some(index) = self.stages.iter().rposition(|(d, _)| *d <= reached) else { return };
        let previous = self.shown.fetch_max(index + 1, Ordering::Relaxed);
        if previous > index {
            return;
        }
        let stage = &self.stages[index].1;
        let message = format!("{stage} (depth {reached}/{})", self.depth);
        match &self.bar {
            Some(bar) => bar.set_message(message),
            None => {
                let done = self.done.load(Ordering::Relaxed);
                let elapsed = self.start.elapsed().as_secs_f64();
                let frac = done as f64 / self.total as f64;
                let left = if frac > 0.0 {
                    format!(", about {:.1} s left", elapsed * (1.0 - frac) / frac)
                } else {
                    String::new()
                };
                eprintln!(
                    "[{}] {message}: {done}/{} key switches, {elapsed:.1} s{left}",
                    self.name, self.total
                );
            }
        }
    }
}

impl<E: CkksEvaluator> Observer<E> for Progress {
    fn observe(&self, event: &Event<'_>, _value: Option<&E::Value>) {
        for m in event.operands {
            self.top.fetch_max(m.level, Ordering::Relaxed);
        }
        self.lowest.fetch_min(event.result.level, Ordering::Relaxed);
        if event.op.is_key_switch() {
            self.done.fetch_add(1, Ordering::Relaxed);
            if let Some(bar) = &self.bar {
                bar.inc(1);
            }
        }
        self.update_stage();
    }
}

/// What each depth of the circuit computes on `slots` slots, for the progress display.
///
/// # Errors
/// As [`Training::unit`] and the low-depth schedule.
pub fn stages(circuit: &Training<'_>, slots: usize) -> circuits::Result<Vec<(usize, String)>> {
    let cfg = &circuit.cfg;
    let k = cfg.minibatches;
    let per = circuits::baseline::Baseline::new(cfg.clone()).depth_per_minibatch();
    Ok(match circuit.kind {
        Kind::Baseline => (0..k)
            .flat_map(|t| {
                let d = per * t;
                [
                    (d, format!("minibatch {}/{k}: X v", t + 1)),
                    (d + 2, format!("minibatch {}/{k}: sigmoid", t + 1)),
                    (d + per - 1, format!("minibatch {}/{k}: gradient", t + 1)),
                ]
            })
            .collect(),
        Kind::LowDepth => circuit
            .low_depth()?
            .schedule(circuit.z.cols(), circuit.unit(slots)?)?
            .iter()
            .flat_map(|s| {
                [
                    (s.u_depth, format!("minibatch {}/{k}: G s + Z y", s.t + 1)),
                    (s.s_depth, format!("minibatch {}/{k}: gradient", s.t + 1)),
                ]
            })
            .collect(),
    })
}
