//! `sum_rows_of` (matrices stacked) and `sum_cols_of` (matrices side by side): the values of
//! one `f64` sum over the stacked matrix (plaintext evaluator, bound 1e-12 relative), at the
//! lowest level of the parts, the rotations of a single `sum_rows` / `sum_cols` whatever the
//! number of parts (op counter), the documented depth (depth finder), and typed errors for no
//! part, mixed units and parts that do not line up.

mod common;

use ckks::eval::{CkksEvaluator, DepthFinder, OpCounter, PlaintextEvaluator};
use common::{chain, Inputs};
use linalg::{decode_col, decode_row, EncodingUnit, LinAlg, LinalgError, Matrix, PlainMatrix};
use proptest::prelude::*;

/// Parts of `rows[k] x cols` (stacked) or `cols x rows[k]` (side by side), random entries.
fn parts(rows: &[usize], cols: usize, side_by_side: bool, seed: u64) -> Vec<PlainMatrix> {
    rows.iter()
        .enumerate()
        .map(|(k, &r)| {
            let x =
                Inputs::random(r, cols, 1, EncodingUnit::for_slots(4, 2).unwrap(), seed + k as u64);
            if side_by_side {
                x.a.transpose()
            } else {
                x.a
            }
        })
        .collect()
}

/// The parts encrypted in `unit`, the second one level below the top (alignment).
fn encrypted<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    plain: &[PlainMatrix],
    unit: EncodingUnit,
) -> Vec<Matrix<E::Value>> {
    let top = la.evaluator().max_level();
    plain
        .iter()
        .enumerate()
        .map(|(k, p)| la.encrypt_matrix(p, unit, if k == 1 { top - 1 } else { top }).unwrap())
        .collect()
}

/// `sum_k sum_i (A_k)_ij` or `c sum_k sum_j (A_k)_ij`.
fn reference(plain: &[PlainMatrix], side_by_side: bool, c: f64) -> Vec<f64> {
    let sums: Vec<Vec<f64>> =
        plain.iter().map(|p| if side_by_side { p.sum_cols() } else { p.sum_rows() }).collect();
    let scale = if side_by_side { c } else { 1.0 };
    (0..sums[0].len()).map(|i| scale * sums.iter().map(|s| s[i]).sum::<f64>()).collect()
}

fn run<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    parts: &[Matrix<E::Value>],
    side_by_side: bool,
    c: f64,
    decode: impl Fn(&E::Value) -> ckks::Result<Vec<f64>> + Copy,
) -> (Vec<f64>, usize) {
    if side_by_side {
        let r = la.sum_cols_of(parts, c).unwrap();
        (decode_row(&r, decode).unwrap(), la.level(&r))
    } else {
        let r = la.sum_rows_of(parts).unwrap();
        (decode_col(&r, decode).unwrap(), la.level(&r))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]
    #[test]
    fn a_sum_of_parts_is_one_sum_of_the_stacked_matrix(
        (height, rows, cols, side_by_side, c, seed) in (
            0u32..=5,
            proptest::collection::vec(1usize..40, 1..4),
            1usize..40,
            any::<bool>(),
            -2.0f64..2.0,
            any::<u64>(),
        )
    ) {
        let log_n = 10;
        let unit = EncodingUnit::for_slots(1 << (log_n - 1), 1 << (height + 1)).unwrap();
        let (m, n) = (unit.height(), unit.width());
        let plain = parts(&rows, cols, side_by_side, seed);
        let want = reference(&plain, side_by_side, c);

        let e = PlaintextEvaluator::new(chain(log_n));
        let la = LinAlg::new(&e);
        let top = e.max_level();
        let (got, level) = run(&la, &encrypted(&la, &plain, unit), side_by_side, c, |v| Ok(v.real()));
        let norm = want.iter().fold(1f64, |a, x| a.max(x.abs()));
        let err = got.iter().zip(&want).fold(0f64, |a, (g, w)| a.max((g - w).abs()));
        prop_assert!(err <= 1e-12 * norm, "error {err:e}");
        // The lowest part's level, minus the mask of a column sum.
        let low = if rows.len() > 1 { top - 1 } else { top };
        prop_assert_eq!(level, low - usize::from(side_by_side));

        // The rotations of one sum over the first part's tiles: C log2 m or 2 R log2 n.
        let counter = OpCounter::new(chain(log_n));
        let cl = LinAlg::new(&counter);
        run(&cl, &encrypted(&cl, &plain, unit), side_by_side, c, |_| Ok(vec![0.0; n * m]));
        let (r, k) = (plain[0].rows().div_ceil(m), plain[0].cols().div_ceil(n));
        let log2 = |x: usize| x.trailing_zeros() as usize;
        let rotations = if side_by_side { 2 * r * log2(n) } else { k * log2(m) };
        prop_assert_eq!(counter.counts().rotations, rotations);

        let finder = DepthFinder::new(chain(log_n));
        let fl = LinAlg::new(&finder);
        run(&fl, &encrypted(&fl, &plain, unit), side_by_side, c, |_| Ok(vec![0.0; n * m]));
        prop_assert_eq!(finder.depth(), top - level);
    }
}

#[test]
fn parts_that_do_not_line_up_are_typed_errors() {
    let e = PlaintextEvaluator::new(chain(10));
    let la = LinAlg::new(&e);
    let top = e.max_level();
    let unit = EncodingUnit::for_slots(512, 16).unwrap();
    let other = EncodingUnit::for_slots(512, 32).unwrap();
    let m = |r, c, u| la.encrypt_matrix(&PlainMatrix::from_fn(r, c, |_, _| 1.0), u, top).unwrap();
    assert!(matches!(la.sum_rows_of(&[]), Err(LinalgError::Empty("sum_rows_of"))));
    assert!(matches!(la.sum_cols_of(&[], 1.0), Err(LinalgError::Empty("sum_cols_of"))));
    let mixed = [m(4, 4, unit), m(4, 4, other)];
    assert!(matches!(la.sum_rows_of(&mixed), Err(LinalgError::UnitMismatch { .. })));
    assert!(matches!(la.sum_cols_of(&mixed, 1.0), Err(LinalgError::UnitMismatch { .. })));
    // Stacked parts need the same columns, side-by-side parts the same rows.
    let wide = [m(4, 4, unit), m(4, 5, unit)];
    assert!(matches!(la.sum_rows_of(&wide), Err(LinalgError::ShapeMismatch { .. })));
    assert!(la.sum_cols_of(&wide, 1.0).is_ok());
    let tall = [m(4, 4, unit), m(5, 4, unit)];
    assert!(matches!(la.sum_cols_of(&tall, 1.0), Err(LinalgError::ShapeMismatch { .. })));
    assert!(la.sum_rows_of(&tall).is_ok());
}
