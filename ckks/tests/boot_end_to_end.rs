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
    let env = |k: &str, d: u32| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let config = BootstrapConfig {
        slots,
        cts_levels: env("CTS", 2) as usize,
        stc_levels: env("STC", 2) as usize,
        log_message_ratio: env("RATIO", 8),
        arcsine: env("ASIN", 1) == 1,
        double_angles: env("DA", 2),
        ..BootstrapConfig::default()
    };
    let config = if std::env::var_os("DEFAULTCFG").is_some() {
        BootstrapConfig { slots, ..BootstrapConfig::default() }
    } else {
        config
    };
    let circuit = env("CIRCUIT", circuit as u32) as usize;
    let lit = config.parameters(log_n, circuit, 60, 40, Security::InsecureToyParameters).unwrap();
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

#[test]
fn sparse_slots_round_trip() {
    for slots in [1usize, 2, 8, 64, 128] {
        let s = setup(10, Some(slots), 1);
        let eval = Evaluator::new(&s.ctx, EvaluationKeys::default()).unwrap();
        let he = HomomorphicEvaluator::with_secret_key(eval, s.sk.clone())
            .unwrap()
            .with_bootstrapper(s.bt.clone())
            .unwrap();
        let n = he.slots();
        let mut p = Prng::from_u64_seed(3);
        let base: Vec<f64> =
            (0..slots).map(|_| (p.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0).collect();
        let xs: Vec<f64> = (0..n).map(|i| base[i % slots]).collect();
        let ct = he.encrypt(&xs, 0).unwrap();
        let t = std::time::Instant::now();
        let out = he.bootstrap(&ct).unwrap();
        let got = s.ctx.decode(&s.sk.decrypt(&out).unwrap()).unwrap();
        let err = got.iter().zip(&xs).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        eprintln!(
            "slots {slots}: bootstrap {:?}, level {}, max error 2^{:.2}",
            t.elapsed(),
            out.level(),
            err.log2()
        );
        assert!(err < 2f64.powi(-15));
    }
}

#[test]
fn debug_stages() {
    use ckks::eval::DebugEvaluator;
    let log_n: u32 = std::env::var("LOGN").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    for slots in [None] {
        let s = setup(log_n, slots, 1);
        let eval = Evaluator::new(&s.ctx, EvaluationKeys::default()).unwrap();
        let he = HomomorphicEvaluator::with_secret_key(eval, s.sk.clone())
            .unwrap()
            .with_bootstrapper(s.bt.clone())
            .unwrap();
        let dbg = DebugEvaluator::new(he, s.sk.clone(), 1e-3).unwrap();
        let n = dbg.slots();
        let period = slots.unwrap_or(n);
        let mut p = Prng::from_u64_seed(3);
        let base: Vec<f64> =
            (0..period).map(|_| (p.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0).collect();
        let xs: Vec<f64> = (0..n).map(|i| base[i % period]).collect();
        let amp: f64 = std::env::var("AMP").ok().and_then(|v| v.parse().ok()).unwrap_or(1.0);
        let xs: Vec<f64> = xs.iter().map(|x| x * amp).collect();
        let ct = dbg.encrypt(&xs, 0).unwrap();
        dbg.bootstrap(&ct).unwrap();
        for t in dbg.trace() {
            eprintln!("{log_n} {slots:?}: {t}");
        }
    }
}
