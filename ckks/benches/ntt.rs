//! Our NTT kernels beside tfhe-ntt 0.7 (`prime64::Plan`, which picks AVX2 or AVX-512 at run
//! time) on the same primes, in one run, one thread:
//!
//! ```text
//! cargo bench -p ckks --bench ntt                                   # N = 2^14..2^16, 50/60 bits
//! cargo bench -p ckks --bench ntt -- --warm-up-time 1 --measurement-time 3
//! cargo bench -p ckks --bench ntt -- n15-q50                        # criterion filter
//! ```
//!
//! Names are `ntt/n{log N}-q{bits}/{who}/{direction}` with `who` one of `ours-{kernel}` (the
//! kernel of every path this CPU supports, e.g. `ours-avx2-f64`, `ours-portable`) and `tfhe-ntt`.
//! tfhe-ntt's inverse leaves out the `1/N` factor (its `normalize` is a separate pass), ours
//! folds it into the last stage: ours does slightly more work in the inverse.

use ckks::math::primes::largest_ntt_prime;
use ckks::math::simd::Path;
use ckks::math::{Modulus, NttTable};
use ckks::Prng;
use criterion::{criterion_group, criterion_main, Criterion};
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

criterion_group!(benches, bench);
criterion_main!(benches);
