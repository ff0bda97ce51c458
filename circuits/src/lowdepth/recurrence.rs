//! The recurrence of the module docs, evaluated: the values the steps pass along (the
//! gradients as atoms in one or both layouts), the lookups of uploaded inputs (which a planning
//! run records), and the combinations `w_t`, `y_t` of the atoms.

use super::{Layout, LowDepth, LowDepthInputs, Start, Step};
use crate::error::{CircuitError, ConfigFault, Result};
use crate::poly::eval_odd;
use crate::protocol::{Object, ObjectName, SplitModel, StateVector};
use ckks::eval::CkksEvaluator;
use linalg::{ColVector, LinAlg, Matrix, RowVector};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A feature-indexed vector in one or both layouts.
#[derive(Clone, Debug)]
struct Atom<V> {
    row: Option<RowVector<V>>,
    col: Option<ColVector<V>>,
}

impl<V> From<Layout<V>> for Atom<V> {
    fn from(l: Layout<V>) -> Self {
        match l {
            Layout::Row(r) => Atom { row: Some(r), col: None },
            Layout::Col(c) => Atom { row: None, col: Some(c) },
        }
    }
}

/// Records, in a planning run, the highest level at which each input is needed.
pub(super) type Plan = Mutex<BTreeMap<ObjectName, usize>>;

/// What a run reads and records.
pub(super) struct Ctx<'a, 'e, E: CkksEvaluator> {
    /// The toolkit.
    pub(super) la: &'a LinAlg<'e, E>,
    /// The uploads.
    pub(super) inputs: &'a LowDepthInputs<E::Value>,
    /// In a planning run, where the levels at which inputs are read are recorded.
    pub(super) plan: Option<&'a Plan>,
    /// Where the schedule is traced.
    pub(super) trace: Option<&'a Mutex<Vec<Step>>>,
    /// Also return `w_{k-1}` (what a later round needs for `v_k`).
    pub(super) previous: bool,
}

impl<E: CkksEvaluator> Ctx<'_, '_, E> {
    /// The level the circuit starts at: its highest input's (the first minibatch and the state
    /// are uploaded there), whatever levels the chain has above it (bootstrapping primes, or a
    /// round that starts below the top).
    fn top(&self) -> usize {
        let la = self.la;
        self.inputs
            .values()
            .map(|o| match o {
                Object::Matrix(m) => la.level(m),
                Object::Row(r) => la.level(r),
                Object::Col(c) => la.level(c),
            })
            .max()
            .unwrap_or_else(|| la.evaluator().max_level())
    }

    /// Input `name` at `level` (aligned down from its upload level).
    fn input(&self, name: ObjectName, level: usize) -> Result<Matrix<E::Value>> {
        if let Some(plan) = self.plan {
            let mut p = plan.lock().expect("plan lock");
            let e = p.entry(name).or_insert(level);
            *e = (*e).max(level);
        }
        match self.inputs.get(&name) {
            Some(Object::Matrix(m)) => Ok(self.la.align_to_level(m, level)?),
            Some(o) => Err(CircuitError::ValueMismatch { name, kind: o.kind() }),
            None => Err(CircuitError::MissingObject { name }),
        }
    }

    /// The state vector `vector` in the layouts `names` (of [`LowDepth::state_names`]), at its
    /// upload level (the top).
    fn vector(&self, names: impl Iterator<Item = ObjectName>) -> Result<Atom<E::Value>> {
        let mut atom = Atom { row: None, col: None };
        for name in names {
            if let Some(plan) = self.plan {
                plan.lock().expect("plan lock").insert(name, self.top());
            }
            match self.inputs.get(&name) {
                Some(Object::Row(v)) => atom.row = Some(v.clone()),
                Some(Object::Col(v)) => atom.col = Some(v.clone()),
                Some(o) => return Err(CircuitError::ValueMismatch { name, kind: o.kind() }),
                None => return Err(CircuitError::MissingObject { name }),
            }
        }
        Ok(atom)
    }

    /// `c` times input `name`, landing at `level` (the input is needed one level higher).
    fn scaled_input(&self, name: ObjectName, c: f64, level: usize) -> Result<Matrix<E::Value>> {
        Ok(self.la.mul_scalar(&self.input(name, level + 1)?, c)?)
    }
}

impl LowDepth {
    pub(super) fn run_inner<E: CkksEvaluator>(
        &self,
        cx: &Ctx<'_, '_, E>,
    ) -> Result<SplitModel<E::Value>> {
        self.run_inner_with(cx, &mut None)
    }

    pub(super) fn run_inner_with<E: CkksEvaluator>(
        &self,
        cx: &Ctx<'_, '_, E>,
        previous: &mut Option<SplitModel<E::Value>>,
    ) -> Result<SplitModel<E::Value>> {
        let la = cx.la;
        let cfg = &self.cfg;
        let k = cfg.minibatches;
        let etas = cfg.etas();
        let gb = cfg.gamma / cfg.batch_size as f64;
        let c = &cfg.sigmoid.coeffs;
        let top = cx.top();
        let offset = if self.start == Start::Zero { 0 } else { 2 };
        let (wcoef, ycoef) = coefficients(&etas, k, offset);
        let depth_of = |level: usize| top - level;
        let record = |step: Step| {
            if let Some(trace) = cx.trace {
                trace.lock().expect("trace lock").push(step);
            }
        };
        let mut atoms: Vec<Atom<E::Value>> = Vec::new();
        let (mut u, first) = if self.start == Start::Zero {
            // t = 0: grad_0 = (gamma/b) c_0 sum_i z_i, a row vector at depth 1.
            let z0 = cx.input(self.z_name(0), top)?;
            let grad0 = Layout::Row(la.sum_cols(&z0, gb * c[0])?);
            record(Step {
                t: 0,
                u_depth: 0,
                u_row: false,
                s_depth: 0,
                grad_depth: depth_of(level_of(la, &grad0)),
                grad_row: true,
            });
            atoms.push(grad0.into());
            if k == 1 {
                if cx.previous {
                    *previous = Some(split(la, &atoms, &wcoef[0])?);
                }
                return split(la, &atoms, &wcoef[1]);
            }
            // u_1 = -(1 - eta_0) G_1 s_0, s_0 = (gamma/b) c_0: a row vector at depth 1.
            let g1 = cx.input(self.g_name(1), top)?;
            (Layout::Row(la.sum_cols(&g1, -(1.0 - etas[0]) * gb * c[0])?), 1)
        } else {
            let w0 = cx.vector(self.state_names(StateVector::W))?;
            let v0 = cx.vector(self.state_names(StateVector::V))?;
            let u0 = match (&v0.row, &v0.col) {
                // Uploaded: u_0 = -v_0 Z_0^T, a column vector at depth 1.
                (Some(row), _) => {
                    let z0 = cx.input(self.z_name(0), la.level(row))?;
                    Layout::Col(la.neg(&la.row_times_matrix(row, &z0)?)?)
                }
                // Refreshed: u_0 = -Z_0 v_0, a row vector at depth 2 (the sign in the mask).
                (None, Some(col)) => {
                    let z0 = cx.input(self.z_name(0), la.level(col))?;
                    Layout::Row(la.matrix_times_col(&z0, col, -1.0)?)
                }
                (None, None) => unreachable!("a resumed start reads at least one layout"),
            };
            atoms.push(w0);
            atoms.push(v0);
            (u0, 0)
        };
        for t in first..k {
            let last = t == k - 1;
            let args = StepArgs {
                z: self.z_name(t),
                next: (!last).then(|| (self.z_name(t + 1), self.g_name(t + 1))),
                gb,
                c,
                eta: etas[t],
                ycoef: &ycoef[t],
                newest: (t > 0).then(|| offset + t - 1),
                atoms: &atoms,
            };
            let out = match &u {
                Layout::Row(r) => step(cx, r, &args)?,
                Layout::Col(col) => step(cx, col, &args)?,
            };
            record(Step {
                t,
                u_depth: depth_of(out.u_level),
                u_row: matches!(u, Layout::Row(_)),
                s_depth: depth_of(out.s_level),
                grad_depth: depth_of(level_of(la, &out.grad)),
                grad_row: matches!(out.grad, Layout::Row(_)),
            });
            atoms.push(out.grad.into());
            match out.next {
                Some(next) => u = next,
                None => break,
            }
        }
        if cx.previous {
            *previous = Some(split(la, &atoms, &wcoef[k - 1])?);
        }
        split(la, &atoms, &wcoef[k])
    }
}

/// What one step reads besides `u_t`.
struct StepArgs<'x, V> {
    /// The name of `Z_t` as the step reads it.
    z: ObjectName,
    /// The names of `Z_{t+1}` and `G_{t+1}` as the step reads them (none in the last step,
    /// which makes no `u_{t+1}`).
    next: Option<(ObjectName, ObjectName)>,
    /// `gamma / b`.
    gb: f64,
    /// The sigmoid's coefficients.
    c: &'x [f64],
    /// `eta_t`.
    eta: f64,
    /// `y_t` as coefficients of the atoms.
    ycoef: &'x [f64],
    /// The newest gradient's atom (none in the first step).
    newest: Option<usize>,
    /// The atoms so far.
    atoms: &'x [Atom<V>],
}

/// What one step made: `grad_t`, `u_{t+1}` (none after the last step) and the levels the trace
/// records.
struct StepOut<V> {
    grad: Layout<V>,
    next: Option<Layout<V>>,
    u_level: usize,
    s_level: usize,
}

/// A vector in one layout and the operations a step applies to it, each landing in the other
/// layout: the toolkit's row and column operations mirror each other, and the step is written
/// once over this trait ([`step`]).
trait Side<E: CkksEvaluator>: Sized + linalg::Tiled<Tile = E::Value, With<E::Value> = Self> {
    /// The vector of the other layout.
    type Other: linalg::Tiled<Tile = E::Value, With<E::Value> = Self::Other>;
    /// Whether this is the row layout.
    const ROW: bool;
    /// A vector of the other layout as a [`Layout`].
    fn other(o: Self::Other) -> Layout<E::Value>;
    /// This layout's vector of `l` (which [`combine`] made in this layout).
    fn this(l: Layout<E::Value>) -> Self;
    /// `x` broadcast along `m` times `m`, entry-wise.
    fn hadamard(la: &LinAlg<'_, E>, x: &Self, m: &Matrix<E::Value>) -> Result<Matrix<E::Value>>;
    /// Whether the sum along this layout takes a constant for free (in its mask).
    const MASKED: bool;
    /// `c` times the sum of the matrices `parts` along this layout, in the other: the
    /// rotations of one sum ([`LinAlg::sum_rows_of`], [`LinAlg::sum_cols_of`]); `c` must be 1
    /// unless [`Side::MASKED`].
    fn sum_of(la: &LinAlg<'_, E>, parts: &[Matrix<E::Value>], c: f64) -> Result<Self::Other>;
    /// `x` times the matrix `m` (its product with the minibatch).
    fn times(la: &LinAlg<'_, E>, x: &Self, m: &Matrix<E::Value>) -> Result<Self::Other>;
}

impl<E: CkksEvaluator> Side<E> for RowVector<E::Value> {
    type Other = ColVector<E::Value>;
    const ROW: bool = true;

    fn other(o: Self::Other) -> Layout<E::Value> {
        Layout::Col(o)
    }

    fn this(l: Layout<E::Value>) -> Self {
        let Layout::Row(r) = l else { unreachable!("combine returns the asked layout") };
        r
    }

    fn hadamard(la: &LinAlg<'_, E>, x: &Self, m: &Matrix<E::Value>) -> Result<Matrix<E::Value>> {
        Ok(la.hadamard_row(x, m)?)
    }

    // The sum over rows takes no constant (it would cost a product).
    const MASKED: bool = false;

    fn sum_of(la: &LinAlg<'_, E>, parts: &[Matrix<E::Value>], c: f64) -> Result<Self::Other> {
        debug_assert!(c == 1.0, "a sum over rows takes no constant");
        Ok(la.sum_rows_of(parts)?)
    }

    fn times(la: &LinAlg<'_, E>, x: &Self, m: &Matrix<E::Value>) -> Result<Self::Other> {
        Ok(la.row_times_matrix(x, m)?)
    }
}

impl<E: CkksEvaluator> Side<E> for ColVector<E::Value> {
    type Other = RowVector<E::Value>;
    const ROW: bool = false;

    fn other(o: Self::Other) -> Layout<E::Value> {
        Layout::Row(o)
    }

    fn this(l: Layout<E::Value>) -> Self {
        let Layout::Col(c) = l else { unreachable!("combine returns the asked layout") };
        c
    }

    fn hadamard(la: &LinAlg<'_, E>, x: &Self, m: &Matrix<E::Value>) -> Result<Matrix<E::Value>> {
        Ok(la.hadamard_col(m, x)?)
    }

    const MASKED: bool = true;

    fn sum_of(la: &LinAlg<'_, E>, parts: &[Matrix<E::Value>], c: f64) -> Result<Self::Other> {
        Ok(la.sum_cols_of(parts, c)?)
    }

    fn times(la: &LinAlg<'_, E>, x: &Self, m: &Matrix<E::Value>) -> Result<Self::Other> {
        Ok(la.matrix_times_col(m, x, 1.0)?)
    }
}

/// Step `t` from `u_t` (in layout `S`): `grad_t = s_t Z_t` with `s_t = (gamma/b) sigma(u_t)`,
/// and, unless it is the last, `u_{t+1}` = the sum along `S` of
/// `(c_1 G o u) + (c_3 G o u) o (u o u) + c_0 G + y_t o Z_{t+1}` (`G = G_{t+1}` scaled by
/// `-(1 - eta_t) gamma/b`), in the other layout. The four matrices are summed once: they have
/// the tile rows (columns) that a sum along `S` keeps, and the rotations of one sum serve them
/// all.
fn step<E: CkksEvaluator, S: Side<E>>(
    cx: &Ctx<'_, '_, E>,
    u: &S,
    a: &StepArgs<'_, E::Value>,
) -> Result<StepOut<E::Value>> {
    let (la, c) = (cx.la, a.c);
    let d = la.level(u);
    let s_coeffs: Vec<f64> = c.iter().map(|x| x * a.gb).collect();
    let s = eval_odd(la, u, &s_coeffs)?;
    let zt = cx.input(a.z, la.level(&s))?;
    let mut out = StepOut {
        grad: S::other(S::times(la, &s, &zt)?),
        next: None,
        u_level: d,
        s_level: la.level(&s),
    };
    let Some((z_next, g_next)) = a.next else {
        return Ok(out);
    };
    // combine gives y / f, f the newest gradient's coefficient (none yet in a resumed run's
    // first step: f = 1). f rides in the sum's mask where it has one (the G terms divided by
    // it), else on Z_{t+1}, which is then needed one level higher.
    let y = S::this(combine(la, a.atoms, a.ycoef, S::ROW, a.newest)?);
    let f = a.newest.map_or(1.0, |n| a.ycoef[n]);
    let (g_f, z_f, sum_c) = if S::MASKED { (1.0 / f, 1.0, f) } else { (1.0, f, 1.0) };
    let factor = -(1.0 - a.eta) * a.gb * g_f;
    let g = |ck: f64, level: usize| cx.scaled_input(g_next, factor * ck, level);
    let x1 = S::hadamard(la, u, &g(c[1], d)?)?;
    let x3 = S::hadamard(la, u, &g(c[3], d)?)?;
    let cube = S::hadamard(la, &la.square(u)?, &x3)?;
    let constant = g(c[0], la.level(&cube))?;
    let z = if z_f == 1.0 {
        cx.input(z_next, la.level(&y))?
    } else {
        cx.scaled_input(z_next, z_f, la.level(&y))?
    };
    let zy = S::hadamard(la, &y, &z)?;
    out.next = Some(S::other(S::sum_of(la, &[x1, cube, constant, zy], sum_c)?));
    Ok(out)
}

fn level_of<E: CkksEvaluator>(la: &LinAlg<'_, E>, v: &Layout<E::Value>) -> usize {
    match v {
        Layout::Row(r) => la.level(r),
        Layout::Col(c) => la.level(c),
    }
}

/// `w_t` and `y_t` as coefficients of the atoms: `w_0`, `v_0` (when `offset` is 2, a resumed
/// run) and `grad_0 .. grad_{k-1}`.
fn coefficients(etas: &[f64], k: usize, offset: usize) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let n = offset + k;
    let unit = |i: usize| (0..n).map(|j| f64::from(u8::from(j == i))).collect::<Vec<f64>>();
    let (w0, v0) = if offset == 2 { (unit(0), unit(1)) } else { (vec![0.0; n], vec![0.0; n]) };
    let mut w = vec![w0];
    let mut v = vec![v0];
    let mut y = Vec::with_capacity(k);
    for t in 0..k {
        let eta = etas[t];
        y.push((0..n).map(|j| -(1.0 - eta) * v[t][j] - eta * w[t][j]).collect::<Vec<f64>>());
        let mut w_next = v[t].clone();
        w_next[offset + t] += 1.0;
        let v_next = (0..n).map(|j| (1.0 - eta) * w_next[j] + eta * w[t][j]).collect();
        w.push(w_next);
        v.push(v_next);
    }
    (w, y)
}

/// `y / f` in the asked layout, `f` the coefficient of the newest gradient (which is already in
/// that layout and is not scaled; `None`: every atom is scaled, `f = 1`), at the level of the
/// newest gradient when the others have slack.
fn combine<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    atoms: &[Atom<E::Value>],
    coef: &[f64],
    as_row: bool,
    newest: Option<usize>,
) -> Result<Layout<E::Value>> {
    let f = newest.map_or(1.0, |n| coef[n]);
    let mut rows: Vec<RowVector<E::Value>> = Vec::new();
    let mut cols: Vec<ColVector<E::Value>> = Vec::new();
    for (j, a) in atoms.iter().enumerate() {
        let r = coef[j] / f;
        if r == 0.0 {
            continue;
        }
        let is_newest = newest == Some(j);
        match (as_row, &a.row, &a.col) {
            (true, Some(v), _) if is_newest => rows.push(v.clone()),
            (false, _, Some(v)) if is_newest => cols.push(v.clone()),
            _ if is_newest => return Err(CircuitError::InvalidConfig(ConfigFault::GradientLayout)),
            (true, Some(v), _) => rows.push(la.mul_scalar(v, r)?),
            (false, _, Some(v)) => cols.push(la.mul_scalar(v, r)?),
            (true, None, Some(v)) => rows.push(la.col_to_row(v, r)?),
            (false, Some(v), None) => cols.push(la.row_to_col(v, r)?),
            (_, None, None) => unreachable!("an atom has at least one layout"),
        }
    }
    Ok(if as_row {
        Layout::Row(sum_aligned(la, rows)?)
    } else {
        Layout::Col(sum_aligned(la, cols)?)
    })
}

fn sum_aligned<E: CkksEvaluator, T>(la: &LinAlg<'_, E>, parts: Vec<T>) -> Result<T>
where
    T: linalg::Tiled<Tile = E::Value, With<E::Value> = T>,
{
    let lvl = parts.iter().map(|p| la.level(p)).min().expect("at least one part");
    let mut it = parts.into_iter();
    let mut acc = la.align_to_level(&it.next().expect("at least one part"), lvl)?;
    for p in it {
        acc = la.add(&acc, &la.align_to_level(&p, lvl)?)?;
    }
    Ok(acc)
}

/// `w_k = sum_j coef_j grad_j` as a row part and a column part; the newest gradient has
/// coefficient 1 and is not scaled.
fn split<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    atoms: &[Atom<E::Value>],
    coef: &[f64],
) -> Result<SplitModel<E::Value>> {
    let mut rows = Vec::new();
    let mut cols = Vec::new();
    for (a, &c) in atoms.iter().zip(coef) {
        if c == 0.0 {
            continue;
        }
        let exact = c == 1.0;
        match (&a.col, &a.row) {
            (Some(v), _) => cols.push(if exact { v.clone() } else { la.mul_scalar(v, c)? }),
            (None, Some(v)) => rows.push(if exact { v.clone() } else { la.mul_scalar(v, c)? }),
            (None, None) => unreachable!("an atom has at least one layout"),
        }
    }
    Ok(SplitModel {
        row: if rows.is_empty() { None } else { Some(sum_aligned(la, rows)?) },
        col: if cols.is_empty() { None } else { Some(sum_aligned(la, cols)?) },
    })
}
