use ckks::*;
fn maxerr(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}
fn main() -> Result<()> {
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
        galois: sk.galois_keys(&[1], false, &mut prng),
    };
    let eval = Evaluator::new(&ctx, keys)?;
    let top = ctx.max_level();
    let n = ctx.slots();
    let v: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.37).sin()).collect();
    let w: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.11).cos()).collect();
    let pt = ctx.encode_at(&v, top)?;
    let ptw = ctx.encode_at(&w, top)?;
    println!("encode/decode {:e}", maxerr(&ctx.decode(&pt)?, &v));
    let x = sk.encrypt(&pt, &mut prng)?;
    println!("sk enc/dec {:e}", maxerr(&ctx.decode(&sk.decrypt(&x)?)?, &v));
    let xp = pk.encrypt(&ctx, &pt, &mut prng)?;
    let yp = pk.encrypt(&ctx, &ptw, &mut prng)?;
    println!("pk enc/dec {:e}", maxerr(&ctx.decode(&sk.decrypt(&xp)?)?, &v));
    let sq: Vec<f64> = v.iter().zip(&w).map(|(a, b)| a * b).collect();
    let m = eval.mul(&xp, &yp)?;
    println!("mul3 {:e}", maxerr(&ctx.decode(&sk.decrypt(&m)?)?, &sq));
    let r = eval.relinearize(&m)?;
    println!("relin {:e}", maxerr(&ctx.decode(&sk.decrypt(&r)?)?, &sq));
    let rs = eval.rescale(&r)?;
    println!("rescale {:e}", maxerr(&ctx.decode(&sk.decrypt(&rs)?)?, &sq));
    let pm = eval.rescale(&eval.mul_plain(&xp, &ptw)?)?;
    println!("mulplain+rescale {:e}", maxerr(&ctx.decode(&sk.decrypt(&pm)?)?, &sq));
    let ptsq = ctx.encode(&sq, top, ctx.scale(top) * ctx.scale(top))?;
    let pr = eval.rescale(&sk.encrypt(&ptsq, &mut prng)?)?;
    println!("sk enc at s^2 + rescale {:e}", maxerr(&ctx.decode(&sk.decrypt(&pr)?)?, &sq));
    Ok(())
}
