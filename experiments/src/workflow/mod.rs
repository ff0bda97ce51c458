//! The outsourced-training workflow over files: `keygen` and `encrypt` on the client, `train` on
//! a server that holds public material only, `decrypt` back on the client.
//!
//! ```text
//! client dir   params.bin, secret.key (owner-only), plan.json (with the data's record)
//! server dir   params.bin, relin.key, galois.keys, plan.json (no data record; no secret key: checked)
//! upload dir   manifest.json (role "upload"), <object>.<tile>.ct   (seeded ciphertexts)
//! model dir    manifest.json (role "model"),  <object>.<tile>.ct
//! weights dir  weights.csv, weights.json, state.json (, weights.svg for images)
//! ```
//!
//! - [`schema`]: the JSON files (plan, manifest, state): serde types, each read and checked
//!   in one place ([`schema::load`]).
//! - [`store`]: the ciphertext tiles of uploads and models, read and written through the
//!   upload protocol's specs (`circuits::protocol`); the manifest must list exactly the
//!   objects the circuit expects, and every tile is checked against it.
//! - [`client`]: `keygen`, `encrypt`, `decrypt`; [`server`]: `train`.
//!
//! Every command writes its output directory whole or not at all
//! ([`crate::files::OutputDir`]), and reads every file as hostile input.

pub mod client;
pub mod schema;
pub mod server;
pub mod store;

pub use client::{decrypt, encrypt, keygen};
pub use server::train;
