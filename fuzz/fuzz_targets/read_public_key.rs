#![no_main]
// Any input: a typed error or an object, never a panic.
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let _ = common::ctx();
    let _ = ckks::PublicKey::from_bytes(common::ctx(), data);
});
