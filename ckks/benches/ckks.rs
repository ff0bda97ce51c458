//! Criterion benchmarks of the CKKS core, laid out to compare with Microsoft SEAL
//! (`/work/shared/bench/seal_bench.py`, run through TenSEAL, single-threaded).
//!
//! Run single-threaded (SEAL has no internal threading; our polynomial code uses rayon):
//!
//! ```text
//! RAYON_NUM_THREADS=1 cargo bench -p ckks
//! RAYON_NUM_THREADS=1 CKKS_BENCH_LARGE=1 cargo bench -p ckks           # also N = 2^16
//! RAYON_NUM_THREADS=1 CKKS_BENCH_SETS=ntt,n14 cargo bench -p ckks      # only some sets
//! RAYON_NUM_THREADS=1 cargo bench -p ckks -- n15/relinearize           # criterion filter
//! ```
//!
//! Benchmark sets (names are `set/operation`, e.g. `n14/relinearize`):
//!
//! - `ntt`: forward and inverse negacyclic NTT of one limb with a 50-bit prime at
//!   N = 2^12 .. 2^16, and with a 60-bit prime at N = 2^16 (`ntt/n16-q60/forward`).
//! - `n13`: N = 2^13, q = [60, 40, 40 | 60], scale 2^40, dnum 3: SEAL's `[60, 40, 40, 60]`.
//! - `n14`: N = 2^14, q = [60, 40 x 7 | 60], scale 2^40, dnum 8: SEAL's `[60] + [40]*7 + [60]`
//!   (one special prime, one ciphertext prime per digit, as SEAL does).
//! - `n15`: N = 2^15, q = [60, 50 x 14 | 60], scale 2^50, dnum 15: SEAL's `[60] + [50]*14 + [60]`.
//! - `n15h3`: the same ciphertext chain with hybrid key switching, dnum 3 (5 primes a digit) and
//!   five 60-bit special primes. log2 QP ~ 1060 > 881, so this set is built with
//!   `Security::InsecureToyParameters`: it is a timing data point, not a secure parameter set.
//! - `n16` (only with `CKKS_BENCH_LARGE=1`): N = 2^16, q = [60, 50 x 26 | 60 x 6], scale 2^50,
//!   dnum 4 (`ParametersLiteral::with_levels(16, 26, 60, 50, 60, 4)`), log2 QP ~ 1720 <= 1747:
//!   128-bit secure. Its keys (relinearization + 8 Galois keys) take about 1.2 GiB and a while to
//!   generate, hence the opt-in.
//!
//! Each scheme set measures, at the top level with full slots: `encode`, `encrypt_pk`,
//! `encrypt_sk`, `decrypt`, `decode`, `add`, `mul_plain`, `mul` (tensor product only, three
//! components out), `relinearize`, `rescale`, `rotate` (by one slot), `rotate_hoisted8` (steps
//! 1..=8 sharing one decomposition; divide by 8 for the per-rotation cost), `ntt_ct_forward` /
//! `ntt_ct_inverse` (all `2 (L + 1)` limbs of a ciphertext, as SEAL's `transform_to_ntt`), and a
//! key-switching breakdown under `ks_*`:
//!
//! - `ks_ntt_modup`: the NTTs of a decomposition (inverse NTT of the `L + 1` input limbs, forward
//!   NTT of every digit's mod-up targets);
//! - `ks_ntt_moddown2`: the NTTs of the two mod-downs (inverse of `2k` special limbs, forward of
//!   `2 (L + 1)` limbs);
//! - `ks_conv_modup`, `ks_conv_moddown2`: the fast base conversions of the same steps.
//!
//! What is left of `relinearize` after these four is the inner product with the key plus copies
//! and additions. Key switching uses rayon internally; with `RAYON_NUM_THREADS=1` everything runs
//! on one thread.
//!
//! `CKKS_BENCH_SETS` (comma-separated set names) skips the key generation of the sets not listed;
//! the criterion filter after `--` only skips measurements.

use ckks::math::primes::largest_ntt_prime;
use ckks::math::rns::BaseConverter;
use ckks::math::{Modulus, NttTable};
use ckks::{
    Ciphertext, Context, EvaluationKeys, Evaluator, ParametersLiteral, Prng, SecretKey, Security,
};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Whether the set `name` is selected: listed in `CKKS_BENCH_SETS` when that is set, otherwise
/// every set except the large one, which also needs `CKKS_BENCH_LARGE=1`.
fn enabled(name: &str, large: bool) -> bool {
    if let Ok(sets) = std::env::var("CKKS_BENCH_SETS") {
        // Listing a set by name selects it, the large one included.
        return sets.split(',').map(str::trim).any(|s| s == name);
    }
    !large || large_enabled()
}

fn large_enabled() -> bool {
    std::env::var("CKKS_BENCH_LARGE").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn values(slots: usize, seed: u64) -> Vec<f64> {
    let mut prng = Prng::from_u64_seed(seed);
    (0..slots).map(|_| (prng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0).collect()
}

// ----- NTT ----------------------------------------------------------------------------------

fn bench_ntt(c: &mut Criterion) {
    // The first group to run: polynomial buffers reused from here on (see `ckks::alloc`).
    ckks::alloc::keep_freed_memory();
    if !enabled("ntt", false) {
        return;
    }
    let mut group = c.benchmark_group("ntt");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    let cases = (12..=16).map(|log_n| (log_n, 50)).chain(std::iter::once((16, 60)));
    for (log_n, bits) in cases {
        let n = 1usize << log_n;
        let q = largest_ntt_prime(bits, 2 * n as u64, &[]).expect("an NTT prime exists");
        let table = NttTable::new(Modulus::new(q), n);
        let mut prng = Prng::from_u64_seed(log_n as u64);
        // Forward and inverse both map [0, q) to [0, q), so the buffer can be transformed in
        // place over and over without a copy in the timed loop.
        let mut a: Vec<u64> = (0..n).map(|_| prng.uniform_below(q)).collect();
        group.bench_function(format!("n{log_n}-q{bits}/forward"), |b| {
            b.iter(|| table.forward(black_box(&mut a)))
        });
        group.bench_function(format!("n{log_n}-q{bits}/inverse"), |b| {
            b.iter(|| table.inverse(black_box(&mut a)))
        });
    }
    group.finish();
}

// ----- scheme operations --------------------------------------------------------------------

struct Setup {
    ctx: Context,
    sk: SecretKey,
    eval: Evaluator,
}

const HOISTED_STEPS: [i64; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

fn setup(name: &str, literal: &ParametersLiteral) -> Setup {
    let t0 = Instant::now();
    let ctx = literal.build().unwrap_or_else(|e| panic!("{name}: parameters rejected: {e}"));
    let t_ctx = t0.elapsed();
    let mut prng = Prng::from_u64_seed(0x5eed);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let t1 = Instant::now();
    let relinearization = Some(sk.relinearization_key(&mut prng));
    let t_rk = t1.elapsed();
    let t2 = Instant::now();
    let galois = sk.galois_keys(&HOISTED_STEPS, false, &mut prng);
    let t_gk = t2.elapsed();
    // A relinearization key has the size of a Galois key.
    let key_bytes = galois.byte_size() * (galois.len() + 1) / galois.len().max(1);
    eprintln!(
        "[{name}] {}\n[{name}] context {:.2} s, relinearization key {:.2} s, {} Galois keys {:.2} s, \
         keys {:.1} MiB",
        ctx.summary(),
        t_ctx.as_secs_f64(),
        t_rk.as_secs_f64(),
        galois.len(),
        t_gk.as_secs_f64(),
        key_bytes as f64 / (1 << 20) as f64
    );
    let eval = Evaluator::new(&ctx, EvaluationKeys { relinearization, galois })
        .expect("keys belong to the context");
    Setup { ctx, sk, eval }
}

/// Checks that the benchmarked pipeline is correct before timing it (a broken build would
/// otherwise produce meaningless, possibly flattering, numbers).
fn sanity_check(name: &str, s: &Setup, x: &[f64], y: &[f64], ca: &Ciphertext, cb: &Ciphertext) {
    let Setup { ctx, sk, eval } = s;
    let prod = eval.rescale(&eval.mul_relin(ca, cb).unwrap()).unwrap();
    let got = ctx.decode(&sk.decrypt(&prod).unwrap()).unwrap();
    let err_mul =
        got.iter().zip(x.iter().zip(y)).map(|(g, (a, b))| (g - a * b).abs()).fold(0.0, f64::max);
    let slots = ctx.slots();
    let rot = eval.rotate_hoisted(ca, &HOISTED_STEPS).unwrap();
    let mut err_rot = 0f64;
    for (r, &step) in rot.iter().zip(&HOISTED_STEPS) {
        let got = ctx.decode(&sk.decrypt(r).unwrap()).unwrap();
        for (i, g) in got.iter().enumerate() {
            err_rot = err_rot.max((g - x[(i + step as usize) % slots]).abs());
        }
    }
    let single = ctx.decode(&sk.decrypt(&eval.rotate(ca, 1).unwrap()).unwrap()).unwrap();
    for (i, g) in single.iter().enumerate() {
        err_rot = err_rot.max((g - x[(i + 1) % slots]).abs());
    }
    eprintln!("[{name}] max |err| mul+relin+rescale = {err_mul:.3e}; rotations = {err_rot:.3e}");
    assert!(err_mul < 1e-3 && err_rot < 1e-3, "{name}: wrong results, refusing to benchmark");
}

fn bench_scheme(c: &mut Criterion, name: &str, literal: ParametersLiteral, measurement: Duration) {
    let large = literal.log_n >= 16;
    if !enabled(name, large) {
        return;
    }
    let s = setup(name, &literal);
    let Setup { ctx, sk, eval } = &s;
    let top = ctx.max_level();
    let slots = ctx.slots();
    let x = values(slots, 1);
    let y = values(slots, 2);
    let mut prng = Prng::from_u64_seed(7);
    let pk = sk.public_key(&mut prng);
    let pt = ctx.encode_at(&x, top).unwrap();
    let pty = ctx.encode_at(&y, top).unwrap();
    let ca = pk.encrypt(ctx, &pt, &mut prng).unwrap();
    let cb = pk.encrypt(ctx, &pty, &mut prng).unwrap();
    sanity_check(name, &s, &x, &y, &ca, &cb);
    let c3 = eval.mul(&ca, &cb).unwrap();
    let c2 = eval.relinearize(&c3).unwrap();
    let pt_dec = sk.decrypt(&ca).unwrap();

    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(measurement);

    group.bench_function("encode", |b| b.iter(|| ctx.encode_at(black_box(&x), top).unwrap()));
    group.bench_function("encrypt_pk", |b| {
        b.iter(|| pk.encrypt(ctx, black_box(&pt), &mut prng).unwrap())
    });
    group.bench_function("encrypt_sk", |b| {
        b.iter(|| sk.encrypt(black_box(&pt), &mut prng).unwrap())
    });
    group.bench_function("decrypt", |b| b.iter(|| sk.decrypt(black_box(&ca)).unwrap()));
    group.bench_function("decode", |b| b.iter(|| ctx.decode(black_box(&pt_dec)).unwrap()));
    group.bench_function("add", |b| b.iter(|| eval.add(black_box(&ca), &cb).unwrap()));
    group.bench_function("mul_plain", |b| b.iter(|| eval.mul_plain(black_box(&ca), &pty).unwrap()));
    group.bench_function("mul", |b| b.iter(|| eval.mul(black_box(&ca), &cb).unwrap()));
    group.bench_function("relinearize", |b| b.iter(|| eval.relinearize(black_box(&c3)).unwrap()));
    group.bench_function("rescale", |b| b.iter(|| eval.rescale(black_box(&c2)).unwrap()));
    group.bench_function("rotate", |b| b.iter(|| eval.rotate(black_box(&ca), 1).unwrap()));
    group.bench_function("rotate_hoisted8", |b| {
        b.iter(|| eval.rotate_hoisted(black_box(&ca), &HOISTED_STEPS).unwrap())
    });

    // NTT of a whole ciphertext (SEAL's transform_to_ntt / transform_from_ntt).
    let basis = ctx.basis_q(top);
    let n = ctx.n();
    let mut ct_data: Vec<u64> = ca.parts().iter().flat_map(|p| p.data().iter().copied()).collect();
    let limb_tables: Vec<_> = basis.iter().chain(basis.iter()).collect();
    group.bench_function("ntt_ct_forward", |b| {
        b.iter(|| {
            for (l, t) in black_box(&mut ct_data).chunks_mut(n).zip(&limb_tables) {
                t.forward(l);
            }
        })
    });
    group.bench_function("ntt_ct_inverse", |b| {
        b.iter(|| {
            for (l, t) in black_box(&mut ct_data).chunks_mut(n).zip(&limb_tables) {
                t.inverse(l);
            }
        })
    });

    bench_keyswitch_parts(&mut group, ctx, &ca);
    group.finish();
}

/// The NTTs and base conversions a key switch at the top level performs, timed on their own
/// with the context's own primes and digit layout (see the module documentation).
fn bench_keyswitch_parts(group: &mut BenchmarkGroup<'_, WallTime>, ctx: &Context, ct: &Ciphertext) {
    let n = ctx.n();
    let top = ctx.max_level();
    let q_limbs = top + 1;
    let basis_qp = ctx.basis_qp(top);
    let k = basis_qp.len() - q_limbs;
    let qm: Vec<Modulus> = ctx.basis_q(top).iter().map(|t| *t.modulus()).collect();
    let pm: Vec<Modulus> = ctx.p_basis().iter().map(|t| *t.modulus()).collect();
    let all: Vec<Modulus> = qm.iter().chain(&pm).copied().collect();
    // Per digit: its primes, the positions of its mod-up targets in Q_L ∪ P, and a converter.
    let modups: Vec<(std::ops::Range<usize>, Vec<usize>, BaseConverter)> = ctx
        .digits()
        .iter()
        .map(|d| {
            let targets: Vec<usize> = (0..q_limbs + k).filter(|i| !d.contains(i)).collect();
            let to: Vec<Modulus> = targets.iter().map(|&i| all[i]).collect();
            let conv = BaseConverter::new(&qm[d.clone()], &to);
            (d.clone(), targets, conv)
        })
        .collect();
    let moddown = BaseConverter::new(&pm, &qm);

    // Realistic residues: the ciphertext's c_1, and its first limbs reused as special residues
    // (reduced below the special primes, which are the largest).
    let c1 = ct.parts()[1].data().to_vec();
    let max_targets = modups.iter().map(|m| m.1.len()).max().unwrap_or(0);
    let min_prime = all.iter().map(|m| m.value()).min().expect("primes");
    let mut fill = Prng::from_u64_seed(3);
    let mut scratch: Vec<u64> =
        (0..max_targets.max(q_limbs) * n).map(|_| fill.uniform_below(min_prime)).collect();
    let mut inp = c1.clone();
    let mut p_part: Vec<u64> = c1[..k.min(q_limbs) * n].to_vec();
    while p_part.len() < k * n {
        p_part.extend_from_slice(&c1[..n]);
    }

    group.bench_function("ks_ntt_modup", |b| {
        b.iter(|| {
            for (l, t) in inp.chunks_mut(n).zip(basis_qp) {
                t.inverse(l);
            }
            for (_, targets, _) in &modups {
                for (l, &pos) in scratch.chunks_mut(n).zip(targets) {
                    basis_qp[pos].forward(l);
                }
            }
            black_box(&mut scratch);
        })
    });
    group.bench_function("ks_ntt_moddown2", |b| {
        b.iter(|| {
            for _ in 0..2 {
                for (l, t) in p_part.chunks_mut(n).zip(ctx.p_basis()) {
                    t.inverse(l);
                }
                for (l, t) in scratch.chunks_mut(n).zip(ctx.basis_q(top)) {
                    t.forward(l);
                }
            }
            black_box(&mut scratch);
        })
    });
    group.bench_function("ks_conv_modup", |b| {
        b.iter(|| {
            for (d, targets, conv) in &modups {
                conv.convert(&c1[d.start * n..d.end * n], &mut scratch[..targets.len() * n], n);
            }
            black_box(&mut scratch);
        })
    });
    group.bench_function("ks_conv_moddown2", |b| {
        b.iter(|| {
            for _ in 0..2 {
                moddown.convert(&p_part, &mut scratch[..q_limbs * n], n);
            }
            black_box(&mut scratch);
        })
    });
}

fn bench_n13(c: &mut Criterion) {
    let p = ParametersLiteral::with_levels(13, 2, 60, 40, 60, 3);
    bench_scheme(c, "n13", p, Duration::from_secs(1));
}

fn bench_n14(c: &mut Criterion) {
    let p = ParametersLiteral::with_levels(14, 7, 60, 40, 60, 8);
    bench_scheme(c, "n14", p, Duration::from_secs(2));
}

fn bench_n15(c: &mut Criterion) {
    let p = ParametersLiteral::with_levels(15, 14, 60, 50, 60, 15);
    bench_scheme(c, "n15", p, Duration::from_secs(3));
}

fn bench_n15_hybrid(c: &mut Criterion) {
    let p = ParametersLiteral::with_levels(15, 14, 60, 50, 60, 3)
        .security(Security::InsecureToyParameters);
    bench_scheme(c, "n15h3", p, Duration::from_secs(3));
}

fn bench_n16(c: &mut Criterion) {
    let p = ParametersLiteral::with_levels(16, 26, 60, 50, 60, 4);
    bench_scheme(c, "n16", p, Duration::from_secs(5));
}

criterion_group!(benches, bench_ntt, bench_n13, bench_n14, bench_n15, bench_n15_hybrid, bench_n16);
criterion_main!(benches);
