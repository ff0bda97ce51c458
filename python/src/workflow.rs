//! The client/server split over the `experiments` binary's own directories: each function is
//! the binary's command of the same name (`experiments::workflow`), run without the GIL.

use crate::errors::IntoPy;
use circuits::training::Kind;
use experiments::args::{BootstrapArgs, DataArgs, PlanArgs};
use experiments::data::Scaling;
use experiments::hyper::Hyperparameters;
use experiments::workflow;
use pyo3::prelude::*;
use std::path::PathBuf;

fn scaling_of(s: Option<&str>) -> PyResult<Option<Scaling>> {
    match s {
        None => Ok(None),
        Some("max-abs") => Ok(Some(Scaling::MaxAbs)),
        Some("none") => Ok(Some(Scaling::None)),
        Some(other) => Err(crate::errors::raise(
            "InvalidArgumentError",
            format!("scaling {other:?}: expected \"max-abs\" or \"none\""),
        )),
    }
}

/// `experiments keygen` on a table (`train`: CSV, `.npy` or `.npz`; `test` or a seeded
/// `test_fraction`): writes the client's and the server's directories.
#[pyfunction]
#[pyo3(signature = (client, server, train, circuit, minibatches, batch_size, gamma, sigmoid_degree, sigmoid_interval, insecure_toy_parameters, test=None, test_fraction=None, seed=None, label=None, positive=None, shuffle=None, scaling=None, force=false, epochs=None))]
#[allow(clippy::too_many_arguments)]
pub fn keygen(
    py: Python<'_>,
    client: PathBuf,
    server: PathBuf,
    train: PathBuf,
    circuit: &str,
    minibatches: Option<usize>,
    batch_size: usize,
    gamma: f64,
    sigmoid_degree: usize,
    sigmoid_interval: f64,
    insecure_toy_parameters: bool,
    test: Option<PathBuf>,
    test_fraction: Option<f64>,
    seed: Option<u64>,
    label: Option<String>,
    positive: Option<String>,
    shuffle: Option<u64>,
    scaling: Option<&str>,
    force: bool,
    epochs: Option<usize>,
) -> PyResult<()> {
    let kind: Kind = circuit.parse().py_err()?;
    // As the binary: without `minibatches`, 6 a round, or with `epochs` every full minibatch
    // of the training set an epoch.
    let boot = BootstrapArgs { epochs, whole_epoch: minibatches.is_none(), ..Default::default() };
    let minibatches = minibatches.unwrap_or(Hyperparameters::default().minibatches);
    let hyper =
        Hyperparameters { minibatches, batch_size, gamma, sigmoid_degree, sigmoid_interval };
    let data = DataArgs {
        train: Some(train),
        test,
        test_fraction,
        seed,
        label,
        positive,
        shuffle,
        scaling: scaling_of(scaling)?,
        ..DataArgs::default()
    };
    py.detach(|| {
        hyper.check()?;
        let spec = data.spec()?;
        let quick = insecure_toy_parameters;
        workflow::keygen_with(kind, &hyper, &spec, (quick, &boot), (&client, &server), force)
    })
    .py_err()
}

/// The data flags of `encrypt` and `decrypt`: the plan's data, its files moved to `train` and
/// `test` when given (checked to be the same problem).
fn plan_args(train: Option<PathBuf>, test: Option<PathBuf>) -> PlanArgs {
    PlanArgs { data: DataArgs { train, test, ..DataArgs::default() }, ..PlanArgs::default() }
}

/// `experiments encrypt`: a round's encrypted inputs into `out`.
#[pyfunction]
#[pyo3(signature = (client, out, train=None, test=None, resume_from=None))]
pub fn encrypt(
    py: Python<'_>,
    client: PathBuf,
    out: PathBuf,
    train: Option<PathBuf>,
    test: Option<PathBuf>,
    resume_from: Option<PathBuf>,
) -> PyResult<()> {
    let args = plan_args(train, test);
    py.detach(|| workflow::encrypt(&client, &args, resume_from.as_deref(), &out)).py_err()
}

/// `experiments train`: the server's training, public material only.
#[pyfunction]
#[pyo3(signature = (server, inputs, out, resume=false))]
pub fn train(
    py: Python<'_>,
    server: PathBuf,
    inputs: PathBuf,
    out: PathBuf,
    resume: bool,
) -> PyResult<()> {
    py.detach(|| workflow::train(&server, &inputs, resume, &out)).py_err()
}

/// `experiments decrypt`: the weights by name, the state, the test accuracy, into `out`.
#[pyfunction]
#[pyo3(signature = (client, model, out, train=None, test=None))]
pub fn decrypt(
    py: Python<'_>,
    client: PathBuf,
    model: PathBuf,
    out: PathBuf,
    train: Option<PathBuf>,
    test: Option<PathBuf>,
) -> PyResult<()> {
    let args = plan_args(train, test);
    py.detach(|| workflow::decrypt(&client, &model, &args, &out)).py_err()
}

/// Reads and checks a server bundle whole, as `train` does: refuses any secret key in it
/// (`SecretKeyOnServerError`) and any bundle that is not whole and consistent. Returns the
/// plan's circuit name.
#[pyfunction]
pub fn check_server(py: Python<'_>, server: PathBuf) -> PyResult<String> {
    let s = py.detach(|| workflow::bundle::load_server(&server)).py_err()?;
    Ok(s.plan.circuit.name().to_string())
}
