//! The outsourced-training workflow over files: `keygen` and `encrypt` on the client, `train` on
//! a server that holds public material only, `decrypt` back on the client.
//!
//! ```text
//! client dir   params.bin, secret.key (owner-only, in an owner-only directory), plan.json
//!              (with the data's record and the secret key's check)
//! server dir   params.bin, relin.key, galois.keys, plan.json (no data record; no secret key: checked),
//!              with `keygen --bootstrap` also bootstrap.config, bootstrap.keys ([`bootstrap`])
//! upload dir   manifest.json (role "upload", its id), <object>.<tile>.ct   (seeded ciphertexts)
//! model dir    manifest.json (role "model", its id, the upload's), <object>.<tile>.ct
//! weights dir  weights.csv, weights.json, state.json (, weights.svg for images)
//! ```
//!
//! With `keygen --epochs E` the plan records the epochs; `encrypt` uploads every round of them
//! at once and one `train` runs them all, bootstrapping between rounds ([`epochs`]).
//!
//! Every file the client or server reads is hostile input:
//!
//! - [`identity`]: `keygen` draws a key set's id; every plan, key, parameter file, manifest,
//!   tile and state carries it, every upload and model has an id of its own, and every reader
//!   refuses a file of another key set, round, upload or place, naming both files.
//! - [`envelope`]: the binary files' wrapper (the binding and a digest around the scheme's
//!   object); [`limits`]: the size of every file and the range of every value the parameters
//!   allow, checked before a file is read or a value used.
//! - [`schema`]: the JSON files (plan, manifest, state): serde types, each read and checked
//!   in one place ([`schema::load`]).
//! - [`bundle`]: the client's and the server's directories, read and checked whole.
//! - [`store`]: the ciphertext tiles of uploads and models, read and written through the
//!   upload protocol's specs (`circuits::protocol`); the manifest must list exactly the
//!   objects the circuit expects, and every tile is checked against it.
//! - [`client`]: `keygen`, `encrypt`, `decrypt`; [`server`]: `train`.
//!
//! Every command writes its output directory whole or not at all, never into its inputs,
//! never over anything but an earlier output of its kind, and never over a secret key but by
//! `keygen --force` ([`crate::files::OutputDir`]).

pub mod bootstrap;
pub mod bundle;
pub mod client;
pub mod envelope;
pub mod epochs;
pub mod identity;
pub mod limits;
pub mod schema;
pub mod server;
pub mod store;

pub use client::{decrypt, encrypt, keygen, keygen_with};
pub use server::train;
