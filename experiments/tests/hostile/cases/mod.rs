//! The cases, by class: the JSON files' values, identities (key sets, rounds, places), outputs,
//! and the files themselves (read bounds, secret keys, damaged binary files).

mod files;
mod identity;
mod json;
mod outputs;

pub use files::{binaries, bounds, secrets};
pub use identity::identities;
pub use json::json_files;
pub use outputs::outputs;

use super::harness::{args, edit_json};
use super::suite::Ctx;
use serde_json::Value;
use std::path::Path;

/// `train`.
pub fn train(c: &Ctx, server: &str, inputs: &str, out: &str, resume: bool) -> Vec<String> {
    let mut a = args(&["train", "--server", &c.p(server), "--inputs", &c.p(inputs)]);
    a.extend(args(&["--out", &c.p(out)]));
    if resume {
        a.push("--resume".into());
    }
    a
}

/// `decrypt` (of the world's data).
pub fn decrypt(c: &Ctx, client: &str, model: &str, out: &str) -> Vec<String> {
    args(&[
        "decrypt",
        "--client",
        &c.p(client),
        "--data",
        &c.p("data"),
        "--model",
        &c.p(model),
        "--out",
        &c.p(out),
    ])
}

/// `encrypt` (of the world's data).
pub fn encrypt(c: &Ctx, client: &str, out: &str, resume: Option<&str>) -> Vec<String> {
    let mut a = args(&["encrypt", "--client", &c.p(client), "--data", &c.p("data")]);
    if let Some(r) = resume {
        a.extend(args(&["--resume-from", &c.p(r)]));
    }
    a.extend(args(&["--out", &c.p(out)]));
    a
}

/// `keygen` at the quick parameters (k = 2, b = 16).
pub fn keygen(c: &Ctx, client: &str, server: &str, extra: &[&str]) -> Vec<String> {
    let mut a = args(&["keygen", "--quick", "--minibatches", "2", "--batch-size", "16"]);
    a.extend(args(&["--data", &c.p("data"), "--client", &c.p(client), "--server", &c.p(server)]));
    a.extend(args(extra));
    a
}

/// No setup.
pub fn nothing(_: &Ctx) {}

/// Sets the JSON value at `pointer` of the file `file` (adding the field if it is missing).
pub fn set(c: &Ctx, file: &str, pointer: &str, value: Value) {
    edit_json(&c.path(file), |v| {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match v.pointer_mut(parent).unwrap_or_else(|| panic!("{pointer}")) {
            Value::Object(o) => {
                o.insert(key.to_string(), value);
            }
            other => *other.pointer_mut(&format!("/{key}")).unwrap() = value,
        }
    });
}

/// Swaps two files' contents.
pub fn swap(a: &Path, b: &Path) {
    let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    std::fs::write(a, y).unwrap();
    std::fs::write(b, x).unwrap();
}
