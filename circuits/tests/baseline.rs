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
use linalg::{decode_col, LinAlg};

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
        let inputs = base.encrypt_inputs(&la, &z, &vec![0.0; d], unit, levels).unwrap();
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
        let inputs = base.encrypt_inputs(&la, &z, &[0.0; 10], unit, 60).unwrap();
        base.run(&la, &inputs).unwrap();
        assert_eq!(e.depth(), 5 * k, "k = {k}");
    }
}
