//! The low-depth circuit: the same model as the reference trainer (plaintext evaluator) and a
//! depth of at most 2.5 k (depth finder).

mod common;
use circuits::baseline::lr_unit;
use circuits::lowdepth::LowDepth;
use circuits::reference::{train, TrainConfig};
use ckks::eval::{CkksEvaluator, DepthFinder, PlaintextEvaluator};
use ckks::ModulusChain;
use common::data;
use common::rel_error;
use linalg::{decode_col, decode_row, LinAlg};

#[test]
fn plaintext_lowdepth_equals_the_reference_trainer() {
    for (k, b, d, log_slots) in
        [(1, 8, 5, 7), (2, 8, 5, 7), (3, 16, 12, 8), (6, 16, 10, 8), (5, 32, 20, 9), (8, 16, 16, 8)]
    {
        let cfg = TrainConfig { batch_size: b, minibatches: k, ..TrainConfig::default() };
        let z = data(k as u64 + 100, k * b, d);
        let want = train(&z, &cfg).unwrap();
        let low = LowDepth::new(cfg).unwrap();
        let levels = low.depth();
        let e = PlaintextEvaluator::new(ModulusChain::analysis(log_slots + 1, levels, 40).unwrap());
        let la = LinAlg::new(&e);
        let unit = lr_unit(e.slots(), d.max(b)).unwrap();
        let inputs = low.encrypt_inputs(&la, &z, unit, levels).unwrap();
        let model = low.run(&la, &inputs).unwrap();
        let mut got = vec![0.0; d];
        if let Some(r) = &model.row {
            for (g, x) in got.iter_mut().zip(decode_row(r, |v| Ok(v.real())).unwrap()) {
                *g += x;
            }
        }
        if let Some(c) = &model.col {
            for (g, x) in got.iter_mut().zip(decode_col(c, |v| Ok(v.real())).unwrap()) {
                *g += x;
            }
        }
        let err = rel_error(&got, want.model());
        assert!(err < 1e-9, "k={k} b={b} d={d}: relative error {err:e}");
    }
}

#[test]
fn lowdepth_depth_is_at_most_two_and_a_half_per_minibatch() {
    for k in 1..=8 {
        let cfg = TrainConfig { batch_size: 16, minibatches: k, ..TrainConfig::default() };
        let low = LowDepth::new(cfg).unwrap();
        let z = data(9, 16 * k, 10);
        let e = DepthFinder::new(ModulusChain::analysis(8, 40, 40).unwrap());
        let la = LinAlg::new(&e);
        let unit = lr_unit(e.slots(), 16).unwrap();
        let inputs = low.encrypt_inputs(&la, &z, unit, 40).unwrap();
        low.run(&la, &inputs).unwrap();
        assert_eq!(e.depth(), low.depth(), "k = {k}");
        assert!(2 * e.depth() <= 5 * k, "k = {k}: depth {}", e.depth());
    }
}

#[test]
fn the_schedule_is_the_documented_one() {
    let cfg = TrainConfig { batch_size: 16, minibatches: 6, ..TrainConfig::default() };
    let low = LowDepth::new(cfg).unwrap();
    let unit = lr_unit(128, 16).unwrap();
    let steps: Vec<(usize, usize, bool, usize, usize, bool)> = low
        .schedule(10, unit)
        .unwrap()
        .iter()
        .map(|s| (s.t, s.u_depth, s.u_row, s.s_depth, s.grad_depth, s.grad_row))
        .collect();
    // (t, depth of u_t, u_t a row?, depth of s_t, depth of grad_t, grad_t a row?), as in the
    // table of the module docs.
    assert_eq!(
        steps,
        [
            (0, 0, false, 0, 1, true),
            (1, 1, true, 3, 4, false),
            (2, 3, false, 5, 7, true),
            (3, 6, true, 8, 9, false),
            (4, 8, false, 10, 12, true),
            (5, 11, true, 13, 14, false),
        ]
    );
}
