//! One circuit, many interpretations: f(x) = x^4 + 2 written two ways, run under the depth
//! finder, the op counter, the plaintext evaluator and the encrypted evaluator, with parameters
//! chosen automatically for each.
//!
//! ```text
//! cargo run --release -p ckks --example evaluators
//! ```

use ckks::eval::{
    choose_parameters, prepare, AutoOptions, Circuit, CkksEvaluator, DepthFinder, OpCounter,
    PlaintextEvaluator,
};
use ckks::{ModulusChain, Prng, Result};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use std::time::Instant;

#[path = "common/quartic.rs"]
mod quartic;
use quartic::Quartic;

fn main() -> Result<()> {
    // Inputs in [-1, 1] from a fixed seed, so every run shows the same figures.
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2020);
    let x: Vec<f64> =
        (0..1 << 16).map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0).collect();
    let mut prng = Prng::from_os_entropy();

    for (name, balanced) in [("((x*x)*x)*x + 2", false), ("(x*x)*(x*x) + 2", true)] {
        let circuit = Quartic { balanced, x: x.clone() };
        println!("== f(x) = {name}");

        // Symbolic runs on a tall analysis chain: depth and op counts, no arithmetic at all.
        let chain = ModulusChain::analysis(12, 20, 40)?;
        let depth = DepthFinder::new(chain.clone());
        circuit.run(&depth)?;
        let counter = OpCounter::new(chain.clone());
        circuit.run(&counter)?;
        let c = counter.counts();
        println!("depth finder: depth {}", depth.depth());
        println!(
            "op counter: encryptions {}, ciphertext multiplications {}, relinearizations {}, \
             rescales {}, level drops {}, constant additions {}, rotations {}",
            c.encryptions,
            c.ct_multiplications,
            c.relinearizations,
            c.rescales,
            c.level_drops,
            c.plain_additions,
            c.rotations
        );

        // The plaintext evaluator: the exact result and the largest magnitude reached.
        let plain = PlaintextEvaluator::new(chain);
        let exact = circuit.run(&plain)?;
        let reference: Vec<f64> =
            circuit.input(plain.slots()).iter().map(|v| v.powi(4) + 2.0).collect();
        let plain_err = max_error(&exact.real(), &reference);
        println!(
            "plaintext: max |f(x) - (x^4 + 2)| = {plain_err:.1e}, largest magnitude {:.3}",
            plain.max_magnitude()
        );

        // Automatic parameters and keys in one call, then the encrypted run.
        let t = Instant::now();
        let (params, keys) = prepare(&circuit, &AutoOptions::default(), &mut prng)?;
        let keygen = t.elapsed();
        println!("automatic parameters:");
        for line in params.summary().lines() {
            println!("  {line}");
        }
        let he = params.homomorphic(&keys)?;
        let t = Instant::now();
        let ct = circuit.run(&he)?;
        let run = t.elapsed();
        let ctx = &params.context;
        let out = ctx.decode(&keys.secret_key.decrypt(&ct)?)?;
        let reference: Vec<f64> =
            circuit.input(ctx.slots()).iter().map(|v| v.powi(4) + 2.0).collect();
        let err = max_error(&out, &reference);
        println!(
            "encrypted run: max error {err:.2e} (2^{:.1}) over {} slots; parameters and keys \
             {:.0} ms, encrypt + evaluate {:.0} ms",
            err.log2(),
            reference.len(),
            keygen.as_secs_f64() * 1e3,
            run.as_secs_f64() * 1e3
        );
        // More precision costs modulus: at a 50-bit scale the depth decides the ring.
        let wide = AutoOptions { max_log_scale: 50, ..AutoOptions::default() };
        let p50 = choose_parameters(&circuit, &wide)?;
        println!(
            "at a 50-bit scale instead: N = 2^{}, dnum = {}, log2 QP = {:.1}",
            p50.context.log_n(),
            p50.context.dnum(),
            p50.context.log_qp()
        );
        println!();
    }
    Ok(())
}

fn max_error(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}
