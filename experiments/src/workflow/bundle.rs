//! The two parties' directories, read whole and checked before anything is computed: the
//! client's (parameters, plan, secret key) and the server's (parameters, plan, evaluation keys
//! and, from `keygen --bootstrap`, the bootstrapping configuration and keys; never a secret
//! key). Every binary file is opened through its envelope, which must name the
//! plan's key set and the file's content; every read is bounded by what the parameters say
//! the file may be.

use super::envelope::{self, Binding, Content};
use super::identity::{Digest, Id};
use super::limits;
use super::schema::{Party, Plan, WorkflowFile};
use crate::error::{Error, Result, WorkflowError};
use crate::files::{self, OutputDir, SECRET_KEY};
use ckks::boot::{BootstrapKeys, BootstrapPlan, Bootstrapper};
use ckks::eval::HomomorphicEvaluator;
use ckks::{Context, EvaluationKeys, Evaluator, GaloisKeys, RelinearizationKey, SecretKey};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The parameters' file.
pub const PARAMS: &str = "params.bin";
/// The relinearization key's file.
pub const RELIN: &str = "relin.key";
/// The Galois keys' file.
pub const GALOIS: &str = "galois.keys";
/// The bootstrapping configuration's file (`keygen --bootstrap`).
pub const BOOT_CONFIG: &str = "bootstrap.config";
/// The bootstrapping keys' file (`keygen --bootstrap`).
pub const BOOT_KEYS: &str = "bootstrap.keys";

/// The client's directory, read.
pub struct Client {
    /// The directory.
    pub dir: PathBuf,
    /// The parameters.
    pub ctx: Context,
    /// The plan (checked against the parameters).
    pub plan: Plan,
    /// The secret key (checked against the plan's key check).
    pub sk: SecretKey,
}

impl Client {
    /// The plan's file.
    pub fn plan_path(&self) -> PathBuf {
        self.dir.join(Plan::NAME)
    }
}

/// The server's directory, read.
pub struct Server {
    /// The directory.
    pub dir: PathBuf,
    /// The parameters.
    pub ctx: Context,
    /// The plan (checked against the parameters).
    pub plan: Plan,
    /// The evaluation keys (with bootstrapping, merged with the bootstrapping key set's
    /// relinearization and trace keys, which both share).
    pub keys: Arc<EvaluationKeys>,
    /// The bootstrapper built from `bootstrap.config` and `bootstrap.keys`, when the plan
    /// lists them (`keygen --bootstrap`).
    pub bootstrapper: Option<Arc<Bootstrapper>>,
}

impl Server {
    /// The plan's file.
    pub fn plan_path(&self) -> PathBuf {
        self.dir.join(Plan::NAME)
    }

    /// The server's evaluator: the evaluation keys and, from a bundle with bootstrapping
    /// material, the bootstrapper ([`ckks::eval::CkksEvaluator::bootstrap`]).
    ///
    /// # Errors
    /// [`ckks::CkksError::ContextMismatch`] for keys of other parameters (checked on reading).
    pub fn evaluator(&self) -> Result<HomomorphicEvaluator> {
        let he = HomomorphicEvaluator::new(Evaluator::new(&self.ctx, self.keys.clone())?);
        Ok(match &self.bootstrapper {
            Some(bt) => he.with_bootstrapper(bt.clone())?,
            None => he,
        })
    }
}

fn binding(key_set: Id, content: Content) -> Binding {
    Binding { key_set, content }
}

/// The plan of `dir` and its parameters (whose envelope must name the plan's key set), the
/// plan checked against them.
fn load_plan(dir: &Path, party: Party) -> Result<(Context, Plan)> {
    let plan_path = dir.join(Plan::NAME);
    let plan: Plan = files::read_json(&plan_path)?;
    let path = dir.join(PARAMS);
    let expected = binding(plan.key_set, Content::Parameters);
    let bytes = envelope::read(&path, limits::PARAMETERS, &expected, &plan_path)?;
    let ctx = Context::from_bytes(&bytes).map_err(|source| Error::Object { path, source })?;
    plan.check(&plan_path, (&ctx, party))?;
    Ok((ctx, plan))
}

/// Reads the client's directory.
///
/// # Errors
/// File, plan and key errors; [`WorkflowError::SecretKeyExposed`] for a key others may read,
/// [`WorkflowError::WrongSecretKey`] for one that is not the plan's.
pub fn load_client(dir: &Path) -> Result<Client> {
    let (ctx, plan) = load_plan(dir, Party::Client)?;
    let plan_path = dir.join(Plan::NAME);
    let path = dir.join(SECRET_KEY);
    files::check_private(&path)?;
    let expected = binding(plan.key_set, Content::SecretKey);
    let bytes = envelope::read_secret(&path, limits::secret_key(&ctx), &expected, &plan_path)?;
    if plan.secret_key_check != Some(Digest::key_check(plan.key_set, &bytes)) {
        return Err(WorkflowError::WrongSecretKey { path, plan: plan_path }.into());
    }
    let sk =
        SecretKey::from_bytes(&ctx, &bytes).map_err(|source| Error::Object { path, source })?;
    Ok(Client { dir: dir.into(), ctx, plan, sk })
}

/// Reads the server's directory (which must hold no secret key).
///
/// # Errors
/// [`WorkflowError::SecretKeyOnServer`]; file, plan and key errors.
pub fn load_server(dir: &Path) -> Result<Server> {
    refuse_secrets(dir)?;
    let (ctx, plan) = load_plan(dir, Party::Server)?;
    let plan_path = dir.join(Plan::NAME);
    let object = |path: PathBuf| move |source| Error::Object { path, source };
    let relinearization = if plan.keys.relinearization {
        let path = dir.join(RELIN);
        let expected = binding(plan.key_set, Content::RelinearizationKey);
        let bytes =
            envelope::read(&path, limits::relinearization_key(&ctx), &expected, &plan_path)?;
        Some(RelinearizationKey::from_bytes(&ctx, &bytes).map_err(object(path))?)
    } else {
        None
    };
    let path = dir.join(GALOIS);
    let expected = binding(plan.key_set, Content::GaloisKeys);
    let limit = limits::galois_keys(&ctx, plan.keys.galois);
    let bytes = envelope::read(&path, limit, &expected, &plan_path)?;
    let galois = GaloisKeys::from_bytes(&ctx, &bytes).map_err(object(path.clone()))?;
    if galois.len() != plan.keys.galois {
        return Err(WorkflowError::InvalidField {
            path,
            field: "keys",
            problem: format!(
                "{} Galois keys; {} says {}",
                galois.len(),
                Plan::NAME,
                plan.keys.galois
            ),
        }
        .into());
    }
    let circuit = EvaluationKeys { relinearization, galois };
    let (keys, bootstrapper) = match plan.keys.bootstrap {
        Some(_) => {
            let (bt, keys) = load_bootstrapper(dir, &ctx, &plan, circuit)?;
            (keys, Some(Arc::new(bt)))
        }
        None => (Arc::new(circuit), None),
    };
    Ok(Server { dir: dir.into(), ctx, plan, keys, bootstrapper })
}

/// The bootstrapper of the bundle `dir`: its configuration (a plan on the parameters' chain
/// for the slots the plan records), then its keys (bounded by what that plan lists, of the
/// size the plan records), then the constants encoded. Its evaluation keys (relinearization,
/// conjugation, the trace's first rotation) and the circuit's (`circuit`: the rest) become one key
/// set, which the bootstrapper and the circuit's evaluator share: the second value.
fn load_bootstrapper(
    dir: &Path,
    ctx: &Context,
    plan: &Plan,
    circuit: EvaluationKeys,
) -> Result<(Bootstrapper, Arc<EvaluationKeys>)> {
    let plan_path = dir.join(Plan::NAME);
    let record = plan.keys.bootstrap.expect("called for a plan with bootstrapping");
    let object = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Object { path, source }
    };
    let path = dir.join(BOOT_CONFIG);
    let expected = binding(plan.key_set, Content::BootstrapConfig);
    let bytes = envelope::read(&path, limits::BOOTSTRAP_CONFIG, &expected, &plan_path)?;
    let boot = BootstrapPlan::from_bytes(ctx, &bytes).map_err(object(&path))?;
    if boot.slots() != record.slots {
        return Err(WorkflowError::InvalidField {
            path,
            field: "slots",
            problem: format!(
                "a configuration for {} slots; {} says {}",
                boot.slots(),
                Plan::NAME,
                record.slots
            ),
        }
        .into());
    }
    let path = dir.join(BOOT_KEYS);
    let limit = limits::bootstrap_keys(ctx, &boot);
    let size = files::check_size(&path, envelope::file_limit(limit))?;
    if size != record.key_file_bytes {
        return Err(WorkflowError::InvalidField {
            path,
            field: "keys",
            problem: format!("{size} bytes; {} says {}", Plan::NAME, record.key_file_bytes),
        }
        .into());
    }
    let expected = binding(plan.key_set, Content::BootstrapKeys);
    let bytes = envelope::read(&path, limit, &expected, &plan_path)?;
    let mut keys = BootstrapKeys::from_bytes(ctx, &boot, &bytes).map_err(object(&path))?;
    drop(bytes);
    let mut merged = Arc::try_unwrap(keys.evaluation).unwrap_or_else(|shared| (*shared).clone());
    merged.galois.extend(circuit.galois);
    if merged.relinearization.is_none() {
        merged.relinearization = circuit.relinearization;
    }
    keys.evaluation = Arc::new(merged);
    let evaluation = keys.evaluation.clone();
    let bt = Bootstrapper::new(ctx, Arc::new(boot), keys).map_err(object(&path))?;
    Ok((bt, evaluation))
}

/// Writes a scheme object of the key set `key_set` in its envelope as `name`.
///
/// # Errors
/// [`Error::Io`].
pub fn write_sealed(
    out: &mut OutputDir,
    name: &str,
    key_set: Id,
    content: Content,
    payload: &[u8],
) -> Result<()> {
    let sealed =
        zeroize::Zeroizing::new(envelope::seal(&binding(key_set, content.clone()), payload));
    if content == Content::SecretKey {
        out.write_private(name, &sealed)
    } else {
        out.write(name, &sealed)
    }
}

/// Whether the file `path` is a secret key: by its envelope, or its scheme header.
fn is_secret(path: &Path) -> bool {
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| {
        f.take((envelope::FIXED + envelope::MAX_BINDING + 40) as u64).read_to_end(&mut head)
    });
    if read.is_err() {
        return false;
    }
    let secret_kind = |bytes: &[u8]| {
        ckks::serial::peek_kind(bytes).ok() == Some(ckks::serial::Kind::SecretKey as u16)
    };
    match envelope::peek(&head) {
        Some((b, start)) => b.content == Content::SecretKey || secret_kind(&head[start..]),
        None => secret_kind(&head),
    }
}

/// Refuses to go on if `dir` holds anything that looks like a secret key.
///
/// # Errors
/// [`WorkflowError::SecretKeyOnServer`]; [`Error::Io`].
pub fn refuse_secrets(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        // By name whatever it is; by content if it is a file.
        if path.file_name().is_some_and(|n| n == SECRET_KEY) || path.is_file() && is_secret(&path) {
            return Err(WorkflowError::SecretKeyOnServer { path }.into());
        }
    }
    Ok(())
}
