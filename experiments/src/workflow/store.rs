//! The ciphertext tiles of uploads and models on disk: one `<slug>.<tile>.ct` file per tile of
//! each object of the upload protocol, each in an envelope naming its key set, its upload or
//! model, its round, its object and its index; and the manifest. Reading checks the manifest
//! against the plan (key set, role, round) and against the objects the circuit expects (names,
//! kinds, shapes, units, levels, tile counts: the specs of `circuits::protocol`, compared
//! whole), then every tile against its place: a tile of another object, index, round, upload
//! or key set is refused, whatever its file is called.

use super::envelope::{self, Binding, Content, TileRef};
use super::limits;
use super::schema::{self, Manifest, Plan, WorkflowFile};
use crate::error::{Error, Result, WorkflowError};
use crate::files::{OutputDir, OutputKind};
use circuits::protocol::{EncryptedObject, ObjectSpec, Objects, Role};
use circuits::CircuitError;
use ckks::{Ciphertext, Context, SeededCiphertext};
use std::collections::BTreeMap;
use std::path::Path;

/// An upload directory.
pub const UPLOAD: OutputKind = OutputKind {
    what: "an upload directory",
    marker: Manifest::NAME,
    private: false,
    key_set: false,
};

/// A model directory.
pub const MODEL: OutputKind = OutputKind {
    what: "a model directory",
    marker: Manifest::NAME,
    private: false,
    key_set: false,
};

/// The output kind of `role`.
pub fn kind_of(role: Role) -> &'static OutputKind {
    match role {
        Role::Upload => &UPLOAD,
        Role::Model => &MODEL,
    }
}

/// The file of tile `tile` of the object `spec`.
pub fn tile_file(spec: &ObjectSpec, tile: usize) -> String {
    format!("{}.{tile}.ct", spec.name().slug())
}

fn tile_binding(manifest: &Manifest, spec: &ObjectSpec, index: usize) -> Binding {
    Binding {
        key_set: manifest.key_set,
        content: Content::Tile(TileRef {
            role: manifest.role,
            output: manifest.id,
            round: manifest.round,
            object: spec.name(),
            index,
        }),
    }
}

/// Writes objects (each as its spec and its tiles' bytes, in order), each tile in its envelope,
/// and then `manifest` (from [`Plan::manifest`]) listing them; the bytes written.
///
/// # Errors
/// [`Error::Io`], [`Error::Json`].
pub fn write_objects(
    out: &mut OutputDir,
    mut manifest: Manifest,
    objects: impl IntoIterator<Item = (ObjectSpec, Vec<Vec<u8>>)>,
) -> Result<usize> {
    let mut bytes = 0;
    for (spec, tiles) in objects {
        debug_assert_eq!(tiles.len(), spec.tiles());
        for (i, t) in tiles.iter().enumerate() {
            let sealed = envelope::seal(&tile_binding(&manifest, &spec, i), t);
            out.write(&tile_file(&spec, i), &sealed)?;
            bytes += sealed.len();
        }
        manifest.objects.push(spec);
    }
    schema::save(out, &manifest)?;
    Ok(bytes)
}

/// Reads the manifest of `dir`, which must be of role `role` and of the plan's key set.
///
/// # Errors
/// As [`schema::load`].
pub fn read_manifest(dir: &Path, role: Role, plan: &Plan, plan_path: &Path) -> Result<Manifest> {
    schema::load(dir, (plan, plan_path, role))
}

/// Checks that the manifest lists exactly the objects `expected` (in any order).
///
/// # Errors
/// [`WorkflowError::Protocol`] naming the first object missing, differing or unexpected.
pub fn check_manifest(dir: &Path, manifest: &Manifest, expected: &[ObjectSpec]) -> Result<()> {
    let path = dir.join(Manifest::NAME);
    let protocol =
        |source| Err(Error::from(WorkflowError::Protocol { path: path.clone(), source }));
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

/// One tile (a ciphertext, seeded or not) of `spec`, at its level, its envelope checked
/// against the manifest.
fn read_tile(
    ctx: &Context,
    dir: &Path,
    manifest: &Manifest,
    spec: &ObjectSpec,
    index: usize,
) -> Result<Ciphertext> {
    let path = dir.join(tile_file(spec, index));
    let expected = tile_binding(manifest, spec, index);
    let limit = limits::ciphertext(ctx, spec.level());
    let bytes = envelope::read(&path, limit, &expected, &dir.join(Manifest::NAME))?;
    let object = |source| Error::Object { path: path.clone(), source };
    let kind = ckks::serial::peek_kind(&bytes).map_err(object)?;
    let ct = if kind == ckks::serial::Kind::SeededCiphertext as u16 {
        SeededCiphertext::from_bytes(ctx, &bytes).map(|s| s.expand(ctx))
    } else {
        Ciphertext::from_bytes(ctx, &bytes)
    }
    .map_err(object)?;
    if ct.level() != spec.level() {
        return Err(
            WorkflowError::TileLevel { path, expected: spec.level(), found: ct.level() }.into()
        );
    }
    Ok(ct)
}

/// The objects of a checked manifest (see [`check_manifest`]), every tile read and checked.
///
/// # Errors
/// [`Error::Io`], [`Error::TooLarge`], [`Error::Object`], the envelope's errors,
/// [`WorkflowError::TileLevel`].
pub fn read_objects(ctx: &Context, dir: &Path, manifest: &Manifest) -> Result<Objects<Ciphertext>> {
    let mut out = BTreeMap::new();
    for spec in &manifest.objects {
        let tiles = (0..spec.tiles())
            .map(|i| read_tile(ctx, dir, manifest, spec, i))
            .collect::<Result<Vec<_>>>()?;
        out.insert(spec.name(), EncryptedObject::from_tiles(spec, tiles)?);
    }
    Ok(out)
}
