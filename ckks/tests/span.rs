//! The span evaluator against hand-computed work and critical paths: a chain and a tree of the
//! same multiplications (equal work, different span), hoisted rotations (a shared node then one
//! node per rotation), independence from the thread count, the key-switch work against the op
//! counter, Brent's bounds, the interpolation of measured times, and a measurement on real
//! ciphertexts.

use ckks::eval::{
    CkksEvaluator, HomomorphicEvaluator, KeySwitches, OpCounter, OpTimes, Span, SpanTotals,
    SymbolicEvaluator, TimedOp,
};
use ckks::{EvaluationKeys, Evaluator, ModulusChain, ParametersLiteral, Prng, SecretKey, Security};
use rayon::prelude::*;
use std::sync::Arc;

fn chain() -> ModulusChain {
    ModulusChain::analysis(5, 12, 40).unwrap()
}

/// Constant costs, in seconds: a multiplication 1, a relinearization 10, a rescale 2, a rotation
/// alone 7, a hoisted batch 5 shared and 2 per rotation, an addition 0.5.
fn flat_times() -> OpTimes {
    OpTimes::from_entries([
        (TimedOp::Mul, 0, 1.0),
        (TimedOp::Relinearize, 0, 10.0),
        (TimedOp::Rescale, 0, 2.0),
        (TimedOp::Rotate, 0, 7.0),
        (TimedOp::Hoisting, 0, 5.0),
        (TimedOp::HoistedRotation, 0, 2.0),
        (TimedOp::Add, 0, 0.5),
    ])
}

/// The product of `xs` multiplied left to right (a chain of `n - 1`) or as a balanced tree.
fn product<E: CkksEvaluator>(e: &E, xs: &[E::Value], tree: bool) -> ckks::Result<E::Value> {
    let mul = |a: &E::Value, b: &E::Value| -> ckks::Result<E::Value> {
        let l = e.level(a).min(e.level(b));
        e.mul_rescale(&e.align_to_level(a, l)?, &e.align_to_level(b, l)?)
    };
    if tree {
        let mut level: Vec<E::Value> = xs.to_vec();
        while level.len() > 1 {
            level = level.chunks(2).map(|p| mul(&p[0], &p[1])).collect::<ckks::Result<_>>()?;
        }
        Ok(level.pop().unwrap())
    } else {
        xs[1..].iter().try_fold(xs[0].clone(), |acc, x| mul(&acc, x))
    }
}

fn inputs<E: CkksEvaluator>(e: &E, n: usize) -> Vec<E::Value> {
    (0..n).map(|i| e.encrypt(&[0.5 + i as f64 / 100.0], e.max_level()).unwrap()).collect()
}

#[test]
fn chain_and_tree_have_equal_work_and_different_spans() {
    // 8 factors: 7 multiplications either way; a chain of 7 or a tree of depth 3.
    for (tree, span_steps) in [(false, 7), (true, 3)] {
        let ks = Span::new(SymbolicEvaluator::new(chain()), KeySwitches);
        let y = product(&ks, &inputs(&ks, 8), tree).unwrap();
        assert_eq!(ks.totals(), SpanTotals { work: 7, span: span_steps }, "tree {tree}");
        assert_eq!(y.ready, span_steps);

        // In seconds: each multiplication is 1 + 10 + 2 = 13, and an alignment of a chain's
        // fresh factor is a drop (0 here), a multiplication by 1 (0) and a rescale (2).
        let secs = Span::new(SymbolicEvaluator::new(chain()), flat_times());
        product(&secs, &inputs(&secs, 8), tree).unwrap();
        let t = secs.totals();
        let aligns = if tree { 0 } else { 6 }; // factors 3..8 come down to the product's level
        assert_eq!(OpTimes::to_seconds(t.work), 7.0 * 13.0 + aligns as f64 * 2.0);
        // A chain's alignments run beside the chain (the fresh factors are ready at 0).
        assert_eq!(OpTimes::to_seconds(t.span), span_steps as f64 * 13.0);
    }
}

#[test]
fn a_hoisted_batch_is_one_shared_node_then_one_node_per_rotation() {
    let e = Span::new(SymbolicEvaluator::new(chain()), flat_times());
    let x = e.encrypt(&[1.0, 2.0], e.max_level()).unwrap();
    let x = e.add(&x, &x).unwrap(); // ready at 0.5
    let rs = e.rotate_hoisted(&x, &[1, 0, 3, 5]).unwrap();
    let ready: Vec<f64> = rs.iter().map(|r| OpTimes::to_seconds(r.ready)).collect();
    // Step 0 is the input itself; the others are ready after the shared 5 and their own 2.
    assert_eq!(ready, [7.5, 0.5, 7.5, 7.5]);
    let t = e.totals();
    assert_eq!(OpTimes::to_seconds(t.work), 0.5 + 5.0 + 3.0 * 2.0);
    assert_eq!(OpTimes::to_seconds(t.span), 7.5);
    // A lone rotation is one node; rotations by 0 and relinearizations of two-component
    // values cost nothing, as the op counter sees them.
    let r = e.rotate(&x, 2).unwrap();
    assert_eq!(OpTimes::to_seconds(r.ready), 7.5);
    assert_eq!(e.rotate(&x, 0).unwrap().ready, x.ready);
    assert_eq!(e.relinearize(&x).unwrap().ready, x.ready);

    let ks = Span::new(SymbolicEvaluator::new(chain()), KeySwitches);
    let x = ks.encrypt(&[1.0], ks.max_level()).unwrap();
    let rs = ks.rotate_hoisted(&x, &[1, 0, 3]).unwrap();
    assert_eq!(rs.iter().map(|r| r.ready).collect::<Vec<_>>(), [1, 0, 1]);
    assert_eq!(ks.totals(), SpanTotals { work: 2, span: 1 });
}

/// A circuit with rayon inside: 32 values squared and rotated in parallel, then summed.
fn parallel_circuit<E: CkksEvaluator>(e: &E) -> ckks::Result<E::Value> {
    let xs = inputs(e, 32);
    let ys: Vec<E::Value> = xs
        .par_iter()
        .enumerate()
        .map(|(i, x)| {
            let s = e.rescale(&e.square_relin(x)?)?;
            let r = e.rotate_hoisted(&s, &[1, 2 + i as i64 % 3])?;
            let t = e.add(&r[0], &r[1])?;
            e.mul_rescale(&t, &s)
        })
        .collect::<ckks::Result<_>>()?;
    e.sum(&ys)
}

/// Level-dependent costs (so that a different order of additions would show).
fn sloped_times() -> OpTimes {
    let mut entries = Vec::new();
    for (i, op) in TimedOp::ALL.into_iter().enumerate() {
        entries.push((op, 0, 1e-6 * (i + 1) as f64 / 3.0));
        entries.push((op, 12, 1e-3 * (i + 2) as f64 / 7.0));
    }
    OpTimes::from_entries(entries)
}

#[test]
fn totals_do_not_depend_on_the_thread_count() {
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let e = Span::new(SymbolicEvaluator::new(chain()), sloped_times());
            let y = parallel_circuit(&e).unwrap();
            let ks = Span::new(SymbolicEvaluator::new(chain()), KeySwitches);
            parallel_circuit(&ks).unwrap();
            (e.totals(), y.ready, ks.totals())
        })
    };
    let one = run(1);
    for threads in [2, 4, 8] {
        assert_eq!(run(threads), one, "{threads} threads");
    }
    // 32 x (1 relinearization + 2 rotations + 1 relinearization), and on the critical path one
    // of each branch.
    assert_eq!(one.2, SpanTotals { work: 128, span: 3 });
}

#[test]
fn key_switch_work_is_the_op_counters_total() {
    let counter = OpCounter::new(chain());
    parallel_circuit(&counter).unwrap();
    let span = Span::new(SymbolicEvaluator::new(chain()), KeySwitches);
    parallel_circuit(&span).unwrap();
    assert_eq!(span.totals().work, counter.counts().key_switches() as u64);
}

#[test]
fn brent_bounds() {
    let t = SpanTotals { work: 1000, span: 100 };
    assert_eq!(t.bounds(1), (1000.0, 1000.0));
    assert_eq!(t.bounds(4), (250.0, 325.0));
    assert_eq!(t.bounds(64), (100.0, 900.0 / 64.0 + 100.0));
    // A chain (span = work) gains nothing from more cores.
    assert_eq!(SpanTotals { work: 50, span: 50 }.bounds(8), (50.0, 50.0));
    assert_eq!(t.parallelism(), 10.0);
}

#[test]
fn measured_times_interpolate_linearly_between_levels() {
    let t = OpTimes::from_entries([(TimedOp::Mul, 2, 1.0), (TimedOp::Mul, 6, 3.0)]);
    assert_eq!(t.seconds(TimedOp::Mul, 4), 2.0);
    assert_eq!(t.seconds(TimedOp::Mul, 6), 3.0);
    assert_eq!(t.seconds(TimedOp::Mul, 8), 4.0); // along the last segment
    assert_eq!(t.seconds(TimedOp::Mul, 0), 0.0);
    assert_eq!(t.seconds(TimedOp::Rescale, 3), 0.0); // never measured
}

#[test]
fn measures_every_operation_on_ciphertexts() {
    let ctx = ParametersLiteral::with_levels(11, 3, 50, 40, 50, 2)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let mut prng = Prng::from_u64_seed(7);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let steps = [1, 2, 5];
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&steps, false, &mut prng),
    };
    let e =
        HomomorphicEvaluator::with_secret_key(Evaluator::new(&ctx, keys).unwrap(), Arc::new(sk))
            .unwrap();
    let times = OpTimes::measure(&e, &[0, 3], 3, &steps).unwrap();
    let got: Vec<(TimedOp, usize)> = times.entries().map(|(op, l, _)| (op, l)).collect();
    for op in TimedOp::ALL {
        let levels: &[usize] = match op {
            TimedOp::Rescale | TimedOp::DropLevel => &[3],
            _ => &[0, 3],
        };
        for &l in levels {
            assert!(got.contains(&(op, l)), "{op:?} at {l}");
        }
    }
    for (op, l, s) in times.entries() {
        assert!(s.is_finite() && s >= 0.0, "{op:?} at {l}: {s}");
    }
    // A key switch takes longer than an addition.
    assert!(times.seconds(TimedOp::Relinearize, 3) > times.seconds(TimedOp::Add, 3));
    assert!(times.seconds(TimedOp::Rotate, 3) > times.seconds(TimedOp::Add, 3));
}
