use ckks::*;
fn maxerr(a: &[f64], b: &[f64]) -> f64 { a.iter().zip(b).map(|(x,y)| (x-y).abs()).fold(0.0, f64::max) }
fn main() -> Result<()> {
    let ctx = ParametersLiteral::with_levels(12, 2, 50, 30, 50, 3).security(Security::InsecureToyParameters).build()?;
    println!("{}", ctx.summary());
    let mut prng = Prng::from_u64_seed(1);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let keys = EvaluationKeys { relinearization: Some(sk.relinearization_key(&mut prng)), galois: sk.galois_keys(&[1], false, &mut prng) };
    let eval = Evaluator::new(&ctx, keys)?;
    let top = ctx.max_level();
    let v: Vec<f64> = (0..ctx.slots()).map(|i| ((i * 7) % 13) as f64 / 13.0 - 0.5).collect();
    let pt = ctx.encode_at(&v, top)?;
    println!("encode/decode {:e}", maxerr(&ctx.decode(&pt)?, &v));
    let pt0 = ctx.encode_at(&v, 0)?;
    println!("encode/decode l0 {:e}", maxerr(&ctx.decode(&pt0)?, &v));
    let x = sk.encrypt(&pt, &mut prng)?;
    println!("enc/dec {:e}", maxerr(&ctx.decode(&sk.decrypt(&x)?)?, &v));
    let pk = sk.public_key(&mut prng);
    let xp = pk.encrypt(&ctx, &pt, &mut prng)?;
    println!("pk enc/dec {:e}", maxerr(&ctx.decode(&sk.decrypt(&xp)?)?, &v));
    let sq: Vec<f64> = v.iter().map(|a| a * a).collect();
    let m = eval.mul(&x, &x)?;
    println!("mul3 {:e}", maxerr(&ctx.decode(&sk.decrypt(&m)?)?, &sq));
    let r = eval.relinearize(&m)?;
    println!("relin {:e}", maxerr(&ctx.decode(&sk.decrypt(&r)?)?, &sq));
    let rs = eval.rescale(&r)?;
    println!("rescale {:e}", maxerr(&ctx.decode(&sk.decrypt(&rs)?)?, &sq));
    let rs3 = eval.rescale(&m)?;
    println!("rescale3 {:e}", maxerr(&ctx.decode(&sk.decrypt(&rs3)?)?, &sq));
    let rot = eval.rotate(&x, 1)?;
    let vr: Vec<f64> = (0..v.len()).map(|i| v[(i+1)%v.len()]).collect();
    println!("rot {:e}", maxerr(&ctx.decode(&sk.decrypt(&rot)?)?, &vr));
    let idx: Vec<usize> = { let got = ctx.decode(&sk.decrypt(&rot)?)?; let mut e: Vec<(f64,usize)> = got.iter().zip(&vr).enumerate().map(|(i,(a,b))| ((a-b).abs(), i)).collect(); e.sort_by(|a,b| b.0.partial_cmp(&a.0).unwrap()); println!("worst {:?}", &e[..5]); e.iter().map(|x| x.1).collect() };
    let _ = idx;
    let conj_keys = EvaluationKeys { relinearization: None, galois: sk.galois_keys(&[1, -1], true, &mut prng) };
    let ev2 = Evaluator::new(&ctx, conj_keys)?;
    let c = ev2.conjugate(&x)?;
    println!("conj {:e}", maxerr(&ctx.decode(&sk.decrypt(&c)?)?, &v));
    let back = ev2.rotate(&ev2.rotate(&x, 1)?, -1)?;
    println!("rot back {:e}", maxerr(&ctx.decode(&sk.decrypt(&back)?)?, &v));
    let hs = ev2.rotate_hoisted(&x, &[1, -1, 0])?;
    println!("hoisted {:e}", maxerr(&ctx.decode(&sk.decrypt(&hs[0])?)?, &vr));
    Ok(())
}
#[allow(dead_code)]
fn unused() {}
