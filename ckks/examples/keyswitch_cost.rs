//! The cost model of key switching beside measured time: counts what relinearize and rotate
//! perform ([`ckks::rlwe::keyswitch::KeySwitchCost`]), times each kernel on the context's own
//! primes, and compares the sum (counts x kernel times) with the measured operations.
//!
//! ```text
//! cargo run --release -p ckks --example keyswitch_cost                  # N = 2^15, 60 + 14 x 50, dnum 3
//! cargo run --release -p ckks --example keyswitch_cost -- 15 14 15      # SEAL's chain (dnum 15, k = 1)
//! cargo run --release -p ckks --example keyswitch_cost -- 14 7 8 40     # SEAL's N = 2^14 chain
//! cargo run --release -p ckks --example keyswitch_cost -- 15 14 3 50 2  # two threads
//! ```
//!
//! Arguments: `log_n levels dnum [log_scale = 50] [threads = 1]`; the first prime and the special
//! primes have 60 bits, as many special primes as the largest digit needs. Parameters beyond the
//! 128-bit bound are built as `InsecureToyParameters` (said in the output): a timing data point.

use ckks::math::rns::BaseConverter;
use ckks::math::simd::{self, pointwise, ProductSums};
use ckks::math::Modulus;
use ckks::rlwe::keyswitch::KeySwitchCost;
use ckks::*;
use std::hint::black_box;
use std::time::Instant;

#[path = "../benches/common/clock.rs"]
mod clock;
use clock::thread_cpu_ns;

/// The smallest of `rounds` timings of `f`, in microseconds. On a shared machine wall time counts
/// the time other processes hold the CPU: with one thread, where Linux tells it, the thread's own
/// CPU time is used instead (`CKKS_WALL_CLOCK=1` forces wall time).
fn time_us(rounds: usize, mut f: impl FnMut()) -> f64 {
    f();
    let cpu = rayon::current_num_threads() == 1
        && std::env::var_os("CKKS_WALL_CLOCK").is_none()
        && thread_cpu_ns().is_some();
    (0..rounds)
        .map(|_| {
            let (t, c) = (Instant::now(), thread_cpu_ns());
            f();
            match (cpu, c, thread_cpu_ns()) {
                (true, Some(a), Some(b)) => (b - a) as f64 / 1e3,
                _ => t.elapsed().as_secs_f64() * 1e6,
            }
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() -> Result<()> {
    ckks::alloc::keep_freed_memory();
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("a number")).collect();
    let arg = |i: usize, d: usize| args.get(i).copied().unwrap_or(d);
    let (log_n, levels, dnum) = (arg(0, 15) as u32, arg(1, 14), arg(2, 3));
    let (log_scale, threads) = (arg(3, 50) as u32, arg(4, 1));
    let literal = ParametersLiteral::with_levels(log_n, levels, 60, log_scale, 60, dnum);
    let (ctx, insecure) = match literal.clone().build() {
        Ok(c) => (c, false),
        Err(_) => (literal.security(Security::InsecureToyParameters).build()?, true),
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool");
    pool.install(|| run(&ctx, insecure, threads))
}

fn run(ctx: &Context, insecure: bool, threads: usize) -> Result<()> {
    let n = ctx.n();
    let top = ctx.max_level();
    let basis = ctx.basis_qp(top);
    let cost = KeySwitchCost::of(ctx, top);
    println!("{}", ctx.summary());
    if insecure {
        println!("(log2 QP above the 128-bit bound: built as InsecureToyParameters, timing only)");
    }
    let clock = if threads == 1
        && thread_cpu_ns().is_some()
        && std::env::var_os("CKKS_WALL_CLOCK").is_none()
    {
        "thread CPU time"
    } else {
        "wall time"
    };
    println!(
        "path {} ({} threads, {clock}, best of 15); NTT kernels: {}",
        simd::path(),
        threads,
        basis.iter().map(|t| t.kernel_name()).collect::<Vec<_>>().join(" ")
    );
    println!(
        "model per key switch at level {top}: {} digits, {} special primes; {} forward ({} of a \
         lift) + {} inverse NTTs; per coefficient {} inner-product and {} conversion \
         multiply-accumulates",
        cost.digits,
        cost.special,
        cost.total_forward(),
        cost.total_lifted(),
        cost.total_inverse(),
        cost.inner_product_macs(),
        cost.conversion_macs
    );

    // Kernel times on the context's own primes (one thread: the key switch parallelises over
    // limbs, which the prediction divides by the thread count).
    let mut prng = Prng::from_u64_seed(1);
    let rounds = 15;
    let (mut t_fwd, mut t_inv, mut t_ip, mut t_last) = (0.0, 0.0, 0.0, 0.0);
    let moduli: Vec<Modulus> = basis.iter().map(|t| *t.modulus()).collect();
    let random = |prng: &mut Prng, q: u64, len: usize| -> Vec<u64> {
        (0..len).map(|_| prng.uniform_below(q)).collect()
    };
    let q_limbs = top + 1;
    for (t, table) in basis.iter().enumerate() {
        let q = table.modulus();
        let mut a = random(&mut prng, q.value(), n);
        // A lift from another ciphertext prime (the typical source of a single-prime digit).
        let from = moduli[if t == 1 { 2 } else { 1 }].value();
        let src = random(&mut prng, from, n);
        let mut out = vec![0; n];
        let f = time_us(rounds, || table.forward(black_box(&mut a)));
        let l = time_us(rounds, || table.forward_lifted(black_box(&src), from, &mut out));
        let i = time_us(rounds, || table.inverse(black_box(&mut a)));
        let plain = cost.forward_ntts[t] - cost.lifted_ntts[t];
        t_fwd += f * plain as f64 + l * cost.lifted_ntts[t] as f64;
        t_inv += i * cost.inverse_ntts[t] as f64;
        if t < q_limbs {
            // The mod-down's last pass on this prime, (x - conv) P^-1 + add.
            let (y, z) = (random(&mut prng, q.value(), n), random(&mut prng, q.value(), n));
            let w = (y[0], q.shoup(y[0]));
            let p = time_us(rounds, || pointwise::sub_mul_const(&mut a, Some(&y), w, Some(&z), q));
            t_last += 2.0 * p;
        }
    }
    // The inner product streams the whole switching key (2 dnum limbs per prime, tens to hundreds
    // of MiB) from memory: time it over key-sized data, with the digit limb in cache as in the
    // key switch (it was just transformed there).
    let terms = cost.inner_product_terms[0];
    let key: Vec<Vec<u64>> = moduli
        .iter()
        .flat_map(|q| (0..2 * terms).map(|_| random(&mut prng, q.value(), n)).collect::<Vec<_>>())
        .collect();
    let src: Vec<Vec<u64>> = moduli.iter().map(|q| random(&mut prng, q.value(), n)).collect();
    let (mut o0, mut o1) = (vec![0; n], vec![0; n]);
    let mut sums = ProductSums::new(&moduli[0], n);
    t_ip += time_us(5, || {
        for (t, q) in moduli.iter().enumerate() {
            sums.reset(q, n);
            for j in 0..terms {
                let k = &key[t * 2 * terms..];
                sums.add(&src[t], &k[2 * j], &k[2 * j + 1]);
            }
            sums.finish(&mut o0, &mut o1);
        }
    });
    // Base conversions from more than one prime (those from one are in the lifted NTTs): every
    // such digit's mod-up, and the two mod-downs.
    let mut t_conv = 0.0;
    let mut out = vec![0u64; basis.len() * n];
    for d in ctx.digits().iter().filter(|d| d.start <= top && d.end.min(q_limbs) - d.start > 1) {
        let digit = d.start..d.end.min(q_limbs);
        let from = &moduli[digit.clone()];
        let to: Vec<Modulus> =
            (0..moduli.len()).filter(|i| !digit.contains(i)).map(|i| moduli[i]).collect();
        let conv = BaseConverter::new(from, &to);
        let input: Vec<u64> = from.iter().flat_map(|q| random(&mut prng, q.value(), n)).collect();
        t_conv += time_us(rounds, || conv.convert(black_box(&input), &mut out[..to.len() * n], n));
    }
    let (q_mod, p_mod) = moduli.split_at(q_limbs);
    if p_mod.len() > 1 {
        let down = BaseConverter::new(p_mod, q_mod);
        let input: Vec<u64> = p_mod.iter().flat_map(|q| random(&mut prng, q.value(), n)).collect();
        t_conv +=
            2.0 * time_us(rounds, || down.convert(black_box(&input), &mut out[..q_limbs * n], n));
    }
    // The other element-wise passes, per limb: copy, zero fill, permutation.
    let x = random(&mut prng, moduli[1].value(), n);
    let mut y = vec![0u64; n];
    let t_copy = time_us(rounds, || y.copy_from_slice(black_box(&x)));
    let t_zero = time_us(rounds, || black_box(&mut y).fill(0));
    let perm = ckks::math::poly::eval_automorphism_permutation(n, 5);
    let perm = pointwise::Permutation::new(&perm);
    let t_perm = time_us(rounds, || perm.apply(black_box(&x), &mut y));
    let passes = |rotation: bool| {
        let p = cost.limb_passes(rotation);
        p.copies as f64 * t_copy
            + p.zero_fills as f64 * t_zero
            + p.permutations as f64 * t_perm
            + t_last
    };
    let kernels = t_fwd + t_inv + t_ip + t_conv;
    let model_us = |rotation: bool| (kernels + passes(rotation)) / threads as f64;
    println!(
        "kernel times x counts: forward NTTs {:.2} ms, inverse NTTs {:.2} ms, inner product {:.2} \
         ms, conversions {:.2} ms, element-wise passes {:.2} ms (relinearize) / {:.2} ms \
         (rotate); predicted {:.2} / {:.2} ms{}",
        t_fwd / 1e3,
        t_inv / 1e3,
        t_ip / 1e3,
        t_conv / 1e3,
        passes(false) / 1e3,
        passes(true) / 1e3,
        model_us(false) / 1e3,
        model_us(true) / 1e3,
        if threads > 1 { format!(" (sum / {threads} threads)") } else { String::new() }
    );

    // The operations themselves.
    let sk = SecretKey::generate(ctx, &mut prng);
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&[1], false, &mut prng),
    };
    let eval = Evaluator::new(ctx, keys)?;
    let v: Vec<f64> = (0..ctx.slots()).map(|i| (i as f64 * 0.1).sin()).collect();
    let x = sk.encrypt(&ctx.encode_at(&v, top)?, &mut prng)?;
    let m = eval.mul(&x, &x)?;
    let relin = time_us(rounds, || drop(eval.relinearize(black_box(&m)).unwrap()));
    let rotate = time_us(rounds, || drop(eval.rotate(black_box(&x), 1).unwrap()));
    for (name, t, model) in
        [("relinearize", relin, model_us(false)), ("rotate", rotate, model_us(true))]
    {
        println!(
            "{name}: measured {:.2} ms, model {:.2} ms, measured / model = {:.2}",
            t / 1e3,
            model / 1e3,
            t / model
        );
    }
    Ok(())
}
