//! Automatic parameters for a circuit that bootstraps: the chain holds the deepest segment's
//! levels plus the bootstrapping levels, the keys include the bootstrapping key set (and the
//! circuit's own Galois keys only over its levels), and the encrypted run matches the plaintext
//! one.

use ckks::boot::BootstrapConfig;
use ckks::eval::{prepare, AutoOptions, Circuit, CkksEvaluator, PlaintextEvaluator};
use ckks::{Prng, Result};

/// `x^(2^(3 * segments))`, rotated by 3 slots at the top of each segment: a rotation and three
/// squares a segment, a bootstrap between segments.
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
            x = e.rotate(&x, 3)?;
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
    // The circuit's rotation key serves its levels only; bootstrapping's own keys the whole
    // chain.
    let galois = &keys.evaluation_keys.galois;
    let g = params.context.rotation_galois_element(3);
    assert_eq!(galois.get(g).unwrap().level(), chain.circuit_top());
    assert_eq!(galois.get(g).unwrap().byte_size(), params.circuit_galois_key_bytes());
    assert!(params.circuit_galois_key_bytes() < params.switching_key_bytes());
    for &step in &plan.evaluator_rotations().steps {
        let g = params.context.rotation_galois_element(step as i64);
        assert_eq!(galois.get(g).unwrap().level(), chain.max_level(), "step {step}");
    }
    let conjugation = galois.get(params.context.conjugation_galois_element()).unwrap();
    assert_eq!(conjugation.level(), chain.max_level());
    // The summary's figure is the circuit's keys' real size.
    let circuit_bytes: usize = params
        .rotations
        .steps
        .iter()
        .map(|&s| params.context.rotation_galois_element(s as i64))
        .chain(params.rotations.conjugation.then(|| params.context.conjugation_galois_element()))
        .map(|g| galois.get(g).unwrap().byte_size())
        .sum();
    assert_eq!(circuit_bytes, params.galois_key_bytes());
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
