//! The curves of an epoch run as one SVG: test accuracy (top) and the largest weight error
//! against plaintext training (bottom, log scale) after each round, one line per circuit.

use super::EpochRun;
use std::fmt::Write;

const WIDTH: f64 = 720.0;
const PANEL: f64 = 240.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 130.0;
const TOP: f64 = 30.0;
const GAP: f64 = 60.0;

/// A line per run and panel.
pub fn curves_svg(runs: &[EpochRun]) -> String {
    let height = TOP + 2.0 * PANEL + GAP + 50.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    let max_x = runs.iter().flat_map(|r| r.curve.iter().map(|p| p.iteration)).max().unwrap_or(1);
    let colours = ["#444444", "#d62728", "#1f77b4", "#2ca02c"];
    // Accuracy panel: from the lowest accuracy seen after the first round to 100%.
    let accs = runs.iter().flat_map(|r| r.curve.iter().filter(|p| p.iteration > 0));
    let low = accs.map(|p| p.test_accuracy).fold(1.0, f64::min);
    let low = (low * 20.0).floor() / 20.0;
    let errors: Vec<f64> = runs
        .iter()
        .flat_map(|r| r.curve.iter().map(|p| p.max_weight_error))
        .filter(|e| *e > 0.0)
        .collect();
    let e_lo = errors.iter().copied().fold(f64::INFINITY, f64::min).log10().floor();
    let e_hi = errors.iter().copied().fold(0.0, f64::max).log10().ceil().max(e_lo + 1.0);
    let panels = [
        ("test accuracy (%)", TOP, low * 100.0, 100.0, false),
        ("largest |w - w_plain|", TOP + PANEL + GAP, e_lo, e_hi, true),
    ];
    for (title, y0, lo, hi, log) in panels {
        axes(&mut s, title, y0, max_x, lo, hi, log);
        // Plaintext (the first run) last, dashed, on top of the lines it should match.
        for (i, r) in runs.iter().enumerate().rev() {
            let colour = colours[i % colours.len()];
            let dash = if i == 0 { " stroke-dasharray=\"4 3\"" } else { "" };
            let pts: Vec<String> = r
                .curve
                .iter()
                .filter_map(|p| {
                    let v = if log {
                        (p.max_weight_error > 0.0).then(|| p.max_weight_error.log10())?
                    } else {
                        p.test_accuracy * 100.0
                    };
                    let x = LEFT + (WIDTH - LEFT - RIGHT) * p.iteration as f64 / max_x as f64;
                    let y = y0 + PANEL * (1.0 - (v - lo) / (hi - lo)).clamp(0.0, 1.0);
                    Some(format!("{x:.1},{y:.1}"))
                })
                .collect();
            if pts.is_empty() {
                continue;
            }
            let _ = writeln!(
                s,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"{dash} points=\"{}\"/>",
                pts.join(" ")
            );
            let ly = y0 + 16.0 * (i as f64 + 1.0);
            let lx = WIDTH - RIGHT + 10.0;
            let _ = writeln!(
                s,
                "<line x1=\"{lx}\" y1=\"{ly}\" x2=\"{}\" y2=\"{ly}\" stroke=\"{colour}\" stroke-width=\"2\"/>\
                 <text x=\"{}\" y=\"{}\">{}</text>",
                lx + 20.0,
                lx + 25.0,
                ly + 4.0,
                r.circuit
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// A panel's frame, ticks and labels (`lo`, `hi` are log10 values when `log`).
fn axes(s: &mut String, title: &str, y0: f64, max_x: usize, lo: f64, hi: f64, log: bool) {
    let (x0, x1) = (LEFT, WIDTH - RIGHT);
    let _ = writeln!(
        s,
        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{PANEL}\" fill=\"none\" stroke=\"black\"/>\
         <text x=\"{x0}\" y=\"{}\">{title}</text>",
        x1 - x0,
        y0 - 8.0
    );
    // Log panels: one tick per decade.
    let ticks = if log { ((hi - lo).round() as usize).max(1) } else { 5 };
    for i in 0..=ticks {
        let v = lo + (hi - lo) * i as f64 / ticks as f64;
        let y = y0 + PANEL * (1.0 - i as f64 / ticks as f64);
        let label = if log { format!("1e{v:.0}") } else { format!("{v:.1}") };
        let _ = writeln!(
            s,
            "<line x1=\"{}\" y1=\"{y:.1}\" x2=\"{x0}\" y2=\"{y:.1}\" stroke=\"black\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>",
            x0 - 4.0,
            x0 - 6.0,
            y + 4.0
        );
    }
    for i in 0..=5 {
        let v = max_x as f64 * i as f64 / 5.0;
        let x = x0 + (x1 - x0) * i as f64 / 5.0;
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"black\"/>\
             <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{v:.0}</text>",
            y0 + PANEL,
            y0 + PANEL + 4.0,
            y0 + PANEL + 16.0
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">minibatches trained</text>",
        (x0 + x1) / 2.0,
        y0 + PANEL + 32.0
    );
}
