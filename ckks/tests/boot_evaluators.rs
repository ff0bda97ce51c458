//! Bootstrapping under every interpretation: the plaintext evaluator (identity and its range),
//! the depth finder (depth per segment), the op counter (bootstraps and their key switches),
//! the rotation collector (the keys to generate), and the typed error of each precondition.

use ckks::boot::{BootstrapConfig, BootstrapKeys, BootstrapPlan, Bootstrapper, TransformKeys};
use ckks::eval::{
    CkksEvaluator, DepthFinder, HomomorphicEvaluator, KeyModel, OpCounter, PlaintextEvaluator,
    RotationCollector, SymbolicEvaluator,
};
use ckks::{
    CkksError, EvaluationKeys, Evaluator, ModulusChain, ParametersLiteral, Prng, SecretKey,
    Security,
};
use std::sync::Arc;

fn config(slots: Option<usize>) -> BootstrapConfig {
    BootstrapConfig { slots, cts_levels: 2, stc_levels: 2, ..Default::default() }
}

fn chain(log_n: u32, slots: Option<usize>, circuit: usize) -> (ModulusChain, Arc<BootstrapPlan>) {
    let config = config(slots);
    let lit = config.parameters(log_n, circuit, 60, 40, Security::InsecureToyParameters).unwrap();
    let chain = ModulusChain::from_literal(&lit).unwrap();
    let plan = Arc::new(BootstrapPlan::new(&chain, &config).unwrap());
    (chain, plan)
}

/// Three segments of a circuit that squares and bootstraps: `depth` squares, bootstrap,
/// `depth` squares, bootstrap, `depth` squares.
fn circuit<E: CkksEvaluator>(e: &E, depth: usize) -> ckks::Result<E::Value> {
    let top = e.bootstrap_plan().map_or(e.max_level(), |p| p.output_level());
    let mut x = e.encrypt(&[0.5, -0.25], top)?;
    for segment in 0..3 {
        for _ in 0..depth {
            x = e.rescale(&e.square_relin(&x)?)?;
        }
        if segment < 2 {
            x = e.bootstrap(&x)?;
        }
    }
    Ok(x)
}

#[test]
fn plaintext_bootstrap_is_the_identity_within_its_range() {
    let (chain, plan) = chain(10, None, 3);
    let plain = PlaintextEvaluator::new(chain.clone()).with_bootstrap(plan.clone()).unwrap();
    let x = plain.encrypt(&[0.5, -1.0, 0.25], 1).unwrap();
    let y = plain.bootstrap(&x).unwrap();
    assert_eq!(y.meta().level, plan.output_level());
    assert_eq!(y.meta().scale, chain.scale(plan.output_level()));
    assert_eq!(&y.real()[..3], &[0.5, -1.0, 0.25]);
    // Beyond the range the approximation covers: a typed error.
    let big = plain.encrypt(&[1.5], 0).unwrap();
    assert!(matches!(
        plain.bootstrap(&big),
        Err(CkksError::BootstrapRange { value, bound }) if value == 1.5 && bound == 1.0
    ));
    // The circuit runs in plaintext: three segments, values squared and squared again.
    let out = circuit(&plain, 2).unwrap();
    assert!((out.real()[0] - 0.5f64.powi(64)).abs() < 1e-30);
}

#[test]
fn sparse_plaintext_bootstrap_averages_the_copies() {
    let (chain, plan) = chain(10, Some(4), 1);
    let plain = PlaintextEvaluator::new(chain).with_bootstrap(plan).unwrap();
    let x = plain.encrypt(&[1.0, 0.5, 0.0, -0.5], 0).unwrap();
    let y = plain.bootstrap(&x).unwrap();
    let copies = plain.slots() as f64 / 4.0;
    let r = y.real();
    assert!((r[0] - 1.0 / copies).abs() < 1e-15 && (r[5] - 0.5 / copies).abs() < 1e-15);
}

#[test]
fn depth_is_counted_per_segment() {
    let (chain, plan) = chain(10, None, 3);
    let sym = SymbolicEvaluator::new(chain.clone()).with_bootstrap(plan.clone()).unwrap();
    let d = DepthFinder::wrap(sym);
    circuit(&d, 3).unwrap();
    // Every segment starts at the output level: the depth is one segment's.
    assert_eq!(d.depth(), 3);
    let too_deep = DepthFinder::wrap(SymbolicEvaluator::new(chain).with_bootstrap(plan).unwrap());
    assert!(matches!(circuit(&too_deep, 4), Err(CkksError::LevelExhausted)));
}

#[test]
fn op_counter_and_rotation_collector_see_the_bootstraps() {
    let (chain, plan) = chain(10, Some(16), 2);
    let sym = SymbolicEvaluator::new(chain.clone()).with_bootstrap(plan.clone()).unwrap();
    let counter = OpCounter::wrap(sym.clone());
    circuit(&counter, 2).unwrap();
    let c = counter.counts();
    let p = &plan.profile().counts;
    assert_eq!(c.bootstraps, 2);
    // The circuit's own 6 squares, and each bootstrap's key switches.
    assert_eq!(c.key_switches(), 6 + 2 * p.key_switches());
    assert_eq!(c.encapsulations, 4);
    assert_eq!(c.rotations, 2 * p.rotations);
    // Rotations: the evaluation keys must hold the trace's first rotation and conjugation.
    let rc = RotationCollector::wrap(sym);
    circuit(&rc, 2).unwrap();
    assert_eq!(rc.rotations(), plan.evaluator_rotations());
    assert!(rc.rotations().conjugation);
    assert_eq!(rc.rotations().steps.len(), plan.trace_steps().len());
}

#[test]
fn simulated_evaluators_need_a_plan_and_the_keys() {
    let (chain, plan) = chain(10, None, 1);
    let x = SymbolicEvaluator::new(chain.clone()).encrypt(&[0.5], 1).unwrap();
    assert!(matches!(
        SymbolicEvaluator::new(chain.clone()).bootstrap(&x),
        Err(CkksError::BootstrapUnavailable)
    ));
    // A key model without a bootstrapper meets the error the encrypted run would.
    let sym = SymbolicEvaluator::new(chain.clone())
        .with_keys(KeyModel::from_keys(&EvaluationKeys::default()))
        .with_bootstrap(plan.clone())
        .unwrap();
    assert!(matches!(sym.bootstrap(&x), Err(CkksError::BootstrapUnavailable)));
    let sym = SymbolicEvaluator::new(chain).with_bootstrap(plan.clone()).unwrap();
    let y = sym.bootstrap(&x).unwrap();
    assert_eq!(y.level, plan.output_level());
    // A plan of another chain.
    let (other, _) = self::chain(11, None, 1);
    assert!(matches!(
        SymbolicEvaluator::new(other).with_bootstrap(plan),
        Err(CkksError::InvalidParameters(_))
    ));
}

#[test]
fn every_precondition_is_a_typed_error() {
    // Slot counts: not a power of two, above N/2.
    let lit = config(None).parameters(10, 1, 60, 40, Security::InsecureToyParameters).unwrap();
    let ctx = lit.build().unwrap();
    for slots in [3usize, 1024] {
        assert!(matches!(
            BootstrapPlan::new(ctx.chain(), &config(Some(slots))),
            Err(CkksError::BootstrapSlots { max: 512, .. })
        ));
    }
    // Too few levels: parameters without bootstrapping primes.
    let plain = ParametersLiteral::with_levels(10, 6, 60, 40, 61, 2)
        .security(Security::InsecureToyParameters);
    let chain = ModulusChain::from_literal(&plain).unwrap();
    assert!(matches!(
        BootstrapPlan::new(&chain, &config(None)),
        Err(CkksError::BootstrapLevels { available: 0, .. })
    ));
    // The ephemeral secret's security claim: N = 2^10 is below it.
    let secure_shape = config(None).parameters(10, 1, 60, 40, Security::HeStandard128);
    assert!(secure_shape.is_err(), "no 128-bit set of these levels at N = 2^10");
    let mut prng = Prng::from_u64_seed(3);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let plan = Arc::new(BootstrapPlan::new(ctx.chain(), &config(None)).unwrap());
    // Missing keys: a Galois key of a transform.
    let mut keys = BootstrapKeys::generate(&sk, &plan, &mut prng).unwrap();
    let full = keys.transforms.clone();
    keys.transforms = TransformKeys::default();
    assert!(matches!(
        Bootstrapper::new(&ctx, plan.clone(), keys.clone()),
        Err(CkksError::MissingRotationKey { .. })
    ));
    keys.transforms = full;
    // Missing keys: the relinearization key.
    let mut no_relin = keys.clone();
    no_relin.evaluation =
        Arc::new(EvaluationKeys { relinearization: None, galois: keys.evaluation.galois.clone() });
    assert!(matches!(
        Bootstrapper::new(&ctx, plan.clone(), no_relin),
        Err(CkksError::MissingRelinearizationKey)
    ));
    let bt = Arc::new(Bootstrapper::new(&ctx, plan.clone(), keys.clone()).unwrap());
    // No bootstrapper at all.
    let sk = Arc::new(sk);
    let he = HomomorphicEvaluator::with_secret_key(
        Evaluator::new(&ctx, keys.evaluation.clone()).unwrap(),
        sk.clone(),
    )
    .unwrap();
    let x = he.encrypt(&[0.5], 1).unwrap();
    assert!(matches!(he.bootstrap(&x), Err(CkksError::BootstrapUnavailable)));
    let he = he.with_bootstrapper(bt).unwrap();
    // Not relinearized.
    let x3 = he.mul(&x, &x).unwrap();
    assert!(matches!(he.bootstrap(&x3), Err(CkksError::NeedsRelinearization { .. })));
    // At level 0, but not at level 0's nominal scale.
    let odd = he.drop_level(&x, 0).unwrap();
    assert!(matches!(he.bootstrap(&odd), Err(CkksError::BootstrapScale { .. })));
    // From level 1 the same value is aligned first and bootstraps.
    assert_eq!(he.bootstrap(&x).unwrap().level(), plan.output_level());
}

#[test]
fn encapsulation_security_claim() {
    use ckks::boot::sse::{check_security, log_q0p0, EncapsulationKeys};
    // The 128-bit set at N = 2^16: q_0 p_0 just under 2^121.
    let lit =
        BootstrapConfig::default().parameters(16, 9, 60, 40, Security::HeStandard128).unwrap();
    let chain = ModulusChain::from_literal(&lit).unwrap();
    let bits = (chain.q_primes()[0] as f64).log2() + (chain.special_primes()[0] as f64).log2();
    assert!(bits <= 121.0);
    // A toy set claims nothing; a secure one with a wider q_0 is refused.
    let toy = ParametersLiteral::with_levels(10, 2, 60, 40, 61, 1)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    assert!(check_security(&toy, 32).is_ok());
    assert!(log_q0p0(&toy) > 120.0);
    let secure = ParametersLiteral::with_levels(16, 2, 61, 40, 61, 1).build().unwrap();
    assert!(matches!(
        check_security(&secure, 32),
        Err(CkksError::InsecureBootstrapping { log_n: 16, hamming_weight: 32, .. })
    ));
    let sk = SecretKey::generate(&secure, &mut Prng::from_u64_seed(1));
    assert!(EncapsulationKeys::generate(&sk, 16, &mut Prng::from_u64_seed(2)).is_err());
}
