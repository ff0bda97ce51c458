//! The one path by which the experiments read and write files: reads bounded by what a file may
//! be (its size checked before it is read), JSON through serde, single files written
//! atomically (a temporary file, then a rename), secret files owner-only (and refused when
//! others may read them), and output directories that appear whole or not at all and never
//! destroy what they must not ([`OutputDir`], in `output.rs`).

use crate::error::{Error, Result, WorkflowError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

mod output;
pub use output::{commit, OutputDir, OutputKind, SECRET_KEY};

/// The size of `path`, refused above `limit` bytes.
///
/// # Errors
/// [`Error::Io`], [`Error::TooLarge`].
pub fn check_size(path: &Path, limit: u64) -> Result<u64> {
    let size = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
    if size > limit {
        return Err(Error::TooLarge { path: path.into(), size, limit });
    }
    Ok(size)
}

/// The bytes of `path`, refused (before reading) above `limit` bytes.
///
/// # Errors
/// As [`check_size`].
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    check_size(path, limit)?;
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// The largest JSON file read.
pub const MAX_JSON: u64 = 1 << 24;

/// A JSON file as `T` (its schema: serde's derive, unknown fields refused where `T` says so).
///
/// # Errors
/// As [`read_bounded`]; [`Error::Json`] naming the line, column and field.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = read_bounded(path, MAX_JSON)?;
    serde_json::from_slice(&bytes).map_err(|source| Error::Json { path: path.into(), source })
}

pub(crate) fn json_bytes<T: Serialize>(path: &Path, value: &T) -> Result<Vec<u8>> {
    let mut text = serde_json::to_vec_pretty(value)
        .map_err(|source| Error::Json { path: path.into(), source })?;
    text.push(b'\n');
    Ok(text)
}

/// Writes `value` as JSON to `path` atomically.
///
/// # Errors
/// [`Error::Io`], [`Error::Json`].
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, &json_bytes(path, value)?)
}

/// Writes `contents` to `path` atomically (a temporary file in the same directory, synced, then
/// renamed).
///
/// # Errors
/// [`Error::Io`].
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let written = write_new(&tmp, contents, None)
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Creates `path` (which must not exist) with `contents`, with the Unix permissions `mode`
/// from the start when given (and then set again, whatever the umask took away), and syncs it.
fn write_new(path: &Path, contents: &[u8], mode: Option<u32>) -> Result<()> {
    let io = |e| Error::io(path, e);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(path).map_err(io)?;
    if let Some(mode) = mode {
        output::set_mode(path, mode)?;
    }
    f.write_all(contents).map_err(io)?;
    f.sync_all().map_err(io)
}

/// Refuses a secret file that others may read (as ssh does: any permission for the group or
/// others). Nothing is checked where there are no Unix permissions.
///
/// # Errors
/// [`WorkflowError::SecretKeyExposed`], [`Error::Io`].
pub fn check_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(
                WorkflowError::SecretKeyExposed { path: path.into(), mode: mode & 0o777 }.into()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
