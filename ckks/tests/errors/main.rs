//! Every precondition of the scheme is reported as its typed [`CkksError`] (checked with
//! `matches!`, fields included), and every error's message is non-empty and names the numbers
//! involved.

use ckks::{
    max_log_qp_128, Ciphertext, CkksError, Complex64, Context, EvaluationKeys, Evaluator,
    ParameterFault, ParametersLiteral, Prng, PublicKey, SecretKey, Security,
};
use std::sync::OnceLock;

mod parameters;

/// `N = 2^10` (512 slots), two levels: tiny and fast, insecure.
fn toy(levels: usize) -> ParametersLiteral {
    ParametersLiteral::with_levels(10, levels, 50, 40, 50, levels + 1)
        .security(Security::InsecureToyParameters)
}

struct Fixture {
    ctx: Context,
    sk: SecretKey,
    pk: PublicKey,
    /// Relinearization key and a rotation key for step 1 only; no conjugation key.
    eval: Evaluator,
    /// No keys at all.
    bare: Evaluator,
}

fn fixture(literal: ParametersLiteral, seed: u64) -> Fixture {
    let ctx = literal.build().unwrap();
    let mut prng = Prng::from_u64_seed(seed);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let pk = sk.public_key(&mut prng);
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&[1], false, &mut prng),
    };
    let eval = Evaluator::new(&ctx, keys).unwrap();
    let bare = Evaluator::new(&ctx, EvaluationKeys::default()).unwrap();
    Fixture { ctx, sk, pk, eval, bare }
}

/// Two levels.
fn fx() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| fixture(toy(2), 1))
}

/// Other parameters (one level): its objects must not mix with [`fx`]'s.
fn other() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| fixture(toy(1), 2))
}

const V: [f64; 4] = [0.5, -0.25, 1.0, 0.125];

fn enc(f: &Fixture, level: usize) -> Ciphertext {
    let mut prng = Prng::from_u64_seed(level as u64 + 100);
    f.sk.encrypt(&f.ctx.encode_at(&V, level).unwrap(), &mut prng).unwrap()
}

/// The error's message, checked to be non-empty and to contain each of `parts`.
fn message_mentions(e: &CkksError, parts: &[&str]) -> String {
    let msg = e.to_string();
    assert!(!msg.trim().is_empty(), "{e:?} has an empty message");
    for p in parts {
        assert!(msg.contains(p), "message {msg:?} of {e:?} does not mention {p:?}");
    }
    msg
}

// ----- evaluation preconditions ------------------------------------------------------------------

#[test]
fn level_mismatch() {
    let f = fx();
    let (x2, x1) = (enc(f, 2), enc(f, 1));
    let e = f.eval.add(&x2, &x1).unwrap_err();
    assert!(matches!(e, CkksError::LevelMismatch { left: 2, right: 1 }), "{e:?}");
    message_mentions(&e, &["2 vs 1", "level 1", "drop_level"]);
    assert!(matches!(f.eval.sub(&x1, &x2), Err(CkksError::LevelMismatch { left: 1, right: 2 })));
    let mut y = x2.clone();
    assert!(matches!(f.eval.add_assign(&mut y, &x1), Err(CkksError::LevelMismatch { .. })));
    assert_eq!(y, x2, "a failed add_assign leaves its operand unchanged");
    assert!(matches!(f.eval.mul(&x2, &x1), Err(CkksError::LevelMismatch { left: 2, right: 1 })));
    assert!(matches!(f.eval.mul_relin(&x1, &x2), Err(CkksError::LevelMismatch { .. })));
    let pt1 = f.ctx.encode_at(&V, 1).unwrap();
    assert!(matches!(
        f.eval.add_plain(&x2, &pt1),
        Err(CkksError::LevelMismatch { left: 2, right: 1 })
    ));
    assert!(matches!(f.eval.sub_plain(&x2, &pt1), Err(CkksError::LevelMismatch { .. })));
    assert!(matches!(f.eval.mul_plain(&x2, &pt1), Err(CkksError::LevelMismatch { .. })));
    // The remedy the message names works.
    let d = f.eval.drop_level(&x2, 1).unwrap();
    assert_eq!(d.level(), 1);
    assert!(f.eval.mul(&d, &x1).is_ok());
}

#[test]
fn scale_mismatch() {
    let f = fx();
    let x = enc(f, 2);
    let m = f.eval.mul(&x, &x).unwrap(); // scale 2^80, not rescaled
    let e = f.eval.add(&m, &x).unwrap_err();
    match &e {
        CkksError::ScaleMismatch { level: 2, left_log2, right_log2 } => {
            assert!((left_log2 - 80.0).abs() < 1e-6 && (right_log2 - 40.0).abs() < 1e-6, "{e:?}");
        }
        _ => panic!("expected ScaleMismatch, got {e:?}"),
    }
    message_mentions(&e, &["level 2", "2^80.0000", "2^40.0000", "rescale"]);
    let r = f.eval.relinearize(&m).unwrap();
    assert!(matches!(f.eval.sub(&x, &r), Err(CkksError::ScaleMismatch { level: 2, .. })));
    // A plaintext at another scale.
    let pt = f.ctx.encode(&V, 2, 2f64.powi(30)).unwrap();
    let e = f.eval.add_plain(&x, &pt).unwrap_err();
    assert!(matches!(e, CkksError::ScaleMismatch { .. }), "{e:?}");
    message_mentions(&e, &["2^40.0000", "2^30.0000"]);
    assert!(matches!(f.eval.sub_plain(&x, &pt), Err(CkksError::ScaleMismatch { .. })));
    // After rescaling, the product is at the nominal scale of level 1 and adds to a fresh
    // encryption there.
    let rs = f.eval.rescale(&r).unwrap();
    assert!(f.eval.add(&rs, &enc(f, 1)).is_ok());
}

#[test]
fn needs_relinearization() {
    let f = fx();
    let x = enc(f, 2);
    let m = f.eval.mul(&x, &x).unwrap();
    assert_eq!(m.size(), 3);
    let e = f.eval.rotate(&m, 1).unwrap_err();
    assert!(
        matches!(e, CkksError::NeedsRelinearization { components: 3, operation: "rotating" }),
        "{e:?}"
    );
    message_mentions(&e, &["3 components", "rotating", "relinearize"]);
    assert!(matches!(f.eval.rotate_right(&m, 1), Err(CkksError::NeedsRelinearization { .. })));
    assert!(matches!(
        f.eval.rotate_hoisted(&m, &[1]),
        Err(CkksError::NeedsRelinearization { components: 3, .. })
    ));
    // Checked before the (missing) conjugation key.
    assert!(matches!(
        f.eval.conjugate(&m),
        Err(CkksError::NeedsRelinearization { operation: "conjugating", .. })
    ));
    for (a, b) in [(&m, &x), (&x, &m), (&m, &m)] {
        let e = f.eval.mul(a, b).unwrap_err();
        assert!(
            matches!(
                e,
                CkksError::NeedsRelinearization { components: 3, operation: "multiplying" }
            ),
            "{e:?}"
        );
        message_mentions(&e, &["multiplying"]);
    }
    assert!(matches!(f.eval.square(&m), Err(CkksError::NeedsRelinearization { .. })));
    // Linear operations accept three components.
    assert_eq!(f.eval.add(&m, &m).unwrap().size(), 3);
    assert_eq!(f.eval.rescale(&m).unwrap().size(), 3);
}

#[test]
fn missing_relinearization_key() {
    let f = fx();
    let x = enc(f, 2);
    let m = f.bare.mul(&x, &x).unwrap(); // multiplying needs no key
    let e = f.bare.relinearize(&m).unwrap_err();
    assert!(matches!(e, CkksError::MissingRelinearizationKey), "{e:?}");
    message_mentions(&e, &["relinearization key"]);
    assert!(matches!(f.bare.mul_relin(&x, &x), Err(CkksError::MissingRelinearizationKey)));
    // Nothing to relinearize: no key needed.
    assert_eq!(f.bare.relinearize(&x).unwrap(), x);
}

#[test]
fn missing_rotation_key() {
    let f = fx();
    let slots = f.ctx.slots();
    let x = enc(f, 2);
    assert!(f.eval.rotate(&x, 1).is_ok());
    // Step 1 + slots is the same rotation and uses the same key.
    assert!(f.eval.rotate(&x, 1 + slots as i64).is_ok());
    let e = f.eval.rotate(&x, 2).unwrap_err();
    let g2 = f.ctx.rotation_galois_element(2);
    assert!(
        matches!(e, CkksError::MissingRotationKey { step: 2, galois_element: g } if g == g2),
        "{e:?}"
    );
    message_mentions(&e, &["rotation by 2 slots", &format!("Galois element {g2}")]);
    // Negative steps are normalised to [0, slots).
    let e = f.eval.rotate(&x, -1).unwrap_err();
    let g = f.ctx.rotation_galois_element(-1);
    assert!(
        matches!(e, CkksError::MissingRotationKey { step, galois_element: h }
            if step == slots - 1 && h == g),
        "{e:?}"
    );
    message_mentions(&e, &[&format!("{}", slots - 1), &format!("{g}")]);
    assert!(matches!(f.eval.rotate_right(&x, 1), Err(CkksError::MissingRotationKey { .. })));
    // Hoisted rotations report the first step without a key.
    let e = f.eval.rotate_hoisted(&x, &[1, 0, 3, 5]).unwrap_err();
    assert!(matches!(e, CkksError::MissingRotationKey { step: 3, .. }), "{e:?}");
    assert!(matches!(f.bare.rotate(&x, 1), Err(CkksError::MissingRotationKey { step: 1, .. })));
    // Rotations by multiples of the slot count need no key.
    assert_eq!(f.bare.rotate(&x, 0).unwrap(), x);
    assert_eq!(f.bare.rotate(&x, -2 * slots as i64).unwrap(), x);
    assert_eq!(f.bare.rotate_hoisted(&x, &[0, slots as i64]).unwrap(), vec![x.clone(), x.clone()]);
}

#[test]
fn missing_conjugation_key() {
    let f = fx();
    let x = enc(f, 1);
    let e = f.eval.conjugate(&x).unwrap_err();
    assert!(matches!(e, CkksError::MissingConjugationKey), "{e:?}");
    message_mentions(&e, &["conjugation"]);
    assert!(matches!(f.bare.conjugate(&x), Err(CkksError::MissingConjugationKey)));
}

#[test]
fn level_exhausted() {
    let f = fx();
    let x = enc(f, 0);
    let e = f.eval.rescale(&x).unwrap_err();
    assert!(matches!(e, CkksError::LevelExhausted), "{e:?}");
    message_mentions(&e, &["level 0"]);
    let m = f.eval.mul_relin(&x, &x).unwrap();
    let mut y = m.clone();
    assert!(matches!(f.eval.rescale_assign(&mut y), Err(CkksError::LevelExhausted)));
    assert_eq!(y, m);
    // Down the chain from the top: two rescales, then the third fails.
    let top = enc(f, 2);
    let one = f.eval.rescale(&f.eval.mul_relin(&top, &top).unwrap()).unwrap();
    let zero = f.eval.rescale(&f.eval.mul_relin(&one, &one).unwrap()).unwrap();
    assert_eq!(zero.level(), 0);
    assert!(matches!(f.eval.rescale(&zero), Err(CkksError::LevelExhausted)));
}

#[test]
fn invalid_level() {
    let f = fx();
    let top = f.ctx.max_level();
    assert_eq!(top, 2);
    let x = enc(f, 1);
    let e = f.eval.drop_level(&x, 2).unwrap_err();
    assert!(matches!(&e, CkksError::InvalidLevel { requested: 2, .. }), "{e:?}");
    message_mentions(&e, &["invalid level 2", "level 1"]);
    assert!(matches!(f.eval.drop_level(&x, 7), Err(CkksError::InvalidLevel { requested: 7, .. })));
    assert_eq!(f.eval.drop_level(&x, 1).unwrap(), x, "dropping to the same level is a no-op");
    let e = f.ctx.encode_at(&V, top + 1).unwrap_err();
    assert!(matches!(&e, CkksError::InvalidLevel { requested: 3, .. }), "{e:?}");
    message_mentions(&e, &["invalid level 3", "top level", "2"]);
    assert!(matches!(f.ctx.encode(&V, 3, 2f64.powi(40)), Err(CkksError::InvalidLevel { .. })));
    let z = [Complex64::new(0.5, 0.5)];
    assert!(matches!(
        f.ctx.encode_complex(&z, 10, 2f64.powi(40)),
        Err(CkksError::InvalidLevel { requested: 10, .. })
    ));
    assert!(matches!(f.ctx.check_level(3), Err(CkksError::InvalidLevel { requested: 3, .. })));
    assert!(f.ctx.check_level(2).is_ok());
}

#[test]
fn too_many_values() {
    let f = fx();
    let slots = f.ctx.slots();
    let v = vec![0.5; slots + 1];
    let e = f.ctx.encode_at(&v, 0).unwrap_err();
    assert!(
        matches!(e, CkksError::TooManyValues { given, slots: s }
            if given == slots + 1 && s == slots),
        "{e:?}"
    );
    message_mentions(&e, &[&format!("{}", slots + 1), &format!("{slots} slots")]);
    let z = vec![Complex64::new(0.0, 1.0); 2 * slots];
    assert!(matches!(
        f.ctx.encode_complex(&z, 1, 2f64.powi(40)),
        Err(CkksError::TooManyValues { given, .. }) if given == 2 * slots
    ));
    assert!(f.ctx.encode_at(&v[..slots], 0).is_ok(), "exactly `slots` values fit");
    assert!(f.ctx.encode_at(&[], 0).is_ok(), "no values: the zero plaintext");
}

#[test]
fn encoding_overflow() {
    let f = fx();
    let slots = f.ctx.slots();
    // Not finite.
    for bad in [f64::INFINITY, f64::NEG_INFINITY] {
        let e = f.ctx.encode_at(&[0.5, bad], 1).unwrap_err();
        assert!(
            matches!(e, CkksError::EncodingOverflow { value, .. } if value.is_infinite()),
            "{e:?}"
        );
        message_mentions(&e, &["inf", "2^40.00", "not finite"]);
    }
    let e = f.ctx.encode_at(&[0.5, f64::NAN], 1).unwrap_err();
    assert!(matches!(e, CkksError::EncodingOverflow { .. }), "{e:?}");
    message_mentions(&e, &["not finite"]);
    let z = [Complex64::new(0.0, f64::INFINITY)];
    assert!(matches!(f.ctx.encode_complex(&z, 0, 1e12), Err(CkksError::EncodingOverflow { .. })));
    // Too large for the modulus: a constant vector of 2^15 has the coefficient 2^15 * 2^40 =
    // 2^55, which does not fit in half of the 50-bit q_0, but fits at level 1 (90 bits).
    let big = vec![32768.0; slots];
    let e = f.ctx.encode_at(&big, 0).unwrap_err();
    assert!(
        matches!(e, CkksError::EncodingOverflow { value, scale_log2, .. }
            if value == 32768.0 && (scale_log2 - 40.0).abs() < 1e-3),
        "{e:?}"
    );
    message_mentions(&e, &["3.2768e4", "2^40.00", "does not fit"]);
    assert!(f.ctx.encode(&big, 1, 2f64.powi(40)).is_ok());
    // A scale that is not a number of at least 1.
    for scale in [0.5, 0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = f.ctx.encode(&V, 1, scale).unwrap_err();
        assert!(matches!(e, CkksError::EncodingOverflow { .. }), "scale {scale}: {e:?}");
        message_mentions(&e, &["scale"]);
    }
    // Constants go through the same checks.
    let x = enc(f, 0);
    for c in [f64::NAN, f64::INFINITY, 1e30] {
        assert!(matches!(f.eval.add_const(&x, c), Err(CkksError::EncodingOverflow { .. })), "{c}");
        assert!(matches!(f.eval.mul_const(&x, c), Err(CkksError::EncodingOverflow { .. })), "{c}");
    }
    let e = f.eval.add_const(&x, 1e30).unwrap_err();
    message_mentions(&e, &["1e30"]);
}

#[test]
fn context_mismatch() {
    let (a, b) = (fx(), other());
    assert_ne!(a.ctx.hash(), b.ctx.hash());
    let (ha, hb) = (format!("{:#x}", a.ctx.hash()), format!("{:#x}", b.ctx.hash()));
    let xa = enc(a, 1);
    let xb = enc(b, 1);
    // A ciphertext of `a` given to `b`'s evaluator.
    let e = b.eval.neg(&xa).unwrap_err();
    assert!(
        matches!(e, CkksError::ContextMismatch { left, right }
            if left == b.ctx.hash() && right == a.ctx.hash()),
        "{e:?}"
    );
    message_mentions(&e, &[&ha, &hb]);
    for r in [
        b.eval.add(&xa, &xb),
        b.eval.add(&xb, &xa),
        a.eval.add(&xa, &xb),
        a.eval.mul(&xa, &xb),
        b.eval.rotate(&xa, 1),
        b.eval.rescale(&xa),
        b.eval.drop_level(&xa, 0),
        b.eval.mul_integer(&xa, 3),
        b.eval.add_const(&xa, 1.0),
        b.eval.mul_const(&xa, 1.0),
        b.eval.relinearize(&xa),
    ] {
        assert!(matches!(r, Err(CkksError::ContextMismatch { .. })), "{r:?}");
    }
    // Plaintexts of one context with ciphertexts or keys of another.
    let pa = a.ctx.encode_at(&V, 1).unwrap();
    let pb = b.ctx.encode_at(&V, 1).unwrap();
    assert!(matches!(a.eval.add_plain(&xa, &pb), Err(CkksError::ContextMismatch { .. })));
    assert!(matches!(a.eval.mul_plain(&xa, &pb), Err(CkksError::ContextMismatch { .. })));
    assert!(matches!(b.ctx.decode(&pa), Err(CkksError::ContextMismatch { .. })));
    assert!(matches!(b.ctx.decode_complex(&pa), Err(CkksError::ContextMismatch { .. })));
    // Secret and public keys of another context.
    let mut prng = Prng::from_u64_seed(3);
    assert!(matches!(b.sk.decrypt(&xa), Err(CkksError::ContextMismatch { .. })));
    assert!(matches!(b.sk.encrypt(&pa, &mut prng), Err(CkksError::ContextMismatch { .. })));
    assert!(matches!(b.pk.encrypt(&b.ctx, &pa, &mut prng), Err(CkksError::ContextMismatch { .. })));
    assert!(matches!(b.pk.encrypt(&a.ctx, &pa, &mut prng), Err(CkksError::ContextMismatch { .. })));
    // Evaluation keys of another context.
    let mut prng = Prng::from_u64_seed(4);
    let rk = EvaluationKeys {
        relinearization: Some(a.sk.relinearization_key(&mut prng)),
        ..Default::default()
    };
    let e = Evaluator::new(&b.ctx, rk).unwrap_err();
    assert!(matches!(e, CkksError::ContextMismatch { .. }), "{e:?}");
    let gk =
        EvaluationKeys { relinearization: None, galois: a.sk.galois_keys(&[1], true, &mut prng) };
    assert!(matches!(Evaluator::new(&b.ctx, gk), Err(CkksError::ContextMismatch { .. })));
    // The same parameters built twice are the same context.
    let again = toy(2).build().unwrap();
    assert_eq!(again.hash(), a.ctx.hash());
    assert!(again.decode(&pa).is_ok());
}
