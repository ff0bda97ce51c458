#![no_main]
// Any input: a typed error or an object, never a panic.
use ckks::Context;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let _ = common::ctx();
    let _ = Context::from_bytes(data);
});
