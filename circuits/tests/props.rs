//! Property tests under the plaintext evaluator: for random data, k, b and d, both circuits give
//! the reference trainer's model (relative error below 1e-9); the cost reports show the
//! low-depth circuit's extra uploads.

mod common;
use circuits::reference::{train, TrainConfig};
use circuits::training::{decode_model, Kind, Training};
use ckks::eval::{CkksEvaluator, PlaintextEvaluator};
use ckks::ModulusChain;
use common::data;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn both_circuits_equal_the_reference(
        seed in 0u64..1000,
        k in 1usize..=6,
        b in prop::sample::select(vec![4usize, 8, 16, 32]),
        d in 2usize..40,
        gamma in 0.1f64..1.0,
    ) {
        let cfg = TrainConfig { batch_size: b, minibatches: k, gamma, ..TrainConfig::default() };
        let z = data(seed, k * b, d);
        let want = train(&z, &cfg).unwrap();
        let norm = want.model().iter().map(|x| x * x).sum::<f64>().sqrt();
        for kind in [Kind::Baseline, Kind::LowDepth] {
            let circuit = Training::new(kind, cfg.clone(), &z);
            let depth = circuit.depth().unwrap();
            let e = PlaintextEvaluator::new(ModulusChain::analysis(10, depth, 40).unwrap());
            let model = circuit.train(&e).unwrap();
            let got = decode_model(&model, d, |v| Ok(v.real())).unwrap();
            prop_assert_eq!((got.len(), want.model().len()), (d, d));
            let diff = got.iter().zip(want.model()).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
            prop_assert!(diff <= 1e-9 * norm.max(1e-12), "{}: {diff:e} vs norm {norm:e}", kind.name());
            prop_assert_eq!(e.max_level(), depth);
        }
    }
}

#[test]
fn cost_reports_show_the_trade() {
    // b equal to the padded width (16 = 12 features rounded up), k = 6.
    let cfg = TrainConfig { batch_size: 16, minibatches: 6, ..TrainConfig::default() };
    let z = data(1, 96, 12);
    let base = Training::new(Kind::Baseline, cfg.clone(), &z).cost(11).unwrap();
    let low = Training::new(Kind::LowDepth, cfg, &z).cost(11).unwrap();
    assert_eq!((base.depth, low.depth), (30, 14));
    let matrices = |r: &circuits::training::CostReport| {
        r.inputs.iter().filter(|s| s.kind() == linalg::Kind::Matrix).count()
    };
    // k minibatches against k minibatches plus k - 1 Gram matrices: 5/6 = 83% more matrices.
    assert_eq!((matrices(&base), matrices(&low)), (6, 11));
    assert!(low.counts.multiplications() > base.counts.multiplications());
    eprintln!("{base}\n{low}");
}
