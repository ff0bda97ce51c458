//! Progress reported to Python: an observer of the encrypted run that counts key switches and
//! hands them to a callback, tqdm-compatible (an object with `update(n)`, its `total` set when
//! it has none) or a plain callable `f(done, total)`.

use ckks::eval::{CkksEvaluator, Event, Observer};
use pyo3::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Reports at most about this many times per run (the GIL is taken for each report).
const REPORTS: usize = 200;

/// The observer: key switches done against the total the parameter search counted.
pub struct PyProgress {
    callback: Option<Py<PyAny>>,
    total: usize,
    step: usize,
    done: AtomicUsize,
    /// Key switches already reported, and the first exception the callback raised (no more
    /// reports after it; raised when the run ends).
    reported: Mutex<(usize, Option<PyErr>)>,
}

impl PyProgress {
    /// Progress towards `total` key switches, reported to `callback` (if any). An object with
    /// a `total` attribute that is `None` gets `total` (an exception doing so is raised when
    /// the run ends, by [`PyProgress::finish`]).
    pub fn new(callback: Option<Py<PyAny>>, total: usize) -> Self {
        let mut error = None;
        if let Some(cb) = &callback {
            let set = Python::attach(|py| -> PyResult<()> {
                let cb = cb.bind(py);
                if cb.hasattr("update")? && cb.hasattr("total")? && cb.getattr("total")?.is_none() {
                    cb.setattr("total", total)?;
                    if cb.hasattr("refresh")? {
                        cb.call_method0("refresh")?;
                    }
                }
                Ok(())
            });
            error = set.err();
        }
        Self {
            callback,
            total,
            step: (total / REPORTS).max(1),
            done: AtomicUsize::new(0),
            reported: Mutex::new((0, error)),
        }
    }

    fn report(&self, done: usize, force: bool) {
        let Some(cb) = &self.callback else { return };
        let mut state = self.reported.lock().unwrap_or_else(|p| p.into_inner());
        let (reported, error) = &mut *state;
        if error.is_some() || done <= *reported || (!force && done - *reported < self.step) {
            return;
        }
        let increment = done - *reported;
        *reported = done;
        let result = Python::attach(|py| -> PyResult<()> {
            let cb = cb.bind(py);
            if cb.hasattr("update")? {
                cb.call_method1("update", (increment,))?;
            } else {
                cb.call1((done, self.total))?;
            }
            Ok(())
        });
        if let Err(e) = result {
            *error = Some(e);
        }
    }

    /// Reports what is left and raises the callback's first exception, if any.
    pub fn finish(self) -> PyResult<()> {
        self.report(self.done.load(Ordering::Relaxed), true);
        match self.reported.into_inner().unwrap_or_else(|p| p.into_inner()).1 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl<E: CkksEvaluator> Observer<E> for PyProgress {
    fn observe(&self, event: &Event<'_>, _value: Option<&E::Value>) {
        if event.op.is_key_switch() {
            let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
            self.report(done, false);
        }
    }
}
