//! The command's printed summary: the schedule's line and the table of runs.

use super::EpochRun;
use crate::report::{self, baseline_and_lowdepth, gib, mib};
use circuits::epoch::Schedule;

/// One line: rounds, minibatches per round, bootstraps, levels.
pub(super) fn describe_schedule(s: &Schedule) -> String {
    let ks: Vec<usize> = s.rounds.iter().map(|r| r.minibatches).collect();
    let first = ks.first().copied().unwrap_or(0);
    let later = ks.get(1).copied().unwrap_or(first);
    format!(
        "{} rounds ({first} minibatches in the first, {later} in each later one), {} bootstraps, {} levels after each",
        ks.len(),
        s.bootstraps(),
        s.levels
    )
}

/// The table of runs, the low-depth / baseline ratios and the weight errors per epoch.
pub(super) fn print_table(runs: &[EpochRun], quick: bool) {
    let header = [
        "circuit", "epochs", "k", "rounds", "boots", "mb/boot", "log N", "boot s", "train s",
        "total s", "s/epoch", "upload", "keys", "accuracy", "max |dw|",
    ];
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            vec![
                r.circuit.clone(),
                r.epochs.to_string(),
                r.minibatches.to_string(),
                r.rounds.to_string(),
                r.bootstraps.to_string(),
                format!("{:.2}", r.minibatches_per_bootstrap),
                if r.log_n == 0 { "-".to_string() } else { r.log_n.to_string() },
                format!("{:.1}", r.bootstrap_seconds),
                format!("{:.1}", r.training_seconds),
                format!("{:.1}", r.wall_seconds),
                format!("{:.1}", r.seconds_per_epoch),
                format!("{:.0} MiB", mib(r.upload_bytes as u64)),
                format!("{:.2} GiB", gib(r.key_bytes as u64)),
                format!("{:.2}%", 100.0 * r.test_accuracy),
                format!("{:.2e}", r.max_weight_error),
            ]
        })
        .collect();
    report::print_table(quick.then_some("INSECURE toy parameters (N = 2^11)"), &header, &rows);
    if let Some((b, l)) = baseline_and_lowdepth(runs, |r| &r.circuit) {
        println!(
            "\nlow-depth vs baseline: bootstraps {} vs {} ({:.2}x), time per epoch {:.1} s vs {:.1} s ({:.2}x faster)",
            l.bootstraps,
            b.bootstraps,
            l.bootstraps as f64 / b.bootstraps.max(1) as f64,
            l.seconds_per_epoch,
            b.seconds_per_epoch,
            b.seconds_per_epoch / l.seconds_per_epoch
        );
    }
    for r in runs.iter().filter(|r| r.circuit != "plaintext") {
        println!(
            "{}: largest weight error per epoch: {}",
            r.circuit,
            list(&r.max_weight_error_per_epoch)
        );
        if !r.crossing_errors.is_empty() {
            let mut sorted = r.crossing_errors.clone();
            sorted.sort_by(f64::total_cmp);
            println!(
                "{:width$}  largest change of w or v across a bootstrap: median {:.2e}, max {:.2e} ({} crossings; largest input |w + i v| / sigma {:.3})",
                "",
                sorted[sorted.len() / 2],
                sorted[sorted.len() - 1],
                sorted.len(),
                r.crossing_inputs.iter().copied().fold(0.0, f64::max),
                width = r.circuit.len()
            );
        }
        if !r.perturbed_weight_error_per_epoch.is_empty() {
            println!(
                "{:width$}  plaintext, the same rounds, noise of +-2^{:.0} on w and v at each of its {} crossings: {}",
                "",
                r.perturbation.log2(),
                r.bootstraps,
                list(&r.perturbed_weight_error_per_epoch),
                width = r.circuit.len()
            );
            println!(
                "{:width$}  the noise at each crossing that would explain the encrypted run's error, per epoch: {} (the same each epoch if encryption adds the same error at every crossing, all growth then being the optimizer's)",
                "",
                equivalent_noise(r)
                    .iter()
                    .map(|e| format!("2^{:.1}", e.log2()))
                    .collect::<Vec<_>>()
                    .join(", "),
                width = r.circuit.len()
            );
        }
    }
}

/// Per epoch, the crossing noise `eps` under which the perturbed plaintext run would show the
/// encrypted run's largest weight error: `eps` times their ratio (the perturbed error scales
/// with `eps` in the linear regime; see [`super::sensitivity`]). Constant across epochs when
/// encryption adds the same error at every crossing: a rising value would be drift of the
/// encrypted computation itself, beyond the optimizer's amplification.
pub(super) fn equivalent_noise(r: &EpochRun) -> Vec<f64> {
    r.max_weight_error_per_epoch
        .iter()
        .zip(&r.perturbed_weight_error_per_epoch)
        .map(|(enc, plain)| r.perturbation * enc / plain)
        .collect()
}

/// `1.21e-3, 7.19e-3, ...`.
pub(super) fn list(errors: &[f64]) -> String {
    errors.iter().map(|e| format!("{e:.2e}")).collect::<Vec<_>>().join(", ")
}
