//! The estimator's one call: NumPy arrays in, the dataset prepared as the `experiments` binary
//! prepares a table (`experiments::data::from_arrays`), the circuit trained encrypted client
//! and server in one process (`experiments::reproduce::train_encrypted`), the weights out.

use crate::errors::IntoPy;
use crate::progress::PyProgress;
use circuits::training::{Kind, Training};
use ckks::eval::OpCounts;
use experiments::data::{self, Scaling};
use experiments::hyper::Hyperparameters;
use experiments::params::{auto_options, max_slots};
use experiments::reproduce::train_encrypted;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

/// Little-endian `f64`s from bytes (the Python side passes `astype("<f8").tobytes()`).
pub fn f64s(bytes: &[u8]) -> PyResult<Vec<f64>> {
    if !bytes.len().is_multiple_of(8) {
        return Err(crate::errors::raise(
            "InvalidArgumentError",
            format!("{} bytes are not a whole number of float64 values", bytes.len()),
        ));
    }
    Ok(bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
}

/// Operation counts as a dict.
pub fn counts_dict<'py>(py: Python<'py>, c: &OpCounts) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in [
        ("encryptions", c.encryptions),
        ("encodings", c.encodings),
        ("additions", c.additions),
        ("plain_additions", c.plain_additions),
        ("negations", c.negations),
        ("const_multiplications", c.const_multiplications),
        ("plain_multiplications", c.plain_multiplications),
        ("ct_multiplications", c.ct_multiplications),
        ("relinearizations", c.relinearizations),
        ("rescales", c.rescales),
        ("rotations", c.rotations),
        ("hoisted_rotations", c.hoisted_rotations),
        ("conjugations", c.conjugations),
        ("level_drops", c.level_drops),
        ("alignments", c.alignments),
        ("bootstraps", c.bootstraps),
        ("multiplications", c.multiplications()),
        ("key_switches", c.key_switches()),
    ] {
        d.set_item(k, v)?;
    }
    Ok(d)
}

/// Trains logistic regression encrypted on `rows x cols` features (little-endian `f64` bytes)
/// with labels +1 / -1; returns a dict: `weights` (bias first, the scaled features, padded),
/// `divisors` (of the max-abs scaling; empty without), `width`, and the run's report.
#[pyfunction]
#[pyo3(signature = (x, rows, cols, y, circuit, minibatches, batch_size, gamma, sigmoid_degree, sigmoid_interval, scaling, insecure_toy_parameters, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn train_arrays<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyBytes>,
    rows: usize,
    cols: usize,
    y: Vec<f64>,
    circuit: &str,
    minibatches: usize,
    batch_size: usize,
    gamma: f64,
    sigmoid_degree: usize,
    sigmoid_interval: f64,
    scaling: &str,
    insecure_toy_parameters: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let kind: Kind = circuit.parse().py_err()?;
    let scaling = match scaling {
        "max-abs" => Scaling::MaxAbs,
        "none" => Scaling::None,
        other => {
            return Err(crate::errors::raise(
                "InvalidArgumentError",
                format!("scaling {other:?}: expected \"max-abs\" or \"none\""),
            ))
        }
    };
    let hyper =
        Hyperparameters { minibatches, batch_size, gamma, sigmoid_degree, sigmoid_interval };
    hyper.check_for(kind).py_err()?;
    let x = f64s(x.as_bytes())?;
    let labels: Vec<String> = y.iter().map(|v| v.to_string()).collect();
    let options = auto_options(insecure_toy_parameters);
    // The long part runs without the GIL; the progress observer takes it to report.
    let (run, width, divisors) = py.detach(move || {
        let data = data::from_arrays(
            "X",
            (x, rows, cols),
            labels,
            Some("1".into()),
            scaling,
            max_slots(&options),
        )
        .py_err()?;
        let cfg = hyper.train_config().py_err()?;
        let z = data.round(0, batch_size.saturating_mul(minibatches)).py_err()?;
        let training = Training::new(kind, cfg, &z);
        let (run, watch) = train_encrypted(&training, data.width(), &options, |params| {
            Ok(PyProgress::new(progress, params.counts.key_switches()))
        })
        .py_err()?;
        watch.finish()?;
        PyResult::Ok((run, data.width(), data.prep.divisors))
    })?;
    let d = PyDict::new(py);
    d.set_item("weights", run.weights)?;
    d.set_item("divisors", divisors)?;
    d.set_item("width", width)?;
    let report = PyDict::new(py);
    report.set_item("circuit", kind.name())?;
    report.set_item("depth", run.depth)?;
    report.set_item("log_n", run.log_n)?;
    report.set_item("log_qp", run.log_qp)?;
    report.set_item("secure", run.secure)?;
    report.set_item("parameters", run.summary)?;
    report.set_item("input_ciphertexts", run.input_ciphertexts)?;
    report.set_item("upload_bytes", run.upload_bytes)?;
    report.set_item("counts", counts_dict(py, &run.counts)?)?;
    report.set_item("keygen_seconds", run.keygen_seconds)?;
    report.set_item("encrypt_seconds", run.encrypt_seconds)?;
    report.set_item("train_seconds", run.train_seconds)?;
    report.set_item("peak_rss_bytes", run.peak_rss_bytes)?;
    d.set_item("report", report)?;
    Ok(d)
}
