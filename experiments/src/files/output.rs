//! Output directories that appear whole or not at all, and never destroy what they must not.
//!
//! A command writes its output into a staging directory beside the final name
//! (`.<name>.partial-<pid>`); [`commit`] moves it into place with renames once every file is
//! written, replacing an earlier output of the same kind as a whole (it is first moved aside to
//! `.<name>.old-<pid>`, and put back if anything fails). A failure before that leaves the final
//! name untouched and removes the staging directory. Before anything is written,
//! [`OutputDir::create`] refuses:
//!
//! - an output that is one of the command's inputs, or contains one ([`WorkflowError::OutputOverlaps`]);
//! - an existing path that is not an output of the same kind, recognised by a file every such
//!   output has ([`WorkflowError::NotAnOutput`]): nothing else is ever replaced;
//! - a directory holding a secret key ([`WorkflowError::SecretKeyInOutput`]), and for `keygen`,
//!   any existing key set unless forced ([`WorkflowError::KeySetExists`]).
//!
//! Staging and set-aside directories left by a killed process (its pid gone, on Linux) are
//! cleaned up by the next command writing the same output: a set-aside output whose
//! replacement never arrived is put back.

use crate::error::{Error, Result, WorkflowError};
use std::path::{Path, PathBuf};

/// What an output directory is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputKind {
    /// For messages: "an upload directory".
    pub what: &'static str,
    /// A file every such directory has (how an earlier output is recognised).
    pub marker: &'static str,
    /// Owner-only (0700 whatever the umask): it holds a secret key.
    pub private: bool,
    /// A key set (`keygen`'s outputs): an existing one is replaced only when forced.
    pub key_set: bool,
}

/// The name of the secret key in a client directory (never replaced but by `keygen --force`).
pub const SECRET_KEY: &str = "secret.key";

/// An output directory being written (see the module's documentation).
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
    replaces: bool,
}

/// `path` made absolute with its existing part resolved (symbolic links, `..`), so that two
/// names of one directory compare equal.
fn resolve(path: &Path) -> PathBuf {
    use std::path::Component;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let parts: Vec<Component> = abs.components().collect();
    for i in (0..=parts.len()).rev() {
        let Ok(mut c) = std::fs::canonicalize(parts[..i].iter().collect::<PathBuf>()) else {
            continue;
        };
        // What does not exist yet holds no links: `..` and `.` resolve lexically.
        for part in &parts[i..] {
            match part {
                Component::ParentDir => {
                    c.pop();
                }
                Component::Normal(n) => c.push(n),
                _ => {}
            }
        }
        return c;
    }
    abs
}

/// Whether the process `pid` may still be running (`true` where that cannot be known).
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

fn parent_of(target: &Path) -> &Path {
    target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn name_of(target: &Path) -> String {
    target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Removes the staging directories of `target` left by dead processes, and puts back an output
/// a dead process had set aside but not replaced.
fn clean_stale(target: &Path) -> Result<()> {
    let parent = parent_of(target);
    let name = name_of(target);
    let Ok(entries) = std::fs::read_dir(parent) else { return Ok(()) };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&format!(".{name}.")) else { continue };
        let (set_aside, pid) = match rest.split_once('-') {
            Some(("partial", pid)) => (false, pid),
            Some(("old", pid)) => (true, pid),
            _ => continue,
        };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if alive(pid) {
            continue;
        }
        let path = entry.path();
        if set_aside && !target.exists() {
            std::fs::rename(&path, target).map_err(|e| Error::io(target, e))?;
            eprintln!(
                "note: {} was set aside by an interrupted command and has been put back",
                target.display()
            );
        } else {
            std::fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// The key set a directory's plan names, if it can be read.
fn key_set_of(dir: &Path) -> Option<crate::workflow::identity::Id> {
    #[derive(serde::Deserialize)]
    struct KeySet {
        key_set: crate::workflow::identity::Id,
    }
    let bytes = super::read_bounded(&dir.join("plan.json"), super::MAX_JSON).ok()?;
    serde_json::from_slice::<KeySet>(&bytes).ok().map(|k| k.key_set)
}

/// Checks what `target` may replace (see the module's documentation); whether it exists.
fn check_replaceable(target: &Path, kind: &OutputKind, force: bool) -> Result<bool> {
    let not_output = || {
        Error::from(WorkflowError::NotAnOutput {
            path: target.into(),
            what: kind.what,
            marker: kind.marker,
        })
    };
    let meta = match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io(target, e)),
        Ok(m) => m,
    };
    if !meta.is_dir() {
        return Err(not_output());
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(target).map_err(|e| Error::io(target, e))? {
        names.push(entry.map_err(|e| Error::io(target, e))?.file_name());
    }
    if names.is_empty() {
        return Ok(true);
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    if kind.key_set && (has(SECRET_KEY) || has(kind.marker)) && !force {
        return Err(WorkflowError::KeySetExists {
            path: target.into(),
            key_set: key_set_of(target),
        }
        .into());
    }
    if has(SECRET_KEY) && !(kind.key_set && force) {
        return Err(WorkflowError::SecretKeyInOutput { path: target.join(SECRET_KEY) }.into());
    }
    if !has(kind.marker) {
        return Err(not_output());
    }
    Ok(true)
}

impl OutputDir {
    /// Starts writing the output `target` (given as `flag`) of kind `kind`. `inputs` are the
    /// paths the command reads (and its other outputs), which `target` may neither be nor
    /// contain; `force` lets `keygen` replace an existing key set.
    ///
    /// # Errors
    /// [`WorkflowError::OutputOverlaps`], [`WorkflowError::NotAnOutput`],
    /// [`WorkflowError::SecretKeyInOutput`], [`WorkflowError::KeySetExists`], [`Error::Io`].
    pub fn create(
        flag: &'static str,
        target: &Path,
        kind: &OutputKind,
        inputs: &[&Path],
        force: bool,
    ) -> Result<Self> {
        let resolved = resolve(target);
        for input in inputs {
            let input_resolved = resolve(input);
            if input_resolved.starts_with(&resolved) {
                return Err(WorkflowError::OutputOverlaps {
                    flag,
                    output: target.into(),
                    input: input.to_path_buf(),
                }
                .into());
            }
        }
        let parent = parent_of(target);
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        clean_stale(target)?;
        let replaces = check_replaceable(target, kind, force)?;
        let staging = parent.join(format!(".{}.partial-{}", name_of(target), std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        }
        std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
        let dir = Self { target: target.into(), staging, committed: false, replaces };
        if kind.private {
            set_mode(&dir.staging, 0o700)?;
        } else {
            // The umask's permissions, but the owner may always write what it is writing.
            set_mode(&dir.staging, mode_of(&dir.staging)? | 0o700)?;
        }
        Ok(dir)
    }

    /// The final directory.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Whether an earlier output is there (and will be replaced on commit).
    pub fn replaces(&self) -> bool {
        self.replaces
    }

    /// Writes the file `name`.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn write(&mut self, name: &str, contents: &[u8]) -> Result<()> {
        super::write_new(&self.staging.join(name), contents, None)
    }

    /// Writes the file `name`, owner-only (0600 whatever the umask).
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn write_private(&mut self, name: &str, contents: &[u8]) -> Result<()> {
        super::write_new(&self.staging.join(name), contents, Some(0o600))
    }

    /// Writes `value` as the JSON file `name`.
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::Json`].
    pub fn write_json<T: serde::Serialize>(&mut self, name: &str, value: &T) -> Result<()> {
        let bytes = super::json_bytes(&self.target.join(name), value)?;
        self.write(name, &bytes)
    }

    /// Moves the directory into place (see [`commit`]).
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn commit(self) -> Result<()> {
        commit(vec![self])
    }

    fn set_aside(&self) -> PathBuf {
        parent_of(&self.target).join(format!(
            ".{}.old-{}",
            name_of(&self.target),
            std::process::id()
        ))
    }
}

/// Sets the Unix permissions of `path` to `mode` (nothing elsewhere).
pub(super) fn set_mode(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// The Unix permissions of `path` (0o700 elsewhere).
fn mode_of(path: &Path) -> Result<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(std::fs::metadata(path).map_err(|e| Error::io(path, e))?.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(0o700)
    }
}

/// Best effort: makes the renames in `dir` durable.
fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Moves every directory into place, all or none: the earlier outputs are set aside first,
/// then the new ones renamed in; if a step fails, what was done is undone and the earlier
/// outputs are back. The set-aside outputs are removed at the end.
///
/// # Errors
/// [`Error::Io`] (with everything as it was before).
pub fn commit(mut dirs: Vec<OutputDir>) -> Result<()> {
    let mut aside: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut placed: Vec<usize> = Vec::new();
    let result = (|| -> Result<()> {
        for d in &dirs {
            if d.target.exists() {
                let to = d.set_aside();
                std::fs::rename(&d.target, &to).map_err(|e| Error::io(&d.target, e))?;
                aside.push((d.target.clone(), to));
            }
        }
        for (i, d) in dirs.iter().enumerate() {
            std::fs::rename(&d.staging, &d.target).map_err(|e| Error::io(&d.target, e))?;
            placed.push(i);
        }
        Ok(())
    })();
    if let Err(e) = result {
        for &i in placed.iter().rev() {
            let _ = std::fs::rename(&dirs[i].target, &dirs[i].staging);
        }
        for (target, to) in aside.iter().rev() {
            let _ = std::fs::rename(to, target);
        }
        return Err(e);
    }
    for d in &mut dirs {
        d.committed = true;
        sync_dir(parent_of(&d.target));
    }
    for (_, to) in aside {
        let _ = std::fs::remove_dir_all(to);
    }
    Ok(())
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

    const KIND: OutputKind =
        OutputKind { what: "a test output", marker: "m", private: false, key_set: false };

    fn root(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ldckks-out-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn out(target: &Path, files: &[(&str, &[u8])]) -> Result<()> {
        let mut o = OutputDir::create("--out", target, &KIND, &[], false)?;
        for (n, c) in files {
            o.write(n, c)?;
        }
        o.commit()
    }

    #[test]
    fn an_output_appears_whole_and_replaces_only_its_own_kind() {
        let root = root("whole");
        let target = root.join("out");
        {
            let mut o = OutputDir::create("--out", &target, &KIND, &[], false).unwrap();
            o.write("a", b"1").unwrap();
            // Dropped without a commit: nothing under the final name, no staging left.
        }
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
        out(&target, &[("a", b"1"), ("m", b"")]).unwrap();
        assert_eq!(std::fs::read(target.join("a")).unwrap(), b"1");
        // An earlier output is replaced whole: its other files go with it.
        out(&target, &[("b", b"2"), ("m", b"")]).unwrap();
        assert!(!target.join("a").exists());
        assert_eq!(std::fs::read(target.join("b")).unwrap(), b"2");
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "nothing left beside it");
        // Not an output of this kind, a file, a secret key: refused, untouched.
        let other = root.join("other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("x"), b"x").unwrap();
        let e = out(&other, &[("m", b"")]).unwrap_err().to_string();
        assert!(e.contains("refusing to replace"), "{e}");
        std::fs::write(other.join("m"), b"").unwrap();
        std::fs::write(other.join(SECRET_KEY), b"k").unwrap();
        let e = out(&other, &[("m", b"")]).unwrap_err().to_string();
        assert!(e.contains("secret key"), "{e}");
        assert_eq!(std::fs::read(other.join(SECRET_KEY)).unwrap(), b"k");
        let file = root.join("file");
        std::fs::write(&file, b"f").unwrap();
        assert!(out(&file, &[]).is_err());
        assert_eq!(std::fs::read(&file).unwrap(), b"f");
        // Never into an input, nor around one.
        let e = OutputDir::create("--out", &target, &KIND, &[&target.join("b")], false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("would replace"), "{e}");
        let again = target.join("..").join("out");
        assert!(OutputDir::create("--out", &again, &KIND, &[&target], false).is_err());
        let around = root.join("missing").join("..").join("out");
        assert!(OutputDir::create("--out", &around, &KIND, &[&target], false).is_err());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_killed_commands_leftovers_are_cleaned_and_a_set_aside_output_put_back() {
        let root = root("stale");
        let target = root.join("out");
        out(&target, &[("a", b"old"), ("m", b"")]).unwrap();
        // As if a process (pid 4000000000, not running) was killed between the two renames.
        let dead = 4_000_000_000u32;
        std::fs::rename(&target, root.join(format!(".out.old-{dead}"))).unwrap();
        std::fs::create_dir_all(root.join(format!(".out.partial-{dead}"))).unwrap();
        if Path::new("/proc/self").exists() {
            let o = OutputDir::create("--out", &target, &KIND, &[], false).unwrap();
            assert_eq!(std::fs::read(target.join("a")).unwrap(), b"old", "put back");
            drop(o);
            assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
        }
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn several_outputs_commit_together() {
        let root = root("all");
        let (a, b) = (root.join("a"), root.join("b"));
        out(&a, &[("x", b"a0"), ("m", b"")]).unwrap();
        let mut oa = OutputDir::create("--a", &a, &KIND, &[&b], false).unwrap();
        oa.write("x", b"a1").unwrap();
        let mut ob = OutputDir::create("--b", &b, &KIND, &[&a], false).unwrap();
        ob.write("x", b"b1").unwrap();
        // The second cannot be placed (its staging is gone): the first is undone, `a` is back.
        std::fs::remove_dir_all(&ob.staging).unwrap();
        assert!(commit(vec![oa, ob]).is_err());
        assert_eq!(std::fs::read(a.join("x")).unwrap(), b"a0");
        assert!(!b.exists());
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "no staging left");
        let _ = std::fs::remove_dir_all(&root);
    }
}
