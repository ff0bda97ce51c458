//! Bootstrapping end to end at small insecure parameters (N = 2^10 .. 2^12): full and sparse
//! slots against the input, and the debug evaluator's stage-by-stage comparison.

use ckks::boot::{BootstrapConfig, BootstrapPlan, Bootstrapper};
use ckks::eval::{CkksEvaluator, DebugEvaluator, HomomorphicEvaluator, Op, Stage};
use ckks::{Context, Evaluator, Prng, SecretKey, Security};
use std::sync::Arc;

struct Setup {
    ctx: Context,
    sk: Arc<SecretKey>,
    he: HomomorphicEvaluator,
}

/// N = 2^log_n, `circuit` levels of 40 bits, two levels for each transform, the default
/// modular reduction; keys from a fixed seed.
fn setup(log_n: u32, slots: Option<usize>, circuit: usize) -> Setup {
    let config = BootstrapConfig { slots, cts_levels: 2, stc_levels: 2, ..Default::default() };
    let lit = config.parameters(log_n, circuit, 60, 40, Security::InsecureToyParameters).unwrap();
    let ctx = lit.build().unwrap();
    let plan = Arc::new(BootstrapPlan::new(ctx.chain(), &config).unwrap());
    let mut prng = Prng::from_u64_seed(1);
    let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
    let bt = Arc::new(Bootstrapper::generate(&sk, plan, &mut prng).unwrap());
    // The circuit's evaluator shares the bootstrapping key set (relinearization included).
    let eval = Evaluator::new(&ctx, bt.keys().evaluation.clone()).unwrap();
    let he = HomomorphicEvaluator::with_secret_key(eval, sk.clone())
        .unwrap()
        .with_prng(Prng::from_u64_seed(2))
        .with_bootstrapper(bt)
        .unwrap();
    Setup { ctx, sk, he }
}

/// `count` values uniform in `[-1, 1)` repeated to fill the slots.
fn periodic(count: usize, slots: usize, seed: u64) -> Vec<f64> {
    let mut p = Prng::from_u64_seed(seed);
    let base: Vec<f64> =
        (0..count).map(|_| (p.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0).collect();
    (0..slots).map(|i| base[i % count]).collect()
}

fn max_err(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn full_slots_from_every_level() {
    let s = setup(10, None, 2);
    let xs = periodic(s.he.slots(), s.he.slots(), 3);
    let plan = s.he.bootstrap_plan().unwrap();
    for level in [0, 2] {
        let ct = s.he.encrypt(&xs, level).unwrap();
        let out = s.he.bootstrap(&ct).unwrap();
        assert_eq!(out.level(), plan.output_level());
        assert_eq!(out.scale(), s.ctx.scale(plan.output_level()));
        let err = max_err(&s.ctx.decode(&s.sk.decrypt(&out).unwrap()).unwrap(), &xs);
        eprintln!("full slots from level {level}: 2^{:.1}", err.log2());
        // Observed about 2^-26 (N = 2^10).
        assert!(err < 2f64.powi(-22));
        // The refreshed value computes on: a square, a rescale.
        let sq = s.he.rescale(&s.he.square_relin(&out).unwrap()).unwrap();
        let want: Vec<f64> = xs.iter().map(|x| x * x).collect();
        assert!(
            max_err(&s.ctx.decode(&s.sk.decrypt(&sq).unwrap()).unwrap(), &want) < 2f64.powi(-20)
        );
    }
}

#[test]
fn sparse_slots() {
    for slots in [1usize, 4, 64, 256] {
        let s = setup(10, Some(slots), 1);
        let xs = periodic(slots, s.he.slots(), slots as u64);
        let out = s.he.bootstrap(&s.he.encrypt(&xs, 0).unwrap()).unwrap();
        let err = max_err(&s.ctx.decode(&s.sk.decrypt(&out).unwrap()).unwrap(), &xs);
        eprintln!("{slots} slots: 2^{:.1}", err.log2());
        // Observed 2^-25 .. 2^-28.
        assert!(err < 2f64.powi(-22), "{slots} slots: 2^{:.1}", err.log2());
    }
}

#[test]
fn sparse_slots_average_the_copies() {
    // Slots that do not repeat with period n come back as the average of the copies.
    let s = setup(10, Some(64), 1);
    let xs = periodic(s.he.slots(), s.he.slots(), 9);
    let out = s.he.bootstrap(&s.he.encrypt(&xs, 0).unwrap()).unwrap();
    let copies = s.he.slots() / 64;
    let want: Vec<f64> = (0..s.he.slots())
        .map(|r| (0..copies).map(|c| xs[r % 64 + 64 * c]).sum::<f64>() / copies as f64)
        .collect();
    assert!(max_err(&s.ctx.decode(&s.sk.decrypt(&out).unwrap()).unwrap(), &want) < 2f64.powi(-22));
}

#[test]
fn debug_evaluator_compares_every_stage() {
    let s = setup(11, None, 1);
    let dbg = DebugEvaluator::new(s.he, s.sk.clone(), 2f64.powi(-18)).unwrap();
    let xs = periodic(dbg.slots(), dbg.slots(), 5);
    let ct = dbg.encrypt(&xs, 0).unwrap();
    let out = dbg.bootstrap(&ct).unwrap();
    assert_eq!(out.expected.real(), xs);
    let trace = dbg.trace();
    let ops: Vec<Op> = trace.iter().map(|t| t.op).collect();
    use Stage::*;
    let st = Op::BootstrapStage;
    assert_eq!(
        ops,
        [
            Op::Encrypt,
            st(ModRaise),
            st(CoeffsToSlots),
            st(CoeffsToSlots),
            st(EvalMod),
            st(EvalMod),
            st(SlotsToCoeffs),
            Op::Bootstrap
        ]
    );
    for t in &trace {
        eprintln!("{t}");
        assert!(t.max_error < 2f64.powi(-20), "{t}");
    }
    assert!(dbg.first_divergence().is_none());
    // A threshold below the modular reduction's error: the first divergence names a stage.
    let s = setup(11, None, 1);
    let dbg = DebugEvaluator::new(s.he, s.sk.clone(), 2f64.powi(-40)).unwrap();
    dbg.bootstrap(&dbg.encrypt(&xs, 0).unwrap()).unwrap();
    let first = dbg.first_divergence().unwrap();
    assert!(matches!(first.op, Op::Encrypt | Op::BootstrapStage(_)), "{first}");
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let s = setup(10, None, 1);
    let xs = periodic(s.he.slots(), s.he.slots(), 8);
    let ct = s.he.encrypt(&xs, 0).unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| s.he.bootstrap(&ct).unwrap())
    };
    assert_eq!(run(1), run(4));
}
