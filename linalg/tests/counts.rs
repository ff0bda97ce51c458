//! Documented costs, on metadata only (symbolic evaluators, so random shapes are cheap):
//!
//! - the [`DepthFinder`]'s depth (highest input level minus lowest level reached) equals the
//!   documented depth of every operation: 0 for additions, negation, plaintext additions and
//!   relinearization, 1 for each multiplication (and rescale), the table of `linalg::products`
//!   for sums and vector products, the table of `linalg::convert` for the layout conversions, 3
//!   for matrix products, the levels dropped for alignment;
//! - the [`OpCounter`]'s rotation count equals the documented count: none for element-wise
//!   operations, the tables of `linalg::products` and `linalg::convert`,
//!   `matmul_row_major_rotations` and `matmul_col_major_rotations` (of which the rotations of
//!   `A^T` or `B^T` tiles are hoisted, one per tile and nonzero step);
//! - the [`RotationCollector`]'s steps are exactly the ones the doc comments describe.
//!
//! Inputs are encrypted at the top level (matmul's second operand one level below).

mod common;

use ckks::eval::{CkksEvaluator, DepthFinder, OpCounter, RotationCollector};
use ckks::scheme::Meta;
use common::*;
use linalg::LinAlg;
use proptest::prelude::*;
use std::collections::BTreeSet;

/// Checks depth and rotation count of `ops` on `x`.
fn check(log_n: u32, x: &Inputs, ops: &[Op]) -> Result<(), TestCaseError> {
    let slots = 1usize << (log_n - 1);
    let dec = |_: &Meta| Ok(vec![0.0; slots]);
    for &op in ops {
        let (depth, rotations) = documented(op, x);
        let what = format!("{op:?}, {:?} in {}", x.dims(), x.unit);

        let finder = DepthFinder::new(chain(log_n));
        let top = finder.max_level();
        let (_, meta) = run(&LinAlg::new(&finder), op, x, &dec)
            .map_err(|e| TestCaseError::fail(format!("{what}: {e}")))?;
        prop_assert_eq!(finder.depth(), depth, "{}: depth", what);
        prop_assert_eq!(finder.observer().top_input_level(), top, "{}", what);
        prop_assert_eq!(meta.level, top - depth, "{}: level", what);

        let counter = OpCounter::new(chain(log_n));
        run(&LinAlg::new(&counter), op, x, &dec).unwrap();
        let counts = counter.counts();
        prop_assert_eq!(counts.rotations, rotations, "{}: rotations", what);
        prop_assert_eq!(counts.conjugations, 0, "{}", what);
        let (f, g, h) = x.dims();
        let (m, n) = (x.unit.height(), x.unit.width());
        let hoisted = match op {
            Op::MatmulRowMajor => (0..f).filter(|k| k % n != 0).count() * g.div_ceil(m),
            Op::MatmulColMajor => (0..h).filter(|k| k % m != 0).count() * g.div_ceil(n),
            _ => 0,
        };
        prop_assert_eq!(counts.hoisted_rotations, hoisted, "{}: hoisted rotations", what);
    }
    Ok(())
}

/// `{step * 2^i : 2^i < count}`, normalised to `[0, slots)`, without 0.
fn doubling(step: i64, count: usize, slots: usize) -> BTreeSet<usize> {
    (0..count.trailing_zeros())
        .map(|i| (step * (1i64 << i)).rem_euclid(slots as i64) as usize)
        .filter(|&s| s != 0)
        .collect()
}

/// The rotation steps `op` documents (for the operations that rotate).
fn documented_steps(op: Op, x: &Inputs, slots: usize) -> BTreeSet<usize> {
    let (f, _, h) = x.dims();
    let (m, n) = (x.unit.height(), x.unit.width());
    let (mi, ni) = (m as i64, n as i64);
    let right = |k: usize| (slots - k % slots) % slots;
    let mut steps = BTreeSet::new();
    match op {
        // Rows added by rotations n, 2n, ..., (m/2) n.
        Op::SumRows | Op::RowTimesMatrix | Op::RowToCol => steps.extend(doubling(ni, m, slots)),
        // Gathered by 1, ..., n/2, replicated by -1, ..., -n/2.
        Op::SumCols | Op::MatrixTimesCol | Op::MatrixTimesColMixed | Op::ColToRow => {
            steps.extend(doubling(1, n, slots));
            steps.extend(doubling(-1, n, slots));
        }
        // Row sum, then -m, ..., -n/2.
        Op::RowTimesMatrixMixed => {
            steps.extend(doubling(ni, m, slots));
            steps.extend(doubling(-mi, n / m, slots));
        }
        // Column k of A^T to column 0, replicated by -1, ..., -n/2; the row sums of B.
        Op::MatmulRowMajor => {
            steps.extend((0..f).map(|k| k % n).filter(|&s| s != 0));
            steps.extend(doubling(-1, n, slots));
            steps.extend(doubling(ni, m, slots));
        }
        // Row k of B^T to row 0, replicated by -n, ..., -(m/2) n; row sums by 1, ..., n/2;
        // placed by -(k mod n).
        Op::MatmulColMajor => {
            steps.extend((0..h).map(|k| (k % m) * n).filter(|&s| s != 0));
            steps.extend(doubling(-ni, m, slots));
            steps.extend(doubling(1, n, slots));
            steps.extend((0..h).map(|k| right(k % n)).filter(|&s| s != 0));
        }
        _ => {}
    }
    steps
}

/// Checks the collected rotation steps of `ops` on `x`.
fn check_steps(log_n: u32, x: &Inputs, ops: &[Op]) -> Result<(), TestCaseError> {
    let slots = 1usize << (log_n - 1);
    let dec = |_: &Meta| Ok(vec![0.0; slots]);
    for &op in ops {
        let collector = RotationCollector::new(chain(log_n));
        run(&LinAlg::new(&collector), op, x, &dec).unwrap();
        let set = collector.rotations();
        prop_assert!(!set.conjugation);
        prop_assert_eq!(
            &set.steps,
            &documented_steps(op, x, slots),
            "{:?}, {:?} in {}",
            op,
            x.dims(),
            x.unit
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(64, 3))]

    /// Depth and rotation count of every operation, random unit and shape.
    #[test]
    fn every_operation_has_its_documented_depth_and_rotations((log_n, x) in problem(9..=11)) {
        check(log_n, &x, &applicable(&x))?;
    }

    /// The same for the mixed-unit operations.
    #[test]
    fn mixed_operations_have_their_documented_depth_and_rotations(
        (log_n, x) in mixed_problem(9..=11)
    ) {
        check(log_n, &x, &MIXED)?;
    }
}

proptest! {
    // Other shapes than the block above.
    #![proptest_config(config(64, 4))]

    /// The rotation steps, random unit and shape.
    #[test]
    fn rotation_steps_are_the_documented_ones((log_n, x) in problem(9..=11)) {
        check_steps(log_n, &x, &applicable(&x))?;
    }

    /// The rotation steps of the mixed-unit operations.
    #[test]
    fn mixed_rotation_steps_are_the_documented_ones((log_n, x) in mixed_problem(9..=11)) {
        check_steps(log_n, &x, &MIXED)?;
    }
}

/// The fixed odd sizes, in the units of the plaintext tests, and alignment by 0 to 3 levels.
#[test]
fn fixed_sizes_and_alignments() {
    for (f, g, h) in [(13, 78, 141), (300, 27, 29)] {
        for (i, (log_n, height)) in
            [(9, 16), (9, 8), (9, 32), (9, 4), (11, 32), (11, 16), (9, 1), (9, 256)]
                .into_iter()
                .enumerate()
        {
            let unit = linalg::EncodingUnit::for_slots(1 << (log_n - 1), height).unwrap();
            let mut x = Inputs::random(f, g, h, unit, i as u64);
            check(log_n, &x, &applicable(&x)).unwrap();
            check_steps(log_n, &x, &applicable(&x)).unwrap();
            for drop in 0..=3 {
                x.drop = drop;
                check(log_n, &x, &[Op::AlignToLevel]).unwrap();
            }
        }
    }
}

/// The documented counts of a few hand-computed cases, so that the helpers above are checked
/// against the formulas themselves: 16x16 unit, 13 x 78 x 141.
#[test]
fn hand_computed_counts() {
    let unit = linalg::EncodingUnit::new(16, 16).unwrap();
    let x = Inputs::random(13, 78, 141, unit, 0);
    // R = 1 tile row, C = 5 tile columns, log2 m = log2 n = 4.
    assert_eq!(documented(Op::SumRows, &x), (0, 20));
    assert_eq!(documented(Op::SumCols, &x), (1, 8));
    assert_eq!(documented(Op::RowTimesMatrix, &x), (1, 20));
    assert_eq!(documented(Op::MatrixTimesCol, &x), (2, 8));
    // Row-major: T = 5 tile rows of A^T (78 rows), H = 9 tile columns of B (141 columns):
    // 13 (5 * 4 + 9 * 4) + 12 * 5 (k = 1..12 need their hoisted rotation).
    assert_eq!(documented(Op::MatmulRowMajor, &x), (3, 13 * (20 + 36) + 12 * 5));
    // Column-major: G = 5 tile columns of B^T, F = 1 tile row of A:
    // 141 (5 * 4 + 4) + 5 #{k % 16 != 0} + #{k % 16 != 0}, 132 such k below 141.
    assert_eq!(documented(Op::MatmulColMajor, &x), (3, 141 * 24 + 6 * 132));
}
