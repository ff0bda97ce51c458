//! Work and span of the training circuits (symbolic runs): the key-switch work is the op
//! counter's total, the totals do not depend on the thread count, and the low-depth circuit's
//! critical path is the shorter.

mod common;
use circuits::reference::TrainConfig;
use circuits::training::{Kind, Training};
use ckks::eval::{KeySwitches, OpTimes, Span, SpanTotals, SymbolicEvaluator, TimedOp};
use ckks::ModulusChain;
use common::data;

fn totals(circuit: &Training<'_>, threads: usize) -> (SpanTotals, SpanTotals) {
    let chain = ModulusChain::analysis(11, circuit.depth().unwrap(), 40).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let ks = Span::new(SymbolicEvaluator::new(chain.clone()), KeySwitches);
        circuit.train(&ks).unwrap();
        // Costs that grow with the level, so that any difference in the order of the sums or
        // in the levels would show.
        let times =
            OpTimes::from_entries(TimedOp::ALL.into_iter().enumerate().flat_map(|(i, op)| {
                [(op, 0, 1e-5 * (i + 1) as f64), (op, 30, 1e-3 / (i + 1) as f64)]
            }));
        let secs = Span::new(SymbolicEvaluator::new(chain), times);
        circuit.train(&secs).unwrap();
        (ks.totals(), secs.totals())
    })
}

#[test]
fn key_switch_work_equals_the_op_counter_and_the_low_depth_span_is_shorter() {
    let cfg = TrainConfig { batch_size: 16, minibatches: 4, ..TrainConfig::default() };
    let z = data(3, 64, 12);
    let mut spans = Vec::new();
    for kind in Kind::ALL {
        let circuit = Training::new(kind, cfg.clone(), &z);
        let counted = circuit.cost(11).unwrap().counts.key_switches() as u64;
        let (ks, secs) = totals(&circuit, 1);
        assert_eq!(ks.work, counted, "{kind}");
        // (At this size the baseline is one tile wide: a single chain, span = work.)
        assert!(ks.span > 0 && ks.span <= ks.work, "{kind}: {ks:?}");
        assert!(secs.span > 0 && secs.span <= secs.work, "{kind}: {secs:?}");
        // The same totals, exactly, on several threads (linalg's tiles run in parallel).
        for threads in [2, 4] {
            assert_eq!(totals(&circuit, threads), (ks, secs), "{kind} on {threads} threads");
        }
        spans.push(ks.span);
    }
    // Depth 5 per minibatch against 2.5: the low-depth circuit's chain of key switches is
    // shorter, although it performs more of them.
    assert!(spans[1] < spans[0], "spans {spans:?}");
}
