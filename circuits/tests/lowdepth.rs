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
        let inputs = low.encrypt_inputs(&la, &z, None, unit, levels).unwrap();
        let model = low.run(&la, &inputs).unwrap();
        let mut got = vec![0.0; d];
        if let Some(r) = &model.row {
            let part = decode_row(r, |v| Ok(v.real())).unwrap();
            assert_eq!(part.len(), d);
            for (g, x) in got.iter_mut().zip(part) {
                *g += x;
            }
        }
        if let Some(c) = &model.col {
            let part = decode_col(c, |v| Ok(v.real())).unwrap();
            assert_eq!(part.len(), d);
            for (g, x) in got.iter_mut().zip(part) {
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
        let inputs = low.encrypt_inputs(&la, &z, None, unit, 40).unwrap();
        low.run(&la, &inputs).unwrap();
        assert_eq!(e.depth(), low.depth(), "k = {k}");
        assert!(2 * e.depth() <= 5 * k, "k = {k}: depth {}", e.depth());
        // The figures the README quotes.
        assert_eq!(e.depth(), [1, 4, 7, 9, 12, 14, 17, 19][k - 1], "k = {k}");
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

#[test]
fn resumed_rounds_continue_the_single_run_and_cost_about_three_levels_more() {
    // Two rounds of k = 3 (the second resumed from (w_3, v_3)) give one run of k = 6.
    let (b, d) = (8, 6);
    let z = data(21, 6 * b, d);
    let whole = train(&z, &TrainConfig { batch_size: b, minibatches: 6, ..TrainConfig::default() })
        .unwrap();
    let second =
        TrainConfig { batch_size: b, minibatches: 3, start_iteration: 3, ..TrainConfig::default() };
    let z2 = linalg::PlainMatrix::from_fn(3 * b, d, |i, j| z.get(3 * b + i, j));
    let t =
        circuits::training::Training::new(circuits::training::Kind::LowDepth, second.clone(), &z2)
            .with_state(whole.w[3].clone(), whole.v[3].clone());
    let depth = t.depth().unwrap();
    let e = PlaintextEvaluator::new(ModulusChain::analysis(8, depth, 40).unwrap());
    let (model, prev) = t.run_on_with_previous(&e, &t.encrypt(&e).unwrap()).unwrap();
    let w6 = circuits::training::decode_model(&model, d, |v| Ok(v.real())).unwrap();
    let w5 = circuits::training::decode_model(&prev, d, |v| Ok(v.real())).unwrap();
    assert!(rel_error(&w6, &whole.w[6]) < 1e-9, "{:e}", rel_error(&w6, &whole.w[6]));
    assert!(rel_error(&w5, &whole.w[5]) < 1e-9);
    // Depth: resumed k = 1..8 against the zero start, measured.
    for k in 1..=8 {
        let cfg = TrainConfig { batch_size: 16, minibatches: k, ..TrainConfig::default() };
        let zk = data(9, 16 * k, 10);
        let t =
            circuits::training::Training::new(circuits::training::Kind::LowDepth, cfg.clone(), &zk)
                .with_state(vec![0.1; 10], vec![0.2; 10]);
        let f = DepthFinder::new(ModulusChain::analysis(8, 40, 40).unwrap());
        t.train(&f).unwrap();
        assert_eq!(f.depth(), t.depth().unwrap(), "k = {k}");
        // A full first step instead of the constant one: 5, 7, 10, 12, 15, 17, 20, 22.
        let fresh = LowDepth::new(cfg).unwrap().depth();
        assert_eq!(f.depth(), fresh + if k == 1 { 4 } else { 3 }, "k = {k}");
        assert_eq!(f.depth(), [5, 7, 10, 12, 15, 17, 20, 22][k - 1], "k = {k}");
    }
}
