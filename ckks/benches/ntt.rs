//! Our NTT kernels beside tfhe-ntt 0.7 (`prime64::Plan`, which picks AVX2 or AVX-512 at run
//! time) on the same primes, in one run, one thread:
//!
//! ```text
//! cargo bench -p ckks --bench ntt                                   # N = 2^14..2^16, 50/60 bits
//! cargo bench -p ckks --bench ntt -- --warm-up-time 1 --measurement-time 3
//! cargo bench -p ckks --bench ntt -- n15-q50                        # criterion filter
//! NTT_BEST_OF=1 cargo bench -p ckks --bench ntt                     # interleaved best-of table
//! ```
//!
//! On a shared machine criterion's medians drift with the load from one function to the next;
//! `NTT_BEST_OF=1` instead times ours and tfhe-ntt in alternating rounds of 20 transforms
//! (`NTT_ROUNDS` rounds, default 31) in thread CPU time, and prints the best round of each with
//! the ratio (ours / tfhe-ntt).
//!
//! Names are `ntt/n{log N}-q{bits}/{who}/{direction}` with `who` one of `ours-{kernel}` (the
//! kernel of every path this CPU supports, e.g. `ours-avx2-f64`, `ours-portable`) and `tfhe-ntt`.
//! tfhe-ntt's inverse leaves out the `1/N` factor (its `normalize` is a separate pass), ours
//! folds it into the last stage: ours does slightly more work in the inverse.

use ckks::math::primes::largest_ntt_prime;
use ckks::math::simd::Path;
use ckks::math::{Modulus, NttTable};
use ckks::Prng;
use criterion::{criterion_group, Criterion};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("ntt");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for log_n in 14..=16u32 {
        for bits in [50u32, 60] {
            let n = 1usize << log_n;
            let q = largest_ntt_prime(bits, 2 * n as u64, &[]).expect("an NTT prime exists");
            let mut prng = Prng::from_u64_seed(log_n as u64 * 100 + bits as u64);
            let input: Vec<u64> = (0..n).map(|_| prng.uniform_below(q)).collect();
            let case = format!("n{log_n}-q{bits}");
            let mut seen = Vec::new();
            for path in Path::ALL.into_iter().rev().filter(|p| p.is_supported()) {
                let table = NttTable::with_path(Modulus::new(q), n, path);
                let name = table.kernel_name();
                if seen.contains(&name) {
                    continue;
                }
                seen.push(name);
                // Both directions map [0, q) to [0, q): transform the same buffer over and over.
                let mut a = input.clone();
                group.bench_function(format!("{case}/ours-{name}/forward"), |b| {
                    b.iter(|| table.forward(black_box(&mut a)))
                });
                group.bench_function(format!("{case}/ours-{name}/inverse"), |b| {
                    b.iter(|| table.inverse(black_box(&mut a)))
                });
            }
            let plan = tfhe_ntt::prime64::Plan::try_new(n, q).expect("tfhe-ntt accepts the prime");
            let mut a = input.clone();
            group.bench_function(format!("{case}/tfhe-ntt/forward"), |b| {
                b.iter(|| plan.fwd(black_box(&mut a)))
            });
            // tfhe-ntt's forward output is its own (permuted) order; any residues do for timing.
            group.bench_function(format!("{case}/tfhe-ntt/inverse"), |b| {
                b.iter(|| plan.inv(black_box(&mut a)))
            });
        }
    }
    group.finish();
}

#[path = "common/clock.rs"]
mod clock;
use clock::now;

/// Microseconds per call of `a` and of `b`: rounds of 20 calls of each, alternating, the best
/// round of each (`NTT_ROUNDS`, default 31) in thread CPU time.
fn best_of_pair(mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let rounds = std::env::var("NTT_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(31);
    let time = |f: &mut dyn FnMut()| {
        let t = now();
        for _ in 0..20 {
            f();
        }
        (now() - t) / 20.0 * 1e6
    };
    let (mut ta, mut tb) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..rounds {
        ta = ta.min(time(&mut a));
        tb = tb.min(time(&mut b));
    }
    (ta, tb)
}

fn best_of_table() {
    let path = ckks::math::simd::path();
    println!(
        "path {path}; ours and tfhe-ntt alternately, best of rounds of 20 calls, thread CPU \
         time, microseconds; ratio ours / tfhe-ntt"
    );
    for log_n in 14..=16u32 {
        for bits in [50u32, 60] {
            let n = 1usize << log_n;
            let q = largest_ntt_prime(bits, 2 * n as u64, &[]).expect("an NTT prime exists");
            let table = NttTable::new(Modulus::new(q), n);
            let plan = tfhe_ntt::prime64::Plan::try_new(n, q).expect("tfhe-ntt accepts the prime");
            let mut prng = Prng::from_u64_seed(log_n as u64);
            let mut a: Vec<u64> = (0..n).map(|_| prng.uniform_below(q)).collect();
            let mut b = a.clone();
            let (of, tf) = best_of_pair(|| table.forward(&mut a), || plan.fwd(&mut b));
            let (oi, ti) = best_of_pair(|| table.inverse(&mut a), || plan.inv(&mut b));
            println!(
                "N = 2^{log_n}, {bits}-bit prime, {}: forward {of:.0} vs {tf:.0} ({:.2}x), \
                 inverse {oi:.0} vs {ti:.0} ({:.2}x)",
                table.kernel_name(),
                of / tf,
                oi / ti
            );
        }
    }
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var_os("NTT_BEST_OF").is_some() {
        return best_of_table();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
