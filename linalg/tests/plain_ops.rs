//! Every operation of the toolkit against the same `f64` computation ([`PlainMatrix`]'s reference
//! operations), run under the [`PlaintextEvaluator`] (exact slot vectors, no noise), so the only
//! differences are floating-point rounding: the bound is `||got - want|| <= 1e-12 max(1,
//! ||want||)` (measured: at most about 1e-15). Also checked: every slot of the result's tiles
//! (zero padding and replicated vectors, i.e. the result is a valid input of the next
//! operation; `add_scalar` excepted, which adds to the padding as documented), the level (the
//! top one minus the documented depth) and the scale (the level's nominal one).
//!
//! - proptest over random units (16x16, 8x32, 32x8, 4x64, ... at 256 to 1024 slots, sometimes
//!   `1 x slots` or `slots x 1`) and random shapes: exact multiples of the unit, a unit plus a
//!   few rows or columns (padding), half units and odd sizes, for every operation; the mixed-unit
//!   operations on their own shapes (`m <= n`, at most `m` columns), alone and chained;
//! - the fixed odd sizes 13 x 78 x 141 and 300 x 27 x 29 in several units;
//! - encoding then decoding gives the input back exactly.

mod common;

use ckks::eval::{CkksEvaluator, PlaintextEvaluator, SlotVector};
use common::*;
use linalg::{decode_col, decode_matrix, decode_row, layout, transpose_unit, EncodingUnit, LinAlg};
use proptest::prelude::*;
use std::cell::RefCell;

/// The relative error bound of a plaintext run.
const BOUND: f64 = 1e-12;

fn real(v: &SlotVector) -> ckks::Result<Vec<f64>> {
    Ok(v.real())
}

/// The slots every tile of `op`'s result should hold: the canonical layout of the expected
/// result (zero padding, vectors replicated), in the unit of the result. `None` for
/// `add_scalar`, which adds to the padding too (as documented).
fn canonical(op: Op, x: &Inputs, want: &Out) -> Option<Vec<Vec<f64>>> {
    match (op, want) {
        (Op::AddScalar, _) => None,
        (_, Out::Matrix(m)) => Some(layout::matrix_tiles(m, x.unit)),
        (Op::RowTimesMatrixMixed, Out::Vector(v)) => {
            Some(layout::col_vector_tiles(v, x.unit.transpose()))
        }
        (
            Op::SumRows | Op::RowTimesMatrix | Op::SubCols | Op::MulScalarCols | Op::RowToCol,
            Out::Vector(v),
        ) => Some(layout::col_vector_tiles(v, x.unit)),
        (_, Out::Vector(v)) => Some(layout::row_vector_tiles(v, x.unit)),
    }
}

/// Runs `ops` on `x` under a plaintext evaluator with `2^(log_n - 1)` slots and checks values,
/// every slot of the result's tiles (the layout, padding included), level and scale; returns
/// the worst relative error.
fn check(log_n: u32, x: &Inputs, ops: &[Op]) -> Result<f64, TestCaseError> {
    let e = PlaintextEvaluator::new(chain(log_n));
    let la = LinAlg::new(&e);
    let top = e.max_level();
    let mut worst = 0f64;
    for &op in ops {
        let slots = RefCell::new(Vec::new());
        let record = |v: &SlotVector| {
            slots.borrow_mut().push(v.real());
            Ok(v.real())
        };
        let (got, meta) = run(&la, op, x, &record)
            .map_err(|err| TestCaseError::fail(format!("{op:?} on {:?}: {err}", x.dims())))?;
        let want = expected(op, x);
        let err = relative_error(&got, &want);
        if let Some(tiles) = canonical(op, x, &want) {
            let slots = slots.into_inner();
            prop_assert_eq!(slots.len(), tiles.len(), "{:?}: tiles", op);
            let tol = BOUND * norm(want.values()).max(1.0);
            for (t, (g, w)) in slots.iter().zip(&tiles).enumerate() {
                let bad = (0..w.len()).find(|&s| (g[s] - w[s]).abs() > tol);
                prop_assert!(
                    bad.is_none(),
                    "{op:?}, {:?} in {}: tile {t}, slot {bad:?}: {} instead of {}",
                    x.dims(),
                    x.unit,
                    g[bad.unwrap()],
                    w[bad.unwrap()]
                );
            }
        }
        prop_assert!(err <= BOUND, "{op:?}, {:?} in {}: relative error {err:e}", x.dims(), x.unit);
        let (depth, _) = documented(op, x);
        prop_assert_eq!(meta.level, top - depth, "{:?}: level of the result", op);
        // Multiplications rescale onto the nominal scale (relinearize alone does not rescale).
        if op != Op::Relinearize {
            prop_assert_eq!(meta.scale, e.nominal_scale(meta.level), "{:?}: scale", op);
        }
        worst = worst.max(err);
    }
    Ok(worst)
}

proptest! {
    #![proptest_config(config(40, 1))]

    /// Every operation, random unit and shape.
    #[test]
    fn every_operation_matches_the_reference((log_n, x) in problem(9..=11)) {
        check(log_n, &x, &applicable(&x))?;
    }

    /// The mixed-unit operations, random `m x n` unit with `m <= n` and `g <= m` columns.
    #[test]
    fn mixed_operations_match_the_reference((log_n, x) in mixed_problem(9..=11)) {
        check(log_n, &x, &MIXED)?;
    }
}

proptest! {
    // Other shapes than the block above.
    #![proptest_config(config(40, 2))]

    /// `c A (A^T v)`: the mixed product's result fed back as a column vector, depth 1 + 2.
    #[test]
    fn mixed_products_chain((log_n, x) in mixed_problem(9..=11)) {
        let e = PlaintextEvaluator::new(chain(log_n));
        let la = LinAlg::new(&e);
        let top = e.max_level();
        let a = la.encrypt_matrix(&x.a, x.unit, top).unwrap();
        let w = la.row_times_matrix_mixed(&la.encrypt_row(&x.v, x.unit, top).unwrap(), &a).unwrap();
        let a1 = la.align_to_level(&a, top - 1).unwrap();
        let r = la.matrix_times_col_mixed(&a1, &w, x.c).unwrap();
        prop_assert_eq!(la.level(&r), top - 3);
        let got = Out::Vector(decode_row(&r, real).unwrap());
        let want = Out::Vector(x.a.mul_vec(&x.a.vec_mul(&x.v)).iter().map(|s| x.c * s).collect());
        let err = relative_error(&got, &want);
        prop_assert!(err <= BOUND, "relative error {:e}", err);
    }

    /// Decoding an encoded matrix, row or column vector gives it back exactly (padding and
    /// replication are dropped).
    #[test]
    fn layout_round_trip((log_n, x) in problem(9..=11)) {
        let e = PlaintextEvaluator::new(chain(log_n));
        let la = LinAlg::new(&e);
        let top = e.max_level();
        let a = la.encrypt_matrix(&x.a, x.unit, top).unwrap();
        prop_assert_eq!((a.tile_rows(), a.tile_cols()),
            (x.a.rows().div_ceil(x.unit.height()), x.a.cols().div_ceil(x.unit.width())));
        prop_assert_eq!(decode_matrix(&a, real).unwrap(), x.a.clone());
        prop_assert_eq!(decode_row(&la.encrypt_row(&x.v, x.unit, top).unwrap(), real).unwrap(),
            x.v.clone());
        prop_assert_eq!(decode_col(&la.encrypt_col(&x.u, x.unit, top).unwrap(), real).unwrap(),
            x.u.clone());
    }
}

/// All applicable operations on `f x g x h` in each unit (by `log_n` and height).
fn fixed(f: usize, g: usize, h: usize, units: &[(u32, usize)]) {
    for (i, &(log_n, height)) in units.iter().enumerate() {
        let unit = EncodingUnit::for_slots(1 << (log_n - 1), height).unwrap();
        let x = Inputs::random(f, g, h, unit, 1000 + i as u64);
        let ops = applicable(&x);
        let worst = check(log_n, &x, &ops).unwrap();
        println!("{f}x{g}x{h} in {unit}: {} operations, worst relative error {worst:e}", ops.len());
    }
}

/// The units of the fixed-size tests: 16x16, 8x32, 32x8, 4x64 (256 slots), 32x32, 16x64 and
/// 64x16 (1024 slots).
const UNITS: [(u32, usize); 7] = [(9, 16), (9, 8), (9, 32), (9, 4), (11, 32), (11, 16), (11, 64)];

#[test]
fn odd_size_13_x_78_x_141() {
    fixed(13, 78, 141, &UNITS);
}

#[test]
fn odd_size_300_x_27_x_29() {
    // 27 columns fit the 32x32 unit: the mixed operations run there too.
    fixed(300, 27, 29, &UNITS);
}

/// Exact multiples and a unit plus one, the same shapes in every unit of 256 slots.
#[test]
fn multiples_and_padding() {
    for (f, g, h) in [(16, 16, 16), (32, 64, 32), (17, 65, 33), (8, 4, 2), (1, 1, 1)] {
        fixed(f, g, h, &UNITS[..4]);
    }
}

/// The extreme units `1 x slots` and `slots x 1` (no rotations along one side).
#[test]
fn extreme_units() {
    for (f, g, h) in [(13, 78, 141), (5, 1, 3), (2, 3, 300)] {
        fixed(f, g, h, &[(9, 1), (9, 256)]);
    }
}

/// `transpose_unit` relabels a short column vector without touching its tiles; the relabelled
/// vector decodes to the first `len` columns of its tile.
#[test]
fn transpose_unit_relabels() {
    let e = PlaintextEvaluator::new(chain(9));
    let la = LinAlg::new(&e);
    let unit = la.unit(8).unwrap(); // 8 x 32
    let u = [0.5, -0.25, 1.0, 0.125, -1.0];
    let c = la.encrypt_col(&u, unit, e.max_level()).unwrap();
    let t = transpose_unit(&c).unwrap();
    assert_eq!((t.len(), t.unit()), (5, EncodingUnit::new(32, 8).unwrap()));
    assert_eq!(decode_col(&t, real).unwrap(), u);
    assert_eq!(transpose_unit(&t).unwrap(), c);
}
