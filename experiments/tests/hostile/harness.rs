//! The harness of the hostile-input suite: one good world of workflow directories built once,
//! commands run under guards (a memory cap, a time limit) and classified by outcome, the
//! case directory's bytes compared before and after every failing command.

use super::common::{bin, s, write_idx};
use experiments::workflow::envelope::{self, Binding};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The address space a command may have (KiB for `ulimit -v`): far above what the quick
/// parameters need (a few hundred MiB), far below what an unchecked plan asked for (1.2 TB).
const MEMORY_KIB: u64 = 3 << 20;
/// A command still running after this is a hang.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// What a command did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Exit 1 with `error: ...`: a typed error.
    Typed,
    /// Exit 0.
    Success,
    /// Exit 101: a panic.
    Panic,
    /// Killed by a signal (an abort, such as a failed allocation under the memory cap).
    Signal,
    /// Still running at the time limit.
    Hang,
    /// Any other exit code.
    Other,
}

/// The first argument that runs the command under the umask `mask` (see [`with_umask`]).
const UMASK: &str = "@umask=";

/// `args` run under the umask `mask`.
pub fn with_umask(mask: &str, args: Vec<String>) -> Vec<String> {
    std::iter::once(format!("{UMASK}{mask}")).chain(args).collect()
}

/// Runs the binary with `args` under the guards: its outcome and its output.
pub fn run_guarded(args: &[String]) -> (Outcome, String) {
    let (umask, args) = match args.first().and_then(|a| a.strip_prefix(UMASK)) {
        Some(mask) => (format!("umask {mask}; "), &args[1..]),
        None => (String::new(), args),
    };
    let out_dir = tempdir("out");
    let (o, e) = (out_dir.join("stdout"), out_dir.join("stderr"));
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("{umask}ulimit -v {MEMORY_KIB} 2>/dev/null; exec \"$0\" \"$@\""))
        .arg(bin())
        .args(args)
        .env("RAYON_NUM_THREADS", "2")
        .env("MALLOC_ARENA_MAX", "2")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap())
        .spawn()
        .expect("the binary runs");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let log = std::fs::read_to_string(&o).unwrap_or_default()
        + &std::fs::read_to_string(&e).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&out_dir);
    let outcome = match status {
        None => Outcome::Hang,
        Some(st) => match st.code() {
            Some(0) => Outcome::Success,
            Some(1) if log.contains("error: ") => Outcome::Typed,
            Some(101) => Outcome::Panic,
            Some(_) => Outcome::Other,
            None => Outcome::Signal,
        },
    };
    (outcome, log)
}

/// A fresh directory under the system's temporary directory (the first call also removes
/// what earlier, finished runs left: [`super::common::sweep_stale`]).
pub fn tempdir(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    static SWEEP: std::sync::Once = std::sync::Once::new();
    SWEEP.call_once(|| super::common::sweep_stale("ldckks-hostile-"));
    let d = std::env::temp_dir().join(format!(
        "ldckks-hostile-{}-{name}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// What a snapshot keeps of a file: its bytes, or for a file past 64 MiB (the sparse giants
/// of the bound cases) its length, inode and modification time.
#[derive(Debug, PartialEq, Eq)]
pub enum Contents {
    /// A directory.
    Dir,
    /// A file's bytes.
    Bytes(Vec<u8>),
    /// A large file's length, inode and modification time.
    Large(u64, u64, std::time::SystemTime),
}

/// Every file and directory under `dir`: its permissions and contents.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, Contents)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let mode = mode_of(&meta);
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            let contents = if meta.is_dir() {
                stack.push(path);
                Contents::Dir
            } else if meta.len() > 64 << 20 {
                Contents::Large(meta.len(), inode(&meta), meta.modified().unwrap())
            } else {
                Contents::Bytes(std::fs::read(&path).unwrap_or_default())
            };
            out.insert(rel, (mode, contents));
        }
    }
    out
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode()
}

#[cfg(not(unix))]
fn mode_of(_: &std::fs::Metadata) -> u32 {
    0
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

/// Copies the directory `from` to `to` (files and permissions).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
    let perms = std::fs::metadata(from).unwrap().permissions();
    std::fs::set_permissions(to, perms).unwrap();
}

/// Reads, edits and writes back a JSON file.
pub fn edit_json(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

/// Opens the envelope of `path`, lets `f` change the binding and the payload, and seals it
/// again (a valid digest: what a careless or hostile tool could write).
pub fn reseal(path: &Path, f: impl FnOnce(&mut Binding, &mut Vec<u8>)) {
    let bytes = std::fs::read(path).unwrap();
    let (mut binding, start) = envelope::unseal(path, &bytes).unwrap();
    let mut payload = bytes[start..].to_vec();
    f(&mut binding, &mut payload);
    std::fs::write(path, envelope::seal(&binding, &payload)).unwrap();
}

/// Flips the bits `mask` of the byte at `offset` of `path`.
pub fn flip(path: &Path, offset: usize, mask: u8) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[offset] ^= mask;
    std::fs::write(path, bytes).unwrap();
}

/// Writes `head` and extends the file to `size` bytes without writing them (a sparse file).
pub fn sparse(path: &Path, head: &[u8], size: u64) {
    std::fs::write(path, head).unwrap();
    std::fs::OpenOptions::new().write(true).open(path).unwrap().set_len(size).unwrap();
}

/// Sets the permission bits of `path`.
pub fn chmod(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// Args from string slices.
pub fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// The good world: two key sets of the same parameters and data (A and B), A's uploads,
/// models and weights of rounds 0 and 1, a second round-0 upload of A, B's upload and model.
///
/// ```text
/// data/                          the synthetic MNIST files
/// client/ server/                key set A        clientB/ serverB/   key set B
/// up0/ m0/ w0/ up1/ m1/ w1/      A's rounds       upB/ mB/            B's round 0
/// up0b/                          A's round 0 again
/// ```
pub struct World {
    /// Its root.
    pub root: PathBuf,
}

fn ok(a: &[&str]) {
    let (outcome, log) = run_guarded(&args(a));
    assert_eq!(outcome, Outcome::Success, "{a:?}: {log}");
}

impl World {
    /// Builds the world (a few seconds at the quick parameters).
    pub fn build() -> Self {
        let root = tempdir("world");
        let data = root.join("data");
        std::fs::create_dir_all(&data).unwrap();
        write_idx(&data, "train", 120, 1, [3, 8]);
        write_idx(&data, "t10k", 60, 2, [3, 8]);
        let p = |n: &str| root.join(n);
        let d = s(&data);
        for (client, server) in [(p("client"), p("server")), (p("clientB"), p("serverB"))] {
            ok(&[
                "keygen",
                "--quick",
                "--minibatches",
                "2",
                "--batch-size",
                "16",
                "--data",
                d,
                "--client",
                s(&client),
                "--server",
                s(&server),
            ]);
        }
        let (c, sv) = (p("client"), p("server"));
        ok(&["encrypt", "--client", s(&c), "--data", d, "--out", s(&p("up0"))]);
        ok(&["encrypt", "--client", s(&c), "--data", d, "--out", s(&p("up0b"))]);
        ok(&["train", "--server", s(&sv), "--inputs", s(&p("up0")), "--out", s(&p("m0"))]);
        ok(&[
            "decrypt",
            "--client",
            s(&c),
            "--data",
            d,
            "--model",
            s(&p("m0")),
            "--out",
            s(&p("w0")),
        ]);
        ok(&[
            "encrypt",
            "--client",
            s(&c),
            "--data",
            d,
            "--resume-from",
            s(&p("w0")),
            "--out",
            s(&p("up1")),
        ]);
        ok(&[
            "train",
            "--server",
            s(&sv),
            "--inputs",
            s(&p("up1")),
            "--resume",
            "--out",
            s(&p("m1")),
        ]);
        ok(&[
            "decrypt",
            "--client",
            s(&c),
            "--data",
            d,
            "--model",
            s(&p("m1")),
            "--out",
            s(&p("w1")),
        ]);
        let (cb, sb) = (p("clientB"), p("serverB"));
        ok(&["encrypt", "--client", s(&cb), "--data", d, "--out", s(&p("upB"))]);
        ok(&["train", "--server", s(&sb), "--inputs", s(&p("upB")), "--out", s(&p("mB"))]);
        Self { root }
    }

    /// A path in the world.
    pub fn at(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}
