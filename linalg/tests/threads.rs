//! Results do not depend on the thread count: `matmul_row_major` (and `matmul_col_major`)
//! encrypted inside rayon pools of 1 and 4 threads, with the same seeded encryption randomness,
//! give the same ciphertexts bit for bit.
//!
//! At N = 2^11 only the tile-level parallelism of this crate is exercised: the scheme's own
//! parallel paths start at 2^14 words per polynomial for transforms and 2^17 for element-wise
//! work (`PAR_THRESHOLD`, `PAR_THRESHOLD_CHEAP` in `ckks/src/math/poly.rs`). The second test
//! runs the two matrix-vector products at N = 2^14 with eight ciphertext primes (2^17 words at
//! the top level), where both are crossed inside every tile operation as well.

mod common;

use ckks::eval::{CkksEvaluator, HomomorphicEvaluator, RotationCollector};
use ckks::{Ciphertext, EvaluationKeys, Evaluator, ParametersLiteral, Prng, SecretKey, Security};
use common::Inputs;
use linalg::{ColVector, LinAlg, Matrix, RowVector};
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

/// `v^T A` and `c A u` for a matrix of 2 x 2 tiles, computed with `e`.
fn products_with_vectors<E: CkksEvaluator>(
    e: &E,
    x: &Inputs,
) -> (ColVector<E::Value>, RowVector<E::Value>) {
    let la = LinAlg::new(e);
    let top = e.max_level();
    let a = la.encrypt_matrix(&x.a, x.unit, top).unwrap();
    let v = la.encrypt_row(&x.v, x.unit, top).unwrap();
    let u = la.encrypt_col(&x.u, x.unit, top).unwrap();
    (la.row_times_matrix(&v, &a).unwrap(), la.matrix_times_col(&a, &u, x.c).unwrap())
}

#[test]
fn vector_products_are_bitwise_identical_above_the_parallel_thresholds() {
    let ctx = ParametersLiteral::with_levels(14, 7, 50, 40, 50, 2)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    // 2^14 coefficients times 8 primes: the element-wise threshold of 2^17 words.
    assert!(ctx.n() * (ctx.max_level() + 1) >= 1 << 17);
    let mut prng = Prng::from_u64_seed(51);
    let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
    // 100 x 200 in a 64 x 128 unit: 2 x 2 tiles.
    let unit = linalg::EncodingUnit::for_slots(ctx.slots(), 64).unwrap();
    let x = Inputs::random(100, 200, 1, unit, 52);
    let collector = RotationCollector::new(ctx.chain().clone());
    products_with_vectors(&collector, &x);
    let set = collector.rotations();
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&set.steps_i64(), set.conjugation, &mut prng),
    };
    let results: Vec<_> = [1, 4]
        .into_iter()
        .map(|threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let he = HomomorphicEvaluator::with_secret_key(
                    Evaluator::new(&ctx, keys.clone()).unwrap(),
                    sk.clone(),
                )
                .unwrap()
                .with_prng(Prng::from_u64_seed(53));
                products_with_vectors(&he, &x)
            })
        })
        .collect();
    let (one, four) = (&results[0], &results[1]);
    assert!(one.0 == four.0, "row_times_matrix differs between 1 and 4 threads");
    assert!(one.1 == four.1, "matrix_times_col differs between 1 and 4 threads");
    assert_eq!(linalg::Tiled::tiles(&one.0).len(), 2);
    assert_eq!(linalg::Tiled::tiles(&one.1).len(), 2);
}
