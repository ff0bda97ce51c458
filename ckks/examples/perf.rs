//! Quick single-shot timings (median of a few runs) of the main operations at N = 2^14.
//! For proper measurements use `cargo bench -p ckks`.
use ckks::math::primes::largest_ntt_prime;
use ckks::math::{Modulus, NttTable};
use ckks::*;
use std::time::Instant;

fn med(mut f: impl FnMut(), reps: usize) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    t[reps / 2]
}

fn main() -> Result<()> {
    for log_n in [14u32, 16] {
        for bits in [50, 60] {
            let n = 1 << log_n;
            let q = largest_ntt_prime(bits, 2 * n as u64, &[]).unwrap();
            let t = NttTable::new(Modulus::new(q), n);
            let mut a: Vec<u64> = (0..n as u64).map(|i| i * 12345 % q).collect();
            println!("ntt fwd 2^{log_n} {bits}-bit: {:.1} us", med(|| t.forward(&mut a), 21));
            println!("ntt inv 2^{log_n} {bits}-bit: {:.1} us", med(|| t.inverse(&mut a), 21));
        }
    }
    let ctx = ParametersLiteral {
        log_n: 14,
        first_prime_bits: 60,
        data_prime_bits: vec![40; 7],
        special_prime_bits: vec![60],
        log_scale: 40,
        dnum: 8,
        security: Security::HeStandard128,
    }
    .build()?;
    let mut prng = Prng::from_u64_seed(1);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let pk = sk.public_key(&mut prng);
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&[1, 2, 3, 4, 5, 6, 7, 8], false, &mut prng),
    };
    let eval = Evaluator::new(&ctx, keys)?;
    let top = ctx.max_level();
    let v: Vec<f64> = (0..ctx.slots()).map(|i| ((i as f64) * 0.37).sin()).collect();
    let pt = ctx.encode_at(&v, top)?;
    let x = pk.encrypt(&ctx, &pt, &mut prng)?;
    let m = eval.mul(&x, &x)?;
    let r = eval.relinearize(&m)?;
    println!(
        "encode: {:.0} us",
        med(
            || {
                ctx.encode_at(&v, top).unwrap();
            },
            11
        )
    );
    println!(
        "encrypt pk: {:.0} us",
        med(
            || {
                pk.encrypt(&ctx, &pt, &mut prng).unwrap();
            },
            11
        )
    );
    println!(
        "encrypt sk: {:.0} us",
        med(
            || {
                sk.encrypt(&pt, &mut prng).unwrap();
            },
            11
        )
    );
    println!(
        "mul: {:.0} us",
        med(
            || {
                eval.mul(&x, &x).unwrap();
            },
            11
        )
    );
    println!(
        "relin: {:.0} us",
        med(
            || {
                eval.relinearize(&m).unwrap();
            },
            11
        )
    );
    println!(
        "rescale: {:.0} us",
        med(
            || {
                eval.rescale(&r).unwrap();
            },
            11
        )
    );
    println!(
        "rotate: {:.0} us",
        med(
            || {
                eval.rotate(&x, 1).unwrap();
            },
            11
        )
    );
    println!(
        "hoisted x8: {:.0} us",
        med(
            || {
                eval.rotate_hoisted(&x, &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
            },
            5
        )
    );
    println!(
        "decrypt: {:.0} us",
        med(
            || {
                sk.decrypt(&x).unwrap();
            },
            11
        )
    );
    let d = sk.decrypt(&x)?;
    println!(
        "decode: {:.0} us",
        med(
            || {
                ctx.decode(&d).unwrap();
            },
            11
        )
    );
    Ok(())
}
