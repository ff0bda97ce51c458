//! The element-wise kernels of key switching and of the evaluator, each on the portable path and
//! on every vector path this CPU has, side by side in one run, one thread:
//!
//! ```text
//! cargo bench -p ckks --bench kernels                  # N = 2^15, 50- and 60-bit primes
//! cargo bench -p ckks --bench kernels -- 60            # only lines containing "60"
//! ```
//!
//! Each line is the best of 15 rounds of 20 calls in thread CPU time (the figure that survives a
//! loaded machine), in nanoseconds per coefficient, with the speedup over the portable loop. Operands are random
//! residues of one limb (in cache); `product sums` is one term of key switching's inner product
//! (two products), `conversion` one target of a 5-prime base conversion (per target
//! coefficient), `lift` a single-prime conversion from a 60-bit prime.

use ckks::math::primes::largest_ntt_prime;
use ckks::math::simd::pointwise::{self, Op, Permutation};
use ckks::math::simd::{self, Path, ProductSums, SumTerm};
use ckks::math::{poly, Modulus};
use ckks::Prng;
use std::hint::black_box;

#[path = "common/clock.rs"]
mod clock;
use clock::now;

/// Nanoseconds per coefficient: the best of 15 rounds of 20 calls of `f` on `n` coefficients,
/// in thread CPU time.
fn best_of(n: usize, mut f: impl FnMut()) -> f64 {
    f();
    (0..15)
        .map(|_| {
            let t = now();
            for _ in 0..20 {
                f();
            }
            (now() - t) / 20.0 * 1e9 / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let paths: Vec<Path> = Path::ALL.into_iter().filter(|p| p.is_supported()).collect();
    let n = 1 << std::env::var("KERNELS_LOG_N").map_or(15, |v| v.parse().expect("a number"));
    println!(
        "process path {}; best of 15 x 20 calls (thread CPU time), ns per coefficient, N = 2^15",
        simd::path()
    );
    print!("{:<34}", "kernel");
    for p in &paths {
        print!("{:>16}", p.name());
    }
    println!();
    for bits in [50u32, 60] {
        let mut ps = Vec::new();
        for _ in 0..12 {
            ps.push(largest_ntt_prime(bits, 2 * n as u64, &ps).unwrap());
        }
        let q = Modulus::new(ps[0]);
        let mut prng = Prng::from_u64_seed(bits as u64);
        let mut random = |m: u64| -> Vec<u64> { (0..n).map(|_| prng.uniform_below(m)).collect() };
        let (x, y, z) = (random(q.value()), random(q.value()), random(q.value()));
        let wide: Vec<Vec<u64>> = ps[1..].iter().map(|&p| random(p)).collect();
        let small_src = random(ps[1]);
        let a60 = largest_ntt_prime(60, 2 * n as u64, &ps).unwrap();
        let lift_src = random(a60);
        let perm = poly::eval_automorphism_permutation(n, 5);
        let w = (y[0], q.shoup(y[0]));
        let mut out = vec![0u64; n];
        let mut rows: Vec<(String, Vec<f64>)> = Vec::new();
        let mut row = |name: &str, f: &mut dyn FnMut(Path) -> f64| {
            let name = format!("{name}, {bits}-bit");
            if filter.iter().all(|s| name.contains(s.as_str())) {
                rows.push((name, paths.iter().map(|&p| f(p)).collect()));
            }
        };
        row("add", &mut |p| {
            best_of(n, || pointwise::binary_into_on(p, Op::Add, &x, &y, &mut out, &q))
        });
        row("sub (in place)", &mut |p| {
            let mut a = x.clone();
            best_of(n, || pointwise::binary_assign_on(p, Op::Sub, &mut a, &y, &q))
        });
        row("neg (in place)", &mut |p| {
            let mut a = x.clone();
            best_of(n, || pointwise::neg_assign_on(p, black_box(&mut a), &q))
        });
        row("mul", &mut |p| {
            best_of(n, || pointwise::binary_into_on(p, Op::Mul, &x, &y, &mut out, &q))
        });
        row("mul-add", &mut |p| {
            let mut a = z.clone();
            best_of(n, || pointwise::mul_add_assign_on(p, &mut a, &x, &y, &q))
        });
        row("mul by constant", &mut |p| {
            let mut a = x.clone();
            best_of(n, || pointwise::sub_mul_const_on(p, &mut a, None, w, None, &q))
        });
        row("(x - y) w (mod-down, rescale)", &mut |p| {
            let mut a = x.clone();
            best_of(n, || pointwise::sub_mul_const_on(p, &mut a, Some(&y), w, None, &q))
        });
        row("automorphism permutation", &mut |p| {
            let pm = Permutation::on(p, &perm);
            best_of(n, || pm.apply(&x, &mut out))
        });
        row("product sums (one term)", &mut |p| {
            let mut s = ProductSums::on(p, &q, n);
            let (mut o0, mut o1) = (vec![0; n], vec![0; n]);
            best_of(n, || {
                s.reset(&q, n);
                for _ in 0..4 {
                    s.add(&x, &y, &z);
                }
                s.finish(&mut o0, &mut o1);
            }) / 4.0
        });
        for sources in [5, 11] {
            row(&format!("conversion {sources} -> 1 (per target)"), &mut |p| {
                let ys: Vec<&[u64]> = wide[..sources].iter().map(|w| &w[..]).collect();
                let ms = &y[1..=sources];
                let terms: Vec<SumTerm<'_>> = ys
                    .iter()
                    .zip(ms)
                    .map(|(w, &m)| SumTerm {
                        x: w,
                        m,
                        m_high: (bits > 51).then(|| q.mul(m, 1 << 32)),
                    })
                    .collect();
                if !simd::conversion_sums_on(p, &terms, &q, &mut out) {
                    // The portable sums of `BaseConverter::finish`: coefficient by coefficient,
                    // the sum in a `u128` register.
                    return best_of(n, || {
                        for (c, o) in out.iter_mut().enumerate() {
                            let mut acc = 0u128;
                            for (yi, &mi) in ys.iter().zip(ms) {
                                acc += yi[c] as u128 * mi as u128;
                            }
                            *o = q.reduce_u128(acc);
                        }
                    });
                }
                best_of(n, || {
                    black_box(simd::conversion_sums_on(p, &terms, &q, &mut out));
                })
            });
        }
        row("lift from 50 bits", &mut |p| {
            best_of(n, || simd::centred_lift_on(p, &small_src, &mut out, ps[1], &q))
        });
        row("lift from 60 bits", &mut |p| {
            best_of(n, || simd::centred_lift_on(p, &lift_src, &mut out, a60, &q))
        });
        for (name, t) in rows {
            print!("{name:<34}");
            for v in &t {
                print!("{:>9.3} ({:>4.1}x)", v, t[0] / v);
            }
            println!();
        }
    }
}
