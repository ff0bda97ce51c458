//! Bring your own data, through the binary: a CSV written here from known generating weights
//! (plaintext, baseline and low-depth agree; the workflow's decrypted weights, named by column,
//! equal an independent in-process computation), the same data as NumPy arrays, another MNIST
//! digit pair, and every malformed input as a typed error naming the file, row and column with
//! nothing written under the outputs' names.

mod common;
use common::{run, s, tmp, write_idx};
use std::path::Path;

/// The generating model: features of very different scales, each mattering once scaled.
const SCALES: [f64; 5] = [1.0, 10.0, 100.0, 0.1, 5.0];
const WEIGHTS: [f64; 5] = [2.0, -1.5, 1.0, 3.0, -2.0];
const BIAS: f64 = 0.3;

/// `n` rows `id,f1,f2,outcome,f3,f4,f5` (the label between the features, an id column to
/// leave out), labels `yes` / `no` from the sign of the generating score plus a little noise.
fn write_csv(path: &Path, n: usize, seed: u64) -> Vec<(Vec<f64>, bool)> {
    let mut state = seed;
    let mut u = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let mut text = String::from("id,f1,f2,outcome,f3,f4,f5\n");
    let mut rows = Vec::new();
    for i in 0..n {
        let x: Vec<f64> = SCALES.iter().map(|s| ((u() * s) * 1000.0).round() / 1000.0).collect();
        let score: f64 =
            BIAS + x.iter().zip(SCALES).zip(WEIGHTS).map(|((x, s), w)| w * x / s).sum::<f64>();
        let yes = score + 0.1 * u() > 0.0;
        let label = if yes { "yes" } else { "no" };
        text += &format!("r{i},{},{},{label},{},{},{}\n", x[0], x[1], x[2], x[3], x[4]);
        rows.push((x, yes));
    }
    std::fs::write(path, text).unwrap();
    rows
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// HELR's preprocessing and the plaintext reference, computed here from the rows: max-abs
/// divisors over all training rows, the bias first, padding to 8; k = 3 minibatches of 16.
fn reference(train: &[(Vec<f64>, bool)], test: &[(Vec<f64>, bool)]) -> (Vec<f64>, f64) {
    let div: Vec<f64> =
        (0..5).map(|j| train.iter().map(|(x, _)| x[j].abs()).fold(0.0, f64::max)).collect();
    let row = |x: &[f64]| -> Vec<f64> {
        let mut r = vec![1.0];
        r.extend(x.iter().zip(&div).map(|(v, d)| v / d));
        r.resize(8, 0.0);
        r
    };
    let sign = |yes: bool| if yes { 1.0 } else { -1.0 };
    let z: Vec<f64> = train[..48]
        .iter()
        .flat_map(|(x, y)| row(x).into_iter().map(move |v| sign(*y) * v))
        .collect();
    let z = linalg::PlainMatrix::new(48, 8, z).unwrap();
    let cfg =
        circuits::reference::TrainConfig { batch_size: 16, minibatches: 3, ..Default::default() };
    let w = circuits::reference::train(&z, &cfg).unwrap().model().to_vec();
    let xt: Vec<f64> = test.iter().flat_map(|(x, _)| row(x)).collect();
    let xt = linalg::PlainMatrix::new(test.len(), 8, xt).unwrap();
    let yt: Vec<f64> = test.iter().map(|(_, y)| sign(*y)).collect();
    let acc = circuits::reference::accuracy(&xt, &yt, &w);
    (w, acc)
}

#[test]
fn a_csv_trains_three_ways_and_through_the_workflow() {
    let root = tmp("csv");
    let (train, test) = (root.join("train.csv"), root.join("test.csv"));
    let train_rows = write_csv(&train, 120, 1);
    let test_rows = write_csv(&test, 80, 2);
    let table = ["--label", "outcome", "--positive", "yes", "--features", "f1,f2,f3,f4,f5"];
    let small = ["--minibatches", "3", "--batch-size", "16", "--quick"];

    // reproduce: a seeded split of one file; the encrypted models equal the plaintext one.
    let results = root.join("results.json");
    let mut args = vec!["reproduce", "--train", s(&train), "--test-fraction", "0.25"];
    args.extend(["--seed", "7", "--json", s(&results)]);
    args.extend(table.iter().chain(&small));
    let (ok, log) = run(&args);
    assert!(ok, "{log}");
    assert!(log.contains("\"yes\" is +1, \"no\" is -1"), "{log}");
    assert!(log.contains("90 training and 30 test rows"), "{log}");
    let r = json(&results);
    assert_eq!(r["preprocessing"]["features"], serde_json::json!(["f1", "f2", "f3", "f4", "f5"]));
    assert_eq!(r["preprocessing"]["width"], 8);
    let runs = r["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    let accuracy = runs[0]["test_accuracy"].as_f64().unwrap();
    // Measured 0.933: the generating model is learned from 48 rows.
    assert!(accuracy > 0.8, "{accuracy}");
    for run in &runs[1..] {
        assert_eq!(run["test_accuracy"].as_f64().unwrap(), accuracy, "{run}");
        assert_eq!(run["predictions_changed"], 0, "{run}");
        assert!(run["max_weight_error"].as_f64().unwrap() < 1e-6, "{run}");
    }

    // The workflow with a test file: the decrypted weights, named by column, equal an
    // independent computation of the preprocessing and the training.
    let (want, want_acc) = reference(&train_rows, &test_rows);
    for circuit in ["lowdepth", "baseline"] {
        let dir = root.join(circuit);
        let (client, server, upload, model, weights) = (
            dir.join("client"),
            dir.join("server"),
            dir.join("upload"),
            dir.join("model"),
            dir.join("weights"),
        );
        let mut args =
            vec!["keygen", "--circuit", circuit, "--train", s(&train), "--test", s(&test)];
        args.extend(table.iter().chain(&small));
        args.extend(["--client", s(&client), "--server", s(&server)]);
        let (ok, log) = run(&args);
        assert!(ok, "{log}");
        let server_plan = std::fs::read_to_string(server.join("plan.json")).unwrap();
        assert!(!server_plan.contains("\"f1\""), "the server's plan has no data record");
        let (ok, log) = run(&["encrypt", "--client", s(&client), "--out", s(&upload)]);
        assert!(ok, "{log}");
        let (ok, log) =
            run(&["train", "--server", s(&server), "--inputs", s(&upload), "--out", s(&model)]);
        assert!(ok, "{log}");
        // The same flags as keygen are accepted, and checked against the plan.
        let (ok, log) = run(&[
            "decrypt",
            "--client",
            s(&client),
            "--model",
            s(&model),
            "--gamma",
            "0.7",
            "--out",
            s(&weights),
        ]);
        assert!(!ok && log.contains("--gamma is 0.5, but 0.7 was given"), "{log}");
        let (ok, log) = run(&[
            "decrypt",
            "--client",
            s(&client),
            "--model",
            s(&model),
            "--gamma",
            "0.5",
            "--minibatches",
            "3",
            "--out",
            s(&weights),
        ]);
        assert!(ok, "{log}");
        let csv = std::fs::read_to_string(weights.join("weights.csv")).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 7, "a header, the bias and five features; no padding: {csv}");
        assert_eq!(lines[0], "feature,weight");
        for (i, (line, name)) in
            lines[1..].iter().zip(["bias", "f1", "f2", "f3", "f4", "f5"]).enumerate()
        {
            let (n, v) = line.split_once(',').unwrap();
            assert_eq!(n, name);
            let v: f64 = v.parse().unwrap();
            assert!((v - want[i]).abs() < 1e-6, "{circuit} {name}: {v} vs {}", want[i]);
        }
        let w = json(&weights.join("weights.json"));
        assert_eq!(w["weights"].as_array().unwrap().len(), 6);
        assert_eq!(w["test_accuracy"].as_f64().unwrap(), want_acc, "{circuit}");
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// An `.npy` file of a C-order array with the NumPy type `descr` and the raw bytes `data`.
fn npy(shape: &[usize], descr: &str, data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape =
        if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

fn f64s(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn numpy_arrays_give_the_model_of_the_same_csv() {
    let root = tmp("numpy");
    let csv = root.join("data.csv");
    let rows = write_csv(&csv, 100, 3);
    let x: Vec<f64> = rows.iter().flat_map(|(x, _)| x.clone()).collect();
    let labels: Vec<u8> = rows.iter().map(|(_, y)| u8::from(*y)).collect();
    let (xa, ya) = (npy(&[100, 5], "<f8", &f64s(&x)), npy(&[100], "|u1", &labels));
    std::fs::write(root.join("data.npy"), &xa).unwrap();
    std::fs::write(root.join("data.labels.npy"), &ya).unwrap();
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(root.join("data.npz")).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in [("x.npy", &xa), ("y.npy", &ya)] {
            zip.start_file(name, opts).unwrap();
            std::io::Write::write_all(&mut zip, bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    let mut accuracies = Vec::new();
    for (file, extra) in [
        (
            "data.csv",
            vec!["--label", "outcome", "--positive", "yes", "--features", "f1,f2,f3,f4,f5"],
        ),
        ("data.npy", vec![]),
        ("data.npz", vec![]),
    ] {
        let out = root.join(format!("{file}.json"));
        let path = root.join(file);
        let mut args = vec!["reproduce", "--train", s(&path), "--test-fraction", "0.3"];
        args.extend(["--circuits", "none", "--minibatches", "4", "--batch-size", "16"]);
        args.extend(["--json", s(&out)]);
        args.extend(extra);
        let (ok, log) = run(&args);
        assert!(ok, "{file}: {log}");
        let r = json(&out);
        accuracies.push((
            r["runs"][0]["test_accuracy"].as_f64().unwrap(),
            r["preprocessing"]["divisors"].clone(),
        ));
    }
    assert_eq!(accuracies[0], accuracies[1]);
    assert_eq!(accuracies[0], accuracies[2]);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn another_mnist_digit_pair_through_the_binary() {
    let root = tmp("digits");
    let data = root.join("mnist");
    std::fs::create_dir_all(&data).unwrap();
    write_idx(&data, "train", 80, 5, [1, 7]);
    write_idx(&data, "t10k", 40, 6, [1, 7]);
    let results = root.join("r.json");
    let (ok, log) = run(&[
        "reproduce",
        "--data",
        s(&data),
        "--digits",
        "1,7",
        "--quick",
        "--minibatches",
        "2",
        "--batch-size",
        "16",
        "--json",
        s(&results),
    ]);
    assert!(ok, "{log}");
    assert!(log.contains("MNIST digits 1 (+1) vs 7 (-1)"), "{log}");
    let r = json(&results);
    assert_eq!(
        (r["preprocessing"]["positive"].as_str(), r["preprocessing"]["negative"].as_str()),
        (Some("1"), Some("7"))
    );
    let runs = r["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    for run in runs {
        assert_eq!(run["test_accuracy"], runs[0]["test_accuracy"], "{run}");
        assert!(run["max_weight_error"].as_f64().unwrap() < 1e-6, "{run}");
    }
    assert!(root.join("r.svg").exists());
    // Digits absent from the files: no images of the pair.
    let (ok, log) =
        run(&["reproduce", "--data", s(&data), "--digits", "2,5", "--quick", "--circuits", "none"]);
    assert!(!ok && log.contains("train-labels-idx1-ubyte: no image of the digit 2"), "{log}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn malformed_inputs_name_the_file_row_and_column_and_write_nothing() {
    let root = tmp("malformed");
    let wide: String = {
        let header: Vec<String> = (0..1100).map(|j| format!("c{j}")).chain(["y".into()]).collect();
        let row: Vec<String> = (0..1100).map(|j| j.to_string()).chain(["p".into()]).collect();
        let row2: Vec<String> = (0..1100).map(|j| j.to_string()).chain(["q".into()]).collect();
        format!("{}\n{}\n{}\n", header.join(","), row.join(","), row2.join(","))
    };
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "not-a-number",
            "a,b,y\n1,2,p\n3,x,q\n".into(),
            vec!["row 2 (line 3), column 2 (\"b\")", "\"x\" is not a number"],
        ),
        (
            "missing",
            "a,b,y\n1,2,p\n3,,q\n".into(),
            vec!["row 2 (line 3), column 2 (\"b\")", "missing value"],
        ),
        (
            "ragged",
            "a,b,y\n1,2,p\n3,4\n".into(),
            vec!["row 2 (line 3), column 3 (\"y\")", "2 cells, the header 3"],
        ),
        (
            "one-label",
            "a,y\n1,p\n2,p\n".into(),
            vec!["column 2 (\"y\")", "all 2 rows have the label \"p\""],
        ),
        (
            "three-labels",
            "a,y\n1,p\n2,q\n3,r\n".into(),
            vec!["row 3 (line 4), column 2 (\"y\")", "a third label \"r\""],
        ),
        ("no-rows", "a,y\n".into(), vec!["no data rows"]),
        (
            "nan",
            "a,y\n1,p\nNaN,q\n".into(),
            vec!["row 2 (line 3), column 1 (\"a\")", "NaN is not a finite number"],
        ),
        (
            "infinity",
            "a,y\n1,p\n2,q\n-inf,p\n".into(),
            vec!["row 3 (line 4), column 1 (\"a\")", "-inf is not a finite number"],
        ),
        (
            "too-wide",
            wide,
            vec!["column 1024 (\"c1023\")", "at most 1023 features fit the 1024 slots"],
        ),
    ];
    for (name, text, wants) in cases {
        let file = root.join(format!("{name}.csv"));
        std::fs::write(&file, text).unwrap();
        let (client, server, results) = (
            root.join(format!("{name}-client")),
            root.join(format!("{name}-server")),
            root.join(format!("{name}.json")),
        );
        let table =
            ["--train", s(&file), "--test", s(&file), "--label", "y", "--positive", "p", "--quick"];
        let mut keygen = vec!["keygen", "--client", s(&client), "--server", s(&server)];
        keygen.extend(table);
        let mut reproduce = vec!["reproduce", "--json", s(&results)];
        reproduce.extend(table);
        for args in [keygen, reproduce] {
            let (ok, log) = run(&args);
            assert!(!ok, "{name}: {log}");
            assert!(log.contains(s(&file)), "{name}: the message names the file: {log}");
            for want in &wants {
                assert!(log.contains(want), "{name}: {want:?} not in {log}");
            }
        }
        for out in [&client, &server, &results] {
            assert!(!out.exists(), "{name}: {} was written", out.display());
        }
    }
    // Nothing half-written beside the outputs either.
    let leftovers: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Labels: a positive class that is not there, none named for labels other than 0/1, and a
    // test row of a third class.
    let good = root.join("good.csv");
    std::fs::write(&good, "a,y\n1,p\n2,q\n3,p\n").unwrap();
    let unseen = root.join("unseen.csv");
    std::fs::write(&unseen, "a,y\n1,p\n2,z\n").unwrap();
    for (args, wants) in [
        (
            vec!["--test", s(&good), "--positive", "x"],
            vec!["--positive \"x\" is not one of its labels \"p\", \"q\""],
        ),
        (
            vec!["--test", s(&good)],
            vec!["has the labels \"p\", \"q\": name the positive class with --positive"],
        ),
        (
            vec!["--test", s(&unseen), "--positive", "p"],
            vec![
                s(&unseen),
                "row 2 (line 3), column 2 (\"y\")",
                "\"z\" is not one of the training labels",
            ],
        ),
    ] {
        let mut all = vec![
            "reproduce",
            "--train",
            s(&good),
            "--label",
            "y",
            "--circuits",
            "none",
            "--minibatches",
            "1",
            "--batch-size",
            "2",
        ];
        all.extend(args);
        let (ok, log) = run(&all);
        assert!(!ok, "{log}");
        for want in wants {
            assert!(log.contains(want), "{want:?} not in {log}");
        }
    }

    // NumPy: a NaN names its row and column; labels of another length name both files.
    let x = root.join("x.npy");
    std::fs::write(&x, npy(&[3, 2], "<f8", &f64s(&[1.0, 2.0, 3.0, f64::NAN, 5.0, 6.0]))).unwrap();
    std::fs::write(
        root.join("x.labels.npy"),
        npy(&[3], "<i8", &[1i64, 0, 1].iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<_>>()),
    )
    .unwrap();
    let (ok, log) = run(&["reproduce", "--train", s(&x), "--test", s(&x), "--circuits", "none"]);
    assert!(!ok && log.contains(&format!("{}: row 2, column 2 (\"x1\"): NaN", s(&x))), "{log}");
    std::fs::write(&x, npy(&[2, 2], "<f8", &f64s(&[1.0, 2.0, 3.0, 4.0]))).unwrap();
    let (ok, log) = run(&["reproduce", "--train", s(&x), "--test", s(&x), "--circuits", "none"]);
    assert!(
        !ok && log.contains("has 2 rows but") && log.contains("x.labels.npy has 3 labels"),
        "{log}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn encrypt_refuses_data_that_changed_since_keygen() {
    let root = tmp("changed");
    let train = root.join("t.csv");
    write_csv(&train, 64, 4);
    let (client, server, upload) = (root.join("c"), root.join("s"), root.join("u"));
    let (ok, log) = run(&[
        "keygen",
        "--circuit",
        "baseline",
        "--train",
        s(&train),
        "--test",
        s(&train),
        "--label",
        "outcome",
        "--positive",
        "yes",
        "--features",
        "f1,f2",
        "--minibatches",
        "1",
        "--batch-size",
        "16",
        "--quick",
        "--client",
        s(&client),
        "--server",
        s(&server),
    ]);
    assert!(ok, "{log}");
    // The same data in another place is accepted; other data flags must agree with the plan.
    let moved = root.join("moved.csv");
    std::fs::copy(&train, &moved).unwrap();
    let at = ["encrypt", "--client", s(&client), "--train", s(&moved), "--test", s(&moved)];
    let (ok, log) = run(&[&at[..], &["--out", s(&upload)]].concat());
    assert!(ok, "{log}");
    let (ok, log) = run(&[&at[..], &["--label", "f3", "--out", s(&root.join("u2"))]].concat());
    assert!(
        !ok && log.contains("--label is Some(\"outcome\"), but Some(\"f3\") was given"),
        "{log}"
    );
    // Changed data is refused, and nothing is written.
    write_csv(&train, 64, 5);
    let (ok, log) = run(&["encrypt", "--client", s(&client), "--out", s(&root.join("u3"))]);
    assert!(!ok && log.contains("plan.json: the scaling"), "{log}");
    assert!(!root.join("u2").exists() && !root.join("u3").exists());
    let _ = std::fs::remove_dir_all(&root);
}
