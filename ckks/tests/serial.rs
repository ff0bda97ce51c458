//! Serialization: round trips of every type, seeded sizes, and readers against hostile input
//! (every truncation, every single-bit flip, wrong kinds, wrong parameters, other versions and
//! random bytes): always a typed error, never a panic or a wrong object.

use ckks::*;
use proptest::prelude::*;

fn tiny() -> Context {
    ParametersLiteral::with_levels(4, 2, 30, 25, 30, 3)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap()
}

struct Objects {
    ctx: Context,
    sk: SecretKey,
    pk: PublicKey,
    rk: RelinearizationKey,
    gk: GaloisKeys,
    /// Restricted to level 1 of 2 (a digit fewer).
    gk_low: GaloisKeys,
    ct: Ciphertext,
    ct3: Ciphertext,
    seeded: SeededCiphertext,
}

fn objects() -> Objects {
    let ctx = tiny();
    let mut prng = Prng::from_u64_seed(1);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let pk = sk.public_key(&mut prng);
    let rk = sk.relinearization_key(&mut prng);
    let gk = sk.galois_keys(&[1, 3], true, &mut prng);
    let gk_low = sk.galois_keys_at(&[1], true, 1, &mut prng);
    let pt = ctx.encode_at(&[0.5, -0.25, 0.125], 2).unwrap();
    let seeded = sk.encrypt_seeded(&pt, &mut prng).unwrap();
    let ct = seeded.expand(&ctx);
    let eval = Evaluator::new(&ctx, EvaluationKeys::default()).unwrap();
    let ct3 = eval.mul(&ct, &ct).unwrap();
    Objects { ctx, sk, pk, rk, gk, gk_low, ct, ct3, seeded }
}

/// A reader that reports whether its input parsed.
type Read<'a> = Box<dyn Fn(&[u8]) -> Result<()> + 'a>;

/// Every serialized object with its reader.
fn all(o: &Objects) -> Vec<(&'static str, Vec<u8>, Read<'_>)> {
    let ctx = &o.ctx;
    vec![
        ("parameters", ctx.to_bytes(), Box::new(|b: &[u8]| Context::from_bytes(b).map(drop))),
        (
            "secret key",
            o.sk.to_bytes().to_vec(),
            Box::new(move |b: &[u8]| SecretKey::from_bytes(ctx, b).map(drop)),
        ),
        (
            "public key",
            o.pk.to_bytes(),
            Box::new(move |b: &[u8]| PublicKey::from_bytes(ctx, b).map(drop)),
        ),
        (
            "relin key",
            o.rk.to_bytes(),
            Box::new(move |b: &[u8]| RelinearizationKey::from_bytes(ctx, b).map(drop)),
        ),
        (
            "galois keys",
            o.gk.to_bytes(),
            Box::new(move |b: &[u8]| GaloisKeys::from_bytes(ctx, b).map(drop)),
        ),
        (
            "galois keys (restricted)",
            o.gk_low.to_bytes(),
            Box::new(move |b: &[u8]| GaloisKeys::from_bytes(ctx, b).map(drop)),
        ),
        (
            "ciphertext",
            o.ct.to_bytes(),
            Box::new(move |b: &[u8]| Ciphertext::from_bytes(ctx, b).map(drop)),
        ),
        (
            "ciphertext (3 parts)",
            o.ct3.to_bytes(),
            Box::new(move |b: &[u8]| Ciphertext::from_bytes(ctx, b).map(drop)),
        ),
        (
            "seeded ciphertext",
            o.seeded.to_bytes(),
            Box::new(move |b: &[u8]| SeededCiphertext::from_bytes(ctx, b).map(drop)),
        ),
    ]
}

#[test]
fn every_type_round_trips() {
    let o = objects();
    let ctx = &o.ctx;
    let back = Context::from_bytes(&ctx.to_bytes()).unwrap();
    assert_eq!(back.hash(), ctx.hash());
    assert_eq!(PublicKey::from_bytes(ctx, &o.pk.to_bytes()).unwrap(), o.pk);
    assert_eq!(RelinearizationKey::from_bytes(ctx, &o.rk.to_bytes()).unwrap(), o.rk);
    assert_eq!(GaloisKeys::from_bytes(ctx, &o.gk.to_bytes()).unwrap(), o.gk);
    let low = GaloisKeys::from_bytes(ctx, &o.gk_low.to_bytes()).unwrap();
    assert_eq!(low, o.gk_low);
    assert!(low.galois_elements().iter().all(|g| low.get(*g).unwrap().level() == 1));
    assert_eq!(Ciphertext::from_bytes(ctx, &o.ct.to_bytes()).unwrap(), o.ct);
    assert_eq!(Ciphertext::from_bytes(ctx, &o.ct3.to_bytes()).unwrap(), o.ct3);
    assert_eq!(SeededCiphertext::from_bytes(ctx, &o.seeded.to_bytes()).unwrap(), o.seeded);
    let sk = SecretKey::from_bytes(ctx, &o.sk.to_bytes()).unwrap();
    let pt = sk.decrypt(&o.ct).unwrap();
    let v = ctx.decode(&pt).unwrap();
    assert!((v[0] - 0.5).abs() < 1e-4 && (v[1] + 0.25).abs() < 1e-4);
    // Keys read back work: a rotation with the reloaded Galois keys decrypts correctly.
    let keys = EvaluationKeys {
        relinearization: Some(RelinearizationKey::from_bytes(ctx, &o.rk.to_bytes()).unwrap()),
        galois: GaloisKeys::from_bytes(ctx, &o.gk.to_bytes()).unwrap(),
    };
    let eval = Evaluator::new(ctx, keys).unwrap();
    let r = eval.rotate(&o.ct, 1).unwrap();
    let v = ctx.decode(&sk.decrypt(&r).unwrap()).unwrap();
    assert!((v[0] + 0.25).abs() < 1e-3, "{v:?}");
    let empty = GaloisKeys::default();
    assert!(GaloisKeys::from_bytes(ctx, &empty.to_bytes()).unwrap().is_empty());
}

#[test]
fn seeded_objects_are_about_half_the_size() {
    // Exact layouts on the tiny parameters: header 40 bytes, level and scale 12, a polynomial
    // N (l + 1) words.
    let o = objects();
    let poly = 16 * 3 * 8;
    assert_eq!(o.ct.to_bytes().len(), 40 + 12 + 4 + 2 * poly);
    assert_eq!(o.seeded.to_bytes().len(), 40 + 12 + poly + 32);
    // At N = 2^12 the seeds halve ciphertexts and keys.
    let ctx = ParametersLiteral::with_levels(12, 1, 50, 40, 60, 2)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let mut prng = Prng::from_u64_seed(2);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let pt = ctx.encode_at(&[1.0], 1).unwrap();
    let seeded = sk.encrypt_seeded(&pt, &mut prng).unwrap();
    let (s, f) = (seeded.to_bytes().len() as f64, seeded.expand(&ctx).to_bytes().len() as f64);
    let rk = sk.relinearization_key(&mut prng);
    let (rs, rf) = (rk.to_bytes().len() as f64, rk.byte_size() as f64);
    eprintln!(
        "N = 2^12: ciphertext {f} B full, {s} B seeded; relinearization key {rf} B, {rs} B stored"
    );
    assert!((s / f - 0.5).abs() < 0.01 && (rs / rf - 0.5).abs() < 0.01);
}

/// The error a single-bit flip at byte `at` of a framed object must give: the header fields are
/// checked in order (magic, version, kind, reserved, parameters hash, length, checksum), and a flip
/// in the payload changes its FNV-1a checksum (each step of FNV-1a is a bijection of the state, so
/// two inputs that differ in one byte never share a checksum).
fn expected_flip_error(at: usize, err: &CkksError) -> bool {
    match at {
        8..=9 => matches!(err, CkksError::UnsupportedVersion { .. }),
        10..=11 => matches!(err, CkksError::WrongKind { .. }),
        16..=23 => matches!(err, CkksError::ContextMismatch { .. }),
        _ => matches!(err, CkksError::Malformed { .. }),
    }
}

#[test]
fn every_truncation_and_every_bit_flip_is_an_error() {
    let o = objects();
    for (name, bytes, read) in all(&o) {
        read(&bytes).unwrap_or_else(|e| panic!("{name} does not read back: {e}"));
        for len in 0..bytes.len() {
            let err = read(&bytes[..len])
                .expect_err(&format!("{name} truncated to {len} bytes was accepted"));
            assert!(matches!(err, CkksError::Malformed { .. }), "{name} truncated to {len}: {err}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        let err = read(&longer).expect_err(&format!("{name} with a trailing byte was accepted"));
        assert!(matches!(err, CkksError::Malformed { .. }), "{name} with a trailing byte: {err}");
        // Every bit of every object, header included.
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let err =
                read(&flipped).expect_err(&format!("{name} with bit {bit} flipped was accepted"));
            assert!(expected_flip_error(bit / 8, &err), "{name}, bit {bit} flipped: {err}");
        }
    }
}

#[test]
fn wrong_kind_parameters_and_version_are_refused() {
    let o = objects();
    let ctx = &o.ctx;
    let err = PublicKey::from_bytes(ctx, &o.ct.to_bytes()).unwrap_err();
    assert!(matches!(err, CkksError::WrongKind { found: 6, .. }), "{err}");
    let other = ParametersLiteral::with_levels(4, 3, 30, 25, 30, 3)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let err = Ciphertext::from_bytes(&other, &o.ct.to_bytes()).unwrap_err();
    assert!(matches!(err, CkksError::ContextMismatch { .. }), "{err}");
    // Version 1 (Galois keys without their level) and any later version are refused.
    for v in [1, 3] {
        let mut other = o.ct.to_bytes();
        other[8] = v;
        let err = Ciphertext::from_bytes(ctx, &other).unwrap_err();
        assert!(matches!(err, CkksError::UnsupportedVersion { found, .. } if found == v as u16));
    }
    assert_eq!(serial::peek_kind(&o.gk.to_bytes()).unwrap(), serial::Kind::GaloisKeys as u16);
}

/// A Galois key's level above the parameters' top is refused before anything is read.
#[test]
fn a_galois_key_above_the_top_level_is_refused() {
    let o = objects();
    let hash = o.ctx.hash();
    let mut payload = 1u32.to_le_bytes().to_vec();
    payload.extend(3u64.to_le_bytes());
    payload.extend(3u32.to_le_bytes());
    let err = GaloisKeys::from_bytes(&o.ctx, &framed(5, hash, &payload)).unwrap_err();
    assert!(matches!(&err, CkksError::Malformed { reason, .. } if reason.contains("level 3")));
}

/// Frames `payload` as a well-formed object of kind `kind` for `hash`: right magic, version,
/// length and checksum, so only the readers' checks of the payload itself stand in the way.
fn framed(kind: u16, hash: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = serial::MAGIC.to_vec();
    out.extend(serial::VERSION.to_le_bytes());
    out.extend(kind.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend(hash.to_le_bytes());
    out.extend((payload.len() as u64).to_le_bytes());
    out.extend(serial::checksum(payload).to_le_bytes());
    out.extend(payload);
    out
}

/// The kind codes of `all`'s readers, in its order.
const KINDS: [u16; 9] = [1, 2, 3, 4, 5, 5, 6, 6, 7];

#[test]
fn the_framing_helper_frames_like_the_writer() {
    // `framed` is only a fair "valid-looking" input if it is what the writer writes.
    let o = objects();
    for ((name, bytes, _), kind) in all(&o).into_iter().zip(KINDS) {
        assert_eq!(framed(kind, o.ctx.hash(), &bytes[40..]), bytes, "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random bytes are refused as malformed; random bytes behind a valid header of each kind
    /// are refused by every reader: with `WrongKind` by the readers of the other kinds, as
    /// malformed by the reader of that kind.
    #[test]
    fn random_input_is_refused(body in prop::collection::vec(any::<u8>(), 0..600), kind in 1u16..8) {
        let o = objects();
        let framed = framed(kind, o.ctx.hash(), &body);
        for ((name, _, read), reader_kind) in all(&o).into_iter().zip(KINDS) {
            let err = read(&body).expect_err(name);
            prop_assert!(matches!(err, CkksError::Malformed { .. }), "{}: {}", name, err);
            let err = read(&framed).expect_err(name);
            if kind == reader_kind {
                prop_assert!(matches!(err, CkksError::Malformed { .. }), "{}: {}", name, err);
            } else {
                prop_assert!(
                    matches!(err, CkksError::WrongKind { found, .. } if found == kind),
                    "{}: {}", name, err
                );
            }
        }
    }

    /// Each object with its payload replaced by random bytes of the same length, framed with the
    /// right kind, parameters hash, length and checksum: the payload checks (levels, component
    /// and digit counts, flags, residues below their primes, ternary coefficients, parameter
    /// validation) refuse it. (A random payload that happens to be valid is possible in
    /// principle; for these objects its probability is below 2^-100 per case.)
    #[test]
    fn random_payload_behind_a_valid_header_is_refused(seed in any::<u64>()) {
        use rand_core::{RngCore, SeedableRng};
        let o = objects();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        for ((name, bytes, read), kind) in all(&o).into_iter().zip(KINDS) {
            let mut payload = vec![0u8; bytes.len() - 40];
            rng.fill_bytes(&mut payload);
            let err = read(&framed(kind, o.ctx.hash(), &payload)).expect_err(name);
            let ok = match kind {
                1 => matches!(
                    err,
                    CkksError::Malformed { .. }
                        | CkksError::InvalidParameters(_)
                        | CkksError::InsecureParameters { .. }
                        | CkksError::ContextMismatch { .. }
                ),
                _ => matches!(err, CkksError::Malformed { .. }),
            };
            prop_assert!(ok, "{}: {}", name, err);
        }
    }
}
