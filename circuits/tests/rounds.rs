//! `reference::train_in_rounds`: without a perturbation it is `train` (bit for bit, for any
//! split into rounds); a perturbation at the crossings moves the weights by an amount linear in
//! its size (the premise of the `epochs` command's sensitivity figure).

mod common;
use circuits::error::CircuitError;
use circuits::reference::{train, train_in_rounds, TrainConfig};
use common::data;
use proptest::prelude::*;

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn unperturbed_rounds_are_train(
        seed in 0u64..1000,
        rounds in prop::collection::vec(1usize..=4, 1..6),
        b in prop::sample::select(vec![2usize, 4, 8]),
        d in 2usize..12,
    ) {
        let k: usize = rounds.iter().sum();
        let cfg = TrainConfig { batch_size: b, minibatches: k, ..TrainConfig::default() };
        let z = data(seed, k * b, d);
        let want = train(&z, &cfg).unwrap().w;
        let got = train_in_rounds(&z, &cfg, &rounds, |_, _, _| ()).unwrap();
        prop_assert_eq!(got, want);
    }
}

/// The same noise direction at every crossing, scaled by `eps` and `2 eps`: the weight error
/// doubles (within 1%), and many crossings make it larger than one crossing's `eps`.
#[test]
fn perturbations_act_linearly() {
    let (b, d) = (16, 10);
    let rounds = vec![3; 12];
    let cfg = TrainConfig { batch_size: b, ..TrainConfig::default() };
    let z = data(7, 36 * b, d);
    let clean = train_in_rounds(&z, &cfg, &rounds, |_, _, _| ()).unwrap();
    let run = |eps: f64| {
        let got = train_in_rounds(&z, &cfg, &rounds, |r, w, v| {
            for (j, (wj, vj)) in w.iter_mut().zip(v.iter_mut()).enumerate() {
                let s = if (r + j) % 3 == 0 { -1.0 } else { 1.0 };
                *wj += s * eps;
                *vj += s * eps;
            }
        })
        .unwrap();
        max_diff(got.last().unwrap(), clean.last().unwrap())
    };
    let (one, two) = (run(1e-9), run(2e-9));
    assert!((two / one - 2.0).abs() < 0.02, "{one:e} then {two:e}");
    assert!(one > 1e-9, "eleven crossings of 1e-9 moved the weights by only {one:e}");
}

#[test]
fn too_few_rows_is_a_typed_error() {
    let cfg = TrainConfig { batch_size: 4, ..TrainConfig::default() };
    let z = data(1, 4 * 5, 3);
    let err = train_in_rounds(&z, &cfg, &[2, 2, 2], |_, _, _| ()).unwrap_err();
    assert!(matches!(err, CircuitError::NotEnoughData { needed: 24, available: 20, .. }), "{err}");
}
