//! The client's commands: `keygen` (parameters and keys for a circuit on the client's data),
//! `encrypt` (a round's uploads, seeded), `decrypt` (the model, the state for the next round,
//! the weights by name, the test accuracy).

use super::schema::{self, DataRecord, Plan, State, WorkflowFile};
use super::store;
use crate::args::PlanArgs;
use crate::data::{self, DataSpec, Dataset, Source};
use crate::error::{Error, Result};
use crate::files::{read_bounded, OutputDir, MAX_JSON};
use crate::hyper::Hyperparameters;
use crate::params::{auto_options, max_slots};
use circuits::protocol::{model_from_objects, ObjectSpec, Role, SplitModel};
use circuits::reference::accuracy;
use circuits::training::{decode_model, Kind};
use circuits::CircuitError;
use ckks::eval::choose_parameters;
use ckks::{Ciphertext, Context, Prng, SecretKey};
use std::path::Path;

/// The largest secret-key file read.
const MAX_SECRET_KEY: u64 = 1 << 24;

/// Prints what the data is and what was done to it.
fn print_data(data: &Dataset) {
    println!("data: {}", data.spec.name());
    for line in data.prep.describe(&data.spec) {
        println!("  {line}");
    }
}

/// `keygen`: chooses parameters for the circuit on the client's data, generates the keys, and
/// writes the client's directory (secret key, owner-only; the plan with the data's record) and
/// the server's (public material, the plan without the data).
///
/// # Errors
/// Data, parameter and file errors.
pub fn keygen(
    circuit: Kind,
    hyper: &Hyperparameters,
    spec: &DataSpec,
    quick: bool,
    client: &Path,
    server: &Path,
) -> Result<()> {
    hyper.check_for(circuit)?;
    let mut options = auto_options(quick);
    // Later rounds start from a trained model, whose values the zero-start run the estimator
    // sees does not show: 10 bits of headroom instead of 2.
    options.margin_bits = 10.0;
    let data = data::load(spec, max_slots(&options))?;
    print_data(&data);
    println!("training: {} ({circuit})", hyper.describe());
    let mut plan = Plan {
        circuit,
        hyperparameters: hyper.clone(),
        unit_height: 0,
        width: data.width(),
        data: Some(DataRecord { spec: spec.clone(), preprocessing: data.prep.clone() }),
    };
    let z = data.round(0, plan.rows_per_round())?;
    let training = plan.training(&z, 0)?;
    let params = choose_parameters(&training, &options)?;
    let ctx = &params.context;
    plan.unit_height = training.unit(ctx.slots())?.height();
    println!("{}", params.summary());
    let keys = params.generate_keys(&mut Prng::from_os_entropy());
    let params_bytes = ctx.to_bytes();
    let mut c = OutputDir::create(client)?;
    c.write_with_mode("secret.key", &keys.secret_key.to_bytes(), Some(0o600))?;
    c.write("params.bin", &params_bytes)?;
    schema::save(&mut c, &plan)?;
    let mut s = OutputDir::create(server)?;
    s.write("params.bin", &params_bytes)?;
    let ek = &keys.evaluation_keys;
    if let Some(rk) = &ek.relinearization {
        s.write("relin.key", &rk.to_bytes())?;
    }
    s.write("galois.keys", &ek.galois.to_bytes())?;
    schema::save(&mut s, &plan.for_server())?;
    c.commit()?;
    s.commit()?;
    println!("client files in {}, server bundle in {}", client.display(), server.display());
    Ok(())
}

/// The parameters of `dir`.
///
/// # Errors
/// [`Error::Io`], [`Error::TooLarge`], [`Error::Object`].
pub(super) fn load_params(dir: &Path) -> Result<Context> {
    let path = dir.join("params.bin");
    Context::from_bytes(&read_bounded(&path, MAX_JSON)?)
        .map_err(|source| Error::Object { path, source })
}

/// The client's parameters, plan and secret key (the key's bytes are zeroized after use).
fn load_client(client: &Path) -> Result<(Context, Plan, SecretKey)> {
    let ctx = load_params(client)?;
    let plan: Plan = schema::load(client)?;
    let path = client.join("secret.key");
    let bytes = zeroize::Zeroizing::new(read_bounded(&path, MAX_SECRET_KEY)?);
    let sk =
        SecretKey::from_bytes(&ctx, &bytes).map_err(|source| Error::Object { path, source })?;
    Ok((ctx, plan, sk))
}

/// The client's data as the plan describes it (read again, and checked to be the same problem:
/// features, classes, scaling and shape).
fn client_data(client: &Path, plan: &Plan, args: &PlanArgs, slots: usize) -> Result<Dataset> {
    let path = client.join(Plan::NAME);
    args.check_against(plan.circuit, &plan.hyperparameters, &path)?;
    let record = plan.data.as_ref().ok_or_else(|| Error::InvalidField {
        path: path.clone(),
        field: "data",
        problem: "missing: this is the server's plan, not the client's",
    })?;
    let spec = args.data_spec(&record.spec, &path)?;
    let data = data::load(&spec, slots)?;
    record.preprocessing.check_same(&data.prep, &path)?;
    Ok(data)
}

/// `encrypt`: the client encrypts the circuit's inputs (seeded) into `out`; with `resume`, the
/// next round's, from the state a `decrypt` of the previous round wrote.
///
/// # Errors
/// Data, plan, state and file errors.
pub fn encrypt(client: &Path, args: &PlanArgs, resume: Option<&Path>, out: &Path) -> Result<()> {
    let (ctx, plan, sk) = load_client(client)?;
    let data = client_data(client, &plan, args, ctx.slots())?;
    let state: Option<State> = resume.map(schema::load).transpose()?;
    let round = state.as_ref().map_or(0, |s| s.round + 1);
    let z = data.round(round, plan.rows_per_round())?;
    let mut training = plan.training(&z, round)?;
    if let Some(st) = state {
        if st.w.len() != plan.width {
            return Err(Error::InvalidField {
                path: resume.unwrap_or(client).join(State::NAME),
                field: "w",
                problem: "has another length than the plan's width",
            });
        }
        training = training.with_state(st.w, st.v);
    }
    let specs = training.upload(ctx.slots(), ctx.max_level())?;
    let plain = training.plain_inputs()?;
    let mut prng = Prng::from_os_entropy();
    let mut objects: Vec<(ObjectSpec, Vec<Vec<u8>>)> = Vec::new();
    for s in &specs {
        let value = plain.get(&s.name()).ok_or(CircuitError::MissingObject { name: s.name() })?;
        let tiles = value
            .tiles(s)?
            .iter()
            .map(|t| Ok(sk.encrypt_seeded(&ctx.encode_at(t, s.level())?, &mut prng)?.to_bytes()))
            .collect::<Result<Vec<_>>>()?;
        objects.push((*s, tiles));
    }
    let tiles: usize = specs.iter().map(ObjectSpec::tiles).sum();
    let mut dir = OutputDir::create(out)?;
    let bytes = store::write_objects(&mut dir, Role::Upload, round, objects)?;
    dir.commit()?;
    println!(
        "round {round}: {} objects, {tiles} ciphertexts, {bytes} bytes (seeded) in {}",
        specs.len(),
        out.display()
    );
    Ok(())
}

/// `decrypt`: the client decrypts the model (which must be exactly what the circuit returns),
/// writes the weights by name, the state for the next round, and reports test accuracy.
///
/// # Errors
/// Data, plan, model and file errors.
pub fn decrypt(client: &Path, model_dir: &Path, args: &PlanArgs, out: &Path) -> Result<()> {
    let (ctx, plan, sk) = load_client(client)?;
    let data = client_data(client, &plan, args, ctx.slots())?;
    let manifest = store::read_manifest(model_dir, Role::Model)?;
    let round = manifest.round;
    let shape = plan.shape_only();
    let training = plan.training(&shape, round)?;
    let expected = training.returned(ctx.slots(), ctx.max_level())?;
    store::check_manifest(model_dir, &manifest, &expected)?;
    let (model, previous) = model_from_objects(store::read_objects(&ctx, model_dir, &manifest)?)?;
    let decode =
        |m: &SplitModel<Ciphertext>| decode_model(m, plan.width, |ct| ctx.decode(&sk.decrypt(ct)?));
    let w = decode(&model)?;
    // The state to resume from: v_k = (1 - eta_{k-1}) w_k + eta_{k-1} w_{k-1}.
    // (w_{k-1} is zero, with no part, only after a single minibatch from zero.)
    let prev = decode(&previous)?;
    let eta = *training.cfg.etas().last().expect("k >= 1");
    let v: Vec<f64> = w.iter().zip(&prev).map(|(a, b)| (1.0 - eta) * a + eta * b).collect();
    let acc = accuracy(&data.test.x, &data.test.y, &w);
    // Exactly the model's weights: the bias and the features, by name; not the padding.
    let names = data.weight_names();
    let weights = &w[..names.len()];
    let mut dir = OutputDir::create(out)?;
    dir.write("weights.csv", &weights_csv(&names, weights, &out.join("weights.csv"))?)?;
    dir.write_json(
        "weights.json",
        &serde_json::json!({
            "features": names,
            "weights": weights,
            "test_accuracy": acc,
            "test_rows": data.test.len(),
            "round": round,
        }),
    )?;
    schema::save(&mut dir, &State { round, w: w.clone(), v })?;
    if let Source::Mnist { .. } = data.spec.source {
        let svg = crate::report::weights_svg(&[("decrypted".to_string(), w.clone())], 14);
        dir.write("weights.svg", svg.as_bytes())?;
    }
    dir.commit()?;
    println!(
        "test accuracy {:.2}% on {} test rows; {} weights in {}",
        100.0 * acc,
        data.test.len(),
        weights.len(),
        out.display()
    );
    Ok(())
}

/// `feature,weight` rows (the `csv` crate quotes names that need it).
fn weights_csv(names: &[String], weights: &[f64], path: &Path) -> Result<Vec<u8>> {
    let csv_error = |source| Error::Csv { path: path.into(), source };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["feature", "weight"]).map_err(csv_error)?;
    for (name, v) in names.iter().zip(weights) {
        w.write_record([name.as_str(), &format!("{v:e}")]).map_err(csv_error)?;
    }
    w.into_inner().map_err(|e| Error::io(path, e.into_error()))
}
