//! Encoding, encryption, and the additive and multiplicative operations.

use super::*;

// ----- encoding and encryption -------------------------------------------------------------------

#[test]
fn encode_decode_round_trip() {
    let f = fx();
    // Observed worst 2^-33.5.
    check("encode/decode", CASES, 31.5, (values(f.slots()), 0..=f.top()), |(v, level)| {
        let pt = f.ctx.encode_at(&v, level).or_fail()?;
        prop_assert_eq!(pt.level(), level);
        prop_assert_eq!(pt.scale(), f.ctx.scale(level));
        Ok(max_err(&f.ctx.decode(&pt).or_fail()?, &v))
    });
}

#[test]
fn encode_decode_complex_round_trip() {
    let f = fx();
    // Observed worst 2^-33.9.
    check(
        "encode/decode complex",
        CASES,
        31.75,
        (complex_values(f.slots()), 0..=f.top()),
        |(v, level)| {
            let pt = f.ctx.encode_complex(&v, level, f.ctx.scale(level)).or_fail()?;
            Ok(max_err_c(&f.ctx.decode_complex(&pt).or_fail()?, &v))
        },
    );
}

#[test]
fn secret_key_encrypt_decrypt() {
    let f = fx();
    // Observed worst 2^-30.6.
    check(
        "sk encrypt/decrypt",
        CASES,
        28.5,
        (values(f.slots()), 0..=f.top(), any::<u64>()),
        |(v, level, seed)| {
            let mut prng = Prng::from_u64_seed(seed);
            let ct = f.enc(&v, level, &mut prng);
            prop_assert_eq!((ct.level(), ct.size()), (level, 2));
            Ok(max_err(&f.dec(&ct), &v))
        },
    );
}

#[test]
fn public_key_encrypt_decrypt() {
    let f = fx();
    // Observed worst 2^-27.5: encryption modulo QP then division by P leaves the rounding noise
    // of the division (times s), about 3 bits above the secret-key encryption's 2^-30.6.
    check(
        "pk encrypt/decrypt",
        CASES,
        25.25,
        (values(f.slots()), 0..=f.top(), any::<u64>()),
        |(v, level, seed)| {
            let mut prng = Prng::from_u64_seed(seed);
            let pt = f.ctx.encode_at(&v, level).or_fail()?;
            let ct = f.pk.encrypt(&f.ctx, &pt, &mut prng).or_fail()?;
            prop_assert_eq!(ct.level(), level);
            Ok(max_err(&f.dec(&ct), &v))
        },
    );
}

// ----- additive operations -----------------------------------------------------------------------

/// Two independent vectors (of independent lengths), a level and a seed.
fn two_vectors(f: &Fixture) -> impl Strategy<Value = (Vec<f64>, Vec<f64>, usize, u64)> {
    (values(f.slots()), values(f.slots()), 0..=f.top(), any::<u64>())
}

fn zip_with(a: &[f64], b: &[f64], op: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    let n = a.len().max(b.len());
    let (a, b) = (padded(a, n), padded(b, n));
    a.iter().zip(&b).map(|(&x, &y)| op(x, y)).collect()
}

#[test]
fn add() {
    let f = fx();
    // Observed worst 2^-30.0.
    check("add", CASES, 28.0, two_vectors(f), |(a, b, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let (x, y) = (f.enc(&a, level, &mut prng), f.enc(&b, level, &mut prng));
        let z = f.eval.add(&x, &y).or_fail()?;
        prop_assert_eq!(z.scale(), x.scale());
        let mut w = x.clone();
        f.eval.add_assign(&mut w, &y).or_fail()?;
        prop_assert_eq!(&w, &z);
        Ok(max_err(&f.dec(&z), &zip_with(&a, &b, |p, q| p + q)))
    });
}

#[test]
fn sub() {
    let f = fx();
    // Observed worst 2^-30.0.
    check("sub", CASES, 28.0, two_vectors(f), |(a, b, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let (x, y) = (f.enc(&a, level, &mut prng), f.enc(&b, level, &mut prng));
        let z = f.eval.sub(&x, &y).or_fail()?;
        let mut w = x.clone();
        f.eval.sub_assign(&mut w, &y).or_fail()?;
        prop_assert_eq!(&w, &z);
        Ok(max_err(&f.dec(&z), &zip_with(&a, &b, |p, q| p - q)))
    });
}

#[test]
fn neg() {
    let f = fx();
    // Observed worst 2^-30.5 (the encryption error, negated).
    check(
        "neg",
        CASES,
        28.5,
        (values(f.slots()), 0..=f.top(), any::<u64>()),
        |(a, level, seed)| {
            let mut prng = Prng::from_u64_seed(seed);
            let x = f.enc(&a, level, &mut prng);
            let z = f.eval.neg(&x).or_fail()?;
            // x + (-x) is the zero ciphertext exactly.
            let zero = f.eval.add(&x, &z).or_fail()?;
            prop_assert!(f.dec(&zero).iter().all(|&v| v == 0.0));
            let want: Vec<f64> = a.iter().map(|v| -v).collect();
            Ok(max_err(&f.dec(&z), &want))
        },
    );
}

#[test]
fn add_plain_and_sub_plain() {
    let f = fx();
    // Observed worst 2^-30.5.
    check("add_plain/sub_plain", CASES, 28.5, two_vectors(f), |(a, b, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let x = f.enc(&a, level, &mut prng);
        let pt = f.ctx.encode_at(&b, level).or_fail()?;
        let s = f.eval.add_plain(&x, &pt).or_fail()?;
        let d = f.eval.sub_plain(&x, &pt).or_fail()?;
        let e1 = max_err(&f.dec(&s), &zip_with(&a, &b, |p, q| p + q));
        let e2 = max_err(&f.dec(&d), &zip_with(&a, &b, |p, q| p - q));
        Ok(e1.max(e2))
    });
}

#[test]
fn add_const() {
    let f = fx();
    // Observed worst 2^-30.6 (adding a constant adds no noise).
    let strategy = (values(f.slots()), -4.0f64..=4.0, 0..=f.top(), any::<u64>());
    check("add_const", CASES, 28.5, strategy, |(a, c, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let x = f.enc(&a, level, &mut prng);
        let z = f.eval.add_const(&x, c).or_fail()?;
        // The constant lands in every slot, the padding included.
        let want: Vec<f64> = padded(&a, f.slots()).iter().map(|v| v + c).collect();
        Ok(max_err(&f.dec(&z), &want))
    });
}

// ----- multiplicative operations -----------------------------------------------------------------

#[test]
fn mul_plain_then_rescale() {
    let f = fx();
    let strategy = (values(f.slots()), values(f.slots()), 1..=f.top(), any::<u64>());
    // Observed worst 2^-27.45.
    check("mul_plain+rescale", CASES, 25.25, strategy, |(a, b, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let x = f.enc(&a, level, &mut prng);
        let pt = f.ctx.encode_at(&b, level).or_fail()?;
        let m = f.eval.mul_plain(&x, &pt).or_fail()?;
        prop_assert!(rel(m.scale(), x.scale() * pt.scale()) < 1e-15);
        let r = f.eval.rescale(&m).or_fail()?;
        prop_assert_eq!(r.level(), level - 1);
        prop_assert!(
            rel(r.scale(), f.ctx.scale(level - 1)) < 1e-9,
            "scale {} vs {}",
            r.scale(),
            f.ctx.scale(level - 1)
        );
        Ok(max_err(&f.dec(&r), &zip_with(&a, &b, |p, q| p * q)))
    });
}

#[test]
fn mul_const_then_rescale() {
    let f = fx();
    let strategy = (values(f.slots()), -2.0f64..=2.0, 1..=f.top(), any::<u64>());
    // Observed worst 2^-27.35.
    check("mul_const+rescale", CASES, 25.25, strategy, |(a, c, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let x = f.enc(&a, level, &mut prng);
        let r = f.eval.rescale(&f.eval.mul_const(&x, c).or_fail()?).or_fail()?;
        prop_assert_eq!(r.level(), level - 1);
        // The constant is encoded so that the rescale lands exactly on the nominal scale.
        prop_assert!(
            rel(r.scale(), f.ctx.scale(level - 1)) < 1e-9,
            "scale after rescale {} vs nominal {}",
            r.scale(),
            f.ctx.scale(level - 1)
        );
        let want: Vec<f64> = a.iter().map(|v| v * c).collect();
        Ok(max_err(&f.dec(&r), &want))
    });
}

#[test]
fn mul_const_after_a_rescaled_product_lands_on_the_nominal_scale() {
    // The scale of a rescaled product is s_l^2 / q_l = s_{l-1} only up to floating rounding; any
    // deviation must be absorbed by mul_const so that the chain stays on the nominal scales.
    let f = fx();
    let strategy = (values(f.slots()), -2.0f64..=2.0, any::<u64>());
    // Observed worst 2^-26.0.
    check("mul+rescale, mul_const+rescale", CASES / 2, 24.0, strategy, |(a, c, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let top = f.top();
        let x = f.enc(&a, top, &mut prng);
        let sq = f.eval.rescale(&f.eval.mul_relin(&x, &x).or_fail()?).or_fail()?;
        let r = f.eval.rescale(&f.eval.mul_const(&sq, c).or_fail()?).or_fail()?;
        prop_assert!(rel(r.scale(), f.ctx.scale(top - 2)) < 1e-9);
        let want: Vec<f64> = a.iter().map(|v| v * v * c).collect();
        Ok(max_err(&f.dec(&r), &want))
    });
}

#[test]
fn mul_integer() {
    let f = fx();
    let strategy = (values(f.slots()), -20i64..=20, 0..=f.top(), any::<u64>());
    // Observed worst 2^-26.5 (the encryption error times |k| <= 20).
    check("mul_integer", CASES, 24.5, strategy, |(a, k, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let x = f.enc(&a, level, &mut prng);
        let z = f.eval.mul_integer(&x, k).or_fail()?;
        prop_assert_eq!((z.level(), z.scale()), (x.level(), x.scale()));
        let want: Vec<f64> = a.iter().map(|v| v * k as f64).collect();
        Ok(max_err(&f.dec(&z), &want))
    });
}

#[test]
fn mul_relinearize_rescale() {
    let f = fx();
    let strategy = (values(f.slots()), values(f.slots()), 1..=f.top(), any::<u64>());
    // Observed worst 2^-27.5 (the rescale rounding dominates; before the rescale the product is
    // about as precise as a fresh encryption, 2^-30.5).
    check("mul+relinearize+rescale", CASES, 25.25, strategy, |(a, b, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let (x, y) = (f.enc(&a, level, &mut prng), f.enc(&b, level, &mut prng));
        let want = zip_with(&a, &b, |p, q| p * q);
        let m = f.eval.mul(&x, &y).or_fail()?;
        prop_assert_eq!((m.size(), m.level()), (3, level));
        prop_assert!(rel(m.scale(), x.scale() * y.scale()) < 1e-15);
        // The three-component ciphertext decrypts (with s^2) to the product.
        let e3 = max_err(&f.dec(&m), &want);
        let r = f.eval.relinearize(&m).or_fail()?;
        prop_assert_eq!(r.size(), 2);
        prop_assert_eq!(&f.eval.relinearize(&r).or_fail()?, &r);
        prop_assert_eq!(&f.eval.mul_relin(&x, &y).or_fail()?, &r);
        let e_relin = max_err(&f.dec(&r), &want);
        let rs = f.eval.rescale(&r).or_fail()?;
        prop_assert_eq!(rs.level(), level - 1);
        prop_assert!(rel(rs.scale(), f.ctx.scale(level - 1)) < 1e-9);
        let mut in_place = r.clone();
        f.eval.rescale_assign(&mut in_place).or_fail()?;
        prop_assert_eq!(&in_place, &rs);
        let e = max_err(&f.dec(&rs), &want);
        Ok(e3.max(e_relin).max(e))
    });
}

/// Rescaling the degree-2 ciphertext before relinearizing is allowed, but its rounding error on
/// `c_2` is multiplied by `s^2` at decryption (coefficients of size about `sqrt(N)` instead of 1
/// for `s`), so it costs several bits: the usual order is relinearize, then rescale.
#[test]
fn mul_rescale_then_relinearize() {
    let f = fx();
    let strategy = (values(f.slots()), values(f.slots()), 1..=f.top(), any::<u64>());
    // Observed worst 2^-20.3.
    check("mul+rescale+relinearize", CASES, 18.0, strategy, |(a, b, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let (x, y) = (f.enc(&a, level, &mut prng), f.enc(&b, level, &mut prng));
        let rs3 = f.eval.rescale(&f.eval.mul(&x, &y).or_fail()?).or_fail()?;
        prop_assert_eq!((rs3.size(), rs3.level()), (3, level - 1));
        let r = f.eval.relinearize(&rs3).or_fail()?;
        Ok(max_err(&f.dec(&r), &zip_with(&a, &b, |p, q| p * q)))
    });
}

#[test]
fn square() {
    let f = fx();
    let strategy = (values(f.slots()), 1..=f.top(), any::<u64>());
    // Observed worst 2^-27.15.
    check("square+relinearize+rescale", CASES, 25.0, strategy, |(a, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let x = f.enc(&a, level, &mut prng);
        let s = f.eval.square(&x).or_fail()?;
        prop_assert_eq!(&s, &f.eval.mul(&x, &x).or_fail()?);
        let r = f.eval.rescale(&f.eval.relinearize(&s).or_fail()?).or_fail()?;
        let want: Vec<f64> = a.iter().map(|v| v * v).collect();
        Ok(max_err(&f.dec(&r), &want))
    });
}
