//! Criterion benchmarks of encrypted matrix x vector and matrix x matrix products at N = 2^15,
//! with the share of the time spent in key switching.
//!
//! ```text
//! RAYON_NUM_THREADS=1 cargo bench -p linalg --bench linalg          # all sets
//! RAYON_NUM_THREADS=1 LINALG_BENCH=mv,vm cargo bench -p linalg --bench linalg
//! cargo bench -p linalg --bench linalg -- matmul_row_major           # criterion filter
//! ```
//!
//! Parameters: `ParametersLiteral::with_levels(15, 6, 60, 40, 60, 3)`: N = 2^15 (16384 slots),
//! q = [60, 40 x 6 | 60 x 3], scale 2^40, dnum 3, log2 QP = 480 <= 881 (128-bit secure). Six
//! levels cover the depth-3 matrix products with three to spare. Every object is cut into
//! 128 x 128 tiles (one tile = one ciphertext). The evaluator holds the relinearization key and
//! Galois keys for exactly the rotations the operation uses (found by a symbolic run with a
//! rotation collector); inputs are encrypted with the secret key.
//!
//! Sets (`LINALG_BENCH`, comma-separated; all when unset), benchmark names
//! `linalg-n15/<operation>/<shape>`:
//!
//! - `mv`: `matrix_times_col`, `A u` for `A` 256 x 256 (2 x 2 tiles, a logistic-regression
//!   minibatch), both operands at the top level. Depth 2.
//! - `vm`: `row_times_matrix`, `v^T A` for the same shape, at the top level. Depth 1.
//! - `mm` (or `mm-row`, `mm-col` alone): matrix products `A B`, depth 3. Their cost grows with
//!   the dimension the algorithm loops over (the rows of `A` row-major, the columns of `B`
//!   column-major: `log2 n + 1` rotations of `A^T` / `B^T` and about as many for the product and
//!   its placement, per row / column), so each keeps that dimension at 32 and the other two at one
//!   full 128 x 128 tile:
//!   - `matmul_row_major/32x128x128`: `A` 32 x 128 times `B` 128 x 128, from `A^T` (128 x 32,
//!     top level) and `B` (128 x 128, one level lower);
//!   - `matmul_col_major/128x128x32`: `A` 128 x 128 times `B` 128 x 32, from `A` (128 x 128, one
//!     level below the top) and `B^T` (32 x 128, top level).
//!
//!   One product takes about 8.3 s on one core of a 2-core Xeon VM (the whole bench runs in
//!   about 4 minutes with `RAYON_NUM_THREADS=1`). The column-major product of the row-major shape
//!   (`h` = 128) would loop over 128 columns: 2046 rotations, 261 Galois keys (3.9 GiB).
//!
//! Before each operation is timed by criterion, it runs once through a timing wrapper around
//! the homomorphic evaluator that adds up the wall time spent inside key switches
//! (relinearizations of three-component values, rotations, hoisted rotations, conjugations),
//! summed over rayon threads; the result is decrypted and checked against the plaintext
//! product. It prints one line per operation:
//!
//! ```text
//! matrix x vector 256x256: 123 ms per op, key switching 87% (28 rotations, 4 relinearizations)
//! ```
//!
//! The key-switching share is (key-switch time summed over threads) / (total busy time). Run
//! with `RAYON_NUM_THREADS=1` for an unambiguous figure: the busy time is then the wall time of
//! the operation. With more threads the products run over tiles in parallel and the summed
//! key-switch time can exceed the wall time; the share is then taken against the time spent in
//! all evaluator calls, summed over threads (everything but a little glue work).

use ckks::eval::{
    CkksEvaluator, Counter, HomomorphicEvaluator, Observed, OpCounter, OpCounts, Rotations,
    SymbolicEvaluator,
};
use ckks::{
    Ciphertext, Complex64, Context, EvaluationKeys, Evaluator, Meta, ModulusChain,
    ParametersLiteral, Plaintext, Prng, RelinearizationKey, SecretKey,
};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use linalg::{
    decode_col, decode_matrix, decode_row, ColVector, EncodingUnit, LinAlg, Matrix, PlainMatrix,
    RowVector,
};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Rows of the 128 x 128 encoding unit.
const UNIT_HEIGHT: usize = 128;
/// Matrix x vector and vector x matrix: a 256 x 256 matrix.
const MV: (usize, usize) = (256, 256);
/// Row-major matrix product: `A` of `f x g` times `B` of `g x h`, looping over the `f` rows.
const MM_ROW: (usize, usize, usize) = (32, 128, 128);
/// Column-major matrix product: `A` of `f x g` times `B` of `g x h`, looping over the `h`
/// columns.
const MM_COL: (usize, usize, usize) = (128, 128, 32);

/// Whether the set `name` is selected by `LINALG_BENCH` (every set when it is unset).
fn enabled(name: &str) -> bool {
    match std::env::var("LINALG_BENCH") {
        Ok(sets) => sets
            .split(',')
            .map(str::trim)
            .any(|s| s == name || (s == "mm" && name.starts_with("mm-"))),
        Err(_) => true,
    }
}

fn values(count: usize, seed: u64) -> Vec<f64> {
    let mut prng = Prng::from_u64_seed(seed);
    (0..count).map(|_| (prng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0).collect()
}

fn matrix(rows: usize, cols: usize, seed: u64) -> PlainMatrix {
    PlainMatrix::new(rows, cols, values(rows * cols, seed)).expect("dimensions match the data")
}

// ----- timing wrapper ---------------------------------------------------------------------------

/// The homomorphic evaluator with the wall time of its calls added up (over all threads): all
/// calls in `busy_ns`, key switches also in `key_switch_ns`.
struct Timed<'a> {
    he: &'a HomomorphicEvaluator,
    key_switch_ns: AtomicU64,
    busy_ns: AtomicU64,
}

impl<'a> Timed<'a> {
    fn new(he: &'a HomomorphicEvaluator) -> Self {
        Self { he, key_switch_ns: AtomicU64::new(0), busy_ns: AtomicU64::new(0) }
    }

    fn time<T>(&self, key_switch: bool, f: impl FnOnce(&HomomorphicEvaluator) -> T) -> T {
        let t0 = Instant::now();
        let r = f(self.he);
        let ns = t0.elapsed().as_nanos() as u64;
        self.busy_ns.fetch_add(ns, Ordering::Relaxed);
        if key_switch {
            self.key_switch_ns.fetch_add(ns, Ordering::Relaxed);
        }
        r
    }

    fn key_switch(&self) -> Duration {
        Duration::from_nanos(self.key_switch_ns.load(Ordering::Relaxed))
    }

    fn busy(&self) -> Duration {
        Duration::from_nanos(self.busy_ns.load(Ordering::Relaxed))
    }
}

type R<T> = ckks::Result<T>;

// The provided methods (`mul_relin`, `square_relin`, `mul_rescale`, `sum`, ...) are left to
// their defaults, which go through the timed methods below.
impl CkksEvaluator for Timed<'_> {
    type Value = Ciphertext;
    type Plain = Plaintext;

    fn chain(&self) -> &ModulusChain {
        self.he.chain()
    }
    fn meta(&self, v: &Ciphertext) -> Meta {
        self.he.meta(v)
    }
    fn plain_meta(&self, p: &Plaintext) -> Meta {
        self.he.plain_meta(p)
    }
    fn encrypt_complex(&self, values: &[Complex64], level: usize) -> R<Ciphertext> {
        self.time(false, |e| e.encrypt_complex(values, level))
    }
    fn encode_complex(&self, values: &[Complex64], level: usize, scale: f64) -> R<Plaintext> {
        self.time(false, |e| e.encode_complex(values, level, scale))
    }
    fn add(&self, a: &Ciphertext, b: &Ciphertext) -> R<Ciphertext> {
        self.time(false, |e| e.add(a, b))
    }
    fn sub(&self, a: &Ciphertext, b: &Ciphertext) -> R<Ciphertext> {
        self.time(false, |e| e.sub(a, b))
    }
    fn neg(&self, a: &Ciphertext) -> R<Ciphertext> {
        self.time(false, |e| e.neg(a))
    }
    fn add_plain(&self, a: &Ciphertext, p: &Plaintext) -> R<Ciphertext> {
        self.time(false, |e| e.add_plain(a, p))
    }
    fn sub_plain(&self, a: &Ciphertext, p: &Plaintext) -> R<Ciphertext> {
        self.time(false, |e| e.sub_plain(a, p))
    }
    fn mul_plain(&self, a: &Ciphertext, p: &Plaintext) -> R<Ciphertext> {
        self.time(false, |e| e.mul_plain(a, p))
    }
    fn add_const(&self, a: &Ciphertext, c: f64) -> R<Ciphertext> {
        self.time(false, |e| e.add_const(a, c))
    }
    fn mul_const(&self, a: &Ciphertext, c: f64) -> R<Ciphertext> {
        self.time(false, |e| e.mul_const(a, c))
    }
    fn bootstrap(&self, a: &Ciphertext) -> R<Ciphertext> {
        self.time(false, |e| e.bootstrap(a))
    }
    fn mul_const_at_scale(&self, a: &Ciphertext, c: f64, scale: f64) -> R<Ciphertext> {
        self.time(false, |e| e.mul_const_at_scale(a, c, scale))
    }
    fn mul_integer(&self, a: &Ciphertext, k: i64) -> R<Ciphertext> {
        self.time(false, |e| e.mul_integer(a, k))
    }
    fn mul(&self, a: &Ciphertext, b: &Ciphertext) -> R<Ciphertext> {
        self.time(false, |e| e.mul(a, b))
    }
    fn square(&self, a: &Ciphertext) -> R<Ciphertext> {
        self.time(false, |e| e.square(a))
    }
    fn relinearize(&self, a: &Ciphertext) -> R<Ciphertext> {
        // A two-component value is returned as it is: no key switch.
        let key_switch = self.he.meta(a).size > 2;
        self.time(key_switch, |e| e.relinearize(a))
    }
    fn rescale(&self, a: &Ciphertext) -> R<Ciphertext> {
        self.time(false, |e| e.rescale(a))
    }
    fn drop_level(&self, a: &Ciphertext, level: usize) -> R<Ciphertext> {
        self.time(false, |e| e.drop_level(a, level))
    }
    fn align_to_level(&self, a: &Ciphertext, level: usize) -> R<Ciphertext> {
        self.time(false, |e| e.align_to_level(a, level))
    }
    fn rotate(&self, a: &Ciphertext, step: i64) -> R<Ciphertext> {
        self.time(true, |e| e.rotate(a, step))
    }
    fn conjugate(&self, a: &Ciphertext) -> R<Ciphertext> {
        self.time(true, |e| e.conjugate(a))
    }
    fn mul_i(&self, a: &Ciphertext) -> R<Ciphertext> {
        self.time(false, |e| e.mul_i(a))
    }
    fn rotate_hoisted(&self, a: &Ciphertext, steps: &[i64]) -> R<Vec<Ciphertext>> {
        self.time(true, |e| e.rotate_hoisted(a, steps))
    }
    fn add_assign(&self, a: &mut Ciphertext, b: &Ciphertext) -> R<()> {
        self.time(false, |e| e.add_assign(a, b))
    }
    fn sub_assign(&self, a: &mut Ciphertext, b: &Ciphertext) -> R<()> {
        self.time(false, |e| e.sub_assign(a, b))
    }
}

// ----- operations -------------------------------------------------------------------------------

/// The benchmarked operations with their plaintext operands.
enum Case {
    /// `A u`.
    MatrixTimesCol { a: PlainMatrix, u: Vec<f64> },
    /// `v^T A`.
    RowTimesMatrix { v: Vec<f64>, a: PlainMatrix },
    /// `A B` from `A^T` and `B`.
    MatmulRowMajor { a: PlainMatrix, b: PlainMatrix },
    /// `A B` from `A` and `B^T`.
    MatmulColMajor { a: PlainMatrix, b: PlainMatrix },
}

/// Encrypted operands.
enum Inputs<V> {
    MatCol(Matrix<V>, ColVector<V>),
    RowMat(RowVector<V>, Matrix<V>),
    MatMat(Matrix<V>, Matrix<V>),
}

/// Encrypted results.
enum Output<V> {
    Row(RowVector<V>),
    Col(ColVector<V>),
    Mat(Matrix<V>),
}

impl Case {
    fn set(&self) -> &'static str {
        match self {
            Case::MatrixTimesCol { .. } => "mv",
            Case::RowTimesMatrix { .. } => "vm",
            Case::MatmulRowMajor { .. } => "mm-row",
            Case::MatmulColMajor { .. } => "mm-col",
        }
    }

    /// The criterion name (operation/shape).
    fn id(&self) -> String {
        match self {
            Case::MatrixTimesCol { a, .. } => format!("matrix_times_col/{}x{}", a.rows(), a.cols()),
            Case::RowTimesMatrix { a, .. } => format!("row_times_matrix/{}x{}", a.rows(), a.cols()),
            Case::MatmulRowMajor { a, b } => {
                format!("matmul_row_major/{}x{}x{}", a.rows(), a.cols(), b.cols())
            }
            Case::MatmulColMajor { a, b } => {
                format!("matmul_col_major/{}x{}x{}", a.rows(), a.cols(), b.cols())
            }
        }
    }

    /// The label of the printed summary.
    fn label(&self) -> String {
        match self {
            Case::MatrixTimesCol { a, .. } => format!("matrix x vector {}x{}", a.rows(), a.cols()),
            Case::RowTimesMatrix { a, .. } => format!("vector x matrix {}x{}", a.rows(), a.cols()),
            Case::MatmulRowMajor { a, b } => format!(
                "matrix x matrix row-major {}x{}x{} (A^T {}x{}, B {}x{})",
                a.rows(),
                a.cols(),
                b.cols(),
                a.cols(),
                a.rows(),
                b.rows(),
                b.cols()
            ),
            Case::MatmulColMajor { a, b } => format!(
                "matrix x matrix col-major {}x{}x{} (A {}x{}, B^T {}x{})",
                a.rows(),
                a.cols(),
                b.cols(),
                a.rows(),
                a.cols(),
                b.cols(),
                b.rows()
            ),
        }
    }

    /// Encrypts the operands at the levels the operation expects.
    fn encrypt<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        unit: EncodingUnit,
    ) -> linalg::Result<Inputs<E::Value>> {
        let top = la.evaluator().max_level();
        Ok(match self {
            Case::MatrixTimesCol { a, u } => {
                Inputs::MatCol(la.encrypt_matrix(a, unit, top)?, la.encrypt_col(u, unit, top)?)
            }
            Case::RowTimesMatrix { v, a } => {
                Inputs::RowMat(la.encrypt_row(v, unit, top)?, la.encrypt_matrix(a, unit, top)?)
            }
            Case::MatmulRowMajor { a, b } => Inputs::MatMat(
                la.encrypt_matrix(&a.transpose(), unit, top)?,
                la.encrypt_matrix(b, unit, top - 1)?,
            ),
            Case::MatmulColMajor { a, b } => Inputs::MatMat(
                la.encrypt_matrix(a, unit, top - 1)?,
                la.encrypt_matrix(&b.transpose(), unit, top)?,
            ),
        })
    }

    /// Runs the operation.
    fn run<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        inputs: &Inputs<E::Value>,
    ) -> linalg::Result<Output<E::Value>> {
        Ok(match (self, inputs) {
            (Case::MatrixTimesCol { .. }, Inputs::MatCol(a, u)) => {
                Output::Row(la.matrix_times_col(a, u, 1.0)?)
            }
            (Case::RowTimesMatrix { .. }, Inputs::RowMat(v, a)) => {
                Output::Col(la.row_times_matrix(v, a)?)
            }
            (Case::MatmulRowMajor { .. }, Inputs::MatMat(a_t, b)) => {
                Output::Mat(la.matmul_row_major(a_t, b, 1.0)?)
            }
            (Case::MatmulColMajor { .. }, Inputs::MatMat(a, b_t)) => {
                Output::Mat(la.matmul_col_major(a, b_t, 1.0)?)
            }
            _ => unreachable!("inputs of another operation"),
        })
    }

    /// The plaintext result, flattened (row-major for a matrix).
    fn expected(&self) -> Vec<f64> {
        match self {
            Case::MatrixTimesCol { a, u } => a.mul_vec(u),
            Case::RowTimesMatrix { v, a } => a.vec_mul(v),
            Case::MatmulRowMajor { a, b } | Case::MatmulColMajor { a, b } => {
                a.matmul(b).data().to_vec()
            }
        }
    }
}

impl Output<Ciphertext> {
    /// Decrypts and decodes the result, flattened as [`Case::expected`].
    fn decrypt(&self, ctx: &Context, sk: &SecretKey) -> Vec<f64> {
        let f = |ct: &Ciphertext| ctx.decode(&sk.decrypt(ct)?);
        match self {
            Output::Row(v) => decode_row(v, f),
            Output::Col(u) => decode_col(u, f),
            Output::Mat(m) => decode_matrix(m, f).map(|m| m.data().to_vec()),
        }
        .expect("decryption")
    }
}

// ----- benchmarks -------------------------------------------------------------------------------

struct Setup {
    ctx: Context,
    sk: Arc<SecretKey>,
    rk: RelinearizationKey,
    unit: EncodingUnit,
    prng: Prng,
}

fn setup() -> Setup {
    let t0 = Instant::now();
    let ctx = ParametersLiteral::with_levels(15, 6, 60, 40, 60, 3)
        .build()
        .expect("128-bit secure N = 2^15 parameters");
    let mut prng = Prng::from_u64_seed(0x11a1);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let rk = sk.relinearization_key(&mut prng);
    let unit = EncodingUnit::for_slots(ctx.slots(), UNIT_HEIGHT).expect("a 128 x 128 unit");
    eprintln!(
        "[linalg] {}\n[linalg] log2 QP = {:.1}, {unit}, {} rayon thread(s), setup {:.2} s",
        ctx.summary(),
        ctx.log_qp(),
        rayon::current_num_threads(),
        t0.elapsed().as_secs_f64()
    );
    Setup { ctx, sk: Arc::new(sk), rk, unit, prng }
}

/// What a symbolic run of `case` gives: the rotations to make keys for and the op counts.
fn analyse(case: &Case, s: &Setup) -> (Vec<i64>, bool, OpCounts) {
    let sym = Observed::with_observer(
        SymbolicEvaluator::new(s.ctx.chain().clone()),
        (Rotations::default(), Counter::default()),
    );
    let la = LinAlg::new(&sym);
    let inputs = case.encrypt(&la, s.unit).expect("symbolic inputs");
    case.run(&la, &inputs).expect("symbolic run");
    let rotations = sym.observer().0.set();
    (rotations.steps_i64(), rotations.conjugation, sym.observer().1.counts())
}

fn bench_case(c: &mut Criterion, s: &mut Setup, case: &Case) {
    if !enabled(case.set()) {
        return;
    }
    let (label, id) = (case.label(), case.id());
    let (steps, conjugation, counts) = analyse(case, s);
    let t0 = Instant::now();
    let galois = s.sk.galois_keys(&steps, conjugation, &mut s.prng);
    eprintln!(
        "[linalg] {id}: {} Galois keys ({:.0} MiB) in {:.2} s",
        galois.len(),
        galois.byte_size() as f64 / (1 << 20) as f64,
        t0.elapsed().as_secs_f64()
    );
    let keys = EvaluationKeys { relinearization: Some(s.rk.clone()), galois };
    let eval = Evaluator::new(&s.ctx, keys).expect("keys belong to the context");
    let he = HomomorphicEvaluator::with_secret_key(eval, s.sk.clone())
        .expect("the secret key belongs to the context")
        .with_prng(Prng::from_u64_seed(0x5eed));
    let inputs = case.encrypt(&LinAlg::new(&he), s.unit).expect("encryption");

    // One run through the timing wrapper (and an op counter): key-switch share and a check of
    // the result before anything is benchmarked.
    let timed = OpCounter::wrap(Timed::new(&he));
    let t0 = Instant::now();
    let out = case.run(&LinAlg::new(&timed), &inputs).expect("encrypted run");
    let wall = t0.elapsed();
    let got = out.decrypt(&s.ctx, &s.sk);
    let want = case.expected();
    assert_eq!(got.len(), want.len());
    let err = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max);
    let max = want.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    eprintln!("[linalg] {id}: max |err| = {err:.3e} (largest |entry| {max:.2})");
    assert!(err < 1e-4 * max.max(1.0), "{id}: wrong result, refusing to benchmark");
    let measured = timed.counts();
    assert_eq!(
        (measured.rotations, measured.relinearizations, measured.conjugations),
        (counts.rotations, counts.relinearizations, counts.conjugations),
        "{id}: the encrypted run and the symbolic run differ"
    );

    let threads = rayon::current_num_threads();
    let (ks, in_eval) = (timed.inner().key_switch(), timed.inner().busy());
    // One thread: the busy time is the wall time. Several: the time inside evaluator calls,
    // summed over threads.
    let busy = if threads == 1 { wall } else { in_eval };
    let conj = if counts.conjugations > 0 {
        format!(", {} conjugations", counts.conjugations)
    } else {
        String::new()
    };
    println!(
        "{label}: {:.0} ms per op, key switching {:.0}% ({} rotations, {} relinearizations{conj})",
        wall.as_secs_f64() * 1e3,
        100.0 * ks.as_secs_f64() / busy.as_secs_f64(),
        counts.rotations,
        counts.relinearizations,
    );
    println!(
        "    {threads} thread(s): wall {:.0} ms; summed over threads: key switching {:.0} ms, \
         all evaluator calls {:.0} ms; {} of the rotations hoisted",
        wall.as_secs_f64() * 1e3,
        ks.as_secs_f64() * 1e3,
        in_eval.as_secs_f64() * 1e3,
        counts.hoisted_rotations
    );
    drop(timed);

    let mut group = c.benchmark_group("linalg-n15");
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(500));
    // One iteration per sample (ten in all, criterion's minimum) for the slow operations;
    // criterion then warns that it could not complete the samples in time, which is expected.
    group.measurement_time(Duration::from_secs(2).max(wall * 9));
    let la = LinAlg::new(&he);
    group.bench_function(id, |b| b.iter(|| case.run(&la, black_box(&inputs)).unwrap()));
    group.finish();
}

fn benches(c: &mut Criterion) {
    let cases = [
        Case::MatrixTimesCol { a: matrix(MV.0, MV.1, 1), u: values(MV.1, 2) },
        Case::RowTimesMatrix { v: values(MV.0, 3), a: matrix(MV.0, MV.1, 4) },
        Case::MatmulRowMajor { a: matrix(MM_ROW.0, MM_ROW.1, 5), b: matrix(MM_ROW.1, MM_ROW.2, 6) },
        Case::MatmulColMajor { a: matrix(MM_COL.0, MM_COL.1, 7), b: matrix(MM_COL.1, MM_COL.2, 8) },
    ];
    if !cases.iter().any(|case| enabled(case.set())) {
        eprintln!("[linalg] LINALG_BENCH selects no set (mv, vm, mm, mm-row, mm-col)");
        return;
    }
    let mut s = setup();
    for case in &cases {
        bench_case(c, &mut s, case);
    }
}

criterion_group! {
    name = linalg_benches;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(linalg_benches);
