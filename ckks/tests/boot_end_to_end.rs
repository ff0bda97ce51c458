//! Bootstrapping end to end at small insecure parameters.

use ckks::boot::{BootstrapConfig, BootstrapPlan, Bootstrapper};
use ckks::eval::{CkksEvaluator, HomomorphicEvaluator};
use ckks::{
    Complex64, Context, EvaluationKeys, Evaluator, ParametersLiteral, Prng, SecretKey, Security,
};
use std::sync::Arc;

struct Setup {
    ctx: Context,
    sk: Arc<SecretKey>,
    bt: Arc<Bootstrapper>,
}

fn setup(log_n: u32, slots: Option<usize>, circuit: usize) -> Setup {
    let config =
        BootstrapConfig { slots, cts_levels: 2, stc_levels: 2, ..BootstrapConfig::default() };
    let mut lit = ParametersLiteral::with_levels(log_n, circuit, 60, 40, 61, 5)
        .security(Security::InsecureToyParameters);
    lit.bootstrap_prime_bits = config.prime_bits(60, log_n);
    lit.dnum = 5;
    lit.special_prime_bits = vec![61; 3];
    let ctx = lit.build().unwrap();
    let plan = Arc::new(BootstrapPlan::new(ctx.chain(), &config).unwrap());
    let mut prng = Prng::from_u64_seed(1);
    let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
    let bt = Arc::new(Bootstrapper::generate(&sk, plan, &mut prng).unwrap());
    Setup { ctx, sk, bt }
}

#[test]
fn full_slots_round_trip() {
    let s = setup(10, None, 2);
    let eval = Evaluator::new(&s.ctx, EvaluationKeys::default()).unwrap();
    let he = HomomorphicEvaluator::with_secret_key(eval, s.sk.clone())
        .unwrap()
        .with_bootstrapper(s.bt.clone())
        .unwrap();
    let n = he.slots();
    let mut p = Prng::from_u64_seed(3);
    let xs: Vec<f64> =
        (0..n).map(|_| (p.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0).collect();
    let ct = he.encrypt(&xs, 0).unwrap();
    let t = std::time::Instant::now();
    let out = he.bootstrap(&ct).unwrap();
    eprintln!("bootstrap {:?}, level {}", t.elapsed(), out.level());
    let got = s.ctx.decode(&s.sk.decrypt(&out).unwrap()).unwrap();
    let err = got.iter().zip(&xs).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    eprintln!("max error 2^{:.2}", err.log2());
    assert!(err < 2f64.powi(-15));
    let _ = Complex64::new(0.0, 0.0);
}
