//! Results do not depend on the number of threads: with the same seeded randomness, key
//! generation, encryption and every evaluation step give bit-identical outputs on one thread and
//! on several.

use ckks::*;

fn run() -> (Vec<Ciphertext>, Vec<f64>) {
    let ctx = ParametersLiteral::with_levels(13, 3, 50, 36, 50, 2)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let mut prng = Prng::from_u64_seed(42);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let pk = sk.public_key(&mut prng);
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&[1, 5, -3], true, &mut prng),
    };
    let eval = Evaluator::new(&ctx, keys).unwrap();
    let v: Vec<f64> = (0..ctx.slots()).map(|i| (i as f64 * 0.01).sin()).collect();
    let x = pk.encrypt(&ctx, &ctx.encode_at(&v, 3).unwrap(), &mut prng).unwrap();
    let y = sk.encrypt(&ctx.encode_at(&v, 3).unwrap(), &mut prng).unwrap();
    let p = eval.rescale(&eval.mul_relin(&x, &y).unwrap()).unwrap();
    let mut out = vec![p.clone(), eval.conjugate(&p).unwrap(), eval.rotate(&p, 5).unwrap()];
    out.extend(eval.rotate_hoisted(&x, &[1, 5, -3]).unwrap());
    let decoded = ctx.decode(&sk.decrypt(&out[2]).unwrap()).unwrap();
    (out, decoded)
}

#[test]
fn results_are_identical_for_one_and_four_threads() {
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(run);
    let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap().install(run);
    assert_eq!(one.0, four.0);
    assert_eq!(one.1, four.1);
}

#[test]
fn evaluation_types_can_be_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Context>();
    send_sync::<Evaluator>();
    send_sync::<Ciphertext>();
    send_sync::<Plaintext>();
    send_sync::<EvaluationKeys>();
}
