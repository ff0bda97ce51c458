//! Parameter validation: insecure and invalid literals, and every error's message.

use super::*;

// ----- parameter validation ----------------------------------------------------------------------

#[test]
fn insecure_parameters() {
    // N = 2^13, five 40-bit levels over a 60-bit q_0, 60-bit special prime: about 320 bits,
    // above the 218 the HE standard allows at this degree.
    let literal = ParametersLiteral::with_levels(13, 5, 60, 40, 60, 6);
    assert_eq!(literal.security, Security::HeStandard128);
    assert_eq!(max_log_qp_128(13), Some(218));
    let e = literal.build().unwrap_err();
    match &e {
        CkksError::InsecureParameters { log_n: 13, log_qp, max_bits: 218 } => {
            assert!((log_qp - 320.0).abs() < 0.1, "{e:?}");
        }
        _ => panic!("expected InsecureParameters, got {e:?}"),
    }
    message_mentions(&e, &["320.0", "218", "N = 2^13", "InsecureToyParameters"]);
    // The same literal builds when the check is waived.
    let ctx = literal.clone().security(Security::InsecureToyParameters).build().unwrap();
    assert_eq!(ctx.max_level(), 5);
    assert!((ctx.log_qp() - 320.0).abs() < 0.1);
    // And fewer levels are secure: 60 + 3 * 40 + 60 = 240 is still too much, 55 + 2 * 40 + 60 =
    // 195 is fine.
    assert!(matches!(
        ParametersLiteral::with_levels(13, 3, 60, 40, 60, 4).build(),
        Err(CkksError::InsecureParameters { .. })
    ));
    assert!(ParametersLiteral::with_levels(13, 2, 55, 40, 60, 3).build().is_ok());
    // Each degree has its own bound: 2^14 allows 438 bits.
    assert!(ParametersLiteral::with_levels(14, 7, 60, 40, 60, 8).build().is_ok());
}

/// A valid base literal to break one field at a time.
fn base() -> ParametersLiteral {
    ParametersLiteral {
        log_n: 12,
        first_prime_bits: 50,
        data_prime_bits: vec![40, 40],
        bootstrap_prime_bits: Vec::new(),
        special_prime_bits: vec![50],
        log_scale: 40,
        dnum: 3,
        security: Security::InsecureToyParameters,
    }
}

fn invalid(literal: &ParametersLiteral, mentions: &[&str]) {
    let e = literal.build().unwrap_err();
    assert!(matches!(e, CkksError::InvalidParameters(_)), "{literal:?}: {e:?}");
    message_mentions(&e, mentions);
}

#[test]
fn invalid_parameters() {
    assert!(base().build().is_ok());
    let with = |f: &dyn Fn(&mut ParametersLiteral)| {
        let mut l = base();
        f(&mut l);
        l
    };
    // Ring degree: 2^10..=2^17, or down to 2^3 for toy parameters.
    invalid(
        &with(&|l| {
            l.log_n = 9;
            l.security = Security::HeStandard128;
        }),
        &["log_n = 9", "10..=17"],
    );
    invalid(&with(&|l| l.log_n = 18), &["log_n = 18"]);
    invalid(&with(&|l| l.log_n = 2), &["log_n = 2", "3..=17"]);
    assert!(with(&|l| {
        l.log_n = 4;
        l.first_prime_bits = 30;
        l.data_prime_bits = vec![20];
        l.special_prime_bits = vec![30];
        l.log_scale = 20;
        l.dnum = 2;
    })
    .build()
    .is_ok());
    // Prime widths: 20..=61 bits (and at least log_n + 2).
    invalid(&with(&|l| l.first_prime_bits = 62), &["first prime of 62 bits", "20..=61"]);
    invalid(&with(&|l| l.special_prime_bits = vec![19]), &["special prime of 19 bits"]);
    invalid(&with(&|l| l.data_prime_bits = vec![40, 19]), &["data prime of 19 bits"]);
    invalid(&with(&|l| l.data_prime_bits = vec![40, 65]), &["65 bits"]);
    // Digits: 1..=L+1.
    invalid(&with(&|l| l.dnum = 0), &["dnum = 0", "(3)"]);
    invalid(&with(&|l| l.dnum = 4), &["dnum = 4", "(3)"]);
    // Special primes too small for the largest digit: dnum = 1 puts all 130 bits in one digit.
    let e = with(&|l| l.dnum = 1).build().unwrap_err();
    assert!(matches!(e, CkksError::InvalidParameters(_)), "{e:?}");
    let msg = message_mentions(&e, &["dnum = 1", "special"]);
    assert!(msg.contains("log2 P = 50.0") && msg.contains("130.0"), "{msg}");
    invalid(&with(&|l| l.special_prime_bits = vec![30]), &["log2 P = 30.0", "50.00 bits"]);
    assert!(with(&|l| {
        l.dnum = 1;
        l.special_prime_bits = vec![50, 50, 50];
    })
    .build()
    .is_ok());
    // No special prime at all.
    invalid(&with(&|l| l.special_prime_bits = vec![]), &["special prime"]);
    // The scale: at least 2^10, below q_0, and data primes within 8 bits of it.
    invalid(&with(&|l| l.log_scale = 50), &["log_scale = 50", "50 bits"]);
    invalid(&with(&|l| l.log_scale = 55), &["log_scale = 55"]);
    invalid(&with(&|l| l.log_scale = 9), &["log_scale = 9"]);
    invalid(&with(&|l| l.data_prime_bits = vec![40, 49]), &["49 bits", "log_scale = 40"]);
    // Too many primes.
    invalid(&with(&|l| l.data_prime_bits = vec![40; 70]), &["72 primes", "64"]);
    // Not enough NTT primes of a width: the 21-bit primes = 1 mod 2^18 are k 2^18 + 1 with
    // 4 <= k <= 7, at most four candidates for four 21-bit primes.
    invalid(
        &with(&|l| {
            l.log_n = 17;
            l.first_prime_bits = 21;
            l.data_prime_bits = vec![20];
            l.special_prime_bits = vec![21; 3];
            l.log_scale = 20;
            l.dnum = 2;
        }),
        &["not enough 21-bit primes", "N = 131072"],
    );
}

#[test]
fn with_levels_clamps_dnum_and_sizes_the_special_primes() {
    // dnum is clamped to 1..=L+1.
    assert_eq!(ParametersLiteral::with_levels(12, 2, 50, 40, 50, 0).dnum, 1);
    assert_eq!(ParametersLiteral::with_levels(12, 2, 50, 40, 50, 9).dnum, 3);
    // One digit of 50 + 40 + 40 bits needs three 50-bit special primes.
    let l = ParametersLiteral::with_levels(12, 2, 50, 40, 50, 1);
    assert_eq!(l.special_prime_bits, vec![50; 3]);
    assert_eq!(l.data_prime_bits, vec![40; 2]);
    let ctx = l.security(Security::InsecureToyParameters).build().unwrap();
    assert_eq!(ctx.dnum(), 1);
    assert_eq!(ctx.special_primes().len(), 3);
}

/// `with_levels` sizes the special primes from the nominal widths: `k = ceil(digit bits /
/// special bits)`. When the largest digit's nominal width is an exact multiple of the special
/// width (60 + 3 * 40 = 180 = 3 * 60 below), the real primes decide: the special primes are the
/// largest NTT primes *below* 2^60 while the data primes are the NTT primes *nearest* to their
/// target, possibly above 2^40, so `log2 P` can fall a millionth of a bit short of the digit.
/// The context accepts P down to half the largest digit, so these literals build.
#[test]
fn with_levels_literals_always_build() {
    let mut failures = Vec::new();
    for (log_n, levels, first, scale, special, dnum) in [
        (14, 3, 60, 40, 60, 1),
        (14, 6, 60, 40, 60, 2),
        (13, 9, 60, 40, 60, 3),
        (12, 5, 60, 30, 60, 2),
        (13, 5, 50, 40, 50, 1),
    ] {
        let literal = ParametersLiteral::with_levels(log_n, levels, first, scale, special, dnum)
            .security(Security::InsecureToyParameters);
        if let Err(e) = literal.build() {
            failures.push(format!(
                "with_levels({log_n}, {levels}, {first}, {scale}, {special}, {dnum}): {e}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A NaN among the values is reported as the offending value (not the largest finite one).
#[test]
fn encoding_a_nan_reports_the_nan() {
    let f = fx();
    let e = f.ctx.encode_at(&[0.5, f64::NAN], 1).unwrap_err();
    assert!(matches!(e, CkksError::EncodingOverflow { value, .. } if value.is_nan()), "{e:?}");
    message_mentions(&e, &["NaN"]);
}

#[test]
fn every_error_has_a_message() {
    let errors = [
        CkksError::InvalidParameters(ParameterFault::Dnum { dnum: 3, primes: 2 }),
        CkksError::EmptySum,
        CkksError::ConstantPolynomial,
        CkksError::InsecureParameters { log_n: 13, log_qp: 300.0, max_bits: 218 },
        CkksError::ContextMismatch { left: 1, right: 2 },
        CkksError::LevelMismatch { left: 4, right: 3 },
        CkksError::ScaleMismatch { level: 1, left_log2: 80.0, right_log2: 40.0 },
        CkksError::NeedsRelinearization { components: 3, operation: "rotating" },
        CkksError::MissingRelinearizationKey,
        CkksError::MissingRotationKey { step: 5, galois_element: 3125 },
        CkksError::MissingConjugationKey,
        CkksError::LevelExhausted,
        CkksError::InvalidLevel { requested: 9, reason: "top is 2".into() },
        CkksError::TooManyValues { given: 10, slots: 8 },
        CkksError::EncodingOverflow { value: 1e20, scale_log2: 40.0, reason: "too big" },
    ];
    let mentions: [&[&str]; 15] = [
        &["dnum = 3", "(2)"],
        &["no values"],
        &["constant polynomial"],
        &["300.0", "218", "2^13"],
        &["0x1", "0x2"],
        &["4 vs 3", "level 3"],
        &["level 1", "2^80.0000", "2^40.0000"],
        &["3 components", "rotating"],
        &["relinearization"],
        &["5 slots", "3125"],
        &["conjugation"],
        &["level 0"],
        &["9", "top is 2"],
        &["10 values", "8 slots"],
        &["1e20", "2^40.00", "too big"],
    ];
    assert_eq!(errors.len(), mentions.len());
    for (e, m) in errors.iter().zip(mentions) {
        message_mentions(e, m);
        // The errors are plain data: comparable and clonable, and usable as std errors.
        assert_eq!(e.clone(), *e);
        let _: &dyn std::error::Error = e;
    }
}
