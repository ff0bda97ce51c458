//! `keygen --bootstrap` at the INSECURE toy parameters of `--quick`: the server's bundle holds
//! the bootstrapping configuration and keys (and no secret key), the server builds an
//! evaluator that bootstraps from them alone, the round-by-round commands refuse the key set
//! with a clear error, and damaged, swapped or mismatched bootstrapping files are refused
//! with typed errors that name the file.

mod common;
use ckks::eval::CkksEvaluator;
use ckks::Prng;
use common::{copy_dir, run, s, tmp, write_idx};
use experiments::workflow::bundle::{self, BOOT_CONFIG, BOOT_KEYS};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Data, then `keygen --bootstrap --quick` (lowdepth, k = 2, b = 16) into `root/a/{client,
/// server}` and a second key set into `root/b/...`, once for all tests.
fn world() -> &'static PathBuf {
    static W: OnceLock<PathBuf> = OnceLock::new();
    W.get_or_init(|| {
        let root = tmp("bootstrap");
        let data = root.join("mnist");
        std::fs::create_dir_all(&data).unwrap();
        write_idx(&data, "train", 64, 1, [3, 8]);
        write_idx(&data, "t10k", 32, 2, [3, 8]);
        for set in ["a", "b"] {
            let (ok, log) = run(&[
                "keygen",
                "--minibatches",
                "2",
                "--batch-size",
                "16",
                "--quick",
                "--bootstrap",
                "--data",
                s(&data),
                "--client",
                s(&root.join(set).join("client")),
                "--server",
                s(&root.join(set).join("server")),
            ]);
            assert!(ok, "{log}");
            assert!(log.contains("bootstrapping keys (") && log.contains(BOOT_KEYS), "{log}");
            if set == "a" {
                eprintln!("{log}");
            }
        }
        root
    })
}

/// A copy of the server bundle `set` at `root/name`.
fn copy_server(set: &str, name: &str) -> PathBuf {
    copy_dir(&world().join(set).join("server"), &world().join(name))
}

#[test]
fn the_server_bootstraps_from_its_bundle_alone() {
    let root = world();
    let server = root.join("a").join("server");
    assert!(server.join(BOOT_CONFIG).is_file() && server.join(BOOT_KEYS).is_file());
    assert!(!server.join("secret.key").exists());
    bundle::refuse_secrets(&server).unwrap();
    let srv = bundle::load_server(&server).unwrap();
    let record = srv.plan.keys.bootstrap.expect("the plan records the bootstrapping keys");
    assert_eq!(record.key_file_bytes, std::fs::metadata(server.join(BOOT_KEYS)).unwrap().len());
    let bt = srv.bootstrapper.clone().expect("a bootstrapper");
    assert_eq!(bt.plan().slots(), record.slots);
    assert_eq!(srv.ctx.chain().circuit_top(), record.circuit_levels);
    let he = srv.evaluator().unwrap();
    // The client encrypts values repeating with the bootstrapped period at level 0; the server
    // bootstraps; the client decrypts.
    let client = bundle::load_client(&root.join("a").join("client")).unwrap();
    let n = record.slots;
    let values: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 0.9).collect();
    let slots: Vec<f64> = (0..he.slots()).map(|i| values[i % n]).collect();
    let ct = client
        .sk
        .encrypt(&client.ctx.encode_at(&slots, 0).unwrap(), &mut Prng::from_u64_seed(3))
        .unwrap();
    let out = he.bootstrap(&ct).unwrap();
    assert_eq!(out.level(), bt.plan().output_level());
    let got = client.ctx.decode(&client.sk.decrypt(&out).unwrap()).unwrap();
    let err = got.iter().zip(&slots).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    eprintln!("bootstrap from the bundle ({n} slots): max error 2^{:.1}", err.log2());
    assert!(err < 2f64.powi(-15), "{err}");
}

#[test]
fn round_by_round_commands_refuse_a_key_set_for_bootstrapping() {
    let root = world();
    let (client, server) = (root.join("a").join("client"), root.join("a").join("server"));
    let data = root.join("mnist");
    let upload = root.join("up");
    let (ok, log) =
        run(&["encrypt", "--client", s(&client), "--data", s(&data), "--out", s(&upload)]);
    assert!(!ok && log.contains("keys.bootstrap") && log.contains("--bootstrap"), "{log}");
    assert!(!upload.exists());
    std::fs::create_dir_all(root.join("no-upload")).unwrap();
    let log = refused(&server);
    assert!(log.contains("keys.bootstrap"), "{log}");
}

/// `train` on `server` with the upload of `encrypt_train...`'s world (or none): the error
/// text of a failure.
fn refused(server: &Path) -> String {
    let root = world();
    let out = root.join(format!("out-{}", server.file_name().unwrap().to_str().unwrap()));
    let (ok, log) = run(&[
        "train",
        "--server",
        s(server),
        "--inputs",
        s(&root.join("no-upload")),
        "--out",
        s(&out),
    ]);
    assert!(!ok, "{log}");
    assert!(!out.exists(), "nothing written");
    log
}

#[test]
fn damaged_or_swapped_bootstrapping_files_are_refused() {
    // The server's bundle is read before the upload, so the errors below are about the bundle.
    std::fs::create_dir_all(world().join("no-upload")).unwrap();
    let keys_len = std::fs::metadata(world().join("a/server").join(BOOT_KEYS)).unwrap().len();
    // A bit flipped in the middle of the keys: the envelope's digest.
    let d = copy_server("a", "flipped");
    let mut bytes = std::fs::read(d.join(BOOT_KEYS)).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 4;
    std::fs::write(d.join(BOOT_KEYS), &bytes).unwrap();
    let log = refused(&d);
    assert!(log.contains(BOOT_KEYS) && log.contains("damaged"), "{log}");
    // Truncated: the plan records the file's size.
    let d = copy_server("a", "truncated");
    std::fs::write(d.join(BOOT_KEYS), &bytes[..bytes.len() - 1000]).unwrap();
    let log = refused(&d);
    assert!(log.contains(BOOT_KEYS) && log.contains(&keys_len.to_string()), "{log}");
    // Another key set's keys and configuration.
    for file in [BOOT_KEYS, BOOT_CONFIG] {
        let d = copy_server("a", &format!("swapped-{file}"));
        std::fs::copy(world().join("b/server").join(file), d.join(file)).unwrap();
        let log = refused(&d);
        assert!(log.contains(file) && log.contains("key set"), "{file}: {log}");
    }
    // The configuration and the keys exchanged (each under the other's name).
    let d = copy_server("a", "exchanged");
    std::fs::copy(world().join("a/server").join(BOOT_KEYS), d.join(BOOT_CONFIG)).unwrap();
    let log = refused(&d);
    assert!(log.contains(BOOT_CONFIG), "{log}");
    // Missing.
    let d = copy_server("a", "missing");
    std::fs::remove_file(d.join(BOOT_KEYS)).unwrap();
    let log = refused(&d);
    assert!(log.contains(BOOT_KEYS), "{log}");
    // The client's secret key under the keys' name: refused as a secret key on the server.
    let d = copy_server("a", "secret");
    std::fs::copy(world().join("a/client/secret.key"), d.join(BOOT_KEYS)).unwrap();
    let log = refused(&d);
    assert!(log.contains("secret key"), "{log}");
}
