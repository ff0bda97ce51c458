//! The one path by which the experiments read and write files: reads bounded by what a file may
//! be (its size checked before it is read), JSON through serde, single files written
//! atomically (a temporary file, then a rename), and output directories staged beside their
//! final name and moved into place only when every file is written ([`OutputDir`]).

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

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

fn json_bytes<T: Serialize>(path: &Path, value: &T) -> Result<Vec<u8>> {
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
/// from the start when given, and syncs it.
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
    f.write_all(contents).map_err(io)?;
    f.sync_all().map_err(io)
}

/// An output directory that appears whole or not at all: files are written into a staging
/// directory beside the final name (`.<name>.partial-<pid>`), and [`OutputDir::commit`] moves
/// them into place; dropped without a commit (a failure), the staging directory is removed and
/// nothing has been written under the final name.
///
/// A final directory that does not exist yet appears in one rename. Into an existing one, the
/// files are moved one rename each, in the order they were written (so a manifest written last
/// lands last); what else the directory holds is left alone.
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    written: Vec<String>,
    committed: bool,
}

impl OutputDir {
    /// Starts writing the directory `target`.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn create(target: &Path) -> Result<Self> {
        let parent =
            target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        }
        std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
        Ok(Self { target: target.into(), staging, written: Vec::new(), committed: false })
    }

    /// The final directory.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes the file `name`.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn write(&mut self, name: &str, contents: &[u8]) -> Result<()> {
        self.write_with_mode(name, contents, None)
    }

    /// Writes the file `name`, created with the Unix permissions `mode`.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn write_with_mode(
        &mut self,
        name: &str,
        contents: &[u8],
        mode: Option<u32>,
    ) -> Result<()> {
        write_new(&self.staging.join(name), contents, mode)?;
        self.written.push(name.to_string());
        Ok(())
    }

    /// Writes `value` as the JSON file `name`.
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::Json`].
    pub fn write_json<T: Serialize>(&mut self, name: &str, value: &T) -> Result<()> {
        let bytes = json_bytes(&self.target.join(name), value)?;
        self.write(name, &bytes)
    }

    /// Moves the files into place.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn commit(mut self) -> Result<()> {
        if !self.target.exists() {
            std::fs::rename(&self.staging, &self.target).map_err(|e| Error::io(&self.target, e))?;
        } else {
            for name in &self.written {
                let to = self.target.join(name);
                std::fs::rename(self.staging.join(name), &to).map_err(|e| Error::io(&to, e))?;
            }
            std::fs::remove_dir(&self.staging).map_err(|e| Error::io(&self.staging, e))?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_directory_appears_whole_or_not_at_all() {
        let root = std::env::temp_dir().join(format!("ldckks-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let target = root.join("out");
        {
            let mut out = OutputDir::create(&target).unwrap();
            out.write("a", b"1").unwrap();
            // Dropped without a commit: nothing under the final name, no staging left.
        }
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
        let mut out = OutputDir::create(&target).unwrap();
        out.write("a", b"1").unwrap();
        out.write_json("b.json", &[1, 2]).unwrap();
        assert!(!target.exists());
        out.commit().unwrap();
        assert_eq!(std::fs::read(target.join("a")).unwrap(), b"1");
        // Into an existing directory: the files move in, the others stay.
        std::fs::write(target.join("keep"), b"k").unwrap();
        let mut out = OutputDir::create(&target).unwrap();
        out.write("a", b"2").unwrap();
        out.commit().unwrap();
        assert_eq!(std::fs::read(target.join("a")).unwrap(), b"2");
        assert_eq!(std::fs::read(target.join("keep")).unwrap(), b"k");
        assert!(read_bounded(&target.join("a"), 0).is_err());
        let _ = std::fs::remove_dir_all(&root);
    }
}
