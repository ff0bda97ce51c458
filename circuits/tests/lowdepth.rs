//! The low-depth circuit: the same model as the reference trainer (plaintext evaluator) and a
//! depth of at most 2.5 k (depth finder).

mod common;
use circuits::baseline::lr_unit;
use circuits::lowdepth::LowDepth;
use circuits::protocol::ObjectName;
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

/// A trainer of kind low-depth resuming from `(w, v)`: uploaded in both layouts, or refreshed
/// (columns only, as a bootstrap leaves them).
fn resumed<'a>(
    cfg: &TrainConfig,
    z: &'a linalg::PlainMatrix,
    (w, v): (Vec<f64>, Vec<f64>),
    refreshed: bool,
) -> circuits::training::Training<'a> {
    let t = circuits::training::Training::new(circuits::training::Kind::LowDepth, cfg.clone(), z);
    if refreshed {
        t.with_refreshed_state(w, v)
    } else {
        t.with_state(w, v)
    }
}

#[test]
fn resumed_rounds_continue_the_single_run_from_either_start() {
    // Two rounds of k = 3 (the second resumed from (w_3, v_3)) give one run of k = 6.
    let (b, d) = (8, 6);
    let z = data(21, 6 * b, d);
    let whole = train(&z, &TrainConfig { batch_size: b, minibatches: 6, ..TrainConfig::default() })
        .unwrap();
    let second =
        TrainConfig { batch_size: b, minibatches: 3, start_iteration: 3, ..TrainConfig::default() };
    let z2 = linalg::PlainMatrix::from_fn(3 * b, d, |i, j| z.get(3 * b + i, j));
    for refreshed in [false, true] {
        let state = (whole.w[3].clone(), whole.v[3].clone());
        let t = resumed(&second, &z2, state, refreshed);
        let depth = t.depth().unwrap();
        let e = PlaintextEvaluator::new(ModulusChain::analysis(8, depth, 40).unwrap());
        let (model, prev) = t.run_on_with_previous(&e, &t.encrypt(&e).unwrap()).unwrap();
        let w6 = circuits::training::decode_model(&model, d, |v| Ok(v.real())).unwrap();
        let w5 = circuits::training::decode_model(&prev, d, |v| Ok(v.real())).unwrap();
        let err = rel_error(&w6, &whole.w[6]);
        assert!(err < 1e-9, "refreshed: {refreshed}: {err:e}");
        assert!(rel_error(&w5, &whole.w[5]) < 1e-9, "refreshed: {refreshed}");
        // A refreshed state is uploaded in the column layout only.
        let rows = t.names().unwrap().into_iter().filter(|n| {
            matches!(n, ObjectName::State { layout: circuits::protocol::VectorLayout::Row, .. })
        });
        assert_eq!(rows.count(), if refreshed { 0 } else { 2 });
    }
}

#[test]
fn resumed_depths_are_the_documented_ones() {
    // Depth finder against LowDepth::depth and the table of its docs, k = 1..8.
    for k in 1..=8 {
        let cfg = TrainConfig { batch_size: 16, minibatches: k, ..TrainConfig::default() };
        let zk = data(9, 16 * k, 10);
        let fresh = LowDepth::new(cfg.clone()).unwrap().depth();
        for (refreshed, table) in
            [(false, [5, 7, 10, 12, 15, 17, 20, 22]), (true, [5, 8, 10, 13, 15, 18, 20, 23])]
        {
            let t = resumed(&cfg, &zk, (vec![0.1; 10], vec![0.2; 10]), refreshed);
            let f = DepthFinder::new(ModulusChain::analysis(8, 40, 40).unwrap());
            t.train(&f).unwrap();
            assert_eq!(f.depth(), t.depth().unwrap(), "k = {k}, refreshed: {refreshed}");
            assert_eq!(f.depth(), table[k - 1], "k = {k}, refreshed: {refreshed}");
            // A full first step instead of the constant one: three or four levels more.
            assert!((3..=4).contains(&(f.depth() - fresh)), "k = {k}");
        }
    }
}
