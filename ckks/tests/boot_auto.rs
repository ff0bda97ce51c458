//! Automatic parameters for a circuit that bootstraps: the chain holds the deepest segment's
//! levels plus the bootstrapping levels, the keys include the bootstrapping key set, and the
//! encrypted run matches the plaintext one.

use ckks::boot::BootstrapConfig;
use ckks::eval::{prepare, AutoOptions, Circuit, CkksEvaluator, PlaintextEvaluator};
use ckks::{Prng, Result};

/// `x^(2^(3 * segments))`: three squares a segment, a bootstrap between segments.
struct Powers {
    segments: usize,
}

impl Circuit for Powers {
    type Output<E: CkksEvaluator> = E::Value;
    fn run<E: CkksEvaluator>(&self, e: &E) -> Result<E::Value> {
        let values: Vec<f64> = (0..e.slots()).map(|i| 0.9 + 0.1 * ((i % 7) as f64 / 7.0)).collect();
        let mut x = e.encrypt(&values, e.chain().circuit_top())?;
        for s in 0..self.segments {
            if s > 0 {
                x = e.bootstrap(&x)?;
            }
            for _ in 0..3 {
                x = e.rescale(&e.square_relin(&x)?)?;
            }
        }
        Ok(x)
    }
}

#[test]
fn bootstrapping_circuit_gets_its_levels_and_keys() {
    let options = AutoOptions {
        bootstrap: Some(BootstrapConfig { cts_levels: 2, stc_levels: 2, ..Default::default() }),
        ..AutoOptions::insecure_toy_ring(10)
    };
    let circuit = Powers { segments: 3 };
    let mut prng = Prng::from_u64_seed(4);
    let (params, keys) = prepare(&circuit, &options, &mut prng).unwrap();
    let plan = params.bootstrap.clone().unwrap();
    let chain = params.context.chain();
    assert_eq!(params.depth, 3, "the deepest segment");
    assert_eq!(chain.circuit_top(), 3);
    assert_eq!(chain.bootstrap_levels(), plan.levels().total());
    assert_eq!(params.counts.bootstraps, 2);
    println!("{}", params.summary());
    let he = params.homomorphic(&keys).unwrap();
    let out = circuit.run(&he).unwrap();
    let got = params.context.decode(&keys.secret_key.decrypt(&out).unwrap()).unwrap();
    let plain = PlaintextEvaluator::new(chain.clone()).with_bootstrap(plan).unwrap();
    let want = circuit.run(&plain).unwrap().real();
    // x^512 with two bootstraps: relative errors grow by 512 on the way.
    let err = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    let mag = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    eprintln!("max error {err:.3e} on values up to {mag:.3e}");
    assert!(err < 1e-4 * mag);
}
