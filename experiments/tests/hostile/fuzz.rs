//! Property test: the workflow's JSON files with their numbers and shapes fuzzed (numbers
//! replaced by edge values and random ones, array elements removed or repeated, fields removed
//! or added), each read by the command that consumes it. Every run ends in a success or a typed
//! error, never a panic, a hang or an allocation past the cap; after a typed error, nothing
//! has changed. Seeded (ChaCha, fixed seed) so a failure reproduces; `HOSTILE_FUZZ_CASES` sets
//! the number of cases (default 40).

use super::harness::{copy_dir, edit_json, run_guarded, snapshot, tempdir, Outcome, World};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

/// The files fuzzed: the file, the directories copied, and the command reading it (`%name`: the
/// case directory's copy, `@name`: the world's).
const TARGETS: [(&str, &[&str], &[&str]); 5] = [
    (
        "server/plan.json",
        &["server", "m0"],
        &["train", "--server", "%server", "--inputs", "@up0", "--out", "%m0"],
    ),
    (
        "client/plan.json",
        &["client", "w0"],
        &["decrypt", "--client", "%client", "--data", "@data", "--model", "@m0", "--out", "%w0"],
    ),
    (
        "up1/manifest.json",
        &["up1", "m1"],
        &["train", "--server", "@server", "--inputs", "%up1", "--resume", "--out", "%m1"],
    ),
    (
        "m0/manifest.json",
        &["m0", "w0"],
        &["decrypt", "--client", "@client", "--data", "@data", "--model", "%m0", "--out", "%w0"],
    ),
    (
        "w0/state.json",
        &["w0", "up1"],
        &[
            "encrypt",
            "--client",
            "@client",
            "--data",
            "@data",
            "--resume-from",
            "%w0",
            "--out",
            "%up1",
        ],
    ),
];

/// One change to a JSON document; `pick` chooses among the candidates when applied.
#[derive(Clone, Debug)]
enum Mutation {
    /// A number (or any leaf) replaced.
    Set { pick: usize, value: Value },
    /// An array element removed.
    Remove { pick: usize },
    /// An array element repeated.
    Repeat { pick: usize },
    /// An object's field removed.
    Drop { pick: usize },
    /// A field added to an object.
    Add { pick: usize },
}

fn edge_numbers() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            Value::from(0),
            Value::from(1),
            Value::from(-1),
            Value::from(2),
            Value::from(3),
            Value::from(255),
            Value::from(1023),
            Value::from(1024),
            Value::from(1025),
            Value::from(u32::MAX),
            Value::from(i64::MAX),
            Value::from(u64::MAX),
            Value::from(0.5),
            Value::from(1e-300),
            Value::from(1e300),
            Value::from(-1e300),
            Value::Null,
            Value::from("7"),
        ]),
        (0u32..64, -1i64..=1).prop_map(|(k, d)| Value::from((1u64 << k).wrapping_add(d as u64))),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), edge_numbers()).prop_map(|(pick, value)| Mutation::Set { pick, value }),
        1 => any::<usize>().prop_map(|pick| Mutation::Remove { pick }),
        1 => any::<usize>().prop_map(|pick| Mutation::Repeat { pick }),
        1 => any::<usize>().prop_map(|pick| Mutation::Drop { pick }),
        1 => any::<usize>().prop_map(|pick| Mutation::Add { pick }),
    ]
}

/// JSON pointers to the leaves (numbers first among equals), arrays and objects of `v`.
fn places(v: &Value, at: String, out: &mut (Vec<String>, Vec<String>, Vec<String>)) {
    match v {
        Value::Array(a) => {
            if !a.is_empty() {
                out.1.push(at.clone());
            }
            // Long arrays (weights) are sampled, not listed whole.
            for (i, x) in a.iter().enumerate().filter(|(i, _)| *i < 4 || i % 64 == 0) {
                places(x, format!("{at}/{i}"), out);
            }
        }
        Value::Object(o) => {
            out.2.push(at.clone());
            for (k, x) in o {
                places(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        _ => out.0.push(at),
    }
}

fn apply(doc: &mut Value, m: &Mutation) {
    let mut p = (Vec::new(), Vec::new(), Vec::new());
    places(doc, String::new(), &mut p);
    let (leaves, arrays, objects) = p;
    match m {
        Mutation::Set { pick, value } if !leaves.is_empty() => {
            *doc.pointer_mut(&leaves[pick % leaves.len()]).unwrap() = value.clone();
        }
        Mutation::Remove { pick } | Mutation::Repeat { pick } if !arrays.is_empty() => {
            let a = doc.pointer_mut(&arrays[pick % arrays.len()]).unwrap().as_array_mut().unwrap();
            let i = pick % a.len();
            if matches!(m, Mutation::Remove { .. }) {
                a.remove(i);
            } else {
                let x = a[i].clone();
                a.insert(i, x);
            }
        }
        Mutation::Drop { pick } | Mutation::Add { pick } if !objects.is_empty() => {
            let o =
                doc.pointer_mut(&objects[pick % objects.len()]).unwrap().as_object_mut().unwrap();
            if matches!(m, Mutation::Add { .. }) {
                o.insert("extra".into(), Value::from(1));
            } else if !o.is_empty() {
                let k = o.keys().nth(pick % o.len()).unwrap().clone();
                o.remove(&k);
            }
        }
        _ => {}
    }
}

/// Runs the property over `world`.
pub fn run(world: &World) {
    let cases = std::env::var("HOSTILE_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(40);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = (0..TARGETS.len(), prop::collection::vec(mutation(), 1..4));
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::new());
    let result = runner.run(&strategy, |(target, mutations)| {
        let (file, copy, command) = TARGETS[target];
        let dir = tempdir("fuzz");
        for name in copy {
            copy_dir(&world.at(name), &dir.join(name));
        }
        let mut changed = false;
        edit_json(&dir.join(file), |doc| {
            let original = doc.clone();
            mutations.iter().for_each(|m| apply(doc, m));
            changed = *doc != original;
        });
        if !changed {
            let _ = std::fs::remove_dir_all(&dir);
        }
        // A mutation with nothing to act on (no array in a plan) is not a case.
        prop_assume!(changed);
        let args: Vec<String> = command
            .iter()
            .map(|a| match (a.strip_prefix('@'), a.strip_prefix('%')) {
                (Some(name), _) => world.at(name).to_str().unwrap().to_string(),
                (_, Some(name)) => dir.join(name).to_str().unwrap().to_string(),
                _ => a.to_string(),
            })
            .collect();
        let before = snapshot(&dir);
        let (outcome, log) = run_guarded(&args);
        let unchanged = snapshot(&dir) == before;
        let _ = std::fs::remove_dir_all(&dir);
        *seen.lock().unwrap().entry((file, outcome)).or_insert(0) += 1;
        prop_assert!(
            matches!(outcome, Outcome::Typed | Outcome::Success),
            "{file} with {mutations:?}: {outcome:?}: {log}"
        );
        prop_assert!(
            outcome == Outcome::Success || unchanged,
            "{file} with {mutations:?}: the failing command changed files: {log}"
        );
        Ok(())
    });
    for ((file, outcome), n) in seen.into_inner().unwrap() {
        eprintln!("fuzz: {file}: {n} x {outcome:?}");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
}
