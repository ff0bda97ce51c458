//! Automatic parameters (exactly the rotations used, a larger ring for more slots, values too
//! large for any scale refused) and observers over the encrypted run.

use super::*;

// ----- automatic parameters ------------------------------------------------------------------

/// The sum of each block of 8 slots of `x * w`, replicated, plus its conjugate (so the result
/// is real): rotations by 1, 2, 4 and, hoisted, 3 and 5.
struct BlockSums {
    x: Vec<f64>,
    w: Vec<f64>,
}

impl Circuit for BlockSums {
    type Output<E: CkksEvaluator> = E::Value;

    fn run<E: CkksEvaluator>(&self, e: &E) -> Result<E::Value> {
        let n = e.slots().min(self.x.len());
        let x = e.encrypt(&self.x[..n], e.max_level())?;
        let w = e.encode(&self.w[..n], e.max_level())?;
        let mut y = e.rescale(&e.mul_plain(&x, &w)?)?;
        for step in [1, 2, 4] {
            y = e.add(&y, &e.rotate(&y, step)?)?;
        }
        let extra = e.rotate_hoisted(&y, &[3, 5, 0])?;
        let z = e.sum(&extra)?;
        e.add(&z, &e.conjugate(&z)?)
    }
}

#[test]
fn automatic_parameters_collect_exactly_the_rotations_used() {
    let circuit = BlockSums { x: random_inputs(20, 4096), w: random_inputs(21, 4096) };
    let params = choose_parameters(&circuit, &AutoOptions::default()).unwrap();
    assert_eq!(params.depth, 1);
    assert_eq!(params.rotations.steps.iter().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert!(params.rotations.conjugation);
    let c = &params.counts;
    assert_eq!((c.rotations, c.hoisted_rotations, c.conjugations), (5, 2, 1));
    assert_eq!(c.relinearizations, 0);

    let mut prng = Prng::from_u64_seed(22);
    let keys = params.generate_keys(&mut prng);
    assert!(keys.evaluation_keys.relinearization.is_none(), "no ciphertext product");
    assert_eq!(keys.evaluation_keys.galois.len(), 6);
    assert_eq!(
        keys.evaluation_keys.galois.byte_size(),
        6 * params.switching_key_bytes(),
        "the summary's key sizes are the real ones"
    );
    let he = params.homomorphic(&keys).unwrap();
    let ct = circuit.run(&he).unwrap();
    let got = params.context.decode(&keys.secret_key.decrypt(&ct).unwrap()).unwrap();
    let want = circuit.run(&PlaintextEvaluator::new(params.context.chain().clone())).unwrap();
    assert!(max_error(&got, &want.real()) < 1e-5);
    // Independent check of the first block: 2 * (S + S(rot 3) + S(rot 5)), S a sum of 8 slots.
    let s = |start: usize| -> f64 { (start..start + 8).map(|j| circuit.x[j] * circuit.w[j]).sum() };
    assert!((want.real()[0] - 2.0 * (s(0) + s(3) + s(5))).abs() < 1e-12);
}

/// Encrypts `count` values: needs `N/2 >= count`.
struct Wide(usize);

impl Circuit for Wide {
    type Output<E: CkksEvaluator> = E::Value;

    fn run<E: CkksEvaluator>(&self, e: &E) -> Result<E::Value> {
        let x = e.encrypt(&vec![0.5; self.0], e.max_level())?;
        e.rescale(&e.square_relin(&x)?)
    }
}

#[test]
fn automatic_parameters_take_a_larger_ring_for_more_slots() {
    let small = choose_parameters(&Wide(100), &AutoOptions::default()).unwrap();
    let large = choose_parameters(&Wide(5000), &AutoOptions::default()).unwrap();
    // Depth 1 at 2^40 needs about 81 + 41 bits: more than N = 2^12 allows (109).
    assert_eq!(small.context.log_n(), 13, "{}", small.summary());
    assert_eq!(large.context.log_n(), 14, "{}", large.summary());
    let toy = choose_parameters(&Wide(100), &AutoOptions::insecure_toy_ring(9)).unwrap();
    assert_eq!(toy.context.log_n(), 9);
    assert!(toy.summary().contains("NOT SECURE"));
    let too_wide = choose_parameters(&Wide(1 << 17), &AutoOptions::default()).unwrap_err();
    assert!(matches!(too_wide, CkksError::InvalidParameters(_)), "{too_wide}");
}

/// Values of about 2^40 leave no room for any scale.
struct Huge;

impl Circuit for Huge {
    type Output<E: CkksEvaluator> = E::Value;

    fn run<E: CkksEvaluator>(&self, e: &E) -> Result<E::Value> {
        let x = e.encrypt(&[1.0], e.max_level())?;
        let y = e.rescale(&e.mul_const(&x, 2f64.powi(40))?)?;
        e.rescale(&e.square_relin(&y)?)
    }
}

#[test]
fn automatic_parameters_refuse_values_too_large_for_any_scale() {
    let err = choose_parameters(&Huge, &AutoOptions::default()).unwrap_err();
    assert!(
        matches!(err, CkksError::InvalidParameters(ParameterFault::ValuesTooLarge { .. })),
        "{err}"
    );
}

// ----- observers over the encrypted run ------------------------------------------------------

#[test]
fn observers_see_the_same_run_encrypted_and_symbolic() {
    let circuit = BlockSums { x: random_inputs(30, 512), w: random_inputs(31, 512) };
    let ctx = ParametersLiteral::with_levels(10, 2, 50, 30, 50, 3)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let mut prng = Prng::from_u64_seed(32);
    let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
    let keys = EvaluationKeys {
        relinearization: None,
        galois: sk.galois_keys(&[1, 2, 3, 4, 5], true, &mut prng),
    };
    let he =
        HomomorphicEvaluator::with_secret_key(Evaluator::new(&ctx, keys).unwrap(), sk).unwrap();

    // Depth, counts and rotations in one encrypted pass (a tuple of observers) ...
    let watched = Observed::with_observer(
        he,
        (
            ckks::eval::Depth::default(),
            ckks::eval::Counter::default(),
            ckks::eval::Rotations::default(),
        ),
    );
    circuit.run(&watched).unwrap();
    let (depth, counter, rotations) = watched.observer();

    // ... equal the symbolic ones on the same chain.
    let symbolic = OpCounter::new(ctx.chain().clone());
    circuit.run(&symbolic).unwrap();
    assert_eq!(counter.counts(), symbolic.counts());
    assert_eq!(depth.depth(), 1);
    let collector = RotationCollector::new(ctx.chain().clone());
    circuit.run(&collector).unwrap();
    assert_eq!(rotations.set(), collector.rotations());
    assert_eq!(collector.rotations().steps_i64(), [1, 2, 3, 4, 5]);
}

#[test]
fn evaluators_and_values_can_be_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<HomomorphicEvaluator>();
    shared::<PlaintextEvaluator>();
    shared::<SymbolicEvaluator>();
    shared::<DepthFinder>();
    shared::<OpCounter<HomomorphicEvaluator>>();
    shared::<ScaleEstimator>();
    shared::<DebugEvaluator>();
    shared::<ckks::eval::SlotVector>();
    shared::<ckks::eval::DebugValue>();
}
