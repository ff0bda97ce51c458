//! Whole epochs over files (`keygen --epochs`) at the INSECURE toy parameters of `--quick`,
//! through the binary: `keygen --epochs 2` (an epoch is every full minibatch unless
//! `--minibatches`), one `encrypt` of every round, one `train` that bootstraps between rounds,
//! `decrypt`; the decrypted weights equal plaintext training over the same minibatches. The
//! round-by-round flags are refused for such a key set, and an upload that lacks a round or
//! has a tile of one round in another's place is refused with an error naming the file.

mod common;
use circuits::reference::{self, TrainConfig};
use common::{copy_dir, run, s, tmp, write_idx};
use experiments::data::{self, DataSpec};
use experiments::hyper::Hyperparameters;
use linalg::PlainMatrix;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const EPOCHS: usize = 2;
const BATCH: usize = 16;
/// Training rows: 4 minibatches of 16 (and 8 rows left over, not an epoch's).
const ROWS: usize = 72;

/// Data, then `keygen --epochs 2 --quick` for each circuit into `root/<circuit>/{client,
/// server}`, `encrypt` into `.../upload`, once for all tests.
fn world() -> &'static PathBuf {
    static W: OnceLock<PathBuf> = OnceLock::new();
    W.get_or_init(|| {
        let root = tmp("epochs");
        let data = root.join("mnist");
        std::fs::create_dir_all(&data).unwrap();
        write_idx(&data, "train", ROWS, 5, [3, 8]);
        write_idx(&data, "t10k", 40, 6, [3, 8]);
        for circuit in ["lowdepth", "baseline"] {
            let dir = root.join(circuit);
            let (client, server) = (dir.join("client"), dir.join("server"));
            let (ok, log) = run(&[
                "keygen",
                "--circuit",
                circuit,
                "--batch-size",
                &BATCH.to_string(),
                "--epochs",
                &EPOCHS.to_string(),
                "--quick",
                "--data",
                s(&data),
                "--client",
                s(&client),
                "--server",
                s(&server),
            ]);
            assert!(ok, "{log}");
            assert!(log.contains("bootstrapping keys ("), "{log}");
            let (ok, log) =
                run(&["encrypt", "--client", s(&client), "--out", s(&dir.join("upload"))]);
            assert!(ok, "{log}");
            eprintln!("{circuit}: {log}");
        }
        root
    })
}

/// Plaintext training over the epochs of the first `ROWS / BATCH` minibatches of the data:
/// `w` after the last iteration.
fn plaintext_weights(hyper: &Hyperparameters, m: usize) -> Vec<f64> {
    let spec = DataSpec::mnist(Some(world().join("mnist")), 3, 8);
    let data = data::load(&spec, 1 << 10).unwrap();
    let z = data.round(0, m * BATCH).unwrap();
    let all = PlainMatrix::from_fn(EPOCHS * z.rows(), z.cols(), |i, j| z.get(i % z.rows(), j));
    let cfg = TrainConfig { minibatches: EPOCHS * m, ..hyper.train_config().unwrap() };
    reference::train(&all, &cfg).unwrap().w.pop().unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn an_epoch_run_over_files_equals_plaintext_training() {
    let root = world();
    for circuit in ["lowdepth", "baseline"] {
        let dir = root.join(circuit);
        let plan = json(&dir.join("client/plan.json"));
        // No --minibatches: an epoch is every full minibatch of the training set.
        let m = plan["hyperparameters"]["minibatches"].as_u64().unwrap() as usize;
        assert_eq!(m, ROWS / BATCH, "{plan}");
        assert_eq!(plan["epochs"]["epochs"], EPOCHS as u64, "{plan}");
        let hyper: Hyperparameters =
            serde_json::from_value(plan["hyperparameters"].clone()).unwrap();
        let (model, out) = (dir.join("model"), dir.join("weights"));
        let (ok, log) = train(&dir, &dir.join("upload"), &model, &[]);
        assert!(ok, "{log}");
        // Both circuits bootstrap at least twice in 8 minibatches.
        let boots = log.matches("bootstrapping the state").count();
        assert!(boots >= 2, "{circuit}: {boots} bootstraps\n{log}");
        let (ok, log) = run(&[
            "decrypt",
            "--client",
            s(&dir.join("client")),
            "--model",
            s(&model),
            "--out",
            s(&out),
        ]);
        assert!(ok, "{log}");
        let got: Vec<f64> = json(&out.join("weights.json"))["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let want = plaintext_weights(&hyper, m);
        let scale = want.iter().fold(0.0f64, |a, w| a.max(w.abs()));
        let err = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        eprintln!(
            "{circuit}: {boots} bootstraps, largest weight error {err:.2e} (|w| <= {scale:.3})"
        );
        assert_eq!(got.len(), 197);
        assert!(err <= 1e-5 * scale.max(1.0), "{circuit}: {err:e}");
    }
}

#[test]
fn round_by_round_flags_are_refused_for_an_epoch_key_set() {
    let dir = world().join("lowdepth");
    let out = dir.join("refused");
    let (ok, log) = run(&[
        "encrypt",
        "--client",
        s(&dir.join("client")),
        "--resume-from",
        s(&dir.join("client")),
        "--out",
        s(&out),
    ]);
    assert!(!ok && log.contains("--resume-from"), "{log}");
    let (ok, log) = train(&dir, &dir.join("upload"), &out, &["--resume"]);
    assert!(!ok && log.contains("--resume"), "{log}");
    assert!(!out.exists());
}

/// `train` with the server bundle of `dir` on `upload` into `out`, with `extra` flags.
fn train(dir: &Path, upload: &Path, out: &Path, extra: &[&str]) -> (bool, String) {
    let server = dir.join("server");
    let mut args = vec!["train", "--server", s(&server), "--inputs", s(upload), "--out", s(out)];
    args.extend(extra);
    run(&args)
}

/// A copy of the lowdepth upload at `name`.
fn copy_upload(name: &str) -> PathBuf {
    copy_dir(&world().join("lowdepth/upload"), &world().join(name))
}

/// `train` of the lowdepth key set on `upload`, which must fail and write nothing: its log.
fn train_on(upload: &Path) -> String {
    let out = upload.with_extension("model");
    let (ok, log) = train(&world().join("lowdepth"), upload, &out, &[]);
    assert!(!ok, "{log}");
    assert!(!out.exists(), "nothing written");
    log
}

#[test]
fn an_upload_missing_a_round_or_with_a_tile_out_of_place_is_refused() {
    // A round dropped from the manifest.
    let up = copy_upload("short");
    let mut manifest = json(&up.join("manifest.json"));
    manifest["rounds"].as_array_mut().unwrap().pop();
    std::fs::write(up.join("manifest.json"), serde_json::to_vec(&manifest).unwrap()).unwrap();
    let log = train_on(&up);
    assert!(log.contains("rounds") && log.contains("manifest.json"), "{log}");
    // Round 2's first minibatch replaced by round 1's (same object, same level).
    let up = copy_upload("swapped");
    let manifest = json(&up.join("manifest.json"));
    let rounds = manifest["rounds"].as_array().unwrap();
    assert!(rounds.len() >= 3, "{manifest}");
    let victim = std::fs::read_dir(&up)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("r2.") && up.join(n.replacen("r2.", "r1.", 1)).exists())
        .expect("an object in rounds 1 and 2");
    std::fs::copy(up.join(victim.replacen("r2.", "r1.", 1)), up.join(&victim)).unwrap();
    let log = train_on(&up);
    assert!(log.contains(&victim) && log.contains("round"), "{log}");
}
