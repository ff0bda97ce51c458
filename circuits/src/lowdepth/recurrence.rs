//! The recurrence of the module docs, evaluated: the values the steps pass along (the
//! gradients as atoms in one or both layouts), the lookups of uploaded inputs (which a planning
//! run records), and the combinations `w_t`, `y_t` of the atoms.

use super::{g_name, state_names, z_name, Layout, LowDepth, LowDepthInputs, Step};
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

    /// The state vector `vector` in both layouts, at its upload level (the top).
    fn vector(&self, vector: StateVector) -> Result<Atom<E::Value>> {
        let [r, c] = state_names(vector);
        if let Some(plan) = self.plan {
            let top = self.top();
            let mut plan = plan.lock().expect("plan lock");
            plan.insert(r, top);
            plan.insert(c, top);
        }
        let row = match self.inputs.get(&r) {
            Some(Object::Row(v)) => v.clone(),
            Some(o) => return Err(CircuitError::ValueMismatch { name: r, kind: o.kind() }),
            None => return Err(CircuitError::MissingObject { name: r }),
        };
        let col = match self.inputs.get(&c) {
            Some(Object::Col(v)) => v.clone(),
            Some(o) => return Err(CircuitError::ValueMismatch { name: c, kind: o.kind() }),
            None => return Err(CircuitError::MissingObject { name: c }),
        };
        Ok(Atom { row: Some(row), col: Some(col) })
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
        let offset = if self.resumed { 2 } else { 0 };
        let (wcoef, ycoef) = coefficients(&etas, k, offset);
        let depth_of = |level: usize| top - level;
        let record = |step: Step| {
            if let Some(trace) = cx.trace {
                trace.lock().expect("trace lock").push(step);
            }
        };
        let mut atoms: Vec<Atom<E::Value>> = Vec::new();
        let (mut u, first) = if self.resumed {
            let (w0, v0) = (cx.vector(StateVector::W)?, cx.vector(StateVector::V)?);
            // u_0 = -Z_0 v_0 as a column vector: v_0 (row) x Z_0^T, negated.
            let v0_row = v0.row.as_ref().expect("both layouts");
            let z0 = cx.input(z_name(0), la.level(v0_row))?;
            let u0 = la.neg(&la.row_times_matrix(v0_row, &z0)?)?;
            atoms.push(w0);
            atoms.push(v0);
            (Layout::Col(u0), 0)
        } else {
            // t = 0: grad_0 = (gamma/b) c_0 sum_i z_i, a row vector at depth 1.
            let z0 = cx.input(z_name(0), top)?;
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
            let g1 = cx.input(g_name(1), top)?;
            (Layout::Row(la.sum_cols(&g1, -(1.0 - etas[0]) * gb * c[0])?), 1)
        };
        for t in first..k {
            let last = t == k - 1;
            let args = StepArgs {
                t,
                last,
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
    /// The step.
    t: usize,
    /// Whether it is the last (no `u_{t+1}`).
    last: bool,
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
    /// `c` times the sum of `m` along this layout, in the other.
    fn sum(la: &LinAlg<'_, E>, m: &Matrix<E::Value>, c: f64) -> Result<Self::Other>;
    /// `x` times the matrix `m` (its product with the minibatch or the Gram matrix).
    fn times(la: &LinAlg<'_, E>, x: &Self, m: &Matrix<E::Value>) -> Result<Self::Other>;
    /// `f` times `x` times input `name`, at the level `x` allows.
    fn times_input(cx: &Ctx<'_, '_, E>, x: &Self, name: ObjectName, f: f64) -> Result<Self::Other>;
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

    fn sum(la: &LinAlg<'_, E>, m: &Matrix<E::Value>, c: f64) -> Result<Self::Other> {
        let s = la.sum_rows(m)?;
        // The sum over rows takes no constant: one product more, unless it is 1.
        Ok(if c == 1.0 { s } else { la.mul_scalar(&s, c)? })
    }

    fn times(la: &LinAlg<'_, E>, x: &Self, m: &Matrix<E::Value>) -> Result<Self::Other> {
        Ok(la.row_times_matrix(x, m)?)
    }

    fn times_input(cx: &Ctx<'_, '_, E>, x: &Self, name: ObjectName, f: f64) -> Result<Self::Other> {
        // The constant rides on the input, which is then needed one level higher.
        let m = cx.scaled_input(name, f, cx.la.level(x))?;
        Ok(cx.la.row_times_matrix(x, &m)?)
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

    fn sum(la: &LinAlg<'_, E>, m: &Matrix<E::Value>, c: f64) -> Result<Self::Other> {
        Ok(la.sum_cols(m, c)?)
    }

    fn times(la: &LinAlg<'_, E>, x: &Self, m: &Matrix<E::Value>) -> Result<Self::Other> {
        Ok(la.matrix_times_col(m, x, 1.0)?)
    }

    fn times_input(cx: &Ctx<'_, '_, E>, x: &Self, name: ObjectName, f: f64) -> Result<Self::Other> {
        // The constant rides in the product's mask.
        let m = cx.input(name, cx.la.level(x))?;
        Ok(cx.la.matrix_times_col(&m, x, f)?)
    }
}

/// Step `t` from `u_t` (in layout `S`): `grad_t = s_t Z_t` with `s_t = (gamma/b) sigma(u_t)`,
/// and, unless it is the last, `u_{t+1}` = (the sum of `(c_1 G o u) + (c_3 G o u) o (u o u)`
/// along `S`) + `y_t Z_{t+1}` + `c_0 G` summed (`G = G_{t+1}` scaled by
/// `-(1 - eta_t) gamma/b`), both in the other layout.
fn step<E: CkksEvaluator, S: Side<E>>(
    cx: &Ctx<'_, '_, E>,
    u: &S,
    a: &StepArgs<'_, E::Value>,
) -> Result<StepOut<E::Value>> {
    let (la, c, t) = (cx.la, a.c, a.t);
    let d = la.level(u);
    let s_coeffs: Vec<f64> = c.iter().map(|x| x * a.gb).collect();
    let s = eval_odd(la, u, &s_coeffs)?;
    let zt = cx.input(z_name(t), la.level(&s))?;
    let mut out = StepOut {
        grad: S::other(S::times(la, &s, &zt)?),
        next: None,
        u_level: d,
        s_level: la.level(&s),
    };
    if a.last {
        return Ok(out);
    }
    let factor = -(1.0 - a.eta) * a.gb;
    let g = |ck: f64, level: usize| cx.scaled_input(g_name(t + 1), factor * ck, level);
    // The newest gradient (none yet in a resumed run's first step) rides on the product's
    // constant.
    let y = S::this(combine(la, a.atoms, a.ycoef, S::ROW, a.newest)?);
    let f = a.newest.map_or(1.0, |n| a.ycoef[n]);
    let x1 = S::hadamard(la, u, &g(c[1], d)?)?;
    let x3 = S::hadamard(la, u, &g(c[3], d)?)?;
    let cube = S::hadamard(la, &la.square(u)?, &x3)?;
    let lvl = la.level(&cube);
    let sum = la.add(&la.align_to_level(&x1, lvl)?, &cube)?;
    let gterm = S::sum(la, &sum, 1.0)?;
    let zterm = S::times_input(cx, &y, z_name(t + 1), f)?;
    let constant = S::sum(la, &cx.input(g_name(t + 1), lvl + 1)?, factor * c[0])?;
    out.next = Some(S::other(sum_aligned(la, vec![gterm, zterm, constant])?));
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
