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
//! `NTT_BEST_OF=1` instead times ours and tfhe-ntt alternately on the same buffer, 15 rounds of
//! 40 transforms each, and prints the best round of each with the ratio (ours / tfhe-ntt).
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

/// The best of 15 rounds of 40 calls, in microseconds per call.
fn best_of(mut f: impl FnMut()) -> f64 {
    (0..15)
        .map(|_| {
            let t = std::time::Instant::now();
            for _ in 0..40 {
                f();
            }
            t.elapsed().as_secs_f64() / 40.0 * 1e6
        })
        .fold(f64::INFINITY, f64::min)
}

fn best_of_table() {
    let path = ckks::math::simd::path();
    println!("path {path}; best of 15 rounds x 40 calls, microseconds; ratio ours / tfhe-ntt");
    for log_n in 14..=16u32 {
        for bits in [50u32, 60] {
            let n = 1usize << log_n;
            let q = largest_ntt_prime(bits, 2 * n as u64, &[]).expect("an NTT prime exists");
            let table = NttTable::new(Modulus::new(q), n);
            let plan = tfhe_ntt::prime64::Plan::try_new(n, q).expect("tfhe-ntt accepts the prime");
            let mut prng = Prng::from_u64_seed(log_n as u64);
            let mut a: Vec<u64> = (0..n).map(|_| prng.uniform_below(q)).collect();
            let (of, tf) = (best_of(|| table.forward(&mut a)), best_of(|| plan.fwd(&mut a)));
            let (oi, ti) = (best_of(|| table.inverse(&mut a)), best_of(|| plan.inv(&mut a)));
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
