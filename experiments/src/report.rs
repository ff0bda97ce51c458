//! Results: one record per run, written as JSON (atomically) with the data, its preprocessing
//! and the hyperparameters, and the learned weights of image data drawn in one SVG.

use crate::data::{DataSpec, Preprocessing};
use crate::error::Result;
use crate::hyper::Hyperparameters;
use serde::Serialize;
use std::path::Path;

/// One row of the results table.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// `"plaintext"`, `"baseline"` or `"lowdepth"`.
    pub circuit: String,
    /// k.
    pub minibatches: usize,
    /// b.
    pub batch_size: usize,
    /// Multiplicative depth (0 for plaintext).
    pub depth: usize,
    /// log2 N (0 for plaintext).
    pub log_n: u32,
    /// log2 QP (0 for plaintext).
    pub log_qp: f64,
    /// Whether the parameters passed the 128-bit check.
    pub secure: bool,
    /// Ciphertexts uploaded.
    pub input_ciphertexts: usize,
    /// Bytes uploaded (no compression).
    pub upload_bytes: usize,
    /// Multiplications (ciphertext, plaintext and constant).
    pub multiplications: usize,
    /// Rotations.
    pub rotations: usize,
    /// Key switches (relinearizations, rotations, conjugations).
    pub key_switches: usize,
    /// Training time on the server.
    pub wall_seconds: f64,
    /// The client's encryption time.
    pub encrypt_seconds: f64,
    /// Key generation time.
    pub keygen_seconds: f64,
    /// Threads.
    pub threads: usize,
    /// Peak resident memory during training.
    pub peak_rss_bytes: u64,
    /// Test accuracy of the model.
    pub test_accuracy: f64,
    /// Largest absolute weight difference from the plaintext model.
    pub max_weight_error: f64,
    /// Test predictions that differ from the plaintext model's.
    pub predictions_changed: usize,
}

impl Run {
    /// The plaintext reference's row.
    pub fn plaintext(k: usize, b: usize, wall: f64, threads: usize, rss: u64, acc: f64) -> Self {
        Self {
            circuit: "plaintext".into(),
            minibatches: k,
            batch_size: b,
            depth: 0,
            log_n: 0,
            log_qp: 0.0,
            secure: true,
            input_ciphertexts: 0,
            upload_bytes: 0,
            multiplications: 0,
            rotations: 0,
            key_switches: 0,
            wall_seconds: wall,
            encrypt_seconds: 0.0,
            keygen_seconds: 0.0,
            threads,
            peak_rss_bytes: rss,
            test_accuracy: acc,
            max_weight_error: 0.0,
            predictions_changed: 0,
        }
    }
}

/// The results as JSON: the data and its preprocessing, the hyperparameters, and one record
/// per run (`{"data": ..., "preprocessing": ..., "hyperparameters": ..., "runs": [...]}`).
///
/// # Errors
/// [`crate::Error::Io`], [`crate::Error::Json`].
pub fn write_results(
    path: &Path,
    machine: &Machine,
    data: &DataSpec,
    preprocessing: &Preprocessing,
    hyperparameters: &Hyperparameters,
    runs: &[Run],
) -> Result<()> {
    #[derive(Serialize)]
    struct Doc<'a> {
        machine: &'a Machine,
        data: &'a DataSpec,
        preprocessing: &'a Preprocessing,
        hyperparameters: &'a Hyperparameters,
        runs: &'a [Run],
    }
    crate::files::write_json(path, &Doc { machine, data, preprocessing, hyperparameters, runs })
}

/// Where a run took place: what every timing depends on.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// The CPU's model name (`/proc/cpuinfo`), or `unknown`.
    pub cpu: String,
    /// Logical CPUs the OS reports.
    pub cpus: usize,
    /// Whether the CPU has AVX-512 IFMA.
    pub avx512ifma: bool,
    /// The kernel path `ckks` runs (`ckks::math::simd::path`): `portable`, `avx2` or `ifma`.
    pub simd_path: &'static str,
}

impl Machine {
    /// This machine.
    pub fn here() -> Self {
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = info
            .lines()
            .find_map(|l| l.strip_prefix("model name")?.split_once(':').map(|(_, v)| v.trim()))
            .unwrap_or("unknown")
            .to_string();
        Machine {
            cpu,
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            avx512ifma: info.contains("avx512ifma"),
            simd_path: ckks::math::simd::path().name(),
        }
    }

    /// One line for the report.
    pub fn describe(&self) -> String {
        format!(
            "{} ({} CPUs, {}AVX-512 IFMA); ckks kernels: {}",
            self.cpu,
            self.cpus,
            if self.avx512ifma { "" } else { "no " },
            self.simd_path
        )
    }
}

/// The weights `w[1..=side^2]` (the bias excluded) of each model as a `side x side` image, side
/// by side, blue for negative and red for positive, scaled to each model's largest weight.
///
/// # Errors
/// [`crate::Error::Io`].
pub fn write_weights_svg(path: &Path, models: &[(String, Vec<f64>)], side: usize) -> Result<()> {
    crate::files::write_atomic(path, weights_svg(models, side).as_bytes())
}

/// The SVG of [`write_weights_svg`].
pub fn weights_svg(models: &[(String, Vec<f64>)], side: usize) -> String {
    let cell = 12;
    let pad = 20;
    let img = side * cell;
    let width = models.len() * (img + pad) + pad;
    let height = img + 2 * pad + 10;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    );
    for (m, (name, w)) in models.iter().enumerate() {
        let x0 = pad + m * (img + pad);
        let scale = w[1..=side * side].iter().fold(0.0f64, |a, v| a.max(v.abs())).max(1e-300);
        s += &format!("<text x=\"{x0}\" y=\"14\">{name}</text>\n");
        for r in 0..side {
            for c in 0..side {
                let v = (w[1 + r * side + c] / scale).clamp(-1.0, 1.0);
                // White at 0, red for positive, blue for negative weights.
                let fade = (255.0 * (1.0 - v.abs())) as u8;
                let (red, green, blue) =
                    if v >= 0.0 { (255, fade, fade) } else { (fade, fade, 255) };
                s += &format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"{cell}\" height=\"{cell}\" fill=\"rgb({red},{green},{blue})\"/>\n",
                    x0 + c * cell,
                    pad + r * cell,
                );
            }
        }
    }
    s += "</svg>\n";
    s
}

/// Resets the kernel's peak-RSS counter of this process (Linux; ignored elsewhere).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size since the last reset, in bytes (0 where unavailable).
pub fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        })
        .map_or(0, |kb| kb * 1024)
}

/// Prints a results table: `header` and `rows` of cells, the first column left-aligned and the
/// others right-aligned, each as wide as its widest cell; first, for a quick run, a banner
/// saying what makes it one (`quick`).
pub fn print_table(quick: Option<&str>, header: &[&str], rows: &[Vec<String>]) {
    println!();
    if let Some(what) = quick {
        println!("QUICK RUN: {what}, for a first look and CI");
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].len()).chain([header[c].len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let cells: Vec<String> = cells
            .zip(&widths)
            .enumerate()
            .map(|(c, (s, &w))| if c == 0 { format!("{s:<w$}") } else { format!("{s:>w$}") })
            .collect();
        println!("{}", cells.join("  ").trim_end());
    };
    line(&mut header.iter().copied());
    for r in rows {
        line(&mut r.iter().map(String::as_str));
    }
}

/// The baseline's and the low-depth circuit's runs among `runs`, when both are there (the pair
/// the tables compare).
pub fn baseline_and_lowdepth<R>(runs: &[R], circuit: impl Fn(&R) -> &str) -> Option<(&R, &R)> {
    let find = |c: &str| runs.iter().find(|r| circuit(r) == c);
    Some((find("baseline")?, find("lowdepth")?))
}

/// `bytes` in MiB.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

/// `bytes` in GiB.
pub fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}
