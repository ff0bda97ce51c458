//! Parameters and keys: explicit, or chosen for a traced Python circuit.

use super::evaluator::{Backend, Evaluator, TRACERS};
use super::ops::{Trace, Val, Value};
use crate::errors::{ckks_to_py, raise};
use ckks::eval::{
    choose_parameters, AutoOptions, DepthFinder, HomomorphicEvaluator, OpCounter,
    PlaintextEvaluator,
};
use ckks::{ParametersLiteral, Prng, SecretKey, Security};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::sync::{Arc, Mutex};

/// CKKS parameters with their keys (secret, public, relinearization, Galois).
#[pyclass(frozen, module = "lowdepth._native")]
pub struct Context {
    ctx: ckks::Context,
    sk: Arc<SecretKey>,
    he: Arc<dyn Fn() -> ckks::Result<HomomorphicEvaluator> + Send + Sync>,
    depth: Option<usize>,
}

fn security(insecure: bool) -> Security {
    if insecure {
        Security::InsecureToyParameters
    } else {
        Security::HeStandard128
    }
}

#[pymethods]
impl Context {
    /// Parameters given explicitly: ``levels`` data primes of ``log_scale`` bits over a
    /// ``first_prime_bits`` first prime, key-switching in ``dnum`` digits (default: one per
    /// prime); keys for relinearization and the rotation ``steps``. 128-bit security is
    /// checked unless ``insecure_toy_parameters``.
    #[staticmethod]
    #[pyo3(signature = (log_n, levels, log_scale, *, rotations=Vec::new(), first_prime_bits=60, special_prime_bits=60, dnum=None, insecure_toy_parameters=false))]
    #[allow(clippy::too_many_arguments)]
    fn from_parameters(
        py: Python<'_>,
        log_n: u32,
        levels: usize,
        log_scale: u32,
        rotations: Vec<i64>,
        first_prime_bits: u32,
        special_prime_bits: u32,
        dnum: Option<usize>,
        insecure_toy_parameters: bool,
    ) -> PyResult<Self> {
        py.detach(|| {
            let dnum = dnum.unwrap_or(levels + 1);
            let ctx = ParametersLiteral::with_levels(
                log_n,
                levels,
                first_prime_bits,
                log_scale,
                special_prime_bits,
                dnum,
            )
            .security(security(insecure_toy_parameters))
            .build()?;
            let mut prng = Prng::from_os_entropy();
            let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
            let pk = sk.public_key(&mut prng);
            let keys = Arc::new(ckks::EvaluationKeys {
                relinearization: Some(sk.relinearization_key(&mut prng)),
                galois: sk.galois_keys(&rotations, false, &mut prng),
            });
            let c = ctx.clone();
            let he = Arc::new(move || {
                HomomorphicEvaluator::with_public_key(
                    ckks::Evaluator::new(&c, keys.clone())?,
                    pk.clone(),
                )
            });
            Ok(Context { ctx, sk, he, depth: None })
        })
        .map_err(ckks_to_py)
    }

    /// Parameters chosen for a circuit ``f(ev, *args)`` (``ckks::eval::choose_parameters``):
    /// ``f`` is traced once, then run by the parameter search under the depth finder, the op
    /// counter and the plaintext evaluator; keys are generated for exactly its rotations.
    /// ``insecure_toy_parameters`` takes the ring ``2^toy_log_n`` whatever the modulus.
    #[staticmethod]
    #[pyo3(signature = (f, *args, insecure_toy_parameters=false, toy_log_n=11))]
    fn auto(
        py: Python<'_>,
        f: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        insecure_toy_parameters: bool,
        toy_log_n: u32,
    ) -> PyResult<Self> {
        let id = TRACERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tracer =
            Py::new(py, Evaluator { backend: Backend::Trace(id, Mutex::new(Vec::new())) })?;
        let mut call = vec![tracer.clone_ref(py).into_any()];
        call.extend(args.iter().map(|a| a.unbind()));
        let out = f.call1(PyTuple::new(py, call)?)?;
        let out: PyRef<'_, Value> = out.extract().map_err(|_| {
            raise("CircuitError", "the circuit must return a value of the evaluator".into())
        })?;
        let Val::Traced(tracer_id, output) = out.v else {
            return Err(raise("CircuitError", "the circuit returned a foreign value".into()));
        };
        let Backend::Trace(id, ops) = &tracer.get().backend else { unreachable!() };
        if tracer_id != *id {
            return Err(raise(
                "CircuitError",
                "the circuit returned a value of another trace".into(),
            ));
        }
        let trace = Trace {
            ops: std::mem::take(&mut *ops.lock().unwrap_or_else(|p| p.into_inner())),
            output,
        };
        let options = if insecure_toy_parameters {
            AutoOptions::insecure_toy_ring(toy_log_n)
        } else {
            AutoOptions::default()
        };
        py.detach(move || {
            let params = choose_parameters(&trace, &options)?;
            let keys = params.generate_keys(&mut Prng::from_os_entropy());
            let sk = keys.secret_key.clone();
            let depth = Some(params.depth);
            let ctx = params.context.clone();
            let he = Arc::new(move || params.homomorphic(&keys));
            Ok(Context { ctx, sk, he, depth })
        })
        .map_err(ckks_to_py)
    }

    /// The encrypted evaluator: encrypts with the public key, evaluates with the evaluation
    /// keys, decrypts with the secret key.
    fn encrypted(&self, py: Python<'_>) -> PyResult<Evaluator> {
        let he = py.detach(|| (self.he)()).map_err(ckks_to_py)?;
        Ok(Evaluator { backend: Backend::Encrypted { he, sk: self.sk.clone() } })
    }
    /// The plaintext evaluator on this chain (exact values, the same levels and scales).
    fn plaintext(&self) -> Evaluator {
        Evaluator { backend: Backend::Plain(PlaintextEvaluator::new(self.ctx.chain().clone())) }
    }
    /// The depth finder on this chain.
    fn depth_finder(&self) -> Evaluator {
        Evaluator { backend: Backend::Depth(DepthFinder::new(self.ctx.chain().clone())) }
    }
    /// The op counter on this chain.
    fn op_counter(&self) -> Evaluator {
        Evaluator { backend: Backend::Count(OpCounter::new(self.ctx.chain().clone())) }
    }

    /// log2 N.
    #[getter]
    fn log_n(&self) -> u32 {
        self.ctx.log_n()
    }
    /// N/2.
    #[getter]
    fn slots(&self) -> usize {
        self.ctx.slots()
    }
    /// The top level L.
    #[getter]
    fn max_level(&self) -> usize {
        self.ctx.max_level()
    }
    /// log2 QP.
    #[getter]
    fn log_qp(&self) -> f64 {
        self.ctx.log_qp()
    }
    /// Whether the parameters passed the 128-bit check.
    #[getter]
    fn secure(&self) -> bool {
        self.ctx.literal().security == Security::HeStandard128
    }
    /// The circuit's depth (``Context.auto`` only).
    #[getter]
    fn depth(&self) -> Option<usize> {
        self.depth
    }
    /// The parameters in a few lines.
    fn summary(&self) -> String {
        self.ctx.summary()
    }
    fn __repr__(&self) -> String {
        format!(
            "Context(N = 2^{}, L = {}, log QP = {:.0}{})",
            self.ctx.log_n(),
            self.ctx.max_level(),
            self.ctx.log_qp(),
            if self.secure() { "" } else { ", INSECURE toy parameters" }
        )
    }
}
