//! The random programs of [`super`]: inputs, steps, the interpreter every evaluator runs, and
//! the proptest strategies that draw them.

use super::*;

// ----- programs ----------------------------------------------------------------------------------

/// An input vector: `len` complex values of magnitude below 1 drawn from `seed`, zero padded,
/// encrypted `below_top` levels below the top.
#[derive(Clone, Debug)]
pub(super) struct Input {
    pub(super) len: usize,
    pub(super) seed: u64,
    pub(super) below_top: usize,
}

/// `len` complex values with real and imaginary parts in `[-0.7, 0.7]` (magnitude below 1).
pub(super) fn unit_values(len: usize, seed: u64) -> Vec<Complex64> {
    let mut prng = Prng::from_u64_seed(seed);
    let mut u = || (prng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 1.4 - 0.7;
    (0..len).map(|_| Complex64::new(u(), u())).collect()
}

/// One step of a program. Operand indices count back from the newest value in the pool, modulo
/// its length (0: the newest).
#[derive(Clone, Debug)]
pub(super) enum Step {
    /// `(a + b) / bound`, both aligned to the lower level first.
    Add {
        a: usize,
        b: usize,
    },
    /// `(a - b) / bound`, likewise.
    Sub {
        a: usize,
        b: usize,
    },
    /// `-a`.
    Neg {
        a: usize,
    },
    /// `a + c`.
    AddConst {
        a: usize,
        c: f64,
    },
    /// `a +- p`, `p` encoded at `a`'s level and exact scale.
    AddPlain {
        a: usize,
        seed: u64,
        sub: bool,
    },
    /// `a * c`, rescaled.
    MulConst {
        a: usize,
        c: f64,
    },
    /// `a * p`, `p` encoded at `a`'s level and nominal scale, rescaled.
    MulPlain {
        a: usize,
        seed: u64,
    },
    /// `a * b` relinearized and rescaled, after aligning both to the lower level.
    MulRelin {
        a: usize,
        b: usize,
    },
    /// `a * b` rescaled but *not* relinearized: a three-component value joins the pool.
    Mul {
        a: usize,
        b: usize,
    },
    /// `a^2` relinearized and rescaled.
    Square {
        a: usize,
    },
    /// A left rotation.
    Rotate {
        a: usize,
        step: i64,
    },
    /// Several rotations of one value at once; all results join the pool.
    RotateHoisted {
        a: usize,
        steps: Vec<i64>,
    },
    /// Complex conjugation.
    Conjugate {
        a: usize,
    },
    MulI {
        a: usize,
    },
    /// Relinearization (the identity on a two-component value).
    Relinearize {
        a: usize,
    },
    /// `a * k` for a small integer.
    MulInteger {
        a: usize,
        k: i64,
    },
    /// A drop by `down` levels (at most to 0), keeping the scale.
    DropLevel {
        a: usize,
        down: usize,
    },
    /// An operation without guards, which may fail; its result, if any, is discarded.
    Probe(Probe),
}

/// Unguarded operations: they check that both evaluators refuse the same things.
#[derive(Clone, Debug)]
pub(super) enum Probe {
    /// `a + b` as they are (level or scale mismatch).
    Add { a: usize, b: usize },
    /// `a * b` as they are (level mismatch, three components).
    Mul { a: usize, b: usize },
    /// A rescale (level 0).
    Rescale { a: usize },
    /// A rotation by a step without a key (or of a three-component value).
    RotateUnkeyed { a: usize },
    /// A "drop" to a higher level.
    DropUp { a: usize },
    /// `a + 2^log2`: an encoding overflow at low enough levels.
    AddHugeConst { a: usize, log2: i32 },
    /// `a * 2^log2`: likewise, at the constant's scale.
    MulHugeConst { a: usize, log2: i32 },
}

/// A test case: inputs, the seed of the encryption randomness and the program.
#[derive(Clone, Debug)]
pub(super) struct Case {
    pub(super) inputs: Vec<Input>,
    pub(super) seed: u64,
    pub(super) program: Vec<Step>,
}

// ----- the interpreter ---------------------------------------------------------------------------

/// A pool value with a static bound on its slot magnitudes.
pub(super) struct Entry<V> {
    pub(super) v: V,
    pub(super) bound: f64,
}

/// Runs `prog` on `inputs` under `e`; returns the whole pool (inputs first).
pub(super) fn run<E: CkksEvaluator>(
    e: &E,
    inputs: &[Input],
    prog: &[Step],
) -> Result<Vec<E::Value>> {
    let mut pool = Vec::new();
    for input in inputs {
        let level = e.max_level() - input.below_top;
        let v = e.encrypt_complex(&unit_values(input.len, input.seed), level)?;
        pool.push(Entry { v, bound: 1.0 });
    }
    for step in prog {
        apply(e, &mut pool, step)?;
    }
    Ok(pool.into_iter().map(|x| x.v).collect())
}

/// Relinearizes a three-component value (for multiplications and automorphisms).
pub(super) fn linear<E: CkksEvaluator>(e: &E, v: &E::Value) -> Result<E::Value> {
    if e.meta(v).size > 2 {
        e.relinearize(v)
    } else {
        Ok(v.clone())
    }
}

/// Both values at one level and at matching scales: aligned to the lower level, or one level
/// further down when that leaves the scales apart (a value dropped without rescaling keeps its
/// old scale). `None` when neither works (at level 0).
pub(super) fn align_pair<E: CkksEvaluator>(
    e: &E,
    a: &E::Value,
    b: &E::Value,
) -> Result<Option<(E::Value, E::Value)>> {
    let level = e.level(a).min(e.level(b));
    let (x, y) = (e.align_to_level(a, level)?, e.align_to_level(b, level)?);
    if scales_match(e.scale(&x), e.scale(&y)) {
        return Ok(Some((x, y)));
    }
    if level == 0 {
        return Ok(None);
    }
    Ok(Some((e.align_to_level(&x, level - 1)?, e.align_to_level(&y, level - 1)?)))
}

/// Pushes `v` with magnitude bound `bound`, first bringing the bound back to 1 with a constant
/// multiplication and a rescale when it exceeds 1; at level 0 the value is kept only if its
/// bound is at most [`CAP`].
pub(super) fn push_tamed<E: CkksEvaluator>(
    e: &E,
    pool: &mut Vec<Entry<E::Value>>,
    v: E::Value,
    bound: f64,
) -> Result<()> {
    if bound <= 1.0 {
        pool.push(Entry { v, bound });
    } else if e.level(&v) > 0 {
        let v = e.rescale(&e.mul_const(&v, 1.0 / bound)?)?;
        pool.push(Entry { v, bound: 1.0 });
    } else if bound <= CAP {
        pool.push(Entry { v, bound });
    }
    Ok(())
}

pub(super) fn apply<E: CkksEvaluator>(
    e: &E,
    pool: &mut Vec<Entry<E::Value>>,
    step: &Step,
) -> Result<()> {
    let n = pool.len();
    // Counted from the newest value, so that programs build deep chains.
    let at = |i: usize| n - 1 - i % n;
    let get = |i: usize| (&pool[at(i)].v, pool[at(i)].bound);
    match step {
        Step::Add { a, b } | Step::Sub { a, b } => {
            let ((x, bx), (y, by)) = (get(*a), get(*b));
            if let Some((x, y)) = align_pair(e, x, y)? {
                let r =
                    if matches!(step, Step::Add { .. }) { e.add(&x, &y)? } else { e.sub(&x, &y)? };
                push_tamed(e, pool, r, bx + by)?;
            }
        }
        Step::Neg { a } => {
            let (x, bx) = get(*a);
            let r = e.neg(x)?;
            pool.push(Entry { v: r, bound: bx });
        }
        Step::AddConst { a, c } => {
            let (x, bx) = get(*a);
            let r = e.add_const(x, *c)?;
            push_tamed(e, pool, r, bx + c.abs())?;
        }
        Step::AddPlain { a, seed, sub } => {
            let (x, bx) = get(*a);
            let p = e.encode_complex(&unit_values(e.slots(), *seed), e.level(x), e.scale(x))?;
            let r = if *sub { e.sub_plain(x, &p)? } else { e.add_plain(x, &p)? };
            push_tamed(e, pool, r, bx + 1.0)?;
        }
        Step::MulConst { a, c } => {
            let (x, bx) = get(*a);
            if e.level(x) > 0 {
                let r = e.rescale(&e.mul_const(x, *c)?)?;
                pool.push(Entry { v: r, bound: bx * c.abs() });
            }
        }
        Step::MulPlain { a, seed } => {
            let (x, bx) = get(*a);
            let level = e.level(x);
            if level > 0 {
                let values = unit_values(e.slots(), *seed);
                let p = e.encode_complex(&values, level, e.nominal_scale(level))?;
                let r = e.rescale(&e.mul_plain(x, &p)?)?;
                pool.push(Entry { v: r, bound: bx });
            }
        }
        Step::MulRelin { a, b } | Step::Mul { a, b } => {
            let ((x, bx), (y, by)) = (get(*a), get(*b));
            let level = e.level(x).min(e.level(y));
            if level > 0 {
                let x = e.align_to_level(&linear(e, x)?, level)?;
                let y = e.align_to_level(&linear(e, y)?, level)?;
                let r = if matches!(step, Step::MulRelin { .. }) {
                    e.mul_relin(&x, &y)?
                } else {
                    e.mul(&x, &y)?
                };
                pool.push(Entry { v: e.rescale(&r)?, bound: bx * by });
            }
        }
        Step::Square { a } => {
            let (x, bx) = get(*a);
            if e.level(x) > 0 {
                let r = e.rescale(&e.square_relin(&linear(e, x)?)?)?;
                pool.push(Entry { v: r, bound: bx * bx });
            }
        }
        Step::Rotate { a, step } => {
            let (x, bx) = get(*a);
            let r = e.rotate(&linear(e, x)?, *step)?;
            pool.push(Entry { v: r, bound: bx });
        }
        Step::RotateHoisted { a, steps } => {
            let (x, bx) = get(*a);
            let rs = e.rotate_hoisted(&linear(e, x)?, steps)?;
            pool.extend(rs.into_iter().map(|v| Entry { v, bound: bx }));
        }
        Step::Conjugate { a } => {
            let (x, bx) = get(*a);
            let r = e.conjugate(&linear(e, x)?)?;
            pool.push(Entry { v: r, bound: bx });
        }
        Step::MulI { a } => {
            let (x, bx) = get(*a);
            let r = e.mul_i(&linear(e, x)?)?;
            pool.push(Entry { v: r, bound: bx });
        }
        Step::Relinearize { a } => {
            let (x, bx) = get(*a);
            let r = e.relinearize(x)?;
            pool.push(Entry { v: r, bound: bx });
        }
        Step::MulInteger { a, k } => {
            let (x, bx) = get(*a);
            let r = e.mul_integer(x, *k)?;
            push_tamed(e, pool, r, bx * k.unsigned_abs() as f64)?;
        }
        Step::DropLevel { a, down } => {
            let (x, bx) = get(*a);
            let r = e.drop_level(x, e.level(x).saturating_sub(*down))?;
            pool.push(Entry { v: r, bound: bx });
        }
        Step::Probe(p) => {
            let v = |i: &usize| &pool[at(*i)].v;
            match p {
                Probe::Add { a, b } => e.add(v(a), v(b)).map(drop)?,
                Probe::Mul { a, b } => e.mul(v(a), v(b)).map(drop)?,
                Probe::Rescale { a } => e.rescale(v(a)).map(drop)?,
                Probe::RotateUnkeyed { a } => e.rotate(v(a), UNKEYED_STEP).map(drop)?,
                Probe::DropUp { a } => e.drop_level(v(a), e.level(v(a)) + 1).map(drop)?,
                Probe::AddHugeConst { a, log2 } => e.add_const(v(a), 2f64.powi(*log2)).map(drop)?,
                Probe::MulHugeConst { a, log2 } => e.mul_const(v(a), 2f64.powi(*log2)).map(drop)?,
            }
        }
    }
    Ok(())
}

// ----- strategies --------------------------------------------------------------------------------

/// An operand: mostly one of the four newest values, sometimes any.
pub(super) fn index() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0..4usize, 1 => 0..32usize]
}

pub(super) fn program_step() -> impl Strategy<Value = i64> {
    prop::sample::select(PROGRAM_STEPS.to_vec())
}

pub(super) fn probe() -> impl Strategy<Value = Probe> {
    prop_oneof![
        (index(), index()).prop_map(|(a, b)| Probe::Add { a, b }),
        (index(), index()).prop_map(|(a, b)| Probe::Mul { a, b }),
        index().prop_map(|a| Probe::Rescale { a }),
        index().prop_map(|a| Probe::RotateUnkeyed { a }),
        index().prop_map(|a| Probe::DropUp { a }),
        (index(), 150..300i32).prop_map(|(a, log2)| Probe::AddHugeConst { a, log2 }),
        (index(), 150..300i32).prop_map(|(a, log2)| Probe::MulHugeConst { a, log2 }),
    ]
}

pub(super) fn step() -> impl Strategy<Value = Step> {
    let pair = || (index(), index());
    let unit = || -1.0f64..=1.0;
    prop_oneof![
        8 => pair().prop_map(|(a, b)| Step::Add { a, b }),
        6 => pair().prop_map(|(a, b)| Step::Sub { a, b }),
        2 => index().prop_map(|a| Step::Neg { a }),
        4 => (index(), unit()).prop_map(|(a, c)| Step::AddConst { a, c }),
        4 => (index(), any::<u64>(), any::<bool>())
            .prop_map(|(a, seed, sub)| Step::AddPlain { a, seed, sub }),
        6 => (index(), unit()).prop_map(|(a, c)| Step::MulConst { a, c }),
        6 => (index(), any::<u64>()).prop_map(|(a, seed)| Step::MulPlain { a, seed }),
        8 => pair().prop_map(|(a, b)| Step::MulRelin { a, b }),
        4 => pair().prop_map(|(a, b)| Step::Mul { a, b }),
        4 => index().prop_map(|a| Step::Square { a }),
        6 => (index(), program_step()).prop_map(|(a, step)| Step::Rotate { a, step }),
        2 => (index(), prop::collection::vec(program_step(), 1..=4))
            .prop_map(|(a, steps)| Step::RotateHoisted { a, steps }),
        4 => index().prop_map(|a| Step::Conjugate { a }),
        2 => index().prop_map(|a| Step::MulI { a }),
        2 => index().prop_map(|a| Step::Relinearize { a }),
        4 => (index(), -3i64..=3).prop_map(|(a, k)| Step::MulInteger { a, k }),
        4 => (index(), 1..=3usize).prop_map(|(a, down)| Step::DropLevel { a, down }),
        1 => probe().prop_map(Step::Probe),
    ]
}

pub(super) fn input() -> impl Strategy<Value = Input> {
    let len = prop_oneof![1 => Just(SLOTS as usize), 2 => 1..=SLOTS as usize];
    (len, any::<u64>()).prop_map(|(len, seed)| Input { len, seed, below_top: 0 })
}

/// Two or three inputs at the top level; the third, if any, a level lower half the time.
pub(super) fn inputs() -> impl Strategy<Value = Vec<Input>> {
    (prop::collection::vec(input(), 2..=3), any::<bool>()).prop_map(|(mut v, lower)| {
        if lower && v.len() == 3 {
            v[2].below_top = 1;
        }
        v
    })
}

pub(super) fn case(max_steps: usize) -> impl Strategy<Value = Case> {
    (inputs(), any::<u64>(), prop::collection::vec(step(), 1..=max_steps))
        .prop_map(|(inputs, seed, program)| Case { inputs, seed, program })
}
