//! Results do not depend on the thread count: `matmul_row_major` (and `matmul_col_major`)
//! encrypted inside rayon pools of 1 and 4 threads, with the same seeded encryption randomness,
//! give the same ciphertexts bit for bit.

mod common;

use ckks::eval::{CkksEvaluator, HomomorphicEvaluator, RotationCollector};
use ckks::{Ciphertext, EvaluationKeys, Evaluator, ParametersLiteral, Prng, SecretKey, Security};
use common::Inputs;
use linalg::{LinAlg, Matrix};
use std::sync::Arc;

/// Both matrix products of `x`, computed with `e`.
fn products<E: CkksEvaluator>(e: &E, x: &Inputs) -> (Matrix<E::Value>, Matrix<E::Value>) {
    let la = LinAlg::new(e);
    let top = e.max_level();
    let at = la.encrypt_matrix(&x.a.transpose(), x.unit, top).unwrap();
    let b = la.encrypt_matrix(&x.bm, x.unit, top - 1).unwrap();
    let row_major = la.matmul_row_major(&at, &b, x.c).unwrap();
    let a = la.encrypt_matrix(&x.a, x.unit, top - 1).unwrap();
    let bt = la.encrypt_matrix(&x.bm.transpose(), x.unit, top).unwrap();
    let col_major = la.matmul_col_major(&a, &bt, x.c).unwrap();
    (row_major, col_major)
}

#[test]
fn matmul_is_bitwise_identical_with_1_and_4_threads() {
    let ctx = ParametersLiteral::with_levels(11, 5, 50, 40, 50, 3)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let mut prng = Prng::from_u64_seed(41);
    let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
    // 20 x 7 x 66 in a 16 x 64 unit: a 2 x 2 grid of result tiles, three hoisting chunks of
    // (at most) 8 rows in row-major order, nine of columns in column-major order.
    let unit = linalg::EncodingUnit::for_slots(ctx.slots(), 16).unwrap();
    let x = Inputs::random(20, 7, 66, unit, 42);

    let collector = RotationCollector::new(ctx.chain().clone());
    products(&collector, &x);
    let set = collector.rotations();
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&set.steps_i64(), set.conjugation, &mut prng),
    };

    let results: Vec<(Matrix<Ciphertext>, Matrix<Ciphertext>)> = [1, 4]
        .into_iter()
        .map(|threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                assert_eq!(rayon::current_num_threads(), threads);
                let he = HomomorphicEvaluator::with_secret_key(
                    Evaluator::new(&ctx, keys.clone()).unwrap(),
                    sk.clone(),
                )
                .unwrap()
                .with_prng(Prng::from_u64_seed(43));
                products(&he, &x)
            })
        })
        .collect();
    let (one, four) = (&results[0], &results[1]);
    assert!(one.0 == four.0, "matmul_row_major differs between 1 and 4 threads");
    assert!(one.1 == four.1, "matmul_col_major differs between 1 and 4 threads");
    // The comparison is not vacuous: the two products' tiles are distinct ciphertexts.
    assert_eq!(linalg::Tiled::tiles(&one.0).len(), 4);
    assert!(one.0 != one.1);
}
