//! Criterion benchmarks of bootstrapping and its stages.
//!
//! ```text
//! RAYON_NUM_THREADS=1 cargo bench -p ckks --bench bootstrap                       # toy sets
//! RAYON_NUM_THREADS=1 CKKS_BENCH_LARGE=1 cargo bench -p ckks --bench bootstrap    # + N = 2^16
//! RAYON_NUM_THREADS=1 CKKS_BENCH_SETS=n16-256 cargo bench -p ckks --bench bootstrap
//! ```
//!
//! Sets (names `set/stage`; stages `bootstrap`, `mod_raise`, `coeffs_to_slots`, `eval_mod`,
//! `slots_to_coeffs`):
//!
//! - `n12-full`, `n12-64`: N = 2^12, all 2048 slots and 64 slots, insecure toy parameters with
//!   the 128-bit set's shape (9 circuit levels, the default configuration): quick.
//! - `n16-256`, `n16-full` (only with `CKKS_BENCH_LARGE=1` or named in `CKKS_BENCH_SETS`):
//!   N = 2^16, 128-bit, 256 and 32768 slots, the parameters of
//!   `cargo run --release -p ckks --example bootstrap`. Key generation takes about a minute and
//!   the keys and constants about 6 and 8 GiB: run one set at a time
//!   (`CKKS_BENCH_SETS=n16-full`), with `--warm-up-time 1 --measurement-time 3` or more.
//!
//! `CKKS_BENCH_SETS` (comma-separated set names) skips the key generation of the sets not listed.

use ckks::boot::{BootstrapConfig, BootstrapPlan, Bootstrapper};
use ckks::{Ciphertext, Prng, SecretKey, Security};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn enabled(name: &str, large: bool) -> bool {
    if let Ok(sets) = std::env::var("CKKS_BENCH_SETS") {
        return sets.split(',').map(str::trim).any(|s| s == name);
    }
    !large || std::env::var("CKKS_BENCH_LARGE").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn bench_set(c: &mut Criterion, name: &str, log_n: u32, slots: Option<usize>, large: bool) {
    if !enabled(name, large) {
        return;
    }
    let t = Instant::now();
    let config = BootstrapConfig::with_slots(slots);
    let security =
        if log_n >= 16 { Security::HeStandard128 } else { Security::InsecureToyParameters };
    let ctx = config
        .parameters(log_n, 9, 60, 40, security)
        .and_then(|l| l.build())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let plan = Arc::new(BootstrapPlan::new(ctx.chain(), &config).expect("a plan"));
    let mut prng = Prng::from_u64_seed(log_n as u64);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let bt = Bootstrapper::generate(&sk, plan.clone(), &mut prng).expect("keys");
    eprintln!(
        "{name}: keys and constants in {:.1} s ({:.0} MiB of keys, {:.0} MiB of constants)",
        t.elapsed().as_secs_f64(),
        bt.key_bytes() as f64 / (1 << 20) as f64,
        bt.constant_bytes() as f64 / (1 << 20) as f64
    );
    let n = plan.slots();
    let mut p = Prng::from_u64_seed(7);
    let base: Vec<f64> =
        (0..n).map(|_| (p.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0).collect();
    let values: Vec<f64> = (0..ctx.slots()).map(|i| base[i % n]).collect();
    let ct: Ciphertext = sk.encrypt(&ctx.encode_at(&values, 0).unwrap(), &mut prng).unwrap();
    let raised = bt.mod_raise(&ct).unwrap();
    let parts = bt.coeffs_to_slots(&raised).unwrap();
    let reduced: Vec<Ciphertext> = parts.iter().map(|x| bt.eval_mod(x).unwrap()).collect();
    let mut group = c.benchmark_group(name);
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(if large { 60 } else { 5 }));
    group.bench_function("bootstrap", |b| b.iter(|| bt.bootstrap(black_box(&ct)).unwrap()));
    group.bench_function("mod_raise", |b| b.iter(|| bt.mod_raise(black_box(&ct)).unwrap()));
    group.bench_function("coeffs_to_slots", |b| {
        b.iter(|| bt.coeffs_to_slots(black_box(&raised)).unwrap())
    });
    group.bench_function("eval_mod", |b| b.iter(|| bt.eval_mod(black_box(&parts[0])).unwrap()));
    group.bench_function("slots_to_coeffs", |b| {
        b.iter(|| bt.slots_to_coeffs(black_box(&reduced)).unwrap())
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    ckks::alloc::keep_freed_memory();
    bench_set(c, "n12-full", 12, None, false);
    bench_set(c, "n12-64", 12, Some(64), false);
    bench_set(c, "n16-256", 16, Some(256), true);
    bench_set(c, "n16-full", 16, None, true);
}

criterion_group!(bootstrap, benches);
criterion_main!(bootstrap);
