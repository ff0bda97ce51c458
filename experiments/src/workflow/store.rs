//! The ciphertext tiles of uploads and models on disk: one `<slug>.<tile>.ct` file per tile of
//! each object of the upload protocol, and a manifest written last. Reading checks the manifest
//! against the objects the circuit expects (names, kinds, shapes, units, levels, tile counts:
//! the specs of `circuits::protocol`, compared whole), then every tile against its spec.

use super::schema::{self, Manifest};
use crate::error::{Error, Result};
use crate::files::{read_bounded, OutputDir};
use circuits::protocol::{EncryptedObject, ObjectSpec, Objects, Role};
use circuits::CircuitError;
use ckks::{Ciphertext, Context, SeededCiphertext};
use std::collections::BTreeMap;
use std::path::Path;

/// The file of tile `tile` of the object `spec`.
pub fn tile_file(spec: &ObjectSpec, tile: usize) -> String {
    format!("{}.{tile}.ct", spec.name().slug())
}

/// Writes objects (each as its spec and its tiles' bytes, in order) and then their manifest.
///
/// # Errors
/// [`Error::Io`], [`Error::Json`].
pub fn write_objects(
    out: &mut OutputDir,
    role: Role,
    round: usize,
    objects: impl IntoIterator<Item = (ObjectSpec, Vec<Vec<u8>>)>,
) -> Result<usize> {
    let mut specs = Vec::new();
    let mut bytes = 0;
    for (spec, tiles) in objects {
        debug_assert_eq!(tiles.len(), spec.tiles());
        for (i, t) in tiles.iter().enumerate() {
            out.write(&tile_file(&spec, i), t)?;
            bytes += t.len();
        }
        specs.push(spec);
    }
    schema::save(out, &Manifest { role, round, objects: specs })?;
    Ok(bytes)
}

/// Reads the manifest of `dir`, which must be of role `role`.
///
/// # Errors
/// As [`schema::load`]; [`Error::InvalidField`] for the other role.
pub fn read_manifest(dir: &Path, role: Role) -> Result<Manifest> {
    let manifest: Manifest = schema::load(dir)?;
    if manifest.role != role {
        return Err(Error::InvalidField {
            path: dir.join(<Manifest as schema::WorkflowFile>::NAME),
            field: "role",
            problem: match role {
                Role::Upload => "this is a model, not an upload",
                Role::Model => "this is an upload, not a model",
            },
        });
    }
    Ok(manifest)
}

/// Checks that the manifest lists exactly the objects `expected` (in any order).
///
/// # Errors
/// [`Error::Protocol`] naming the first object missing, differing or unexpected.
pub fn check_manifest(dir: &Path, manifest: &Manifest, expected: &[ObjectSpec]) -> Result<()> {
    let path = dir.join(<Manifest as schema::WorkflowFile>::NAME);
    let protocol = |source| Err(Error::Protocol { path: path.clone(), source });
    let mut listed = BTreeMap::new();
    for s in &manifest.objects {
        if listed.insert(s.name(), s).is_some() {
            // Listed twice.
            return protocol(CircuitError::UnexpectedObject { name: s.name() });
        }
    }
    for want in expected {
        match listed.get(&want.name()) {
            None => return protocol(CircuitError::MissingObject { name: want.name() }),
            Some(found) if *found != want => {
                return protocol(CircuitError::SpecMismatch {
                    expected: Box::new(*want),
                    found: Box::new(**found),
                })
            }
            Some(_) => {}
        }
    }
    if let Some(extra) =
        manifest.objects.iter().find(|s| !expected.iter().any(|e| e.name() == s.name()))
    {
        return protocol(CircuitError::UnexpectedObject { name: extra.name() });
    }
    Ok(())
}

/// The largest ciphertext file under `ctx`: three polynomials at the top level, and a header.
fn ciphertext_limit(ctx: &Context) -> u64 {
    (3 * (ctx.max_level() as u64 + 1) * ctx.n() as u64 * 8) + 4096
}

/// One ciphertext (seeded or not), at the level `level`.
fn read_ct(ctx: &Context, path: &Path, level: usize) -> Result<Ciphertext> {
    let bytes = read_bounded(path, ciphertext_limit(ctx))?;
    let object = |source| Error::Object { path: path.into(), source };
    let kind = ckks::serial::peek_kind(&bytes).map_err(object)?;
    let ct = if kind == ckks::serial::Kind::SeededCiphertext as u16 {
        SeededCiphertext::from_bytes(ctx, &bytes).map(|s| s.expand(ctx))
    } else {
        Ciphertext::from_bytes(ctx, &bytes)
    }
    .map_err(object)?;
    if ct.level() != level {
        return Err(Error::TileLevel { path: path.into(), expected: level, found: ct.level() });
    }
    Ok(ct)
}

/// The objects of a checked manifest (see [`check_manifest`]), every tile read and checked.
///
/// # Errors
/// [`Error::Io`], [`Error::TooLarge`], [`Error::Object`], [`Error::TileLevel`].
pub fn read_objects(ctx: &Context, dir: &Path, manifest: &Manifest) -> Result<Objects<Ciphertext>> {
    let mut out = BTreeMap::new();
    for spec in &manifest.objects {
        let tiles = (0..spec.tiles())
            .map(|i| read_ct(ctx, &dir.join(tile_file(spec, i)), spec.level()))
            .collect::<Result<Vec<_>>>()?;
        out.insert(spec.name(), EncryptedObject::from_tiles(spec, tiles)?);
    }
    Ok(out)
}

/// Refuses to go on if `dir` holds anything that looks like a secret key.
///
/// # Errors
/// [`Error::SecretKeyOnServer`]; [`Error::Io`].
pub fn refuse_secrets(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let is_secret = path.file_name().is_some_and(|n| n == "secret.key")
            || (path.is_file()
                && std::fs::File::open(&path).ok().and_then(|mut f| {
                    use std::io::Read;
                    let mut head = [0u8; 40];
                    f.read_exact(&mut head).ok()?;
                    ckks::serial::peek_kind(&head).ok()
                }) == Some(ckks::serial::Kind::SecretKey as u16));
        if is_secret {
            return Err(Error::SecretKeyOnServer { path });
        }
    }
    Ok(())
}
