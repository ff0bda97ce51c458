//! The ciphertext tiles of uploads and models on disk: one `<slug>.<tile>.ct` file per tile of
//! each object of the upload protocol (`r<r>.<slug>.<tile>.ct` for round `r` of an epoch upload), each in an envelope naming its key set, its upload or
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

/// Which objects of a directory: the manifest's own (`objects`, of its round) or round `r` of an
/// epoch upload (`rounds[r]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The manifest's `objects`.
    Own,
    /// Round `r` of an epoch upload.
    EpochRound(usize),
}

impl Place {
    /// The objects the manifest lists here.
    ///
    /// # Errors
    /// [`WorkflowError::InvalidField`] for a round the manifest does not list.
    pub fn objects<'a>(self, dir: &Path, manifest: &'a Manifest) -> Result<&'a [ObjectSpec]> {
        match self {
            Place::Own => Ok(&manifest.objects),
            Place::EpochRound(r) => manifest.rounds.get(r).map(Vec::as_slice).ok_or_else(|| {
                WorkflowError::InvalidField {
                    path: dir.join(Manifest::NAME),
                    field: "rounds",
                    problem: format!("{} rounds listed; round {r} expected", manifest.rounds.len()),
                }
                .into()
            }),
        }
    }

    fn round(self, manifest: &Manifest) -> usize {
        match self {
            Place::Own => manifest.round,
            Place::EpochRound(r) => r,
        }
    }
}

/// The file of tile `tile` of the object `spec` at `place`.
pub fn tile_file(place: Place, spec: &ObjectSpec, tile: usize) -> String {
    match place {
        Place::Own => format!("{}.{tile}.ct", spec.name().slug()),
        Place::EpochRound(r) => format!("r{r}.{}.{tile}.ct", spec.name().slug()),
    }
}

fn tile_binding(manifest: &Manifest, place: Place, spec: &ObjectSpec, index: usize) -> Binding {
    Binding {
        key_set: manifest.key_set,
        content: Content::Tile(TileRef {
            role: manifest.role,
            output: manifest.id,
            round: place.round(manifest),
            object: spec.name(),
            index,
        }),
    }
}

/// Writes the tiles of the object `spec` at `place`, each in its envelope (the manifest, which
/// must list it there, is written last by the caller); the bytes written.
///
/// # Errors
/// [`Error::Io`].
pub fn write_tiles(
    out: &mut OutputDir,
    manifest: &Manifest,
    place: Place,
    spec: &ObjectSpec,
    tiles: &[Vec<u8>],
) -> Result<usize> {
    debug_assert_eq!(tiles.len(), spec.tiles());
    let mut bytes = 0;
    for (i, t) in tiles.iter().enumerate() {
        let sealed = envelope::seal(&tile_binding(manifest, place, spec, i), t);
        out.write(&tile_file(place, spec, i), &sealed)?;
        bytes += sealed.len();
    }
    Ok(bytes)
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
        bytes += write_tiles(out, &manifest, Place::Own, &spec, &tiles)?;
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

/// Checks that the manifest lists exactly the objects `expected` (in any order) at `place`.
///
/// # Errors
/// [`WorkflowError::Protocol`] naming the first object missing, differing or unexpected;
/// as [`Place::objects`].
pub fn check_manifest(
    dir: &Path,
    manifest: &Manifest,
    place: Place,
    expected: &[ObjectSpec],
) -> Result<()> {
    let path = dir.join(Manifest::NAME);
    let protocol =
        |source| Err(Error::from(WorkflowError::Protocol { path: path.clone(), source }));
    let objects = place.objects(dir, manifest)?;
    let mut listed = BTreeMap::new();
    for s in objects {
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
    if let Some(extra) = objects.iter().find(|s| !expected.iter().any(|e| e.name() == s.name())) {
        return protocol(CircuitError::UnexpectedObject { name: extra.name() });
    }
    Ok(())
}

/// One tile (a ciphertext, seeded or not) of `spec`, at its level, its envelope checked
/// against the manifest.
fn read_tile(
    ctx: &Context,
    (dir, manifest, place): (&Path, &Manifest, Place),
    spec: &ObjectSpec,
    index: usize,
) -> Result<Ciphertext> {
    let path = dir.join(tile_file(place, spec, index));
    let expected = tile_binding(manifest, place, spec, index);
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

/// The objects at `place` of a checked manifest (see [`check_manifest`]), every tile read and
/// checked.
///
/// # Errors
/// [`Error::Io`], [`Error::TooLarge`], [`Error::Object`], the envelope's errors,
/// [`WorkflowError::TileLevel`]; as [`Place::objects`].
pub fn read_objects(
    ctx: &Context,
    dir: &Path,
    manifest: &Manifest,
    place: Place,
) -> Result<Objects<Ciphertext>> {
    let mut out = BTreeMap::new();
    for spec in place.objects(dir, manifest)? {
        let tiles = (0..spec.tiles())
            .map(|i| read_tile(ctx, (dir, manifest, place), spec, i))
            .collect::<Result<Vec<_>>>()?;
        out.insert(spec.name(), EncryptedObject::from_tiles(spec, tiles)?);
    }
    Ok(out)
}
