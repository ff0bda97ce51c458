//! The JSON files: every number in range, every product checked, shapes against the plan.

use super::{decrypt, encrypt, nothing, set, train};
use crate::harness::{args, edit_json};
use crate::suite::Suite;
use serde_json::{json, Value};

/// The JSON files: every number in range, every product checked, shapes against the plan.
pub fn json_files(t: &mut Suite) {
    let plan_values: [(&str, Value, &str); 16] = [
        ("/hyperparameters/minibatches", json!(0), "hyperparameters.minibatches: 0"),
        ("/hyperparameters/batch_size", json!(0), "hyperparameters.batch_size: 0"),
        (
            "/hyperparameters/batch_size",
            json!(100_000_000u64),
            "hyperparameters.batch_size: 100000000",
        ),
        (
            "/hyperparameters/minibatches",
            json!(1_000_000_000_000_000u64),
            "hyperparameters.minibatches",
        ),
        ("/hyperparameters/minibatches", json!(u64::MAX), "hyperparameters.minibatches"),
        ("/hyperparameters/minibatches", json!(50), "minibatches need depth"),
        ("/width", json!(100), "width: 100"),
        ("/width", json!(1u64 << 40), "width"),
        ("/unit_height", json!(0), "unit_height: 0"),
        ("/unit_height", json!(3), "unit_height: 3"),
        ("/hyperparameters/gamma", json!(-1.0), "hyperparameters.gamma"),
        ("/hyperparameters/gamma", json!(1e300), "hyperparameters.gamma"),
        ("/hyperparameters/sigmoid_degree", json!(4), "sigmoid_degree"),
        ("/hyperparameters/sigmoid_degree", json!(5), "3 for the low-depth circuit"),
        ("/hyperparameters/sigmoid_interval", json!(0.0), "sigmoid_interval"),
        ("/keys/galois", json!(1_000_000_000u64), "keys.galois"),
    ];
    for (pointer, value, expect) in plan_values {
        let name = format!("server plan {pointer} = {value}");
        t.fails(
            "json",
            &name,
            &["server", "m0"],
            |c| set(c, "server/plan.json", pointer, value.clone()),
            |c| train(c, "server", "up0", "m0", false),
            expect,
        );
        let name = format!("client plan {pointer} = {value}");
        t.fails(
            "json",
            &name,
            &["client", "w0"],
            |c| set(c, "client/plan.json", pointer, value),
            |c| decrypt(c, "client", "m0", "w0"),
            expect,
        );
    }
    // Values in range that disagree with what the other party made: another plan.
    for (pointer, value) in [
        ("/hyperparameters/minibatches", json!(1)),
        ("/hyperparameters/batch_size", json!(8)),
        ("/hyperparameters/gamma", json!(0.25)),
        ("/unit_height", json!(64)),
        ("/keys/relinearization", json!(false)),
    ] {
        t.fails(
            "json",
            &format!("server plan {pointer} = {value}, in range, not the upload's"),
            &["server", "m0"],
            |c| set(c, "server/plan.json", pointer, value.clone()),
            |c| train(c, "server", "up0", "m0", false),
            "another plan",
        );
    }
    t.fails(
        "json",
        "client plan minibatches 1, in range, not the model's",
        &["client", "w0"],
        |c| set(c, "client/plan.json", "/hyperparameters/minibatches", json!(1)),
        |c| decrypt(c, "client", "m0", "w0"),
        "another plan",
    );
    t.fails(
        "json",
        "server plan: galois key count 3 (the file holds 15)",
        &["server"],
        |c| set(c, "server/plan.json", "/keys/galois", json!(3)),
        |c| train(c, "server", "up0", "m", false),
        "galois.keys",
    );
    t.fails(
        "json",
        "server plan: an unknown field",
        &["server"],
        |c| edit_json(&c.path("server/plan.json"), |v| v["extra"] = json!(1)),
        |c| train(c, "server", "up0", "m", false),
        "unknown field",
    );
    t.fails(
        "json",
        "server plan: a malformed key-set id",
        &["server"],
        |c| set(c, "server/plan.json", "/key_set", json!("xyz")),
        |c| train(c, "server", "up0", "m", false),
        "32 lowercase hexadecimal digits",
    );
    t.fails(
        "json",
        "the client's plan (data record, key check) in the server's directory",
        &["server"],
        |c| {
            std::fs::copy(c.path("client/plan.json"), c.path("server/plan.json"))
                .map(|_| ())
                .unwrap()
        },
        |c| train(c, "server", "up0", "m", false),
        "where the server's belongs",
    );
    t.fails(
        "json",
        "server plan nested 100000 arrays deep",
        &["server"],
        |c| {
            let deep = format!("{{\"data\": {}", "[".repeat(100_000));
            std::fs::write(c.path("server/plan.json"), deep).unwrap()
        },
        |c| train(c, "server", "up0", "m", false),
        "plan.json",
    );
    // Manifests.
    for (dir, pointer, value, expect, resume) in [
        (
            "up1",
            "/round",
            json!(1_000_000_000_000_000u64),
            "round: 1000000000000000: its round",
            true,
        ),
        ("up1", "/round", json!(u64::MAX), "round", true),
        ("up1", "/round", json!(-1), "invalid value", true),
        ("up1", "/round", json!(1u64 << 62), "round", true),
        ("up0", "/objects", json!([]), "is missing", false),
        ("up0", "/objects/0/rows", json!(0), "an empty shape", false),
        ("up0", "/objects/0/tiles", json!(9), "tile count", false),
        ("up0", "/objects/0/level", json!(1000), "expected", false),
        ("up0", "/role", json!("model"), "this is a model, not an upload", false),
        ("up0", "/trained_from", json!("00000000000000000000000000000000"), "trained_from", false),
    ] {
        t.fails(
            "json",
            &format!("upload manifest {pointer} = {value}"),
            &[dir, "m0"],
            |c| set(c, &format!("{dir}/manifest.json"), pointer, value.clone()),
            |c| train(c, "server", dir, "m0", resume),
            expect,
        );
    }
    t.fails(
        "json",
        "upload manifest: an object listed twice",
        &["up0"],
        |c| {
            edit_json(&c.path("up0/manifest.json"), |v| {
                let first = v["objects"][0].clone();
                v["objects"].as_array_mut().unwrap().push(first);
            })
        },
        |c| train(c, "server", "up0", "m", false),
        "not one this circuit uses",
    );
    for (pointer, value, expect) in [
        ("/round", json!(1_000_000_000_000_000u64), "round"),
        ("/objects", json!([]), "is missing"),
        ("/role", json!("upload"), "this is an upload, not a model"),
    ] {
        t.fails(
            "json",
            &format!("model manifest {pointer} = {value}"),
            &["m0", "w0"],
            |c| set(c, "m0/manifest.json", pointer, value.clone()),
            |c| decrypt(c, "client", "m0", "w0"),
            expect,
        );
    }
    t.fails(
        "json",
        "model manifest with one object removed (all-zero weights before)",
        &["m0", "w0"],
        |c| {
            edit_json(&c.path("m0/manifest.json"), |v| {
                v["objects"].as_array_mut().unwrap().remove(0);
            })
        },
        |c| decrypt(c, "client", "m0", "w0"),
        "is missing",
    );
    // States.
    for (pointer, value, expect) in [
        ("/round", json!(1_000_000_000_000_000u64), "round: 1000000000000000: the next round"),
        ("/round", json!(u64::MAX), "round"),
        ("/w", Value::from(vec![0.5; 100]), "w: 100 values"),
        ("/v", json!([]), "v: 0 values"),
        ("/w/3", json!(1e300), "w: value 3 is 1e300"),
        ("/w/3", json!(null), "invalid type"),
        ("/key_set", json!("00000000000000000000000000000000"), "belongs to key set"),
    ] {
        t.fails(
            "json",
            &format!("state {pointer} = {value}"),
            &["w0", "up1"],
            |c| set(c, "w0/state.json", pointer, value.clone()),
            |c| encrypt(c, "client", "up1", Some("w0")),
            expect,
        );
    }
    for (flag, value, expect) in [
        ("--minibatches", "0", "--minibatches 0"),
        ("--batch-size", "0", "--batch-size 0"),
        ("--batch-size", "100000000", "training rows"),
        ("--gamma", "1e300", "--gamma"),
    ] {
        t.fails(
            "json",
            &format!("keygen {flag} {value}"),
            &[],
            nothing,
            |c| {
                let mut a = args(&["keygen", "--quick", flag, value, "--data", &c.p("data")]);
                a.extend(args(&["--client", &c.p("newc"), "--server", &c.p("news")]));
                a
            },
            expect,
        );
    }
}
