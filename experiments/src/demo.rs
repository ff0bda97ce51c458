//! `demo`: a short demonstration of the CKKS scheme (encrypt two vectors, multiply, rotate,
//! decrypt; errors and timings).

use ckks::{EvaluationKeys, Evaluator, ParametersLiteral, Prng, SecretKey, Security};
use std::time::Instant;

fn max_err(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

fn bits(err: f64) -> String {
    format!("{:.1} bits", -err.log2())
}

/// Encrypts two vectors, multiplies, rotates, decrypts, and prints the errors and timings.
///
/// # Errors
/// Parameter and evaluation errors.
pub fn demo(
    log_n: u32,
    levels: usize,
    log_scale: u32,
    dnum: usize,
    step: i64,
    insecure: bool,
) -> ckks::Result<()> {
    let security = if insecure { Security::InsecureToyParameters } else { Security::HeStandard128 };
    let t = Instant::now();
    let ctx = ParametersLiteral::with_levels(log_n, levels, 60, log_scale, 60, dnum)
        .security(security)
        .build()?;
    println!("parameters ({:.2} s):\n  {}", t.elapsed().as_secs_f64(), ctx.summary());

    let mut prng = Prng::from_os_entropy();
    let t = Instant::now();
    let sk = SecretKey::generate(&ctx, &mut prng);
    let pk = sk.public_key(&mut prng);
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&[step], false, &mut prng),
    };
    println!(
        "keys: secret, public, relinearization ({:.1} MiB), Galois for step {step} ({:.1} MiB) in {:.2} s",
        keys.relinearization.as_ref().map_or(0, |k| k.byte_size()) as f64 / 1048576.0,
        keys.galois.byte_size() as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );
    let eval = Evaluator::new(&ctx, keys)?;

    let slots = ctx.slots();
    let x: Vec<f64> = (0..slots).map(|i| (i as f64 * 0.37).sin()).collect();
    let y: Vec<f64> = (0..slots).map(|i| (i as f64 * 0.11).cos()).collect();
    let top = ctx.max_level();

    let t = Instant::now();
    let cx = pk.encrypt(&ctx, &ctx.encode_at(&x, top)?, &mut prng)?;
    let cy = pk.encrypt(&ctx, &ctx.encode_at(&y, top)?, &mut prng)?;
    let t_enc = t.elapsed().as_secs_f64() / 2.0;

    let t = Instant::now();
    let prod = eval.rescale(&eval.mul_relin(&cx, &cy)?)?;
    let t_mul = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let rotated = eval.rotate(&prod, step)?;
    let t_rot = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let got_prod = ctx.decode(&sk.decrypt(&prod)?)?;
    let got_rot = ctx.decode(&sk.decrypt(&rotated)?)?;
    let t_dec = t.elapsed().as_secs_f64() / 2.0;

    let want_prod: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a * b).collect();
    let s = step.rem_euclid(slots as i64) as usize;
    let want_rot: Vec<f64> = (0..slots).map(|i| want_prod[(i + s) % slots]).collect();
    let e_prod = max_err(&got_prod, &want_prod);
    let e_rot = max_err(&got_rot, &want_rot);
    println!(
        "x[i] = sin(0.37 i), y[i] = cos(0.11 i), {slots} slots, encrypted with the public key"
    );
    println!("  {:<26} {:>9.2} ms per vector", "encode + encrypt", t_enc * 1e3);
    println!(
        "  {:<26} {:>9.2} ms, max error {e_prod:.3e} ({})",
        "x*y (mul, relin, rescale)",
        t_mul * 1e3,
        bits(e_prod)
    );
    println!(
        "  {:<26} {:>9.2} ms, max error {e_rot:.3e} ({})",
        format!("rotate by {step}"),
        t_rot * 1e3,
        bits(e_rot)
    );
    println!("  {:<26} {:>9.2} ms per vector", "decrypt + decode", t_dec * 1e3);
    println!("  first slots of x*y rotated: {:?}", &got_rot[..4]);
    println!("  expected:                   {:?}", &want_rot[..4]);
    Ok(())
}
