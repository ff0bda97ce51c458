//! Outputs: whole or not at all, never into an input, never over a secret key.

use super::{decrypt, encrypt, keygen, nothing, train};
use crate::harness::flip;
use crate::suite::Suite;

/// Outputs: whole or not at all, never into an input, never over a secret key.
pub fn outputs(t: &mut Suite) {
    t.fails(
        "output",
        "keygen into an existing client directory",
        &["client"],
        nothing,
        |c| keygen(c, "client", "news", &[]),
        "already holds a key set",
    );
    t.fails(
        "output",
        "keygen into an existing server directory",
        &["server"],
        nothing,
        |c| keygen(c, "newc", "server", &[]),
        "already holds a key set",
    );
    t.fails(
        "output",
        "keygen --client = --server",
        &[],
        nothing,
        |c| keygen(c, "same", "same", &[]),
        "would replace",
    );
    t.fails(
        "output",
        "keygen --server inside --client",
        &[],
        nothing,
        |c| keygen(c, "kc", "kc/server", &[]),
        "would replace",
    );
    t.fails(
        "output",
        "train --out = --inputs",
        &["up0"],
        nothing,
        |c| train(c, "server", "up0", "up0", false),
        "would replace",
    );
    t.fails(
        "output",
        "train --out = --server",
        &["server"],
        nothing,
        |c| train(c, "server", "up0", "server", false),
        "would replace",
    );
    t.fails(
        "output",
        "train --out a directory holding the inputs",
        &["up0"],
        |c| {
            std::fs::create_dir_all(c.path("outer")).unwrap();
            std::fs::rename(c.path("up0"), c.path("outer/up0")).unwrap();
        },
        |c| train(c, "server", "outer/up0", "outer", false),
        "would replace",
    );
    t.fails(
        "output",
        "train --out the inputs by way of a missing directory and ..",
        &["up0"],
        nothing,
        |c| train(c, "server", "up0", "missing/../up0", false),
        "would replace",
    );
    t.fails(
        "output",
        "decrypt --out = --client",
        &["client"],
        nothing,
        |c| decrypt(c, "client", "m0", "client"),
        "would replace",
    );
    t.fails(
        "output",
        "decrypt --out = --model",
        &["m0"],
        nothing,
        |c| decrypt(c, "client", "m0", "m0"),
        "would replace",
    );
    t.fails(
        "output",
        "encrypt --out = --client",
        &["client"],
        nothing,
        |c| encrypt(c, "client", "client", None),
        "would replace",
    );
    t.fails(
        "output",
        "encrypt --out = --resume-from",
        &["w0"],
        nothing,
        |c| encrypt(c, "client", "w0", Some("w0")),
        "would replace",
    );
    t.fails(
        "output",
        "encrypt --out the data directory",
        &["data"],
        nothing,
        |c| encrypt(c, "client", "data", None),
        "is not an upload directory",
    );
    t.fails(
        "output",
        "decrypt --out an upload directory",
        &["up0"],
        nothing,
        |c| decrypt(c, "client", "m0", "up0"),
        "is not a weights directory",
    );
    t.fails(
        "output",
        "train --out another client's directory",
        &["clientB"],
        nothing,
        |c| train(c, "server", "up0", "clientB", false),
        "holds a secret key",
    );
    t.fails(
        "output",
        "encrypt --out a file",
        &[],
        |c| std::fs::write(c.dir().join("file"), b"keep").unwrap(),
        |c| encrypt(c, "client", "file", None),
        "refusing to replace",
    );
    t.fails(
        "output",
        "a failing train over an earlier model (a damaged tile)",
        &["up0", "m0"],
        |c| flip(&c.path("up0/Z_1.0.ct"), 5000, 1),
        |c| train(c, "server", "up0", "m0", false),
        "digest mismatch",
    );
    t.succeeds(
        "output",
        "keygen --force over a key set: a warning, and the old models refused after",
        &["client", "server"],
        nothing,
        |c| keygen(c, "client", "server", &["--force"]),
        |c, log| {
            if !log.contains("warning: --force: replacing the key set") {
                return Err(format!("no warning: {log}"));
            }
            let (outcome, log) = crate::harness::run_guarded(&decrypt(c, "client", "m0", "wz"));
            match (outcome, log.contains("belongs to key set")) {
                (crate::harness::Outcome::Typed, true) => Ok(()),
                _ => Err(format!("the old model after --force: {outcome:?} {log}")),
            }
        },
    );
    t.succeeds(
        "output",
        "train over an earlier model replaces it whole",
        &["m0"],
        |c| std::fs::write(c.path("m0/stale.ct"), b"old").unwrap(),
        |c| train(c, "server", "up0", "m0", false),
        |c, _| match c.path("m0/stale.ct").exists() {
            true => Err("a file of the earlier model survived".into()),
            false => Ok(()),
        },
    );
    t.succeeds(
        "output",
        "a killed command's leftovers: staging removed, a set-aside output put back",
        &[],
        |c| {
            let dead = 4_000_000_000u32;
            crate::harness::copy_dir(&c.path("up0"), &c.dir().join(format!(".upx.old-{dead}")));
            std::fs::create_dir_all(c.dir().join(format!(".upx.partial-{dead}/junk"))).unwrap();
            std::fs::create_dir_all(c.dir().join(format!(".up9.partial-{dead}"))).unwrap();
        },
        |c| train(c, "server", "up0", "m9", false),
        |c, _| {
            // Training into m9 leaves other names' leftovers alone; encrypt into upx cleans its.
            let (o, log) = crate::harness::run_guarded(&encrypt(c, "client", "upx", None));
            let names: Vec<_> =
                std::fs::read_dir(c.dir()).unwrap().map(|e| e.unwrap().file_name()).collect();
            let hidden = names.iter().filter(|n| n.to_string_lossy().starts_with(".upx")).count();
            match (o, hidden) {
                (crate::harness::Outcome::Success, 0) if log.contains("put back") => Ok(()),
                _ => Err(format!("{o:?}, {hidden} leftovers: {log}")),
            }
        },
    );
}
