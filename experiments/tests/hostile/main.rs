//! The hostile-input suite, through the binary at quick parameters: every file the client or
//! server reads is treated as hostile. One good world of directories (two key sets, two rounds)
//! is built once; each case copies what it touches, damages it, runs a command under a memory
//! cap and a time limit, and checks the outcome: a typed error that says what is wrong, and
//! every earlier output byte-identical afterwards (or, for the few commands that must
//! succeed, what they must do). The classes are those of the issue that asked for it: the
//! JSON files' values, identities (key sets, rounds, uploads, places), outputs, read bounds,
//! secret keys, and damaged binary files. A property test then fuzzes the JSON files' numbers
//! and shapes: no panic, no hang, no allocation past the cap, and failures change nothing.
//! Unix only (`sh`, `ulimit`, permission bits).
#![cfg(unix)]

#[path = "../common/mod.rs"]
mod common;

mod cases;
mod fuzz;
mod harness;
mod suite;

use harness::{snapshot, World};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(World::build)
}

/// Removes the world once both tests are done with it.
fn done() {
    static DONE: AtomicUsize = AtomicUsize::new(0);
    if DONE.fetch_add(1, Ordering::SeqCst) == 1 {
        let _ = std::fs::remove_dir_all(&world().root);
    }
}

#[test]
fn every_hostile_file_gets_its_typed_error_and_destroys_nothing() {
    let w = world();
    let before = snapshot(&w.root);
    let mut t = suite::Suite::new(w);
    cases::json_files(&mut t);
    cases::identities(&mut t);
    cases::outputs(&mut t);
    cases::bounds(&mut t);
    cases::secrets(&mut t);
    cases::binaries(&mut t);
    assert!(snapshot(&w.root) == before, "a command changed the good world's files");
    t.finish();
    done();
}

#[test]
fn fuzzed_json_numbers_and_shapes_never_panic_hang_or_overallocate() {
    fuzz::run(world());
    done();
}
