//! Rotations, conjugation, level drops, and chains down the whole modulus.

use super::*;

// ----- automorphisms -----------------------------------------------------------------------------

#[test]
fn rotate_left_and_right() {
    let f = fx();
    let slots = f.slots();
    let strategy = (values(slots), step(slots), 0..=f.top(), any::<u64>());
    // Observed worst 2^-27.55 (the key-switching noise, mostly the mod-down rounding times s,
    // dominates the 2^-30.5 of a fresh encryption).
    check("rotate/rotate_right", CASES, 25.25, strategy, |(a, k, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let x = f.enc(&a, level, &mut prng);
        let ev = f.rotator(&[k, -k], seed ^ 1);
        let left = ev.rotate(&x, k).or_fail()?;
        let right = ev.rotate_right(&x, k.unsigned_abs() as usize).or_fail()?;
        let right_want = if k >= 0 { -k } else { k };
        prop_assert_eq!((left.level(), left.scale()), (x.level(), x.scale()));
        let e1 = max_err(&f.dec(&left), &rotated(&a, k, slots));
        let e2 = max_err(&f.dec(&right), &rotated(&a, right_want, slots));
        Ok(e1.max(e2))
    });
}

#[test]
fn rotation_by_a_multiple_of_the_slot_count_is_the_identity() {
    let f = fx();
    let mut prng = Prng::from_u64_seed(7);
    let a: Vec<f64> = (0..100).map(|i| (i as f64 / 50.0) - 1.0).collect();
    let x = f.enc(&a, f.top(), &mut prng);
    let ev = f.rotator(&[], 0);
    let s = f.slots() as i64;
    for k in [0, s, -s, 3 * s] {
        assert_eq!(ev.rotate(&x, k).unwrap(), x, "rotation by {k}");
    }
}

#[test]
fn conjugate() {
    let f = fx();
    let strategy = (complex_values(f.slots()), 0..=f.top(), any::<u64>());
    // Observed worst 2^-27.0.
    check("conjugate", CASES, 25.0, strategy, |(z, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let pt = f.ctx.encode_complex(&z, level, f.ctx.scale(level)).or_fail()?;
        let x = f.sk.encrypt(&pt, &mut prng).or_fail()?;
        let before = max_err_c(&f.dec_complex(&x), &z);
        let c = f.eval.conjugate(&x).or_fail()?;
        let want: Vec<Complex64> = z.iter().map(|v| v.conj()).collect();
        Ok(before.max(max_err_c(&f.dec_complex(&c), &want)))
    });
}

#[test]
fn mul_i_multiplies_every_slot_by_the_imaginary_unit_exactly() {
    let f = fx();
    let strategy = (complex_values(f.slots()), 0..=f.top(), any::<u64>());
    check("mul_i", CASES, 25.0, strategy, |(z, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let pt = f.ctx.encode_complex(&z, level, f.ctx.scale(level)).or_fail()?;
        let x = f.sk.encrypt(&pt, &mut prng).or_fail()?;
        let before = max_err_c(&f.dec_complex(&x), &z);
        let y = f.eval.mul_i(&x).or_fail()?;
        prop_assert_eq!((y.level(), y.scale()), (x.level(), x.scale()));
        // Exact: i^4 = 1 gives the input back bit for bit, and i^2 its negation.
        let y2 = f.eval.mul_i(&y).or_fail()?;
        prop_assert_eq!(&y2, &f.eval.neg(&x).or_fail()?);
        let y4 = f.eval.mul_i(&f.eval.mul_i(&y2).or_fail()?).or_fail()?;
        prop_assert_eq!(&y4, &x);
        let want: Vec<Complex64> = z.iter().map(|v| v * Complex64::new(0.0, 1.0)).collect();
        let after = max_err_c(&f.dec_complex(&y), &want);
        // No noise added: the error is the input's.
        prop_assert!(after <= before * 1.0001 + 1e-15, "{after:e} vs {before:e}");
        Ok(after)
    });
}

#[test]
fn rotate_hoisted_matches_individual_rotations() {
    let f = fx();
    let slots = f.slots();
    let strategy =
        (values(slots), prop::collection::vec(step(slots), 1..=4), 0..=f.top(), any::<u64>());
    // Observed worst 2^-27.25 (against the plaintext, and between hoisted and individual
    // rotations, whose key-switching noises differ).
    check("rotate_hoisted", CASES, 25.0, strategy, |(a, steps, level, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let x = f.enc(&a, level, &mut prng);
        let ev = f.rotator(&steps, seed ^ 2);
        let hoisted = ev.rotate_hoisted(&x, &steps).or_fail()?;
        prop_assert_eq!(hoisted.len(), steps.len());
        let mut worst = 0.0f64;
        for (h, &k) in hoisted.iter().zip(&steps) {
            let single = ev.rotate(&x, k).or_fail()?;
            let (hd, sd) = (f.dec(h), f.dec(&single));
            let want = rotated(&a, k, slots);
            worst = worst.max(max_err(&hd, &want)).max(max_err(&sd, &want)).max(max_err(&hd, &sd));
        }
        Ok(worst)
    });
}

/// Galois keys restricted to a level (the circuit's keys below the bootstrapping primes): at
/// or below that level a rotation, a hoisted rotation and a conjugation are bit-identical to
/// those under the full keys of the same seed (the restriction keeps every limb and digit they
/// read); above it each is [`CkksError::GaloisKeyLevel`], and so is the plaintext evaluator's
/// rotation under the key model of the same keys. Every pair of key and ciphertext levels of a
/// chain whose last digit holds one prime (`dnum = 3` over 7 primes), so digits are dropped.
#[test]
fn restricted_galois_keys_match_full_keys_and_refuse_higher_levels() {
    let f = deep();
    let steps = [1i64, -5];
    let full_keys = EvaluationKeys {
        relinearization: None,
        galois: f.sk.galois_keys(&steps, true, &mut Prng::from_u64_seed(9)),
    };
    let full = Evaluator::new(&f.ctx, full_keys).unwrap();
    let a: Vec<f64> = (0..64).map(|i| (i as f64 / 32.0) - 1.0).collect();
    let mut prng = Prng::from_u64_seed(10);
    let cts: Vec<Ciphertext> = (0..=f.top()).map(|l| f.enc(&a, l, &mut prng)).collect();
    for key_level in 0..=f.top() {
        let mut prng = Prng::from_u64_seed(9);
        let keys = EvaluationKeys {
            relinearization: None,
            galois: f.sk.galois_keys_at(&steps, true, key_level, &mut prng),
        };
        assert!(keys.galois.byte_size() <= full.keys().galois.byte_size());
        let model = KeyModel::from_keys(&keys);
        let restricted = Evaluator::new(&f.ctx, keys).unwrap();
        let plain = PlaintextEvaluator::new(f.ctx.chain().clone()).with_keys(model);
        for (level, x) in cts.iter().enumerate() {
            let px = plain.encrypt(&a, level).unwrap();
            let got = (
                restricted.rotate(x, 1),
                restricted.rotate_hoisted(x, &steps),
                restricted.conjugate(x),
                plain.rotate(&px, -5).map(drop),
            );
            if level <= key_level {
                assert_eq!(got.0.unwrap(), full.rotate(x, 1).unwrap(), "{key_level} {level}");
                assert_eq!(got.1.unwrap(), full.rotate_hoisted(x, &steps).unwrap());
                assert_eq!(got.2.unwrap(), full.conjugate(x).unwrap());
                got.3.unwrap();
            } else {
                let level_error = |e: CkksError| {
                    matches!(e, CkksError::GaloisKeyLevel { key_level: k, level: l, .. }
                        if k == key_level && l == level)
                };
                assert!(level_error(got.0.unwrap_err()), "{key_level} {level}");
                assert!(level_error(got.1.unwrap_err()));
                assert!(level_error(got.2.unwrap_err()));
                assert!(level_error(got.3.unwrap_err()));
            }
        }
    }
}

#[test]
fn drop_level() {
    let f = fx();
    let strategy = (values(f.slots()), 0..=f.top(), 0..=f.top(), any::<u64>());
    // Observed worst 2^-30.6: dropping primes adds no noise.
    check("drop_level", CASES, 28.5, strategy, |(a, l1, l2, seed)| {
        let (from, to) = (l1.max(l2), l1.min(l2));
        let mut prng = Prng::from_u64_seed(seed);
        let x = f.enc(&a, from, &mut prng);
        let d = f.eval.drop_level(&x, to).or_fail()?;
        prop_assert_eq!((d.level(), d.scale()), (to, x.scale()));
        Ok(max_err(&f.dec(&d), &a))
    });
}

// ----- depth -------------------------------------------------------------------------------------

/// Repeated squaring down the whole chain: `x^(2^L)` at level 0, with `|x|` in `[0.95, 1.05]`
/// so that the result stays within `[0.04, 23]`. The scale after each rescale is the nominal
/// one of the level, so the chain never drifts.
#[test]
fn squaring_down_the_whole_modulus_chain() {
    let f = deep();
    let top = f.top();
    let mut prng = Prng::from_u64_seed(11);
    let slots = f.slots();
    let a: Vec<f64> = (0..slots)
        .map(|i| {
            let u = (prng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            let m = 0.95 + 0.1 * u;
            if i % 3 == 0 {
                -m
            } else {
                m
            }
        })
        .collect();
    let mut ct = f.enc(&a, top, &mut prng);
    let mut want = a.clone();
    for l in (0..top).rev() {
        ct = f.eval.rescale(&f.eval.mul_relin(&ct, &ct).unwrap()).unwrap();
        want.iter_mut().for_each(|v| *v *= *v);
        assert_eq!(ct.level(), l);
        assert!(rel(ct.scale(), f.ctx.scale(l)) < 1e-9);
        let got = f.dec(&ct);
        assert_eq!(got.len(), want.len());
        // Relative error: each squaring doubles it, plus the fresh rescale error.
        let err = got.iter().zip(&want).map(|(g, w)| ((g - w) / w).abs()).fold(0.0, f64::max);
        println!("x^(2^{}) at level {l}: max relative error 2^-{:.2}", top - l, bits(err));
        // Observed: 2^-26.85 after one squaring, then one bit lost per squaring (the relative
        // error doubles), 2^-21.5 at level 0 (x^64). Bound: two bits below that line.
        let squarings = (top - l) as f64;
        let bound = 2f64.powf(-(24.85 - (squarings - 1.0)));
        assert!(err < bound, "level {l}: relative error {err:e} above {bound:e}");
    }
    assert_eq!(ct.level(), 0);
    assert!(matches!(f.eval.rescale(&ct), Err(CkksError::LevelExhausted)));
}

/// The product of `L + 1` fresh vectors, each encrypted at the level the running product has
/// reached (at that level's nominal scale, which the running product has exactly).
#[test]
fn product_of_fresh_vectors_down_the_whole_chain() {
    let f = deep();
    let top = f.top();
    let slots = f.slots();
    let mut prng = Prng::from_u64_seed(12);
    let vector = |prng: &mut Prng| -> Vec<f64> {
        (0..slots)
            .map(|_| (prng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
            .collect()
    };
    let a = vector(&mut prng);
    let mut ct = f.enc(&a, top, &mut prng);
    let mut want = a;
    for l in (0..top).rev() {
        let b = vector(&mut prng);
        let y = f.enc(&b, l + 1, &mut prng);
        ct = f.eval.rescale(&f.eval.mul_relin(&ct, &y).unwrap()).unwrap();
        want.iter_mut().zip(&b).for_each(|(w, v)| *w *= v);
    }
    assert_eq!(ct.level(), 0);
    let err = max_err(&f.dec(&ct), &want);
    println!("product of {} vectors at level 0: max abs error 2^-{:.2}", top + 1, bits(err));
    // Observed 2^-26.5.
    assert!(err < 2f64.powf(-24.5), "error {err:e}");
}

/// Encryption (secret and public key) and decryption at every level, and one multiplication
/// at every level that has a prime to rescale by.
#[test]
fn encrypt_decrypt_and_multiply_at_every_level() {
    let f = deep();
    let slots = f.slots();
    let mut prng = Prng::from_u64_seed(13);
    let a: Vec<f64> = (0..slots).map(|i| ((i * 37) % 101) as f64 / 50.0 - 1.0).collect();
    let sq: Vec<f64> = a.iter().map(|v| v * v).collect();
    for level in 0..=f.top() {
        let pt = f.ctx.encode_at(&a, level).unwrap();
        let x = f.sk.encrypt(&pt, &mut prng).unwrap();
        let y = f.pk.encrypt(&f.ctx, &pt, &mut prng).unwrap();
        assert_eq!((x.level(), y.level()), (level, level));
        let ex = max_err(&f.dec(&x), &a);
        let ey = max_err(&f.dec(&y), &a);
        let mut line = format!("level {level}: sk 2^-{:.2}, pk 2^-{:.2}", bits(ex), bits(ey));
        // Observed 2^-30.3 (sk), 2^-26.5 (pk) at every level.
        assert!(ex < 2f64.powf(-28.25) && ey < 2f64.powf(-24.5), "{line}");
        if level > 0 {
            let m = f.eval.rescale(&f.eval.mul_relin(&x, &y).unwrap()).unwrap();
            let em = max_err(&f.dec(&m), &sq);
            line += &format!(", mul 2^-{:.2}", bits(em));
            // Observed 2^-25.9 to 2^-26.9.
            assert!(em < 2f64.powf(-24.0), "{line}");
        }
        println!("{line}");
    }
}

/// `mul_const` encodes the constant at `s_{l-1} q_l / a.scale` only for a ciphertext at its
/// nominal scale; for a product that has not been rescaled yet (`a.scale` about `2^80`) that
/// would be about 1 and would round 0.3 to 0, so it falls back to the nominal scale `s_l`.
#[test]
fn mul_const_on_an_unrescaled_product_keeps_the_constant() {
    let f = fx();
    let mut prng = Prng::from_u64_seed(21);
    let top = f.top();
    let a: Vec<f64> = (0..f.slots()).map(|i| ((i * 13) % 17) as f64 / 8.5 - 1.0).collect();
    let x = f.enc(&a, top, &mut prng);
    let m = f.eval.mul_relin(&x, &x).unwrap(); // scale s_L^2 = 2^80, level L
    let c = 0.3;
    let r = f.eval.rescale(&f.eval.mul_const(&m, c).unwrap()).unwrap();
    let want: Vec<f64> = a.iter().map(|v| v * v * c).collect();
    let err = max_err(&f.dec(&r), &want);
    assert!(err < 1e-3, "mul_const(x^2, {c}) is off by {err:e} (scale {:e})", r.scale());
}
