//! Key sets, rounds, uploads and places: nothing mixes.

use super::{decrypt, encrypt, nothing, set, swap, train};
use crate::harness::{chmod, reseal};
use crate::suite::{Ctx, Suite};
use experiments::workflow::envelope::{Binding, Content};
use experiments::workflow::identity::Digest;
use serde_json::Value;

/// Key sets, rounds, uploads and places: nothing mixes.
pub fn identities(t: &mut Suite) {
    for file in ["relin.key", "galois.keys", "params.bin"] {
        t.fails(
            "identity",
            &format!("server A with B's {file}"),
            &["server", "m0"],
            |c| {
                std::fs::copy(c.path("serverB").join(file), c.path("server").join(file))
                    .map(|_| ())
                    .unwrap()
            },
            |c| train(c, "server", "up0", "m0", false),
            &format!("{file} belongs to key set"),
        );
    }
    t.fails(
        "identity",
        "server A trains B's upload",
        &["m0"],
        nothing,
        |c| train(c, "server", "upB", "m0", false),
        "belongs to key set",
    );
    t.fails(
        "identity",
        "server B trains A's upload",
        &[],
        nothing,
        |c| train(c, "serverB", "up0", "m", false),
        "belongs to key set",
    );
    t.fails(
        "identity",
        "A's upload with one tile of B's",
        &["up0"],
        |c| std::fs::copy(c.path("upB/Z_1.0.ct"), c.path("up0/Z_1.0.ct")).map(|_| ()).unwrap(),
        |c| train(c, "server", "up0", "m", false),
        "Z_1.0.ct belongs to key set",
    );
    t.fails(
        "identity",
        "client B decrypts A's model",
        &["w0"],
        nothing,
        |c| decrypt(c, "clientB", "m0", "w0"),
        "belongs to key set",
    );
    t.fails(
        "identity",
        "client A decrypts B's model",
        &["w0"],
        nothing,
        |c| decrypt(c, "client", "mB", "w0"),
        "belongs to key set",
    );
    t.fails(
        "identity",
        "client A with B's secret.key",
        &["client", "w0"],
        |c| {
            std::fs::copy(c.path("clientB/secret.key"), c.path("client/secret.key"))
                .map(|_| ())
                .unwrap()
        },
        |c| decrypt(c, "client", "m0", "w0"),
        "secret.key belongs to key set",
    );
    t.fails(
        "identity",
        "client A with B's secret key re-labelled with A's key set",
        &["client", "w0"],
        |c| relabel_b_key(c, false),
        |c| decrypt(c, "client", "m0", "w0"),
        "is not the secret key",
    );
    t.fails(
        "identity",
        "B's key re-labelled and A's key check forged: the last line (implausible weights)",
        &["client", "w0"],
        |c| relabel_b_key(c, true),
        |c| decrypt(c, "client", "m0", "w0"),
        "a wrong secret key or a damaged model",
    );
    t.fails(
        "identity",
        "two tiles of one object swapped",
        &["up0"],
        |c| swap(&c.path("up0/Z_1.0.ct"), &c.path("up0/Z_1.1.ct")),
        |c| train(c, "server", "up0", "m", false),
        "holds tile 1 of Z_1",
    );
    t.fails(
        "identity",
        "tiles of two objects swapped",
        &["up0"],
        |c| swap(&c.path("up0/w_0R.0.ct"), &c.path("up0/v_0R.0.ct")),
        |c| train(c, "server", "up0", "m", false),
        "tile 0 of v_0^R",
    );
    t.fails(
        "identity",
        "a round-1 tile in the round-0 upload",
        &["up0"],
        |c| std::fs::copy(c.path("up1/Z_1.0.ct"), c.path("up0/Z_1.0.ct")).map(|_| ()).unwrap(),
        |c| train(c, "server", "up0", "m", false),
        "(round 1)",
    );
    t.fails(
        "identity",
        "round-0 tiles under the round-1 manifest",
        &["up0"],
        |c| {
            std::fs::copy(c.path("up1/manifest.json"), c.path("up0/manifest.json"))
                .map(|_| ())
                .unwrap()
        },
        |c| train(c, "server", "up0", "m", true),
        "(round 0)",
    );
    t.fails(
        "identity",
        "a tile of another upload of the same round",
        &["up0"],
        |c| std::fs::copy(c.path("up0b/G_1.0.ct"), c.path("up0/G_1.0.ct")).map(|_| ()).unwrap(),
        |c| train(c, "server", "up0", "m", false),
        "G_1.0.ct holds tile 0 of G_1",
    );
    t.fails(
        "identity",
        "a round-1 model tile in the round-0 model",
        &["m0", "w0"],
        |c| std::fs::copy(c.path("m1/w_kR.0.ct"), c.path("m0/w_kR.0.ct")).map(|_| ()).unwrap(),
        |c| decrypt(c, "client", "m0", "w0"),
        "w_kR.0.ct holds",
    );
    t.fails(
        "identity",
        "w_{k-1}'s tile under w_k's name",
        &["m0", "w0"],
        |c| std::fs::copy(c.path("m0/w_prevR.0.ct"), c.path("m0/w_kR.0.ct")).map(|_| ()).unwrap(),
        |c| decrypt(c, "client", "m0", "w0"),
        "w_kR.0.ct",
    );
    t.fails(
        "identity",
        "the upload passed as the model",
        &["w0"],
        nothing,
        |c| decrypt(c, "client", "up0", "w0"),
        "this is an upload, not a model",
    );
    t.fails(
        "identity",
        "the model passed as the upload",
        &["m1"],
        nothing,
        |c| train(c, "server", "m0", "m1", false),
        "this is a model, not an upload",
    );
    t.fails(
        "identity",
        "B's state to resume A",
        &["up1"],
        |c| {
            std::fs::create_dir_all(c.path("wB")).unwrap();
            std::fs::copy(c.path("w0/state.json"), c.path("wB/state.json")).unwrap();
            let b: Value =
                serde_json::from_slice(&std::fs::read(c.path("clientB/plan.json")).unwrap())
                    .unwrap();
            set(c, "wB/state.json", "/key_set", b["key_set"].clone());
        },
        |c| encrypt(c, "client", "up1", Some("wB")),
        "state.json belongs to key set",
    );
}

/// Client A's secret.key replaced by B's key in an envelope naming A's key set (a tool that
/// re-labels files); with `forge_check`, A's plan's key check recomputed for it too.
fn relabel_b_key(c: &Ctx, forge_check: bool) {
    let key = c.path("client/secret.key");
    std::fs::copy(c.path("clientB/secret.key"), &key).unwrap();
    let plan: Value =
        serde_json::from_slice(&std::fs::read(c.path("client/plan.json")).unwrap()).unwrap();
    let a = plan["key_set"].as_str().unwrap().parse().unwrap();
    let mut payload = Vec::new();
    reseal(&key, |b, p| {
        *b = Binding { key_set: a, content: Content::SecretKey };
        payload.clone_from(p);
    });
    chmod(&key, 0o600);
    if forge_check {
        let check = serde_json::to_value(Digest::key_check(a, &payload)).unwrap();
        set(c, "client/plan.json", "/secret_key_check", check);
    }
}
