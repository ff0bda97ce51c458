//! Helpers of the tests that drive the `experiments` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_experiments")
}

pub fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(bin()).args(args).output().expect("runs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Writes `count` 28 x 28 images of the two `digits` (a bright top half for the first, bottom
/// for the second, plus noise) in IDX format, uncompressed.
pub fn write_idx(dir: &Path, prefix: &str, count: usize, seed: u64, digits: [u8; 2]) {
    let mut images = Vec::new();
    let mut labels = Vec::new();
    images.extend(2051u32.to_be_bytes());
    images.extend((count as u32).to_be_bytes());
    images.extend(28u32.to_be_bytes());
    images.extend(28u32.to_be_bytes());
    labels.extend(2049u32.to_be_bytes());
    labels.extend((count as u32).to_be_bytes());
    let mut state = seed;
    let mut rnd = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    for i in 0..count {
        let digit: u8 = if (rnd() + i as u32).is_multiple_of(2) { digits[0] } else { digits[1] };
        labels.push(digit);
        for r in 0..28 {
            for _ in 0..28 {
                let bright = (digit == digits[0]) == (r < 14);
                let v = if bright { 150 + rnd() % 100 } else { rnd() % 60 };
                images.push(v as u8);
            }
        }
    }
    std::fs::write(dir.join(format!("{prefix}-images-idx3-ubyte")), images).unwrap();
    std::fs::write(dir.join(format!("{prefix}-labels-idx1-ubyte")), labels).unwrap();
}

/// A fresh directory `ldckks-<name>-<pid>` in the system's temporary directory, after
/// [`sweep_stale`] of the same name.
pub fn tmp(name: &str) -> PathBuf {
    sweep_stale(&format!("ldckks-{name}-"));
    let d = std::env::temp_dir().join(format!("ldckks-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Removes what earlier test processes left in the temporary directory under names
/// `<prefix><pid>...` once process `pid` is gone (on Linux, where `/proc` tells; elsewhere
/// nothing is removed). The fixtures a test binary builds once live in statics, which are never
/// dropped, so without this every run would leave its directories behind (hundreds of MiB for
/// the bootstrapping key sets).
pub fn sweep_stale(prefix: &str) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else { continue };
        let pid: String = rest.chars().take_while(char::is_ascii_digit).collect();
        // This process's own entry exists in `/proc`: it is never removed.
        if !pid.is_empty() && !Path::new("/proc").join(&pid).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A fresh copy of the flat directory `from` at `to` (replacing it): `to`.
pub fn copy_dir(from: &Path, to: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    to.to_path_buf()
}
