//! Results do not depend on the number of threads: with the same seeded randomness, key
//! generation, encryption and every evaluation step give bit-identical outputs on one thread and
//! on several.
//!
//! The polynomial arithmetic goes parallel only above two sizes (`ckks/src/math/poly.rs`):
//! `PAR_THRESHOLD` = 2^14 words for transforms (NTTs, base conversions) and
//! `PAR_THRESHOLD_CHEAP` = 2^17 words for element-wise work (additions, products). The first
//! parameter set (N = 2^13, 4 ciphertext primes: 2^15 words) crosses the first only; the second
//! (N = 2^14, 8 ciphertext primes: 2^17 words at the top level) crosses both, so its top-level
//! additions and products run on the pool too.

use ckks::*;

/// The ring degree and top-level prime count of each parameter set, and whether its top-level
/// ciphertext polynomials reach the element-wise threshold (2^17 words).
const SETS: [(u32, usize, bool); 2] = [(13, 3, false), (14, 7, true)];

fn run(log_n: u32, levels: usize) -> (Vec<Ciphertext>, Vec<f64>) {
    let ctx = ParametersLiteral::with_levels(log_n, levels, 50, 36, 50, 2)
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
    out.push(eval.add(&x, &y).unwrap());
    out.push(eval.mul(&x, &y).unwrap());
    let decoded = ctx.decode(&sk.decrypt(&out[2]).unwrap()).unwrap();
    (out, decoded)
}

#[test]
fn results_are_identical_for_one_and_four_threads() {
    for (log_n, levels, cheap_parallel) in SETS {
        // The sizes the module comment promises.
        let words = (1usize << log_n) * (levels + 1);
        assert!(words >= 1 << 14, "N = 2^{log_n}: below the transform threshold");
        assert_eq!(words >= 1 << 17, cheap_parallel, "N = 2^{log_n}: element-wise threshold");
        let pool = |t| rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap();
        let one = pool(1).install(|| run(log_n, levels));
        let four = pool(4).install(|| run(log_n, levels));
        assert_eq!(one.0.len(), four.0.len());
        assert!(one.0 == four.0, "N = 2^{log_n}: ciphertexts differ between 1 and 4 threads");
        assert_eq!(one.1, four.1);
    }
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
