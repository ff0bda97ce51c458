//! The outsourced-training workflow over files: `keygen` and `encrypt` on the client, `train` on
//! a server that holds public material only, `decrypt` back on the client.
//!
//! ```text
//! client dir   params.bin, secret.key (owner-only), plan.json
//! server dir   params.bin, relin.key, galois.keys, plan.json       (no secret key: checked)
//! upload dir   manifest.json, <object>.<tile>.ct                    (seeded ciphertexts)
//! model dir    manifest.json, <part>.<tile>.ct
//! ```
//!
//! Every file is written atomically (a temporary file, then a rename) and read as hostile
//! input: sizes are checked before reading, the binary objects carry their own checks
//! (`ckks::serial`), and the manifest must agree with the circuit's plan.

use crate::mnist;
use crate::report::{write_atomic, write_atomic_with_mode, write_weights_svg};
use circuits::protocol::{
    model_from_objects, model_objects, EncryptedObject, ObjectSpec, Objects, SplitModel,
};
use circuits::reference::{accuracy, TrainConfig};
use circuits::sigmoid::SigmoidPoly;
use circuits::training::{decode_model, Kind, Training};
use ckks::eval::{choose_parameters, AutoOptions, HomomorphicEvaluator};
use ckks::{
    Ciphertext, Context, EvaluationKeys, Evaluator, GaloisKeys, Prng, RelinearizationKey,
    SecretKey, SeededCiphertext,
};
use linalg::{EncodingUnit, LinAlg, PlainMatrix};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Everything the two parties agree on besides the keys.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    /// `"baseline"` or `"lowdepth"`.
    pub circuit: String,
    /// k.
    pub minibatches: usize,
    /// b.
    pub batch_size: usize,
    /// Learning rate.
    pub gamma: f64,
    /// Sigmoid degree and interval.
    pub sigmoid_degree: usize,
    /// Sigmoid interval `R` of `[-R, R]`.
    pub sigmoid_interval: f64,
    /// Encoding unit height.
    pub unit_height: usize,
    /// Padded feature count.
    pub features: usize,
    /// The two digits (first is +1).
    pub digits: (u8, u8),
}

impl Plan {
    fn kind(&self) -> Result<Kind, String> {
        match self.circuit.as_str() {
            "baseline" => Ok(Kind::Baseline),
            "lowdepth" => Ok(Kind::LowDepth),
            c => Err(format!("plan.json: unknown circuit {c:?}")),
        }
    }

    /// The circuit of `round` on `z`. Every round, the first included, starts from an uploaded
    /// state (zero at first; the values travel in the upload), so one set of parameters fits
    /// all rounds of the resumable circuit.
    fn training<'a>(&self, z: &'a PlainMatrix, round: usize) -> Result<Training<'a>, String> {
        let mut cfg = self.config()?;
        cfg.start_iteration = round * self.minibatches;
        let zero = vec![0.0; self.features];
        let t = Training::new(self.kind()?, cfg, z).with_state(zero.clone(), zero);
        Ok(if self.unit_height > 0 { t.with_unit_height(self.unit_height) } else { t })
    }

    fn config(&self) -> Result<TrainConfig, String> {
        let degree_ok = self.sigmoid_degree % 2 == 1 && self.sigmoid_degree <= 15;
        let interval_ok = self.sigmoid_interval > 0.0 && self.sigmoid_interval.is_finite();
        if !(degree_ok && interval_ok) {
            return Err("plan.json: invalid sigmoid".into());
        }
        Ok(TrainConfig {
            batch_size: self.batch_size,
            minibatches: self.minibatches,
            gamma: self.gamma,
            sigmoid: SigmoidPoly::fit(self.sigmoid_degree, self.sigmoid_interval),
            ..TrainConfig::default()
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct Manifest {
    /// The training round (0 for the first k minibatches; each resume adds one).
    #[serde(default)]
    round: usize,
    objects: Vec<ObjectSpec>,
}

/// What the client keeps between rounds: the decrypted state `(w_k, v_k)` after `round`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct State {
    round: usize,
    w: Vec<f64>,
    v: Vec<f64>,
}

const MAX_JSON: u64 = 1 << 20;

fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > limit {
        return Err(format!(
            "{}: {} bytes, more than the {limit} expected",
            path.display(),
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let bytes = read_limited(path, MAX_JSON)?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let text = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    write_atomic(path, &text).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    write_atomic(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes the secret key with owner-only permissions, atomically.
fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), String> {
    write_atomic_with_mode(path, bytes, Some(0o600)).map_err(|e| format!("{}: {e}", path.display()))
}

fn file_name(spec: &ObjectSpec, tile: usize) -> String {
    format!("{}.{tile}.ct", spec.name().slug())
}

/// The training data as the plan describes it: `z_i = y_i x_i`, the first `k b` samples.
fn training_data(
    plan: &Plan,
    data: Option<&Path>,
    round: usize,
) -> Result<(PlainMatrix, mnist::Binary), String> {
    let dir = mnist::locate(data).map_err(|e| e.to_string())?;
    let train = mnist::load(&dir, "train").map_err(|e| e.to_string())?;
    let set = mnist::binary(&train, plan.digits.0, plan.digits.1, plan.features);
    let n = plan.minibatches * plan.batch_size;
    let first = round * n;
    if set.len() < first + n {
        return Err(format!(
            "round {round} needs samples {first}..{}, the data has {}",
            first + n,
            set.len()
        ));
    }
    let w = plan.features;
    let z = PlainMatrix::from_fn(n, w, |i, j| set.y[first + i] * set.x[(first + i) * w + j]);
    Ok((z, set))
}

/// `keygen`: chooses parameters for the circuit (on the client's data), generates the keys, and
/// writes the client's and the server's directories.
#[allow(clippy::too_many_arguments)]
pub fn keygen(
    circuit: &str,
    minibatches: usize,
    batch_size: usize,
    quick: bool,
    data: Option<&Path>,
    client: &Path,
    server: &Path,
) -> Result<(), String> {
    let mut plan = Plan {
        circuit: circuit.to_string(),
        minibatches,
        batch_size,
        gamma: 0.5,
        sigmoid_degree: 3,
        sigmoid_interval: 8.0,
        unit_height: 0,
        features: crate::reproduce::WIDTH,
        digits: (3, 8),
    };
    let (z, _) = training_data(&plan, data, 0)?;
    let training = plan.training(&z, 0)?;
    let mut options =
        if quick { AutoOptions::insecure_toy_ring(11) } else { AutoOptions::default() };
    // Later rounds start from a trained model, whose values the zero-start run the estimator
    // sees does not show: 10 bits of headroom instead of 2.
    options.margin_bits = 10.0;
    let params = choose_parameters(&training, &options).map_err(|e| e.to_string())?;
    let ctx = &params.context;
    plan.unit_height = training.unit(ctx.slots()).map_err(|e| e.to_string())?.height();
    println!("{}", params.summary());
    let keys = params.generate_keys(&mut Prng::from_os_entropy());
    let params_bytes = ctx.to_bytes();
    write_secret(&client.join("secret.key"), &keys.secret_key.to_bytes())?;
    for dir in [client, server] {
        write_file(&dir.join("params.bin"), &params_bytes)?;
        write_json(&dir.join("plan.json"), &plan)?;
    }
    let ek = &keys.evaluation_keys;
    if let Some(rk) = &ek.relinearization {
        write_file(&server.join("relin.key"), &rk.to_bytes())?;
    }
    write_file(&server.join("galois.keys"), &ek.galois.to_bytes())?;
    println!("client files in {}, server bundle in {}", client.display(), server.display());
    Ok(())
}

fn load_params(dir: &Path) -> Result<Context, String> {
    Context::from_bytes(&read_limited(&dir.join("params.bin"), MAX_JSON)?)
        .map_err(|e| format!("params.bin: {e}"))
}

/// The client's parameters, plan and secret key (the key's bytes are zeroized after use).
fn load_client(client: &Path) -> Result<(Context, Plan, SecretKey), String> {
    let ctx = load_params(client)?;
    let plan: Plan = read_json(&client.join("plan.json"))?;
    let bytes = zeroize::Zeroizing::new(read_limited(&client.join("secret.key"), 1 << 24)?);
    let sk = SecretKey::from_bytes(&ctx, &bytes).map_err(|e| format!("secret.key: {e}"))?;
    Ok((ctx, plan, sk))
}

/// `encrypt`: the client encrypts the circuit's inputs (seeded) into `out`; with `resume`, the
/// next round's, from the state a `decrypt` of the previous round wrote.
pub fn encrypt(
    client: &Path,
    data: Option<&Path>,
    resume: Option<&Path>,
    out: &Path,
) -> Result<(), String> {
    let (ctx, plan, sk) = load_client(client)?;
    let state: Option<State> = resume.map(|d| read_json(&d.join("state.json"))).transpose()?;
    let round = state.as_ref().map_or(0, |s| s.round + 1);
    let (z, _) = training_data(&plan, data, round)?;
    let mut training = plan.training(&z, round)?;
    if let Some(st) = state {
        if st.w.len() != plan.features || st.v.len() != plan.features {
            return Err("state.json: the state has the wrong number of weights".into());
        }
        training = training.with_state(st.w, st.v);
    }
    let specs = training.upload(ctx.slots(), ctx.max_level()).map_err(|e| e.to_string())?;
    let plain = training.plain_inputs().map_err(|e| e.to_string())?;
    let mut prng = Prng::from_os_entropy();
    let mut bytes = 0usize;
    for s in &specs {
        let tiles = plain[&s.name()].tiles(s).map_err(|e| e.to_string())?;
        for (i, t) in tiles.iter().enumerate() {
            let pt = ctx.encode_at(t, s.level()).map_err(|e| e.to_string())?;
            let ct = sk.encrypt_seeded(&pt, &mut prng).map_err(|e| e.to_string())?.to_bytes();
            bytes += ct.len();
            write_file(&out.join(file_name(s, i)), &ct)?;
        }
    }
    let entries = specs.clone();
    write_json(&out.join("manifest.json"), &Manifest { round, objects: entries })?;
    println!("round {round}: {} objects, {bytes} bytes (seeded) in {}", specs.len(), out.display());
    Ok(())
}

/// Refuses to go on if `dir` holds anything that looks like a secret key.
fn refuse_secrets(dir: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let is_secret = path.file_name().is_some_and(|n| n == "secret.key")
            || (path.is_file()
                && std::fs::File::open(&path).ok().and_then(|mut f| {
                    use std::io::Read;
                    let mut head = [0u8; 40];
                    f.read_exact(&mut head).ok()?;
                    ckks::serial::peek_kind(&head).ok()
                }) == Some(ckks::serial::Kind::SecretKey as u16));
        if is_secret {
            return Err(format!(
                "refusing to train: {} is a secret key; the server must hold public material only",
                path.display()
            ));
        }
    }
    Ok(())
}

fn ciphertext_limit(ctx: &Context) -> u64 {
    (3 * (ctx.max_level() as u64 + 1) * ctx.n() as u64 * 8) + 4096
}

fn read_ct(ctx: &Context, path: &Path) -> Result<Ciphertext, String> {
    let bytes = read_limited(path, ciphertext_limit(ctx))?;
    let kind = ckks::serial::peek_kind(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let r = if kind == ckks::serial::Kind::SeededCiphertext as u16 {
        SeededCiphertext::from_bytes(ctx, &bytes).map(|s| s.expand(ctx))
    } else {
        Ciphertext::from_bytes(ctx, &bytes)
    };
    r.map_err(|e| format!("{}: {e}", path.display()))
}

fn read_objects(
    ctx: &Context,
    dir: &Path,
    unit: EncodingUnit,
) -> Result<(Objects<Ciphertext>, usize), String> {
    let manifest: Manifest = read_json(&dir.join("manifest.json"))?;
    let mut out = BTreeMap::new();
    for spec in &manifest.objects {
        if spec.unit() != unit {
            return Err(format!(
                "{}: unit {} differs from the plan's {unit}",
                spec.name(),
                spec.unit()
            ));
        }
        if spec.tiles() > 1 << 16 {
            return Err(format!("{}: {} tiles", spec.name(), spec.tiles()));
        }
        let tiles = (0..spec.tiles())
            .map(|i| read_ct(ctx, &dir.join(file_name(spec, i))))
            .collect::<Result<Vec<_>, _>>()?;
        if tiles.iter().any(|t| t.level() != spec.level()) {
            return Err(format!(
                "{}: a tile is not at the listed level {}",
                spec.name(),
                spec.level()
            ));
        }
        let obj = EncryptedObject::from_tiles(spec, tiles).map_err(|e| e.to_string())?;
        out.insert(spec.name(), obj);
    }
    Ok((out, manifest.round))
}

/// `train`: the server trains on the uploaded inputs with public material only; `resume` is
/// required for (and only allowed on) the inputs of a later round.
pub fn train(server: &Path, inputs: &Path, resume: bool, out: &Path) -> Result<(), String> {
    refuse_secrets(server)?;
    refuse_secrets(inputs)?;
    let ctx = load_params(server)?;
    let plan: Plan = read_json(&server.join("plan.json"))?;
    let relinearization = match server.join("relin.key") {
        p if p.exists() => Some(
            RelinearizationKey::from_bytes(&ctx, &read_limited(&p, 1 << 34)?)
                .map_err(|e| format!("relin.key: {e}"))?,
        ),
        _ => None,
    };
    let galois = GaloisKeys::from_bytes(&ctx, &read_limited(&server.join("galois.keys"), 1 << 36)?)
        .map_err(|e| format!("galois.keys: {e}"))?;
    let eval = Evaluator::new(&ctx, EvaluationKeys { relinearization, galois })
        .map_err(|e| e.to_string())?;
    let he = HomomorphicEvaluator::new(eval);
    let unit = EncodingUnit::for_slots(ctx.slots(), plan.unit_height).map_err(|e| e.to_string())?;
    let (objects, round) = read_objects(&ctx, inputs, unit)?;
    if resume != (round > 0) {
        return Err(format!(
            "the inputs are for round {round}: {}",
            if resume { "--resume needs a later round's inputs" } else { "pass --resume" }
        ));
    }
    // The server has no data: a zero matrix of the right shape stands for it in the circuit's
    // bookkeeping (shapes only).
    let shape = PlainMatrix::from_fn(plan.minibatches * plan.batch_size, plan.features, |_, _| 0.0);
    let training = plan.training(&shape, round)?;
    let inputs = training.inputs_from(objects).map_err(|e| e.to_string())?;
    let t = std::time::Instant::now();
    let (model, previous) =
        training.run_on_with_previous(&he, &inputs).map_err(|e| e.to_string())?;
    println!("trained in {:.2} s", t.elapsed().as_secs_f64());
    let la = LinAlg::new(&he);
    let mut entries = Vec::new();
    for (name, obj) in model_objects((model, previous)) {
        let spec = obj.spec(&la, name).map_err(|e| e.to_string())?;
        for (i, t) in obj.into_tiles().iter().enumerate() {
            write_file(&out.join(file_name(&spec, i)), &t.to_bytes())?;
        }
        entries.push(spec);
    }
    write_json(&out.join("manifest.json"), &Manifest { round, objects: entries })
}

/// `decrypt`: the client decrypts the model, writes the weights and reports test accuracy.
pub fn decrypt(
    client: &Path,
    model_dir: &Path,
    data: Option<&Path>,
    out: &Path,
) -> Result<(), String> {
    let (ctx, plan, sk) = load_client(client)?;
    let unit = EncodingUnit::for_slots(ctx.slots(), plan.unit_height).map_err(|e| e.to_string())?;
    let (objects, round) = read_objects(&ctx, model_dir, unit)?;
    let (model, previous) = model_from_objects(objects).map_err(|e| e.to_string())?;
    let decode = |m: &SplitModel<Ciphertext>| {
        decode_model(m, plan.features, |ct| ctx.decode(&sk.decrypt(ct)?)).map_err(|e| e.to_string())
    };
    let w = decode(&model)?;
    // The state to resume from: v_k = (1 - eta_{k-1}) w_k + eta_{k-1} w_{k-1}.
    // (w_{k-1} is zero, with no part, only after a single minibatch from zero.)
    let prev = decode(&previous)?;
    let mut cfg = plan.config()?;
    cfg.start_iteration = round * plan.minibatches;
    let eta = *cfg.etas().last().expect("k >= 1");
    let v: Vec<f64> = w.iter().zip(&prev).map(|(a, b)| (1.0 - eta) * a + eta * b).collect();
    write_json(&out.join("state.json"), &State { round, w: w.clone(), v })?;
    let dir = mnist::locate(data).map_err(|e| e.to_string())?;
    let test = mnist::load(&dir, "t10k").map_err(|e| e.to_string())?;
    let set = mnist::binary(&test, plan.digits.0, plan.digits.1, plan.features);
    let xt =
        PlainMatrix::new(set.len(), plan.features, set.x.clone()).map_err(|e| e.to_string())?;
    let acc = accuracy(&xt, &set.y, &w);
    let csv: String = w.iter().map(|v| format!("{v:e}\n")).collect();
    write_file(&out.join("weights.csv"), csv.as_bytes())?;
    write_json(
        &out.join("weights.json"),
        &serde_json::json!({ "weights": w, "test_accuracy": acc }),
    )?;
    write_weights_svg(&out.join("weights.svg"), &[("decrypted".to_string(), w.clone())], 14)
        .map_err(|e| e.to_string())?;
    println!(
        "test accuracy {:.2}% on {} images; weights in {}",
        100.0 * acc,
        set.len(),
        out.display()
    );
    Ok(())
}
