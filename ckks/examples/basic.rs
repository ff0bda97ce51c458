//! Encrypt two vectors, multiply them, rotate the product, decrypt, and print the error.
//! `cargo run --release -p ckks --example basic`
use ckks::{EvaluationKeys, Evaluator, ParametersLiteral, Prng, SecretKey};

fn main() -> ckks::Result<()> {
    // N = 2^14, q_0 of 60 bits, 7 levels of 40 bits, one 60-bit special prime, one prime per
    // key-switching digit: log2 QP = 400 <= 438, 128-bit secure.
    let ctx = ParametersLiteral::with_levels(14, 7, 60, 40, 60, 8).build()?;
    let mut prng = Prng::from_os_entropy();
    let sk = SecretKey::generate(&ctx, &mut prng); // stays with the client
    let pk = sk.public_key(&mut prng);
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&[3], false, &mut prng), // exactly the rotations used
    };
    let eval = Evaluator::new(&ctx, keys)?; // public material only

    let x: Vec<f64> = (0..ctx.slots()).map(|i| (i as f64 / 100.0).sin()).collect();
    let y: Vec<f64> = (0..ctx.slots()).map(|i| (i as f64 / 70.0).cos()).collect();
    let top = ctx.max_level();
    let cx = pk.encrypt(&ctx, &ctx.encode_at(&x, top)?, &mut prng)?;
    let cy = pk.encrypt(&ctx, &ctx.encode_at(&y, top)?, &mut prng)?;

    let prod = eval.rescale(&eval.mul_relin(&cx, &cy)?)?; // level top - 1
    let rotated = eval.rotate(&prod, 3)?; // slot i <- slot i + 3
    let got = ctx.decode(&sk.decrypt(&rotated)?)?;

    let n = ctx.slots();
    let err = (0..n).map(|i| (got[i] - x[(i + 3) % n] * y[(i + 3) % n]).abs()).fold(0.0, f64::max);
    println!("{}", ctx.summary());
    println!("max error of rotate(x * y, 3) over {n} slots: {err:.2e} ({:.1} bits)", -err.log2());
    Ok(())
}
