//! The client/server workflow end to end, through the binary and files, on a small synthetic
//! MNIST-format dataset written by the test: keygen, encrypt, train in a separate directory
//! without the secret key, decrypt; the decrypted model equals the in-process plaintext run.
//! Plus the server's refusal of secret keys and the readers' refusal of damaged files.

mod common;
use common::{run, s, tmp, write_idx};
use std::path::{Path, PathBuf};

/// `train` of `inputs` into `out` (no `--resume`): whether it succeeded, and its output.
fn train(server: &Path, inputs: &Path, out: &Path) -> (bool, String) {
    run(&["train", "--server", s(server), "--inputs", s(inputs), "--out", s(out)])
}

/// `decrypt` of `model` into `weights`.
fn decrypt(client: &Path, model: &Path, data: &Path, weights: &Path) {
    let (ok, log) = run(&[
        "decrypt",
        "--client",
        s(client),
        "--model",
        s(model),
        "--data",
        s(data),
        "--out",
        s(weights),
    ]);
    assert!(ok, "{log}");
}

/// `keygen` for k = 3 minibatches of 16 on small insecure parameters.
fn keygen(circuit: &str, data: &Path, client: &Path, server: &Path) {
    let (ok, log) = run(&[
        "keygen",
        "--circuit",
        circuit,
        "--minibatches",
        "3",
        "--batch-size",
        "16",
        "--quick",
        "--data",
        s(data),
        "--client",
        s(client),
        "--server",
        s(server),
    ]);
    assert!(ok, "{log}");
}

#[test]
fn client_server_round_trip_for_both_circuits() {
    let root = tmp("workflow");
    let data = root.join("mnist");
    std::fs::create_dir_all(&data).unwrap();
    write_idx(&data, "train", 120, 1, [3, 8]);
    write_idx(&data, "t10k", 60, 2, [3, 8]);
    for circuit in ["lowdepth", "baseline"] {
        let dir = root.join(circuit);
        let (client, server, upload, model, weights) = (
            dir.join("client"),
            dir.join("server"),
            dir.join("upload"),
            dir.join("model"),
            dir.join("weights"),
        );
        keygen(circuit, &data, &client, &server);
        assert!(!server.join("secret.key").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(client.join("secret.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the secret key is owner-only");
        }
        let (ok, log) =
            run(&["encrypt", "--client", s(&client), "--data", s(&data), "--out", s(&upload)]);
        assert!(ok, "{log}");
        // The server refuses a directory holding a secret key.
        let bad = dir.join("bad-server");
        std::fs::create_dir_all(&bad).unwrap();
        for f in std::fs::read_dir(&server).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, bad.join(f.file_name().unwrap())).unwrap();
        }
        std::fs::copy(client.join("secret.key"), bad.join("extra.bin")).unwrap();
        let (ok, log) = train(&bad, &upload, &model);
        assert!(!ok && log.contains("refusing"), "{log}");
        // The real server directory holds public material only.
        let (ok, log) = train(&server, &upload, &model);
        assert!(ok, "{log}");
        decrypt(&client, &model, &data, &weights);
        // The decrypted model equals the in-process plaintext reference.
        let got: serde_json::Value =
            serde_json::from_slice(&std::fs::read(weights.join("weights.json")).unwrap()).unwrap();
        let got: Vec<f64> =
            got["weights"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let want = reference(&data);
        // Exactly the model's weights: the bias and the 14 x 14 pixels, not the padding.
        assert_eq!(got.len(), 197, "{circuit}");
        let err = got.iter().zip(&want[..197]).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(err < 1e-6, "{circuit}: max weight difference {err:e}");
        assert!(weights.join("weights.csv").exists() && weights.join("weights.svg").exists());

        // Damaged uploads: a truncated tile and a manifest that lies are refused.
        let tile = std::fs::read_dir(&upload)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "ct"))
            .unwrap();
        let original = std::fs::read(&tile).unwrap();
        std::fs::write(&tile, &original[..original.len() / 2]).unwrap();
        let (ok, log) = train(&server, &upload, &dir.join("m2"));
        assert!(!ok && (log.contains("truncated") || log.contains("bytes")), "{log}");
        std::fs::write(&tile, &original).unwrap();
        let manifest = std::fs::read_to_string(upload.join("manifest.json")).unwrap();
        std::fs::write(
            upload.join("manifest.json"),
            manifest.replacen("\"tiles\": ", "\"tiles\": 9", 1),
        )
        .unwrap();
        let (ok, log) = train(&server, &upload, &dir.join("m3"));
        assert!(!ok && log.contains("tile count"), "{log}");
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn training_resumes_in_rounds() {
    for circuit in ["baseline", "lowdepth"] {
        resume_rounds(circuit);
    }
}

fn resume_rounds(circuit: &str) {
    let root = tmp(&format!("resume-{circuit}"));
    let data = root.join("mnist");
    std::fs::create_dir_all(&data).unwrap();
    write_idx(&data, "train", 120, 3, [3, 8]);
    write_idx(&data, "t10k", 40, 4, [3, 8]);
    let (client, server) = (root.join("client"), root.join("server"));
    keygen(circuit, &data, &client, &server);
    let mut previous: Option<PathBuf> = None;
    for round in 0..2 {
        let (upload, model, weights) = (
            root.join(format!("up{round}")),
            root.join(format!("model{round}")),
            root.join(format!("w{round}")),
        );
        let mut args =
            vec!["encrypt", "--client", s(&client), "--data", s(&data), "--out", s(&upload)];
        let prev = previous.clone();
        if let Some(p) = &prev {
            args.extend(["--resume-from", s(p)]);
        }
        let (ok, log) = run(&args);
        assert!(ok, "{log}");
        let mut args =
            vec!["train", "--server", s(&server), "--inputs", s(&upload), "--out", s(&model)];
        if round > 0 {
            // Without --resume, a later round's inputs are refused.
            let (ok, log) = run(&args);
            assert!(!ok && log.contains("--resume"), "{log}");
            args.push("--resume");
        }
        let (ok, log) = run(&args);
        assert!(ok, "{log}");
        decrypt(&client, &model, &data, &weights);
        assert!(weights.join("state.json").exists());
        if round == 0 {
            // The state after round 0 is the reference's (w_3, v_3).
            let st: serde_json::Value =
                serde_json::from_slice(&std::fs::read(weights.join("state.json")).unwrap())
                    .unwrap();
            let (rw, rv) = reference_state(&data, 3);
            for (key, want) in [("w", rw), ("v", rv)] {
                let got = st[key].as_array().unwrap();
                assert_eq!(got.len(), want.len(), "round 0 {key}");
                let got = got.iter().map(|v| v.as_f64().unwrap());
                let err = got.zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
                assert!(err < 1e-6, "round 0 {key}: {err:e}");
            }
        }
        previous = Some(weights);
    }
    // Two rounds of three minibatches are one run of six.
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(previous.unwrap().join("state.json")).unwrap())
            .unwrap();
    let got: Vec<f64> =
        state["w"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let want = reference_k(&data, 6);
    assert_eq!(got.len(), want.len());
    let err = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(err < 1e-6, "{circuit} after two rounds: max weight difference {err:e}");
    let _ = std::fs::remove_dir_all(&root);
}

/// The plaintext reference on the same data: k = 3, b = 16, digits 3 vs 8, padded to 256.
fn reference(data: &Path) -> Vec<f64> {
    reference_k(data, 3)
}

fn reference_state(data: &Path, k: usize) -> (Vec<f64>, Vec<f64>) {
    let it = reference_iterates(data, k);
    (it.w[k].clone(), it.v[k].clone())
}

/// The plaintext reference with k minibatches of 16.
fn reference_k(data: &Path, k: usize) -> Vec<f64> {
    reference_iterates(data, k).model().to_vec()
}

fn reference_iterates(data: &Path, k: usize) -> circuits::reference::Iterates {
    let z = reference_z(data, k);
    let cfg =
        circuits::reference::TrainConfig { batch_size: 16, minibatches: k, ..Default::default() };
    circuits::reference::train(&z, &cfg).unwrap()
}

fn reference_z(data: &Path, k: usize) -> linalg::PlainMatrix {
    // The same preprocessing as the binary: 2x2 averages / 255, bias, padding.
    let images = std::fs::read(data.join("train-images-idx3-ubyte")).unwrap();
    let labels = std::fs::read(data.join("train-labels-idx1-ubyte")).unwrap();
    let mut rows = Vec::new();
    for (i, &l) in labels[8..].iter().enumerate() {
        let y = if l == 3 { 1.0 } else { -1.0 };
        let img = &images[16 + i * 784..16 + (i + 1) * 784];
        let mut x = vec![1.0];
        for a in 0..14 {
            for b in 0..14 {
                let at = |r: usize, c: usize| img[r * 28 + c] as f64;
                x.push(
                    (at(2 * a, 2 * b)
                        + at(2 * a, 2 * b + 1)
                        + at(2 * a + 1, 2 * b)
                        + at(2 * a + 1, 2 * b + 1))
                        / 4.0
                        / 255.0,
                );
            }
        }
        x.resize(256, 0.0);
        rows.extend(x.into_iter().map(|v| y * v));
        if rows.len() == 16 * k * 256 {
            break;
        }
    }
    linalg::PlainMatrix::new(16 * k, 256, rows).unwrap()
}
