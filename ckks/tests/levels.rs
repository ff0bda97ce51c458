//! Mixing levels: a value computed at a high level is brought down to a lower level at that
//! level's nominal scale (`align_to_level`), while a bare `drop_level` keeps the old scale and is
//! refused by the scale check.

use ckks::*;

fn max_err(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn aligned_values_add_across_levels() {
    let ctx = ParametersLiteral::with_levels(12, 4, 50, 36, 50, 5)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let mut prng = Prng::from_u64_seed(7);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let eval = Evaluator::new(&ctx, EvaluationKeys::default()).unwrap();
    let v: Vec<f64> = (0..ctx.slots()).map(|i| (i as f64 * 0.3).cos()).collect();
    let w: Vec<f64> = (0..ctx.slots()).map(|i| (i as f64 * 0.7).sin()).collect();
    let x = sk.encrypt(&ctx.encode_at(&v, 4).unwrap(), &mut prng).unwrap();
    for level in 0..4 {
        let y = sk.encrypt(&ctx.encode_at(&w, level).unwrap(), &mut prng).unwrap();
        // A plain drop keeps s_4, which is not s_level: refused.
        let dropped = eval.drop_level(&x, level).unwrap();
        assert!(matches!(eval.add(&dropped, &y), Err(CkksError::ScaleMismatch { .. })));
        let aligned = eval.align_to_level(&x, level).unwrap();
        assert_eq!(aligned.level(), level);
        assert_eq!(aligned.scale(), ctx.scale(level), "lands exactly on the nominal scale");
        let sum = eval.add(&aligned, &y).unwrap();
        let want: Vec<f64> = v.iter().zip(&w).map(|(a, b)| a + b).collect();
        let err = max_err(&ctx.decode(&sk.decrypt(&sum).unwrap()).unwrap(), &want);
        assert!(err < 2f64.powi(-20), "level {level}: error 2^{:.1}", err.log2());
    }
    assert!(matches!(eval.align_to_level(&x, 5), Err(CkksError::InvalidLevel { .. })));
}
