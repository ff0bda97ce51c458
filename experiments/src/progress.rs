//! Progress of a long encrypted run, from an observer: key switches done against the total a
//! symbolic run counted, the depth reached, elapsed time and an estimate of the time left.

use ckks::eval::{CkksEvaluator, Event, Observer};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Prints a progress line to stderr at most once a second.
pub struct Progress {
    name: &'static str,
    total: usize,
    depth: usize,
    done: AtomicUsize,
    top: AtomicUsize,
    lowest: AtomicUsize,
    start: Instant,
    last: Mutex<Instant>,
    stages: Vec<(usize, String)>,
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
        let now = Instant::now();
        Self {
            name,
            total: total.max(1),
            depth,
            done: AtomicUsize::new(0),
            top: AtomicUsize::new(0),
            lowest: AtomicUsize::new(usize::MAX),
            start: now,
            last: Mutex::new(now),
            stages,
        }
    }

    /// Ends the line.
    pub fn finish(&self) {
        self.print();
        eprintln!();
    }

    fn print(&self) {
        let done = self.done.load(Ordering::Relaxed);
        let elapsed = self.start.elapsed().as_secs_f64();
        let frac = done as f64 / self.total as f64;
        let eta = if frac > 0.0 { elapsed * (1.0 - frac) / frac } else { f64::NAN };
        let top = self.top.load(Ordering::Relaxed);
        let lowest = self.lowest.load(Ordering::Relaxed);
        let reached = top.saturating_sub(lowest.min(top));
        let stage = self.stages.iter().rev().find(|(d, _)| *d <= reached).map_or("", |(_, s)| s);
        eprint!(
            "\r[{}] {:5.1}%  {stage:<28} key switches {done}/{}  depth {reached}/{}  elapsed {elapsed:.1} s  left ~{eta:.1} s ",
            self.name,
            100.0 * frac,
            self.total,
            self.depth
        );
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
        }
        let mut last = self.last.lock().expect("progress lock");
        if last.elapsed().as_secs_f64() >= 1.0 {
            *last = Instant::now();
            self.print();
        }
    }
}
