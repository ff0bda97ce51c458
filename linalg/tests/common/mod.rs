//! Shared by the linalg test files: every operation of the toolkit as one [`Op`], run by one
//! generic function ([`run`]) under any evaluator, with its `f64` reference ([`expected`]) and
//! its documented depth and rotation count ([`documented`]); random inputs ([`Inputs`]); the
//! relative error; proptest strategies for units and shapes.
//!
//! Each test file uses only part of this module.
#![allow(dead_code)]

use ckks::eval::CkksEvaluator;
use ckks::scheme::Meta;
use ckks::ModulusChain;
use linalg::matmul::{matmul_col_major_rotations, matmul_row_major_rotations};
use linalg::{decode_col, decode_matrix, decode_row, EncodingUnit, LinAlg, PlainMatrix, Tiled};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// Levels of the analysis chains (matmul takes 3 of them; `align_to_level` drops up to 3).
pub const LEVELS: usize = 5;

/// The proptest configuration of every property in this suite: `cases` cases from a fixed seed
/// (varied by `salt`, so that properties on the same strategy see different shapes), no
/// persistence of failures.
pub fn config(cases: u32, salt: u64) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x11A1_6000 + salt),
        ..ProptestConfig::default()
    }
}

/// An analysis chain with `2^(log_n - 1)` slots, [`LEVELS`] levels and a 40-bit scale.
pub fn chain(log_n: u32) -> ModulusChain {
    ModulusChain::analysis(log_n, LEVELS, 40).expect("analysis chain")
}

/// Every operation of the toolkit (the matrix operands are `f x g`; matmul multiplies the
/// `f x g` matrix `A` by a `g x h` matrix `B`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `A + B`.
    Add,
    /// `A - B`.
    Sub,
    /// `-A`.
    Neg,
    /// `A + c`.
    AddScalar,
    /// `c A`.
    MulScalar,
    /// `A + P` with `P` encoded.
    AddPlain,
    /// `A - P`.
    SubPlain,
    /// `A o P`.
    MulPlain,
    /// `A o B`.
    Hadamard,
    /// `A o A`.
    Square,
    /// `v_i A_ij`.
    HadamardRow,
    /// `A_ij u_j`.
    HadamardCol,
    /// `sum_i A_ij`.
    SumRows,
    /// `c sum_j A_ij`.
    SumCols,
    /// `v^T A`.
    RowTimesMatrix,
    /// `c A u`.
    MatrixTimesCol,
    /// `v^T A` in the transposed unit (needs `m <= n`, `g <= m`).
    RowTimesMatrixMixed,
    /// `c A u` with `u` in the transposed unit (needs `m <= n`, `g <= m`).
    MatrixTimesColMixed,
    /// `c A B` from `A^T` (top level) and `B` (one below).
    MatmulRowMajor,
    /// `c A B` from `A` (one below the top) and `B^T` (top level).
    MatmulColMajor,
    /// `A` brought `drop` levels down.
    AlignToLevel,
    /// `A` multiplied by `c` without rescale (through the evaluator), then [`LinAlg::rescale`].
    Rescale,
    /// `A o B` multiplied tile by tile without relinearization (three components), then
    /// [`LinAlg::relinearize`] (no rescale).
    Relinearize,
    /// `v + x` on row vectors.
    AddRows,
    /// `u - y` on column vectors.
    SubCols,
    /// `v o x` on row vectors.
    HadamardRows,
    /// `c u` on column vectors.
    MulScalarCols,
    /// `c v` converted from a row vector to a column vector.
    RowToCol,
    /// `c u` converted from a column vector to a row vector.
    ColToRow,
}

/// The operations defined for every shape and unit.
pub const GENERAL: [Op; 27] = [
    Op::Add,
    Op::Sub,
    Op::Neg,
    Op::AddScalar,
    Op::MulScalar,
    Op::AddPlain,
    Op::SubPlain,
    Op::MulPlain,
    Op::Hadamard,
    Op::Square,
    Op::HadamardRow,
    Op::HadamardCol,
    Op::SumRows,
    Op::SumCols,
    Op::RowTimesMatrix,
    Op::MatrixTimesCol,
    Op::MatmulRowMajor,
    Op::MatmulColMajor,
    Op::AlignToLevel,
    Op::Rescale,
    Op::Relinearize,
    Op::AddRows,
    Op::SubCols,
    Op::HadamardRows,
    Op::MulScalarCols,
    Op::RowToCol,
    Op::ColToRow,
];

/// The mixed-unit operations (an `m x n` unit with `m <= n` and at most `m` columns).
pub const MIXED: [Op; 2] = [Op::RowTimesMatrixMixed, Op::MatrixTimesColMixed];

/// Whether the mixed-unit operations apply to `g` columns in `unit`.
pub fn mixed_applies(g: usize, unit: EncodingUnit) -> bool {
    unit.height() <= unit.width() && g <= unit.height()
}

/// The operations that apply to the inputs' shape and unit.
pub fn applicable(x: &Inputs) -> Vec<Op> {
    let mut ops = GENERAL.to_vec();
    if mixed_applies(x.a.cols(), x.unit) {
        ops.extend(MIXED);
    }
    ops
}

/// The inputs of every operation, random in `[-1, 1)`.
#[derive(Clone, Debug)]
pub struct Inputs {
    /// The unit everything is encoded in.
    pub unit: EncodingUnit,
    /// `f x g`.
    pub a: PlainMatrix,
    /// `f x g`.
    pub b: PlainMatrix,
    /// `f x g`, the plaintext operand.
    pub p: PlainMatrix,
    /// `g x h`, the right operand of matmul.
    pub bm: PlainMatrix,
    /// Row vectors of length `f`.
    pub v: Vec<f64>,
    /// Row vectors of length `f`.
    pub x: Vec<f64>,
    /// Column vectors of length `g`.
    pub u: Vec<f64>,
    /// Column vectors of length `g`.
    pub y: Vec<f64>,
    /// The scalar, in `[-2, 2)`.
    pub c: f64,
    /// Levels `AlignToLevel` drops (at most 3).
    pub drop: usize,
}

fn uniform(rng: &mut rand_chacha::ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

impl Inputs {
    /// Random inputs for an `f x g` (times `g x h`) problem in `unit`.
    pub fn random(f: usize, g: usize, h: usize, unit: EncodingUnit, seed: u64) -> Self {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut mat = |r, c| PlainMatrix::from_fn(r, c, |_, _| uniform(&mut rng));
        let (a, b, p, bm) = (mat(f, g), mat(f, g), mat(f, g), mat(g, h));
        let mut vec = |len| (0..len).map(|_| uniform(&mut rng)).collect::<Vec<f64>>();
        let (v, x, u, y) = (vec(f), vec(f), vec(g), vec(g));
        let c = 2.0 * uniform(&mut rng);
        let drop = (rng.next_u64() % 4) as usize;
        Self { unit, a, b, p, bm, v, x, u, y, c, drop }
    }

    /// `(f, g, h)`.
    pub fn dims(&self) -> (usize, usize, usize) {
        (self.a.rows(), self.a.cols(), self.bm.cols())
    }
}

/// A decoded result: a matrix or a vector.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    /// A matrix.
    Matrix(PlainMatrix),
    /// A row or column vector.
    Vector(Vec<f64>),
}

impl Out {
    /// The entries, row-major for a matrix.
    pub fn values(&self) -> &[f64] {
        match self {
            Out::Matrix(m) => m.data(),
            Out::Vector(v) => v,
        }
    }

    /// `(rows, cols)`, `(len, 1)` for a vector.
    pub fn dims(&self) -> (usize, usize) {
        match self {
            Out::Matrix(m) => (m.rows(), m.cols()),
            Out::Vector(v) => (v.len(), 1),
        }
    }
}

/// The Euclidean (Frobenius) norm.
pub fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// `||got - want|| / max(1, ||want||)`.
///
/// # Panics
/// If the shapes differ.
pub fn relative_error(got: &Out, want: &Out) -> f64 {
    assert_eq!(got.dims(), want.dims(), "result shape");
    let diff: Vec<f64> = got.values().iter().zip(want.values()).map(|(a, b)| a - b).collect();
    norm(&diff) / norm(want.values()).max(1.0)
}

/// A decoder of one tile into its slots' real parts.
pub type Decoder<'a, V> = &'a dyn Fn(&V) -> ckks::Result<Vec<f64>>;

/// The metadata shared by every tile of `r`.
///
/// # Panics
/// If two tiles differ.
pub fn meta<E: CkksEvaluator, T: Tiled<Tile = E::Value>>(e: &E, r: &T) -> Meta {
    let first = e.meta(&r.tiles()[0]);
    for t in r.tiles() {
        let m = e.meta(t);
        assert_eq!(
            (m.level, m.scale.to_bits(), m.size),
            (first.level, first.scale.to_bits(), first.size)
        );
    }
    first
}

/// Runs `op` on `x` (encrypting every input at the level the operation documents: the top one,
/// or one below it for matmul's second operand) and returns the decoded result and the
/// metadata (level, scale, size) its tiles share.
///
/// # Errors
/// Whatever the toolkit returns.
pub fn run<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    op: Op,
    x: &Inputs,
    dec: Decoder<'_, E::Value>,
) -> linalg::Result<(Out, Meta)> {
    let e = la.evaluator();
    let top = e.max_level();
    let unit = x.unit;
    let c = x.c;
    let mat = |m: &PlainMatrix, level| la.encrypt_matrix(m, unit, level);
    let row = |v: &[f64]| la.encrypt_row(v, unit, top);
    let col = |u: &[f64]| la.encrypt_col(u, unit, top);
    let plain = || la.encode_matrix(&x.p, unit, top);
    let matrix_out = |r: linalg::Matrix<E::Value>| -> linalg::Result<(Out, Meta)> {
        assert_eq!((r.rows(), r.cols(), r.unit()), (x.a.rows(), x.a.cols(), unit));
        Ok((Out::Matrix(decode_matrix(&r, dec)?), meta(e, &r)))
    };
    let row_out = |r: linalg::RowVector<E::Value>| -> linalg::Result<(Out, Meta)> {
        assert_eq!(r.unit(), unit);
        Ok((Out::Vector(decode_row(&r, dec)?), meta(e, &r)))
    };
    let col_out = |r: linalg::ColVector<E::Value>| -> linalg::Result<(Out, Meta)> {
        // The mixed product's result is in the transposed unit.
        let want = if op == Op::RowTimesMatrixMixed { unit.transpose() } else { unit };
        assert_eq!(r.unit(), want);
        Ok((Out::Vector(decode_col(&r, dec)?), meta(e, &r)))
    };
    match op {
        Op::Add => matrix_out(la.add(&mat(&x.a, top)?, &mat(&x.b, top)?)?),
        Op::Sub => matrix_out(la.sub(&mat(&x.a, top)?, &mat(&x.b, top)?)?),
        Op::Neg => matrix_out(la.neg(&mat(&x.a, top)?)?),
        Op::AddScalar => matrix_out(la.add_scalar(&mat(&x.a, top)?, c)?),
        Op::MulScalar => matrix_out(la.mul_scalar(&mat(&x.a, top)?, c)?),
        Op::AddPlain => matrix_out(la.add_plain(&mat(&x.a, top)?, &plain()?)?),
        Op::SubPlain => matrix_out(la.sub_plain(&mat(&x.a, top)?, &plain()?)?),
        Op::MulPlain => matrix_out(la.mul_plain(&mat(&x.a, top)?, &plain()?)?),
        Op::Hadamard => matrix_out(la.hadamard(&mat(&x.a, top)?, &mat(&x.b, top)?)?),
        Op::Square => matrix_out(la.square(&mat(&x.a, top)?)?),
        Op::HadamardRow => matrix_out(la.hadamard_row(&row(&x.v)?, &mat(&x.a, top)?)?),
        Op::HadamardCol => matrix_out(la.hadamard_col(&mat(&x.a, top)?, &col(&x.u)?)?),
        Op::SumRows => col_out(la.sum_rows(&mat(&x.a, top)?)?),
        Op::SumCols => row_out(la.sum_cols(&mat(&x.a, top)?, c)?),
        Op::RowTimesMatrix => col_out(la.row_times_matrix(&row(&x.v)?, &mat(&x.a, top)?)?),
        Op::MatrixTimesCol => row_out(la.matrix_times_col(&mat(&x.a, top)?, &col(&x.u)?, c)?),
        Op::RowTimesMatrixMixed => {
            col_out(la.row_times_matrix_mixed(&row(&x.v)?, &mat(&x.a, top)?)?)
        }
        Op::MatrixTimesColMixed => {
            let u = la.encrypt_col(&x.u, unit.transpose(), top)?;
            row_out(la.matrix_times_col_mixed(&mat(&x.a, top)?, &u, c)?)
        }
        Op::MatmulRowMajor => {
            let r = la.matmul_row_major(&mat(&x.a.transpose(), top)?, &mat(&x.bm, top - 1)?, c)?;
            assert_eq!((r.rows(), r.cols(), r.unit()), (x.a.rows(), x.bm.cols(), unit));
            Ok((Out::Matrix(decode_matrix(&r, dec)?), meta(e, &r)))
        }
        Op::MatmulColMajor => {
            let r = la.matmul_col_major(&mat(&x.a, top - 1)?, &mat(&x.bm.transpose(), top)?, c)?;
            assert_eq!((r.rows(), r.cols(), r.unit()), (x.a.rows(), x.bm.cols(), unit));
            Ok((Out::Matrix(decode_matrix(&r, dec)?), meta(e, &r)))
        }
        Op::AlignToLevel => matrix_out(la.align_to_level(&mat(&x.a, top)?, top - x.drop)?),
        Op::Rescale => {
            let a = mat(&x.a, top)?;
            let tiles = a.tiles().iter().map(|t| e.mul_const(t, c)).collect::<ckks::Result<_>>()?;
            matrix_out(la.rescale(&a.with_tiles(tiles))?)
        }
        Op::Relinearize => {
            let (a, b) = (mat(&x.a, top)?, mat(&x.b, top)?);
            let tiles = a
                .tiles()
                .iter()
                .zip(b.tiles())
                .map(|(s, t)| e.mul(s, t))
                .collect::<ckks::Result<Vec<_>>>()?;
            assert!(tiles.iter().all(|t| e.meta(t).size == 3));
            let r = la.relinearize(&a.with_tiles(tiles))?;
            assert!(r.tiles().iter().all(|t| e.meta(t).size == 2));
            matrix_out(r)
        }
        Op::AddRows => row_out(la.add(&row(&x.v)?, &row(&x.x)?)?),
        Op::SubCols => col_out(la.sub(&col(&x.u)?, &col(&x.y)?)?),
        Op::HadamardRows => row_out(la.hadamard(&row(&x.v)?, &row(&x.x)?)?),
        Op::MulScalarCols => col_out(la.mul_scalar(&col(&x.u)?, c)?),
        Op::RowToCol => col_out(la.row_to_col(&row(&x.v)?, c)?),
        Op::ColToRow => row_out(la.col_to_row(&col(&x.u)?, c)?),
    }
}

/// What `op` computes, in `f64` with [`PlainMatrix`]'s reference operations.
pub fn expected(op: Op, x: &Inputs) -> Out {
    let (a, c) = (&x.a, x.c);
    let zip = |u: &[f64], w: &[f64], f: fn(f64, f64) -> f64| -> Vec<f64> {
        assert_eq!(u.len(), w.len(), "operand lengths");
        u.iter().zip(w).map(|(&s, &t)| f(s, t)).collect()
    };
    match op {
        Op::Add => Out::Matrix(a.zip_with(&x.b, |s, t| s + t)),
        Op::Sub => Out::Matrix(a.zip_with(&x.b, |s, t| s - t)),
        Op::Neg => Out::Matrix(a.scale(-1.0)),
        Op::AddScalar => Out::Matrix(a.zip_with(a, |s, _| s + c)),
        Op::MulScalar | Op::Rescale => Out::Matrix(a.scale(c)),
        Op::AddPlain => Out::Matrix(a.zip_with(&x.p, |s, t| s + t)),
        Op::SubPlain => Out::Matrix(a.zip_with(&x.p, |s, t| s - t)),
        Op::MulPlain => Out::Matrix(a.zip_with(&x.p, |s, t| s * t)),
        Op::Hadamard | Op::Relinearize => Out::Matrix(a.zip_with(&x.b, |s, t| s * t)),
        Op::Square => Out::Matrix(a.zip_with(a, |s, t| s * t)),
        Op::HadamardRow => {
            Out::Matrix(PlainMatrix::from_fn(a.rows(), a.cols(), |i, j| x.v[i] * a.get(i, j)))
        }
        Op::HadamardCol => {
            Out::Matrix(PlainMatrix::from_fn(a.rows(), a.cols(), |i, j| a.get(i, j) * x.u[j]))
        }
        Op::SumRows => Out::Vector(a.sum_rows()),
        Op::SumCols => Out::Vector(a.sum_cols().iter().map(|s| c * s).collect()),
        Op::RowTimesMatrix | Op::RowTimesMatrixMixed => Out::Vector(a.vec_mul(&x.v)),
        Op::MatrixTimesCol | Op::MatrixTimesColMixed => {
            Out::Vector(a.mul_vec(&x.u).iter().map(|s| c * s).collect())
        }
        Op::MatmulRowMajor | Op::MatmulColMajor => Out::Matrix(a.matmul(&x.bm).scale(c)),
        Op::AlignToLevel => Out::Matrix(a.clone()),
        Op::AddRows => Out::Vector(zip(&x.v, &x.x, |s, t| s + t)),
        Op::SubCols => Out::Vector(zip(&x.u, &x.y, |s, t| s - t)),
        Op::HadamardRows => Out::Vector(zip(&x.v, &x.x, |s, t| s * t)),
        Op::MulScalarCols | Op::ColToRow => Out::Vector(x.u.iter().map(|s| c * s).collect()),
        Op::RowToCol => Out::Vector(x.v.iter().map(|s| c * s).collect()),
    }
}

fn log2(x: usize) -> usize {
    x.trailing_zeros() as usize
}

/// The documented `(depth, rotations)` of `op` on `x`: the crate docs and the table of
/// `linalg::products` (`R x C` tiles of `A`), `matmul_*_rotations` for matrix products, the
/// table of `linalg::convert` for the layout conversions.
pub fn documented(op: Op, x: &Inputs) -> (usize, usize) {
    let (f, g, h) = x.dims();
    let (m, n) = (x.unit.height(), x.unit.width());
    let (r, c) = (f.div_ceil(m), g.div_ceil(n));
    match op {
        Op::Add
        | Op::Sub
        | Op::Neg
        | Op::AddScalar
        | Op::AddPlain
        | Op::SubPlain
        | Op::Relinearize
        | Op::AddRows
        | Op::SubCols => (0, 0),
        Op::MulScalar
        | Op::MulPlain
        | Op::Hadamard
        | Op::Square
        | Op::HadamardRow
        | Op::HadamardCol
        | Op::Rescale
        | Op::HadamardRows
        | Op::MulScalarCols => (1, 0),
        Op::SumRows => (0, c * log2(m)),
        Op::SumCols => (1, 2 * r * log2(n)),
        Op::RowTimesMatrix => (1, c * log2(m)),
        Op::MatrixTimesCol => (2, 2 * r * log2(n)),
        Op::RowTimesMatrixMixed => (1, log2(n)),
        Op::MatrixTimesColMixed => (2, 2 * r * log2(n)),
        Op::MatmulRowMajor => (3, matmul_row_major_rotations(f, g, h, m, n)),
        Op::MatmulColMajor => (3, matmul_col_major_rotations(f, g, h, m, n)),
        Op::AlignToLevel => (x.drop, 0),
        // The table of `linalg::convert`.
        Op::RowToCol => (1, f.div_ceil(n) * log2(m)),
        Op::ColToRow => (2, 2 * g.div_ceil(m) * log2(n)),
    }
}

// ----- strategies ------------------------------------------------------------------------------

/// `(log_n, unit height)`: `log_n` in `log_ns` (`2^(log_n - 1)` slots), mostly units with both
/// sides at least 4 (16x16, 8x32, 32x8, 4x64, ... at 256 slots), sometimes the extreme
/// `1 x slots` and `slots x 1`.
pub fn unit_choice(log_ns: std::ops::RangeInclusive<u32>) -> impl Strategy<Value = (u32, usize)> {
    log_ns.prop_flat_map(|log_n| {
        let log_slots = log_n as usize - 1;
        let log_h = prop_oneof![
            9 => 2..=log_slots - 2,
            1 => prop::sample::select(vec![0, log_slots]),
        ];
        (Just(log_n), log_h.prop_map(|k| 1usize << k))
    })
}

/// A dimension for a unit of `m x n`: relative to `m` or `n` (whichever is at most 128), an
/// exact multiple, a unit plus one to three, half a unit, or any odd size below 150.
pub fn dim(m: usize, n: usize) -> impl Strategy<Value = usize> {
    let bases: Vec<usize> = [m, n].into_iter().filter(|&u| u <= 128).collect();
    let bases = if bases.is_empty() { vec![m.min(n)] } else { bases };
    prop::sample::select(bases).prop_flat_map(|u| {
        prop_oneof![
            (1usize..=2).prop_map(move |k| k * u),
            (1usize..=3).prop_map(move |r| u + r),
            Just((u / 2).max(1)),
            (0usize..75).prop_map(|k| 2 * k + 1),
        ]
    })
}

/// A random problem: chain size, unit and `f x g x h` shape, with inputs drawn from a seed.
pub fn problem(log_ns: std::ops::RangeInclusive<u32>) -> impl Strategy<Value = (u32, Inputs)> {
    unit_choice(log_ns).prop_flat_map(|(log_n, height)| {
        let unit = EncodingUnit::for_slots(1 << (log_n - 1), height).expect("unit");
        let (m, n) = (unit.height(), unit.width());
        (dim(m, n), dim(m, n), dim(m, n), any::<u64>())
            .prop_map(move |(f, g, h, seed)| (log_n, Inputs::random(f, g, h, unit, seed)))
    })
}

/// A random problem for the mixed-unit operations: a unit with `m <= n` (at least 2 x 2) and
/// `g <= m` columns (all of `m`, half of it, or anything from 1).
pub fn mixed_problem(
    log_ns: std::ops::RangeInclusive<u32>,
) -> impl Strategy<Value = (u32, Inputs)> {
    log_ns
        .prop_flat_map(|log_n| {
            let log_slots = log_n as usize - 1;
            (Just(log_n), (1..=log_slots / 2).prop_map(|k| 1usize << k))
        })
        .prop_flat_map(|(log_n, m)| {
            let unit = EncodingUnit::for_slots(1 << (log_n - 1), m).expect("unit");
            let g = prop_oneof![Just(m), Just((m / 2).max(1)), 1..=m];
            (dim(m, unit.width()), g, 1usize..40, any::<u64>())
                .prop_map(move |(f, g, h, seed)| (log_n, Inputs::random(f, g, h, unit, seed)))
        })
}
