//! The baseline circuit against the plaintext reference trainer (plaintext evaluator), its depth
//! (depth finder) and an encrypted run.

mod common;
use circuits::baseline::{lr_unit, Baseline};
use circuits::reference::{train, TrainConfig};
use circuits::sigmoid::SigmoidPoly;
use ckks::eval::{CkksEvaluator, DepthFinder, PlaintextEvaluator};
use ckks::ModulusChain;
use common::data;
use common::rel_error;
use linalg::{decode_col, LinAlg, PlainMatrix};

#[test]
fn plaintext_baseline_equals_the_reference_trainer() {
    for (k, b, d, degree, log_slots) in
        [(1, 8, 5, 3, 7), (3, 16, 12, 3, 8), (4, 32, 20, 5, 9), (2, 24, 33, 7, 9)]
    {
        let cfg = TrainConfig {
            batch_size: b,
            minibatches: k,
            sigmoid: SigmoidPoly::fit(degree, 8.0),
            ..TrainConfig::default()
        };
        let z = data(k as u64, k * b, d);
        let want = train(&z, &cfg).unwrap();
        let base = Baseline::new(cfg);
        let levels = base.depth();
        let e = PlaintextEvaluator::new(ModulusChain::analysis(log_slots + 1, levels, 40).unwrap());
        let la = LinAlg::new(&e);
        let unit = lr_unit(e.slots(), d).unwrap();
        let inputs =
            base.encrypt_inputs(&la, &z, &vec![0.0; d], &vec![0.0; d], unit, levels).unwrap();
        let w = base.run(&la, &inputs).unwrap();
        let got = decode_col(&w, |v| Ok(v.real())).unwrap();
        let err = rel_error(&got, want.model());
        assert!(err < 1e-9, "k={k} b={b} d={d}: relative error {err:e}");
        assert_eq!(la.level(&w), 0, "the model ends at level 0");
    }
}

#[test]
fn baseline_depth_is_five_per_minibatch() {
    for k in 1..=8 {
        let cfg = TrainConfig { batch_size: 16, minibatches: k, ..TrainConfig::default() };
        let base = Baseline::new(cfg);
        assert_eq!(base.depth(), 5 * k);
        let z = data(9, 16 * k, 10);
        let e = DepthFinder::new(ModulusChain::analysis(8, 60, 40).unwrap());
        let la = LinAlg::new(&e);
        let unit = lr_unit(e.slots(), 10).unwrap();
        let inputs = base.encrypt_inputs(&la, &z, &[0.0; 10], &[0.0; 10], unit, 60).unwrap();
        base.run(&la, &inputs).unwrap();
        assert_eq!(e.depth(), 5 * k, "k = {k}");
    }
}

#[test]
fn resumed_rounds_continue_the_single_run() {
    // Two rounds of k = 2 (the second from the state of the first, on the next minibatches,
    // with Nesterov's a_t continuing) give the iterates of one run with k = 4.
    let (b, d) = (8, 6);
    let z = data(4, 4 * b, d);
    let whole = train(&z, &TrainConfig { batch_size: b, minibatches: 4, ..TrainConfig::default() })
        .unwrap();
    let first = TrainConfig { batch_size: b, minibatches: 2, ..TrainConfig::default() };
    let second = TrainConfig { start_iteration: 2, ..first.clone() };
    let z1 = PlainMatrix::from_fn(2 * b, d, |i, j| z.get(i, j));
    let z2 = PlainMatrix::from_fn(2 * b, d, |i, j| z.get(2 * b + i, j));
    let e = PlaintextEvaluator::new(ModulusChain::analysis(8, 10, 40).unwrap());
    let round = |cfg: &TrainConfig, zr: &PlainMatrix, state: Option<(Vec<f64>, Vec<f64>)>| {
        let mut t =
            circuits::training::Training::new(circuits::training::Kind::Baseline, cfg.clone(), zr);
        if let Some((w, v)) = state {
            t = t.with_state(w, v);
        }
        let (model, prev) = t.run_on_with_previous(&e, &t.encrypt(&e).unwrap()).unwrap();
        let w = decode_col(model.col.as_ref().unwrap(), |v| Ok(v.real())).unwrap();
        let p = decode_col(prev.col.as_ref().unwrap(), |v| Ok(v.real())).unwrap();
        let eta = *cfg.etas().last().unwrap();
        assert_eq!((w.len(), p.len()), (d, d));
        let v: Vec<f64> = w.iter().zip(&p).map(|(a, b)| (1.0 - eta) * a + eta * b).collect();
        (w, v)
    };
    let (w2, v2) = round(&first, &z1, None);
    assert!(rel_error(&w2, &whole.w[2]) < 1e-9 && rel_error(&v2, &whole.v[2]) < 1e-9);
    let (w4, _) = round(&second, &z2, Some((w2, v2)));
    assert!(rel_error(&w4, &whole.w[4]) < 1e-9, "{:e}", rel_error(&w4, &whole.w[4]));
}
