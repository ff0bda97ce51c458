//! Repeats one operation at SEAL's default chain (N = 2^14, or LOGN=13 / 15), for profiling
//! (perf record) or instruction counting: `OP=relin REPS=4 valgrind --tool=callgrind ...` minus `REPS=0`.
use ckks::*;
fn main() -> Result<()> {
    ckks::alloc::keep_freed_memory();
    // SEAL's chains: N = 2^14 with 40-bit primes (default), N = 2^15 with 50-bit (LOGN=15).
    let (log_n, levels, bits) = match std::env::var("LOGN").as_deref() {
        Ok("13") => (13, 2, 40),
        Ok("15") => (15, 14, 50),
        _ => (14, 7, 40),
    };
    let ctx = ParametersLiteral {
        log_n,
        first_prime_bits: 60,
        data_prime_bits: vec![bits; levels],
        bootstrap_prime_bits: Vec::new(),
        special_prime_bits: vec![60],
        log_scale: bits,
        dnum: levels + 1,
        security: Security::HeStandard128,
    }
    .build()?;
    let mut prng = Prng::from_u64_seed(1);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&[1], false, &mut prng),
    };
    let eval = Evaluator::new(&ctx, keys)?;
    let v: Vec<f64> = (0..ctx.slots()).map(|i| ((i as f64) * 0.37).sin()).collect();
    let x = sk.encrypt(&ctx.encode_at(&v, ctx.max_level())?, &mut prng)?;
    let m = eval.mul(&x, &x)?;
    let r = eval.relinearize(&m)?;
    // Repeat one operation OP (relin, rescale, rotate) REPS times, from the environment.
    let op = std::env::var("OP").unwrap_or_default();
    let reps: usize = std::env::var("REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    for _ in 0..reps {
        match op.as_str() {
            "relin" => drop(eval.relinearize(&m)?),
            "rescale" => drop(eval.rescale(&r)?),
            "add" => drop(eval.add(&x, &x)?),
            "decrypt" => drop(sk.decrypt(&x)?),
            "rotate" => drop(eval.rotate(&r, 1)?),
            "ntt" => {
                let mut a = m.parts()[0].limb(0).to_vec();
                ctx.basis_q(0)[0].forward(&mut a);
            }
            "intt" => {
                let mut a = m.parts()[0].limb(0).to_vec();
                ctx.basis_q(0)[0].inverse(&mut a);
            }
            "hoisted" => drop(eval.rotate_hoisted(&r, &[1, 1, 1, 1])?),
            _ => {}
        }
    }
    Ok(())
}
