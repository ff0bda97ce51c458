//! Typed errors: every precondition of the toolkit fails with its own [`LinalgError`] variant
//! (operation names included), and the scheme's preconditions come through as
//! [`LinalgError::Ckks`]:
//!
//! - shape mismatches (element-wise operations, `hadamard_row` / `hadamard_col` lengths, matmul
//!   inner dimensions) and unit mismatches;
//! - matmul operands at the wrong levels: [`CkksError::LevelMismatch`];
//! - invalid units (`EncodingUnit::new`, `for_slots`, a unit for another slot count);
//! - `PlainMatrix::new` with the wrong data length or an empty dimension, empty vectors;
//! - the mixed-unit preconditions (`m <= n`, at most `m` columns, the transposed unit, lengths)
//!   and `transpose_unit` on a vector longer than `min(m, n)`;
//! - missing keys: a Galois key set lacking one collected step gives
//!   [`CkksError::MissingRotationKey`] for exactly that step, encrypted and in plaintext with
//!   the same key model; no relinearization key, level exhausted, scale mismatch.
//!
//! Everything but the encrypted missing-key test runs under the [`PlaintextEvaluator`].

mod common;

use ckks::eval::{
    CkksEvaluator, HomomorphicEvaluator, KeyModel, PlaintextEvaluator, RotationCollector,
};
use ckks::{CkksError, EvaluationKeys, Evaluator, ParametersLiteral, Prng, SecretKey, Security};
use linalg::{transpose_unit, EncodingUnit, LinAlg, LinalgError, PlainMatrix, Tiled};
use std::sync::Arc;

/// A plaintext evaluator with 256 slots and 5 levels.
fn plain() -> PlaintextEvaluator {
    PlaintextEvaluator::new(common::chain(9))
}

fn m(rows: usize, cols: usize) -> PlainMatrix {
    PlainMatrix::from_fn(rows, cols, |i, j| (i as f64 - j as f64) / 16.0)
}

fn unit(height: usize, width: usize) -> EncodingUnit {
    EncodingUnit::new(height, width).unwrap()
}

/// Asserts a [`LinalgError::ShapeMismatch`] of `operation`.
fn assert_shape<T: std::fmt::Debug>(r: linalg::Result<T>, operation: &str) {
    match r {
        Err(LinalgError::ShapeMismatch { operation: op, .. }) => assert_eq!(op, operation),
        other => panic!("{operation}: expected a shape mismatch, got {other:?}"),
    }
}

/// Asserts a [`LinalgError::UnitMismatch`] of `operation` between `left` and `right`.
fn assert_unit<T: std::fmt::Debug>(
    r: linalg::Result<T>,
    operation: &str,
    left: EncodingUnit,
    right: EncodingUnit,
) {
    match r {
        Err(LinalgError::UnitMismatch { operation: op, left: l, right: r }) => {
            assert_eq!((op, l, r), (operation, left, right))
        }
        other => panic!("{operation}: expected a unit mismatch, got {other:?}"),
    }
}

#[test]
fn shape_mismatches() {
    let e = plain();
    let la = LinAlg::new(&e);
    let (u, top) = (unit(16, 16), e.max_level());
    let a = la.encrypt_matrix(&m(5, 3), u, top).unwrap();
    let b = la.encrypt_matrix(&m(5, 4), u, top).unwrap();
    let bt = la.encrypt_matrix(&m(3, 5), u, top).unwrap();
    assert_shape(la.add(&a, &b), "add");
    assert_shape(la.sub(&a, &b), "sub");
    assert_shape(la.hadamard(&a, &bt), "hadamard");
    let p = la.encode_matrix(&m(4, 3), u, top).unwrap();
    assert_shape(la.add_plain(&a, &p), "add_plain");
    assert_shape(la.sub_plain(&a, &p), "sub_plain");
    assert_shape(la.mul_plain(&a, &p), "mul_plain");
    let v4 = la.encrypt_row(&[1.0; 4], u, top).unwrap();
    let v5 = la.encrypt_row(&[1.0; 5], u, top).unwrap();
    assert_shape(la.add(&v4, &v5), "add");
    let u4 = la.encrypt_col(&[1.0; 4], u, top).unwrap();
    let u3 = la.encrypt_col(&[1.0; 3], u, top).unwrap();
    assert_shape(la.hadamard(&u4, &u3), "hadamard");

    // Vector products: the length must match the rows (row vectors) or columns (column vectors).
    assert_shape(la.hadamard_row(&v4, &a), "hadamard_row");
    assert_shape(la.row_times_matrix(&v4, &a), "hadamard_row");
    assert_shape(la.hadamard_col(&a, &u4), "hadamard_col");
    assert_shape(la.matrix_times_col(&a, &u4, 1.0), "hadamard_col");
    assert!(la.hadamard_row(&v5, &a).is_ok() && la.hadamard_col(&a, &u3).is_ok());

    // Matrix products: A^T (g x f) and B (g x h) need the same g; A (f x g) and B^T (h x g) too.
    let b_low = la.encrypt_matrix(&m(5, 4), u, top - 1).unwrap();
    let c_low = la.encrypt_matrix(&m(3, 4), u, top - 1).unwrap();
    assert_shape(la.matmul_row_major(&bt, &b_low, 1.0), "matmul_row_major");
    assert!(la.matmul_row_major(&bt, &c_low, 1.0).is_ok());
    assert_shape(la.matmul_col_major(&b_low, &a, 1.0), "matmul_col_major");
    let err = la.matmul_col_major(&c_low, &a, 1.0).unwrap_err();
    assert!(err.to_string().contains("matmul_col_major"), "{err}");
}

#[test]
fn unit_mismatches() {
    let e = plain();
    let la = LinAlg::new(&e);
    let (u, w, top) = (unit(16, 16), unit(8, 32), e.max_level());
    let a = la.encrypt_matrix(&m(5, 3), u, top).unwrap();
    let b = la.encrypt_matrix(&m(5, 3), w, top).unwrap();
    assert_unit(la.add(&a, &b), "add", u, w);
    assert_unit(la.hadamard(&b, &a), "hadamard", w, u);
    // The unit is compared before the dimensions.
    let b2 = la.encrypt_matrix(&m(2, 2), w, top).unwrap();
    assert_unit(la.sub(&a, &b2), "sub", u, w);
    let p = la.encode_matrix(&m(5, 3), w, top).unwrap();
    assert_unit(la.add_plain(&a, &p), "add_plain", u, w);
    let v = la.encrypt_row(&[1.0; 5], w, top).unwrap();
    assert_unit(la.hadamard_row(&v, &a), "hadamard_row", w, u);
    let c = la.encrypt_col(&[1.0; 3], w, top).unwrap();
    assert_unit(la.hadamard_col(&a, &c), "hadamard_col", u, w);
    let b_low = la.encrypt_matrix(&m(5, 3), w, top - 1).unwrap();
    assert_unit(la.matmul_row_major(&a, &b_low, 1.0), "matmul_row_major", u, w);
    assert_unit(la.matmul_col_major(&b_low, &a, 1.0), "matmul_col_major", w, u);
}

#[test]
fn matmul_at_the_wrong_levels() {
    let e = plain();
    let la = LinAlg::new(&e);
    let (u, top) = (unit(16, 16), e.max_level());
    let level_mismatch = |r: linalg::Result<linalg::Matrix<_>>, left, right| match r {
        Err(LinalgError::Ckks(CkksError::LevelMismatch { left: l, right: r })) => {
            assert_eq!((l, r), (left, right))
        }
        other => panic!("expected a level mismatch, got {other:?}"),
    };
    let at = |l| la.encrypt_matrix(&m(3, 5), u, l).unwrap();
    let b = |l| la.encrypt_matrix(&m(3, 4), u, l).unwrap();
    // Row-major: B must be one level below A^T, which is masked once before they meet.
    level_mismatch(la.matmul_row_major(&at(top), &b(top), 1.0), top, top - 1);
    level_mismatch(la.matmul_row_major(&at(top - 1), &b(top - 1), 1.0), top - 1, top - 2);
    level_mismatch(la.matmul_row_major(&at(top - 1), &b(top), 1.0), top, top - 2);
    assert_eq!(la.level(&la.matmul_row_major(&at(top), &b(top - 1), 1.0).unwrap()), top - 3);
    // Column-major: A must be one level below B^T.
    let a = |l| la.encrypt_matrix(&m(5, 3), u, l).unwrap();
    let bt = |l| la.encrypt_matrix(&m(4, 3), u, l).unwrap();
    level_mismatch(la.matmul_col_major(&a(top), &bt(top), 1.0), top, top - 1);
    level_mismatch(la.matmul_col_major(&a(top - 2), &bt(top), 1.0), top - 2, top - 1);
    assert_eq!(la.level(&la.matmul_col_major(&a(top - 1), &bt(top), 1.0).unwrap()), top - 3);
}

#[test]
fn invalid_units() {
    let invalid = |r: linalg::Result<EncodingUnit>, height, width| match r {
        Err(LinalgError::InvalidUnit { height: h, width: w, .. }) => {
            assert_eq!((h, w), (height, width))
        }
        other => panic!("expected an invalid unit, got {other:?}"),
    };
    invalid(EncodingUnit::new(3, 8), 3, 8);
    invalid(EncodingUnit::new(8, 12), 8, 12);
    invalid(EncodingUnit::new(0, 8), 0, 8);
    invalid(EncodingUnit::for_slots(256, 3), 3, 0);
    invalid(EncodingUnit::for_slots(256, 0), 0, 0);
    invalid(EncodingUnit::for_slots(256, 512), 512, 0);
    invalid(EncodingUnit::for_slots(96, 3), 3, 32); // 3 divides 96, but it is no power of two
    assert_eq!(EncodingUnit::for_slots(256, 8).unwrap(), unit(8, 32));

    let e = plain();
    let la = LinAlg::new(&e);
    invalid(la.unit(6), 6, 0);
    // A valid unit for another slot count.
    let top = e.max_level();
    let r = la.encrypt_matrix(&m(2, 2), unit(16, 32), top);
    assert!(matches!(r, Err(LinalgError::InvalidUnit { height: 16, width: 32, .. })), "{r:?}");
    let r = la.encrypt_row(&[1.0], unit(8, 8), top);
    assert!(matches!(r, Err(LinalgError::InvalidUnit { height: 8, width: 8, .. })), "{r:?}");
    let r = la.encode_col(&[1.0], unit(4, 128), top);
    assert!(matches!(r, Err(LinalgError::InvalidUnit { height: 4, width: 128, .. })), "{r:?}");
}

#[test]
fn bad_plain_data_and_empty_objects() {
    assert_eq!(
        PlainMatrix::new(2, 3, vec![0.0; 5]),
        Err(LinalgError::BadData { what: "matrix", given: 5, rows: 2, cols: 3 })
    );
    assert_eq!(
        PlainMatrix::new(2, 3, vec![0.0; 7]),
        Err(LinalgError::BadData { what: "matrix", given: 7, rows: 2, cols: 3 })
    );
    assert_eq!(PlainMatrix::new(0, 3, vec![]), Err(LinalgError::Empty("PlainMatrix::new")));
    assert_eq!(PlainMatrix::new(3, 0, vec![]), Err(LinalgError::Empty("PlainMatrix::new")));
    assert_eq!(
        PlainMatrix::new(2, 3, vec![1.0; 6]).unwrap(),
        PlainMatrix::from_fn(2, 3, |_, _| 1.0)
    );

    let e = plain();
    let la = LinAlg::new(&e);
    let (u, top) = (unit(16, 16), e.max_level());
    assert_eq!(la.encrypt_row(&[], u, top).unwrap_err(), LinalgError::Empty("encrypt_row"));
    assert_eq!(la.encrypt_col(&[], u, top).unwrap_err(), LinalgError::Empty("encrypt_col"));
    assert_eq!(la.encode_row(&[], u, top).unwrap_err(), LinalgError::Empty("encode_row"));
    assert_eq!(la.encode_col(&[], u, top).unwrap_err(), LinalgError::Empty("encode_col"));
}

#[test]
fn mixed_unit_preconditions() {
    let e = plain();
    let la = LinAlg::new(&e);
    let top = e.max_level();
    let (wide, tall) = (unit(8, 32), unit(32, 8));
    // m > n.
    let a = la.encrypt_matrix(&m(5, 3), tall, top).unwrap();
    let v = la.encrypt_row(&[1.0; 5], tall, top).unwrap();
    assert_shape(la.row_times_matrix_mixed(&v, &a), "row_times_matrix_mixed");
    let u = la.encrypt_col(&[1.0; 3], wide, top).unwrap();
    assert_shape(la.matrix_times_col_mixed(&a, &u, 1.0), "matrix_times_col_mixed");
    // More than m columns.
    let a9 = la.encrypt_matrix(&m(5, 9), wide, top).unwrap();
    let v = la.encrypt_row(&[1.0; 5], wide, top).unwrap();
    assert_shape(la.row_times_matrix_mixed(&v, &a9), "row_times_matrix_mixed");
    let u9 = la.encrypt_col(&[1.0; 9], tall, top).unwrap();
    assert_shape(la.matrix_times_col_mixed(&a9, &u9, 1.0), "matrix_times_col_mixed");
    // The vector must use the transposed unit, and be as long as the matrix is wide.
    let a = la.encrypt_matrix(&m(5, 3), wide, top).unwrap();
    let same_unit = la.encrypt_col(&[1.0; 3], wide, top).unwrap();
    assert_unit(
        la.matrix_times_col_mixed(&a, &same_unit, 1.0),
        "matrix_times_col_mixed",
        wide,
        wide,
    );
    let short = la.encrypt_col(&[1.0; 2], tall, top).unwrap();
    assert_shape(la.matrix_times_col_mixed(&a, &short, 1.0), "matrix_times_col_mixed");
    // The row vector is checked by the product itself.
    let v4 = la.encrypt_row(&[1.0; 4], wide, top).unwrap();
    assert_shape(la.row_times_matrix_mixed(&v4, &a), "hadamard_row");
    // What passes.
    let w = la.row_times_matrix_mixed(&v, &a).unwrap();
    assert_eq!((w.len(), w.unit()), (3, tall));
    let a1 = la.align_to_level(&a, top - 1).unwrap();
    assert!(la.matrix_times_col_mixed(&a1, &w, 1.0).is_ok());
}

#[test]
fn transpose_unit_of_a_long_vector() {
    let e = plain();
    let la = LinAlg::new(&e);
    let top = e.max_level();
    for (u, ok, too_long) in [(unit(8, 32), 8, 9), (unit(32, 8), 8, 9), (unit(16, 16), 16, 17)] {
        let c = la.encrypt_col(&vec![1.0; ok], u, top).unwrap();
        assert_eq!(transpose_unit(&c).unwrap().unit(), u.transpose());
        let c = la.encrypt_col(&vec![1.0; too_long], u, top).unwrap();
        assert_shape(transpose_unit(&c), "transpose_unit");
    }
}

/// `sum_rows` of a 5 x 3 matrix or `matmul_row_major` of 5 x 3 by 3 x 4, in an 8 x `slots/8`
/// unit.
fn circuit<E: CkksEvaluator>(la: &LinAlg<'_, E>, matmul: bool) -> linalg::Result<()> {
    let u = la.unit(8)?;
    let top = la.evaluator().max_level();
    if matmul {
        let at = la.encrypt_matrix(&m(5, 3).transpose(), u, top)?;
        let b = la.encrypt_matrix(&m(3, 4), u, top - 1)?;
        la.matmul_row_major(&at, &b, 1.0).map(drop)
    } else {
        la.sum_rows(&la.encrypt_matrix(&m(5, 3), u, top)?).map(drop)
    }
}

/// Galois keys for the steps a rotation collector found, less one: the run fails with
/// `MissingRotationKey` for that step, encrypted and under a plaintext evaluator with the same
/// key model.
#[test]
fn missing_rotation_key() {
    let ctx = ParametersLiteral::with_levels(10, 4, 50, 40, 50, 2)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let mut prng = Prng::from_u64_seed(17);
    let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
    let relin = sk.relinearization_key(&mut prng);

    // 512 slots, 8 x 64 unit: sum_rows rotates by 64, 128, 256; matmul_row_major's hoisted
    // rotation by 1 brings column 1 of A^T to column 0.
    for (matmul, missing) in [(false, 128usize), (true, 1)] {
        let collector = RotationCollector::new(ctx.chain().clone());
        circuit(&LinAlg::new(&collector), matmul).unwrap();
        let set = collector.rotations();
        assert!(set.steps.contains(&missing), "{set:?}");
        let steps: Vec<i64> =
            set.steps_i64().into_iter().filter(|&s| s != missing as i64).collect();
        let keys = EvaluationKeys {
            relinearization: Some(relin.clone()),
            galois: sk.galois_keys(&steps, false, &mut prng),
        };
        let want = Err(LinalgError::Ckks(CkksError::MissingRotationKey {
            step: missing,
            galois_element: ctx.rotation_galois_element(missing as i64),
        }));

        let he = HomomorphicEvaluator::with_secret_key(
            Evaluator::new(&ctx, keys.clone()).unwrap(),
            sk.clone(),
        )
        .unwrap()
        .with_prng(Prng::from_u64_seed(18));
        assert_eq!(circuit(&LinAlg::new(&he), matmul), want, "matmul: {matmul}, encrypted");

        let model = KeyModel::from_keys(&keys);
        let plain = PlaintextEvaluator::new(ctx.chain().clone()).with_keys(model);
        assert_eq!(circuit(&LinAlg::new(&plain), matmul), want, "matmul: {matmul}, plaintext");
        // With every collected key, it runs.
        let all = KeyModel::with_rotations(ctx.chain(), &set.steps_i64(), false);
        let plain = PlaintextEvaluator::new(ctx.chain().clone()).with_keys(all);
        assert_eq!(circuit(&LinAlg::new(&plain), matmul), Ok(()), "matmul: {matmul}");
    }
}

#[test]
fn scheme_preconditions_pass_through() {
    let top = plain().max_level();
    let u = unit(16, 16);
    // No relinearization key.
    let e = plain().with_keys(KeyModel::none());
    let la = LinAlg::new(&e);
    let a = la.encrypt_matrix(&m(3, 3), u, top).unwrap();
    assert_eq!(la.square(&a).unwrap_err(), LinalgError::Ckks(CkksError::MissingRelinearizationKey));
    assert_eq!(
        la.hadamard(&a, &a).unwrap_err(),
        LinalgError::Ckks(CkksError::MissingRelinearizationKey)
    );
    // Level exhausted.
    let e = plain();
    let la = LinAlg::new(&e);
    let low = la.encrypt_matrix(&m(3, 3), u, 0).unwrap();
    assert_eq!(la.mul_scalar(&low, 2.0).unwrap_err(), LinalgError::Ckks(CkksError::LevelExhausted));
    assert_eq!(la.sum_cols(&low, 1.0).unwrap_err(), LinalgError::Ckks(CkksError::LevelExhausted));
    // Level and scale mismatches of element-wise operations.
    let a = la.encrypt_matrix(&m(3, 3), u, top).unwrap();
    let b = la.encrypt_matrix(&m(3, 3), u, top - 1).unwrap();
    assert_eq!(
        la.add(&a, &b).unwrap_err(),
        LinalgError::Ckks(CkksError::LevelMismatch { left: top, right: top - 1 })
    );
    // A product not rescaled (scale about 2^80) added to a fresh value (2^40).
    let product: Vec<_> = a.tiles().iter().map(|t| e.mul_relin(t, t).unwrap()).collect();
    let r = la.add(&a.with_tiles(product), &a);
    assert!(
        matches!(r, Err(LinalgError::Ckks(CkksError::ScaleMismatch { level, .. })) if level == top),
        "{r:?}"
    );
    let dropped = la.align_to_level(&a, top - 1).unwrap();
    assert!(la.add(&dropped, &b).is_ok());
    let err = la.align_to_level(&b, top).unwrap_err();
    assert!(matches!(err, LinalgError::Ckks(CkksError::InvalidLevel { .. })), "{err:?}");
}
