//! The evaluator abstraction: one circuit under every evaluator.
//!
//! - The seed example, x^4 + 2 at depth 3 and at depth 2: depths, exact op counts, plaintext
//!   against encrypted on random inputs, with automatically chosen 128-bit parameters.
//! - Every precondition error is the same under every evaluator.
//! - The debug evaluator pinpoints the operation where a circuit overflows its modulus.
//! - Automatic parameters: accepted by the security check, rotation keys for exactly the steps
//!   used, a larger ring when the circuit needs more slots.

use ckks::eval::{
    choose_parameters, AutoOptions, Circuit, CkksEvaluator, DebugEvaluator, DepthFinder,
    HomomorphicEvaluator, KeyModel, Observed, Op, OpCounter, OpCounts, PlaintextEvaluator,
    RotationCollector, ScaleEstimator, ScaleRecorder, SymbolicEvaluator,
};
use ckks::*;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use std::collections::BTreeMap;
use std::sync::Arc;

#[path = "../../examples/common/quartic.rs"]
mod quartic;
use quartic::Quartic;

mod automatic;

fn random_inputs(seed: u64, count: usize) -> Vec<f64> {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    (0..count).map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0).collect()
}

fn max_error(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn seed_example_depths_and_exact_op_counts() {
    let chain = ModulusChain::analysis(10, 12, 40).unwrap();
    for (balanced, depth, mults, drops) in [(false, 3, 3, 2), (true, 2, 2, 0)] {
        let circuit = Quartic { balanced, x: random_inputs(1, 512) };
        let finder = DepthFinder::new(chain.clone());
        circuit.run(&finder).unwrap();
        assert_eq!(finder.depth(), depth);
        assert_eq!(finder.observer().top_input_level(), 12);
        assert_eq!(finder.observer().lowest_level(), Some(12 - depth));

        let counter = OpCounter::new(chain.clone());
        circuit.run(&counter).unwrap();
        let want = OpCounts {
            encryptions: 1,
            encryptions_by_level: BTreeMap::from([(12, 1)]),
            ct_multiplications: mults,
            relinearizations: mults,
            rescales: mults,
            level_drops: drops,
            plain_additions: 1,
            ..OpCounts::default()
        };
        assert_eq!(counter.counts(), want);
        assert_eq!(counter.counts().key_switches(), mults);
        assert_eq!(counter.counts().input_bytes(1 << 10), 2 * 13 * 1024 * 8);
    }
}

#[test]
fn seed_example_encrypted_matches_plaintext_with_automatic_parameters() {
    let mut prng = Prng::from_u64_seed(11);
    for (balanced, depth, dnum) in [(false, 3, 4), (true, 2, 2)] {
        let circuit = Quartic { balanced, x: random_inputs(2 + depth as u64, 1 << 13) };
        let params = choose_parameters(&circuit, &AutoOptions::default()).unwrap();
        assert_eq!(params.depth, depth);
        assert_eq!(params.context.max_level(), depth);
        // Both fit N = 2^13 at a 40-bit scale within 218 bits; depth 3 only with one prime per
        // key-switching digit (a 45-bit P), depth 2 with two digits.
        let log_n = 13;
        assert_eq!(params.context.log_n(), log_n, "{}", params.summary());
        assert_eq!(params.context.dnum(), dnum, "{}", params.summary());
        assert_eq!(params.literal().security, Security::HeStandard128);
        assert!(params.context.log_qp() <= max_log_qp_128(log_n).unwrap() as f64);
        assert!(params.literal().build().is_ok());

        let keys = params.generate_keys(&mut prng);
        assert!(keys.evaluation_keys.relinearization.is_some());
        assert!(keys.evaluation_keys.galois.is_empty());
        let he = params.homomorphic(&keys).unwrap().with_prng(Prng::from_u64_seed(12));
        let ct = circuit.run(&he).unwrap();
        let got = params.context.decode(&keys.secret_key.decrypt(&ct).unwrap()).unwrap();

        let plain = PlaintextEvaluator::new(params.context.chain().clone());
        let want = circuit.run(&plain).unwrap();
        assert_eq!(want.meta(), ct.meta(), "same level, scale and size");
        let err = max_error(&got, &want.real());
        assert!(err < 2f64.powi(-20), "depth {depth}: error 2^{:.1}", err.log2());
        let exact: Vec<f64> =
            circuit.x[..params.context.slots()].iter().map(|x| x.powi(4) + 2.0).collect();
        assert!(max_error(&want.real(), &exact) < 1e-14);
    }
}

#[test]
fn depth_counts_inputs_that_start_lower() {
    // x at the top, y two levels lower: y^2 ends three levels below the top.
    let chain = ModulusChain::analysis(6, 8, 30).unwrap();
    let e = DepthFinder::new(chain);
    let x = e.encrypt(&[0.5], 8).unwrap();
    let y = e.encrypt(&[0.5], 6).unwrap();
    let x2 = e.rescale(&e.square_relin(&x).unwrap()).unwrap();
    assert_eq!(e.depth(), 2, "the lower input already counts two levels");
    let y2 = e.rescale(&e.square_relin(&y).unwrap()).unwrap();
    assert_eq!(e.depth(), 3);
    let x2_low = e.align_to_level(&x2, e.level(&y2)).unwrap();
    e.add(&x2_low, &y2).unwrap();
    assert_eq!(e.depth(), 3);
}

// ----- identical errors ----------------------------------------------------------------------

const CASES: usize = 26;

/// Case `i`: an operation sequence that breaks (or, for the last ones, just meets) a
/// precondition. Keys available everywhere: rotation by 1 only; no relinearization key, no
/// conjugation key.
fn case<E: CkksEvaluator>(e: &E, i: usize) -> Result<()> {
    let top = e.max_level();
    let v: Vec<f64> = (0..8).map(|k| k as f64 / 8.0).collect();
    let x = e.encrypt(&v, top)?;
    let y = e.encrypt(&v, top - 1)?;
    match i {
        0 => e.add(&x, &y).map(drop),
        1 => e.add(&e.drop_level(&x, top - 1)?, &y).map(drop),
        2 => e.mul(&e.mul(&x, &x)?, &x).map(drop),
        3 => e.rotate(&e.mul(&x, &x)?, 1).map(drop),
        4 => e.rescale(&e.drop_level(&x, 0)?).map(drop),
        5 => e.drop_level(&y, top).map(drop),
        6 => e.align_to_level(&y, top).map(drop),
        7 => e.rotate(&x, 2).map(drop),
        8 => e.conjugate(&x).map(drop),
        9 => e.relinearize(&e.mul(&x, &x)?).map(drop),
        10 => e.encrypt(&vec![0.0; e.slots() + 1], top).map(drop),
        11 => e.encrypt(&v, top + 1).map(drop),
        12 => e.encrypt(&[f64::NAN], top).map(drop),
        13 => e.encrypt(&[1e40], top).map(drop),
        14 => e.add_const(&x, 1e40).map(drop),
        15 => e.mul_const(&e.drop_level(&x, 0)?, 1e12).map(drop),
        16 => e.add_plain(&x, &e.encode_with_scale(&v, top, 1024.0)?).map(drop),
        17 => e.mul_plain(&x, &e.encode(&v, top - 1)?).map(drop),
        18 => e.encode_with_scale(&v, top, 0.5).map(drop),
        19 => e.rotate_hoisted(&x, &[1, 3]).map(drop),
        20 => e.mul_integer(&e.drop_level(&x, 0)?, i64::MAX).map(drop),
        // Allowed: a rotation with its key, a relinearization that has nothing to do, and a
        // one-hot encoding whose slot value exceeds the bound while its coefficients do not.
        21 => {
            let r = e.rotate(&x, 1 - e.slots() as i64)?;
            e.relinearize(&r).map(drop)
        }
        // A fused term of a linear combination: the operand below the sum, the product at
        // another scale, and (allowed) an operand above the sum, taken at its level.
        22 => e.mul_const_add_assign(&mut x.clone(), &y, 1.0, 1.0),
        23 => e.mul_const_add_assign(&mut x.clone(), &x, 1.0, 2.0),
        24 => {
            let mut acc = e.mul_const_at_scale(&y, 0.5, e.scale(&x))?;
            e.mul_const_add_assign(&mut acc, &x, 0.25, e.scale(&y))
        }
        _ => {
            let limit = 2f64.powf(e.chain().log_q(0) - 1.0) / e.nominal_scale(0);
            let mut big = vec![0.0; e.slots()];
            big[0] = 4.0 * limit;
            e.encrypt(&big, 0)?;
            // A constant vector of the same value does not fit.
            e.encrypt(&vec![4.0 * limit; e.slots()], 0).map(drop)
        }
    }
}

#[test]
fn every_precondition_error_is_identical_under_every_evaluator() {
    let ctx = ParametersLiteral::with_levels(10, 3, 45, 30, 50, 2)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let mut prng = Prng::from_u64_seed(3);
    let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
    let keys =
        EvaluationKeys { relinearization: None, galois: sk.galois_keys(&[1], false, &mut prng) };
    let model = KeyModel::from_keys(&keys);
    let chain = ctx.chain().clone();
    let he = || {
        HomomorphicEvaluator::with_secret_key(
            Evaluator::new(&ctx, keys.clone()).unwrap(),
            sk.clone(),
        )
        .unwrap()
    };
    let plain = || PlaintextEvaluator::new(chain.clone()).with_keys(model.clone());
    let symbolic = || SymbolicEvaluator::new(chain.clone()).with_keys(model.clone());

    let mut outcomes: Vec<Vec<(String, Result<()>)>> = Vec::new();
    for i in 0..CASES {
        let mut row = vec![
            ("homomorphic".to_string(), case(&he(), i)),
            ("plaintext".into(), case(&plain(), i)),
            ("symbolic".into(), case(&symbolic(), i)),
            ("depth finder".into(), case(&DepthFinder::wrap(symbolic()), i)),
            ("op counter (encrypted)".into(), case(&OpCounter::wrap(he()), i)),
            ("rotation collector".into(), case(&RotationCollector::wrap(plain()), i)),
            (
                "scale estimator".into(),
                case(&Observed::with_observer(plain(), ScaleRecorder::default()), i),
            ),
            ("debug".into(), case(&DebugEvaluator::new(he(), sk.clone(), 1e-3).unwrap(), i)),
        ];
        let (_, reference) = row.remove(0);
        for (name, outcome) in &row {
            // Debug strings, so that NaN payloads compare equal.
            assert_eq!(
                format!("{outcome:?}"),
                format!("{reference:?}"),
                "case {i}: {name} differs from the homomorphic evaluator"
            );
        }
        outcomes.push(row);
        match (i, &reference) {
            (21 | 24 | 25, _) => {}
            (_, Ok(())) => panic!("case {i} should fail"),
            _ => {}
        }
    }
    // The expected kinds, so that the cases test what they claim.
    let kinds: Vec<String> = (0..CASES)
        .map(|i| match case(&he(), i) {
            Ok(()) => "ok".into(),
            Err(e) => format!("{e:?}").split([' ', '{', '(']).next().unwrap().to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "LevelMismatch",
            "ScaleMismatch",
            "NeedsRelinearization",
            "NeedsRelinearization",
            "LevelExhausted",
            "InvalidLevel",
            "InvalidLevel",
            "MissingRotationKey",
            "MissingConjugationKey",
            "MissingRelinearizationKey",
            "TooManyValues",
            "InvalidLevel",
            "EncodingOverflow",
            "EncodingOverflow",
            "EncodingOverflow",
            "EncodingOverflow",
            "ScaleMismatch",
            "LevelMismatch",
            "EncodingOverflow",
            "MissingRotationKey",
            "EncodingOverflow",
            "ok",
            "InvalidLevel",
            "ScaleMismatch",
            "ok",
            "EncodingOverflow",
        ]
    );
    // Default scale estimator and server-side evaluator: the estimator is an ordinary evaluator,
    // the server cannot encrypt.
    assert!(case(&ScaleEstimator::new(chain.clone()), 0).is_err());
    let server = HomomorphicEvaluator::new(Evaluator::new(&ctx, keys.clone()).unwrap());
    assert_eq!(server.encrypt(&[1.0], 0).unwrap_err(), CkksError::NoEncryptionKey);
}

/// The homomorphic evaluator's fused `acc += a c` (one pass, `a` read at `acc`'s level) gives
/// the very ciphertext of the level drop, the constant product and the addition apart, for
/// either sign and an operand at or above the sum's level.
#[test]
fn fused_constant_products_equal_the_operations_apart() {
    let ctx = ParametersLiteral::with_levels(10, 3, 45, 30, 50, 2)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let mut prng = Prng::from_u64_seed(8);
    let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
    let he = HomomorphicEvaluator::with_secret_key(
        Evaluator::new(&ctx, EvaluationKeys::default()).unwrap(),
        sk.clone(),
    )
    .unwrap();
    let top = he.max_level();
    let x = he.encrypt(&random_inputs(4, 64), top).unwrap();
    let y = he.encrypt(&random_inputs(5, 64), top - 1).unwrap();
    for (a, c) in [(&x, 0.75), (&x, -1.0), (&y, -0.3125)] {
        // acc at level top - 1 and scale s_y s_x; a's product at that scale.
        let acc0 = he.mul_const_at_scale(&y, 0.5, he.scale(&x)).unwrap();
        let at = he.scale(&acc0) / he.scale(a);
        let mut fused = acc0.clone();
        he.mul_const_add_assign(&mut fused, a, c, at).unwrap();
        let low =
            if he.level(a) > top - 1 { he.drop_level(a, top - 1).unwrap() } else { a.clone() };
        let apart = he.add(&acc0, &he.mul_const_at_scale(&low, c, at).unwrap()).unwrap();
        assert_eq!(fused, apart, "c = {c}");
    }
}

// ----- debug ---------------------------------------------------------------------------------

/// `x^2 * c + x`: at a 30-bit scale over a 45-bit first prime, level 0 holds magnitudes up to
/// about 2^14; `c = 2^20` overflows it at the constant multiplication.
fn overflowing<E: CkksEvaluator>(e: &E, x: &E::Value, c: f64) -> Result<E::Value> {
    let x2 = e.rescale(&e.square_relin(x)?)?;
    let big = e.rescale(&e.mul_const(&x2, c)?)?;
    let x_low = e.align_to_level(x, e.level(&big))?;
    e.add(&big, &x_low)
}

#[test]
fn debug_evaluator_pinpoints_the_overflowing_operation() {
    let ctx = ParametersLiteral::with_levels(10, 2, 45, 30, 50, 3)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let mut prng = Prng::from_u64_seed(5);
    let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        ..Default::default()
    };
    let x_values = random_inputs(6, ctx.slots());
    let he = |seed| {
        HomomorphicEvaluator::with_secret_key(
            Evaluator::new(&ctx, keys.clone()).unwrap(),
            sk.clone(),
        )
        .unwrap()
        .with_prng(Prng::from_u64_seed(seed))
    };

    // A sound constant: nothing diverges, every step keeps at least 18 bits relative to its
    // largest value.
    let debug = DebugEvaluator::new(he(7), sk.clone(), 2f64.powi(-12)).unwrap();
    let x = debug.encrypt(&x_values, 2).unwrap();
    overflowing(&debug, &x, 100.0).unwrap();
    assert_eq!(debug.first_divergence(), None, "{:#?}", debug.trace());
    assert_eq!(debug.trace().len(), 8);
    let relative = |t: &ckks::eval::TraceEntry| t.max_error / t.max_expected.max(1.0);
    assert!(debug.trace().iter().all(|t| relative(t) < 2f64.powi(-18)), "{:#?}", debug.trace());

    // 2^20 times values up to 1 at scale 2^60 (before the rescale) exceeds Q_1 / 2 = 2^74.
    let debug = DebugEvaluator::new(he(8), sk.clone(), 2f64.powi(-12)).unwrap();
    let x = debug.encrypt(&x_values, 2).unwrap();
    overflowing(&debug, &x, 2f64.powi(20)).unwrap();
    let d = debug.first_divergence().expect("the overflow is found");
    assert_eq!(d.op, Op::MulConst, "{d}");
    assert_eq!(d.index, 4, "encrypt, square, relinearize, rescale, then the constant: {d}");
    assert_eq!(d.level, 1);
    assert!(d.max_error > 1.0, "{d}");
    // The report names the operation, level, scale, slot, expected and actual values.
    let text = d.to_string();
    assert!(text.contains("MulConst") && text.contains("level 1"), "{text}");

    // The scale estimator saw it coming: the magnitudes do not fit this chain.
    let est = ScaleEstimator::new(ctx.chain().clone());
    let x = est.encrypt(&x_values, 2).unwrap();
    overflowing(&est, &x, 2f64.powi(20)).unwrap();
    assert!(est.estimate(0.0).check_chain(ctx.chain()).is_err());
    let est = ScaleEstimator::new(ctx.chain().clone());
    let x = est.encrypt(&x_values, 2).unwrap();
    overflowing(&est, &x, 100.0).unwrap();
    assert!(est.estimate(0.0).check_chain(ctx.chain()).is_ok());
}
