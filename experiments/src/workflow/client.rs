//! The client's commands: `keygen` (parameters and keys for a circuit on the client's data),
//! `encrypt` (a round's uploads, seeded), `decrypt` (the model, the state for the next round,
//! the weights by name, the test accuracy).

use super::bundle::{self, write_sealed, Client, GALOIS, PARAMS, RELIN};
use super::envelope::Content;
use super::identity::{Digest, Id};
use super::limits;
use super::schema::{self, DataRecord, KeysRecord, Plan, State, WorkflowFile};
use super::store::{self, Place};
use crate::args::{BootstrapArgs, PlanArgs};
use crate::data::{self, DataSpec, Dataset, Source};
use crate::error::{Error, Result, WorkflowError};
use crate::files::{self, OutputDir, OutputKind, SECRET_KEY};
use crate::hyper::Hyperparameters;
use crate::params::{auto_options, max_slots};
use crate::report::gib;
use circuits::protocol::{
    model_from_objects, ObjectName, ObjectSpec, PlainObject, Role, SplitModel,
};
use circuits::reference::accuracy;
use circuits::training::{decode_model, Kind};
use circuits::CircuitError;
use ckks::eval::choose_parameters;
use ckks::{Ciphertext, Context, EvaluationKeys, Prng};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The client's directory: owner-only, never replaced but by `keygen --force`.
pub const CLIENT: OutputKind =
    OutputKind { what: "a client directory", marker: Plan::NAME, private: true, key_set: true };

/// The server's bundle: replaced only by `keygen --force`.
pub const SERVER: OutputKind =
    OutputKind { what: "a server directory", marker: Plan::NAME, private: false, key_set: true };

/// A directory of decrypted weights.
pub const WEIGHTS: OutputKind =
    OutputKind { what: "a weights directory", marker: State::NAME, private: false, key_set: false };

/// The largest magnitude a padding weight may have after decryption: the padding features are
/// zero, so training leaves their weights at the scheme's noise (about 1e-8 at the test
/// parameters).
const PADDING_TOLERANCE: f64 = 1.0 / 1024.0;

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
/// An existing key set (a client or server directory) is replaced only with `force`, and then
/// with a warning: models made under it can no longer be decrypted. Both directories appear
/// together or neither does.
///
/// # Errors
/// Data, parameter and file errors; [`WorkflowError::KeySetExists`] without `force`.
pub fn keygen(
    circuit: Kind,
    hyper: &Hyperparameters,
    spec: &DataSpec,
    quick: bool,
    dirs: (&Path, &Path),
    force: bool,
) -> Result<()> {
    keygen_with(circuit, hyper, spec, (quick, &BootstrapArgs::default()), dirs, force)
}

/// [`keygen`] with the bootstrapping flags: with `boot.bootstrap`, parameters that can
/// bootstrap and the bootstrapping configuration and keys in the server's bundle
/// ([`super::bootstrap`]), recorded with their size in the plan.
///
/// # Errors
/// As [`keygen`]; the parameter errors of [`super::bootstrap::generate`].
pub fn keygen_with(
    circuit: Kind,
    hyper: &Hyperparameters,
    spec: &DataSpec,
    (quick, boot): (bool, &BootstrapArgs),
    (client, server): (&Path, &Path),
    force: bool,
) -> Result<()> {
    hyper.check_for(circuit)?;
    let mut c = OutputDir::create("--client", client, &CLIENT, &[server], force)?;
    let mut s = OutputDir::create("--server", server, &SERVER, &[client], force)?;
    let mut options = auto_options(quick);
    // Later rounds start from a trained model, whose values the zero-start run the estimator
    // sees does not show: 10 bits of headroom instead of 2.
    options.margin_bits = 10.0;
    let data = data::load(spec, max_slots(&options))?;
    print_data(&data);
    let key_set = Id::random()?;
    let mut plan = Plan {
        key_set,
        circuit,
        hyperparameters: hyper.clone(),
        unit_height: 0,
        width: data.width(),
        keys: KeysRecord { relinearization: false, galois: 0, bootstrap: None },
        secret_key_check: None,
        data: Some(DataRecord { spec: spec.clone(), preprocessing: data.prep.clone() }),
        epochs: None,
    };
    if boot.bootstrap_levels.is_some() && !boot.bootstrap && boot.epochs.is_none() {
        return Err(Error::InvalidOption {
            flag: "--bootstrap-levels",
            value: format!("{:?}", boot.bootstrap_levels),
            expected: "to come with --bootstrap or --epochs",
        });
    }
    super::epochs::prepare(&mut plan, &data, boot)?;
    println!("training: {} ({circuit})", plan.hyperparameters.describe());
    let z = data.round(0, plan.rows_per_round())?;
    let mut prng = Prng::from_os_entropy();
    let boot_material = |m: super::bootstrap::Material| {
        println!("{}", m.context.summary());
        println!("{}", m.plan.summary());
        print_key_sizes(&m.context, &m.evaluation);
        (m.context, Arc::new(m.secret_key), Arc::new(m.evaluation), Some((m.plan, m.keys)))
    };
    let (ctx, sk, ek, material) = if plan.epochs.is_some() {
        let own_levels = boot.bootstrap_levels.is_none();
        boot_material(super::epochs::generate(&mut plan, &z, quick, own_levels, &mut prng)?)
    } else {
        let training = plan.training(&z, 0)?;
        let (ctx, sk, ek, material) = if boot.bootstrap {
            boot_material(super::bootstrap::generate(&training, boot, quick, &mut prng)?)
        } else {
            let params = choose_parameters(&training, &options)?;
            println!("{}", params.summary());
            let keys = params.generate_keys(&mut prng);
            (params.context, keys.secret_key, keys.evaluation_keys, None)
        };
        plan.unit_height = training.unit(ctx.slots())?.height();
        (ctx, sk, ek, material)
    };
    let ctx = &ctx;
    plan.keys = KeysRecord {
        relinearization: ek.relinearization.is_some(),
        galois: ek.galois.len(),
        bootstrap: None,
    };
    // The bootstrapping material, sealed: its size goes into the plan.
    let boot_files = material
        .map(|(boot, keys)| super::bootstrap::Sealed::new(ctx, key_set, &boot, keys))
        .transpose()?;
    if let Some(b) = &boot_files {
        plan.keys.bootstrap = Some(b.record);
    }
    let secret = sk.to_bytes();
    plan.secret_key_check = Some(Digest::key_check(key_set, &secret));
    // What keygen writes, the readers accept: the same checks.
    plan.check(&client.join(Plan::NAME), (ctx, schema::Party::Client))?;
    let params_bytes = ctx.to_bytes();
    write_sealed(&mut c, SECRET_KEY, key_set, Content::SecretKey, &secret)?;
    write_sealed(&mut c, PARAMS, key_set, Content::Parameters, &params_bytes)?;
    schema::save(&mut c, &plan)?;
    write_sealed(&mut s, PARAMS, key_set, Content::Parameters, &params_bytes)?;
    if let Some(rk) = &ek.relinearization {
        write_sealed(&mut s, RELIN, key_set, Content::RelinearizationKey, &rk.to_bytes())?;
    }
    write_sealed(&mut s, GALOIS, key_set, Content::GaloisKeys, &ek.galois.to_bytes())?;
    if let Some(b) = boot_files {
        b.write(&mut s)?;
    }
    schema::save(&mut s, &plan.for_server())?;
    for d in [&c, &s] {
        if d.replaces() {
            eprintln!(
                "warning: --force: replacing the key set in {}; models made under it can no \
                 longer be decrypted",
                d.target().display()
            );
        }
    }
    files::commit(vec![c, s])?;
    println!(
        "key set {key_set}: client files in {}, server bundle in {}",
        client.display(),
        server.display()
    );
    Ok(())
}

/// The sizes in memory (residues; the files store the seeded half) of the circuit's keys
/// beyond the bootstrapping key set's (which holds the relinearization and trace keys).
fn print_key_sizes(ctx: &Context, ek: &EvaluationKeys) {
    let relin = ek.relinearization.as_ref().map_or(0, |k| k.byte_size());
    let galois = ek.galois.byte_size();
    println!(
        "the circuit's keys beyond the bootstrapping set: relinearization {relin} bytes, {} Galois keys {galois} bytes ({:.2} GiB in all, N = 2^{})",
        ek.galois.len(),
        gib((relin + galois) as u64),
        ctx.log_n()
    );
}

/// The client's data as the plan describes it (read again, and checked to be the same problem:
/// features, classes, scaling and shape).
fn client_data(client: &Client, args: &PlanArgs) -> Result<Dataset> {
    let (plan, path) = (&client.plan, client.plan_path());
    args.check_against(plan.circuit, &plan.hyperparameters, &path)?;
    let record = plan.data.as_ref().ok_or_else(|| {
        Error::from(WorkflowError::InvalidField {
            path: path.clone(),
            field: "data",
            problem: "missing: this is the server's plan, not the client's".into(),
        })
    })?;
    let spec = args.data_spec(&record.spec, &path)?;
    let data = data::load(&spec, client.ctx.slots())?;
    record.preprocessing.check_same(&data.prep, &path)?;
    Ok(data)
}

/// `encrypt`: the client encrypts the circuit's inputs (seeded) into `out`; with `resume`, the
/// next round's, from the state a `decrypt` of the previous round wrote.
///
/// # Errors
/// Data, plan, state and file errors.
pub fn encrypt(client: &Path, args: &PlanArgs, resume: Option<&Path>, out: &Path) -> Result<()> {
    let inputs: Vec<&Path> = std::iter::once(client).chain(resume).collect();
    let mut dir = OutputDir::create("--out", out, &store::UPLOAD, &inputs, false)?;
    let c = bundle::load_client(client)?;
    let data = client_data(&c, args)?;
    if c.plan.epochs.is_some() {
        return super::epochs::encrypt(&c, &data, resume, dir);
    }
    let (ctx, plan) = (&c.ctx, &c.plan);
    let plan_path = c.plan_path();
    plan.refuse_bootstrapping(&plan_path)?;
    let state: Option<State> =
        resume.map(|r| schema::load(r, (plan, plan_path.as_path(), ctx))).transpose()?;
    // Checked on reading: the next round is within the plan's bounds.
    let round = state.as_ref().map_or(0, |s| s.round + 1);
    let z = data.round(round, plan.rows_per_round())?;
    let mut training = plan.training(&z, round)?;
    if let Some(st) = state {
        training = training.with_state(st.w, st.v);
    }
    let specs = training.upload(ctx.slots(), ctx.max_level())?;
    let plain = training.plain_inputs()?;
    let objects = seal_inputs(&c, &specs, &plain, &mut Prng::from_os_entropy())?;
    let tiles: usize = specs.iter().map(ObjectSpec::tiles).sum();
    let manifest = plan.manifest(Role::Upload, round, None)?;
    let bytes = store::write_objects(&mut dir, manifest, objects)?;
    dir.commit()?;
    println!(
        "round {round}: {} objects, {tiles} ciphertexts, {bytes} bytes (seeded) in {}",
        specs.len(),
        out.display()
    );
    Ok(())
}

/// The objects `specs` of `plain`, each tile encoded at its level and encrypted (seeded) under
/// the client's secret key: the bytes to write.
///
/// # Errors
/// [`CircuitError::MissingObject`]; the encoder's and the tiling's errors.
pub(super) fn seal_inputs(
    c: &Client,
    specs: &[ObjectSpec],
    plain: &BTreeMap<ObjectName, PlainObject>,
    prng: &mut Prng,
) -> Result<Vec<(ObjectSpec, Vec<Vec<u8>>)>> {
    let (ctx, sk) = (&c.ctx, &c.sk);
    let mut objects = Vec::with_capacity(specs.len());
    for s in specs {
        let value = plain.get(&s.name()).ok_or(CircuitError::MissingObject { name: s.name() })?;
        let tiles = value
            .tiles(s)?
            .iter()
            .map(|t| Ok(sk.encrypt_seeded(&ctx.encode_at(t, s.level())?, prng)?.to_bytes()))
            .collect::<Result<Vec<_>>>()?;
        objects.push((*s, tiles));
    }
    Ok(objects)
}

/// `decrypt`: the client decrypts the model (which must be exactly what the circuit returns),
/// writes the weights by name, the state for the next round, and reports test accuracy.
///
/// # Errors
/// Data, plan, model and file errors.
pub fn decrypt(client: &Path, model_dir: &Path, args: &PlanArgs, out: &Path) -> Result<()> {
    let mut dir = OutputDir::create("--out", out, &WEIGHTS, &[client, model_dir], false)?;
    let c = bundle::load_client(client)?;
    let data = client_data(&c, args)?;
    let (ctx, plan, sk) = (&c.ctx, &c.plan, &c.sk);
    let manifest = store::read_manifest(model_dir, Role::Model, plan, &c.plan_path())?;
    let round = manifest.round;
    let shape = plan.shape_only();
    let (expected, eta) = match plan.epoch_training(&shape)? {
        Some(t) => super::epochs::returned(&t, ctx, model_dir, round)?,
        None => {
            let training = plan.training(&shape, round)?;
            let eta = *training.cfg.etas().last().expect("k >= 1");
            (training.returned(ctx.slots(), ctx.max_level())?, eta)
        }
    };
    store::check_manifest(model_dir, &manifest, Place::Own, &expected)?;
    let objects = store::read_objects(ctx, model_dir, &manifest, Place::Own)?;
    let (model, previous) = model_from_objects(objects)?;
    let decode =
        |m: &SplitModel<Ciphertext>| decode_model(m, plan.width, |ct| ctx.decode(&sk.decrypt(ct)?));
    let w = decode(&model)?;
    // The state to resume from: v_k = (1 - eta_{k-1}) w_k + eta_{k-1} w_{k-1}.
    // (w_{k-1} is zero, with no part, only after a single minibatch from zero.)
    let prev = decode(&previous)?;
    let names = data.weight_names();
    plausible(model_dir, &w, names.len(), limits::value_room(ctx))?;
    plausible(model_dir, &prev, names.len(), limits::value_room(ctx))?;
    let v: Vec<f64> = w.iter().zip(&prev).map(|(a, b)| (1.0 - eta) * a + eta * b).collect();
    let acc = accuracy(&data.test.x, &data.test.y, &w);
    // Exactly the model's weights: the bias and the features, by name; not the padding.
    let weights = &w[..names.len()];
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
    let state = State { key_set: plan.key_set, round, model: manifest.id, w: w.clone(), v };
    schema::save(&mut dir, &state)?;
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

/// Refuses decrypted weights no model can have: beyond what the parameters hold, or padding
/// weights (from `features` on) away from zero. Behind the key-set identities and the key
/// check, this catches a wrong key or a damaged model that slipped past them.
fn plausible(model: &Path, w: &[f64], features: usize, room: f64) -> Result<()> {
    for (index, &value) in w.iter().enumerate() {
        let padding = index >= features;
        let bound = if padding { PADDING_TOLERANCE } else { room };
        if !value.is_finite() || value.abs() >= bound {
            return Err(WorkflowError::Implausible {
                path: model.into(),
                index,
                value,
                room: bound,
                padding,
            }
            .into());
        }
    }
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
