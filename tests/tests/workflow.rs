//! The outsourced-training workflow end to end at the workspace level, in process, with each
//! party in its own directory: the client's (secret key), the server's (public bundle only:
//! checked), the upload and the returned model. Small insecure parameters on a synthetic
//! IDX dataset; the decrypted model must equal the plaintext reference trained in process.
//! (`experiments/tests/workflow.rs` drives the same steps through the binary.)

use circuits::training::Kind;
use experiments::args::PlanArgs;
use experiments::data::DataSpec;
use experiments::hyper::Hyperparameters;
use experiments::{workflow, Error, WorkflowError};
use std::path::{Path, PathBuf};

fn write_idx(dir: &Path, prefix: &str, count: usize) {
    let mut images: Vec<u8> =
        [2051u32, count as u32, 28, 28].iter().flat_map(|w| w.to_be_bytes()).collect();
    let mut labels: Vec<u8> =
        [2049u32, count as u32].iter().flat_map(|w| w.to_be_bytes()).collect();
    for i in 0..count {
        let digit = if i % 3 == 0 { 8 } else { 3 };
        labels.push(digit);
        images.extend(
            (0..784).map(|p| {
                (((p * 7 + i * 13) % 97) as u8).wrapping_mul(if digit == 3 { 2 } else { 1 })
            }),
        );
    }
    std::fs::write(dir.join(format!("{prefix}-images-idx3-ubyte")), images).unwrap();
    std::fs::write(dir.join(format!("{prefix}-labels-idx1-ubyte")), labels).unwrap();
}

fn fresh(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ldckks-ws-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn keygen_encrypt_train_decrypt_in_separate_directories() {
    let root = fresh("workflow");
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    write_idx(&data, "train", 64);
    write_idx(&data, "t10k", 30);
    let (client, server, upload, model, out) = (
        root.join("client"),
        root.join("server"),
        root.join("upload"),
        root.join("model"),
        root.join("out"),
    );
    let spec = DataSpec::mnist(Some(data.clone()), 3, 8);
    let hyper = Hyperparameters { minibatches: 2, batch_size: 16, ..Hyperparameters::default() };
    workflow::keygen(Kind::LowDepth, &hyper, &spec, true, (&client, &server), false).unwrap();
    // The server's directory holds no secret key, and training refuses one that does.
    for entry in std::fs::read_dir(&server).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let inner = workflow::envelope::peek(&bytes).map_or(&bytes[..], |(_, at)| &bytes[at..]);
        assert_ne!(ckks::serial::peek_kind(inner).ok(), Some(ckks::serial::Kind::SecretKey as u16));
    }
    let same = PlanArgs::default();
    workflow::encrypt(&client, &same, None, &upload).unwrap();
    std::fs::copy(client.join("secret.key"), upload.join("leaked.key")).unwrap();
    let err = workflow::train(&server, &upload, false, &model).unwrap_err();
    assert!(matches!(err, Error::Workflow(WorkflowError::SecretKeyOnServer { .. })), "{err}");
    assert!(!model.exists(), "nothing is written on failure");
    std::fs::remove_file(upload.join("leaked.key")).unwrap();
    workflow::train(&server, &upload, false, &model).unwrap();
    workflow::decrypt(&client, &model, &same, &out).unwrap();

    let got: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("weights.json")).unwrap()).unwrap();
    let got: Vec<f64> =
        got["weights"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    // The same data and training in process.
    let set = experiments::data::load(&spec, 1024).unwrap();
    let z = set.round(0, 32).unwrap();
    let want = circuits::reference::train(&z, &hyper.train_config().unwrap()).unwrap();
    // Exactly the model's weights: the bias and the 14 x 14 pixels, not the padding.
    assert_eq!(got.len(), 197);
    let err = got.iter().zip(want.model()).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(err < 1e-6, "max weight difference {err:e}");
    let _ = std::fs::remove_dir_all(&root);
}
