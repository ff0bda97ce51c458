//! Bootstrapping material on disk (`ckks::boot::serial`) at small insecure parameters: a
//! bootstrapper built from the files refreshes correctly, and truncated, corrupted,
//! mismatched and out-of-range files are typed errors.

use ckks::boot::{BootstrapConfig, BootstrapKeys, BootstrapPlan, Bootstrapper};
use ckks::eval::{CkksEvaluator, HomomorphicEvaluator};
use ckks::serial::{checksum, peek_kind, Kind};
use ckks::{CkksError, Context, EvaluationKeys, Evaluator, Prng, SecretKey, Security};
use std::sync::{Arc, OnceLock};

struct Material {
    ctx: Context,
    config: BootstrapConfig,
    plan: Arc<BootstrapPlan>,
    sk: Arc<SecretKey>,
    config_bytes: Vec<u8>,
    key_bytes: Vec<u8>,
}

/// 16 slots of N = 2^10, two circuit levels, two levels per transform; fixed seeds.
fn material() -> &'static Material {
    static M: OnceLock<Material> = OnceLock::new();
    M.get_or_init(|| {
        let config =
            BootstrapConfig { slots: Some(16), cts_levels: 2, stc_levels: 2, ..Default::default() };
        let ctx = config
            .parameters(10, 2, 60, 40, Security::InsecureToyParameters)
            .unwrap()
            .build()
            .unwrap();
        let plan = Arc::new(BootstrapPlan::new(ctx.chain(), &config).unwrap());
        let mut prng = Prng::from_u64_seed(7);
        let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
        let keys = BootstrapKeys::generate(&sk, &plan, &mut prng).unwrap();
        let config_bytes = config.to_bytes(&ctx);
        let key_bytes = keys.to_bytes(&plan).unwrap();
        Material { ctx, config, plan, sk, config_bytes, key_bytes }
    })
}

/// A frame's payload replaced, with its length and checksum made valid again.
fn reframe(bytes: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = bytes[..40].to_vec();
    out[24..32].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    out[32..40].copy_from_slice(&checksum(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn a_bootstrapper_from_the_files_refreshes_correctly() {
    let m = material();
    // What was written reads back to the same bytes.
    let plan = BootstrapPlan::from_bytes(&m.ctx, &m.config_bytes).unwrap();
    assert_eq!(&plan, m.plan.as_ref());
    let keys = BootstrapKeys::from_bytes(&m.ctx, &plan, &m.key_bytes).unwrap();
    assert_eq!(keys.to_bytes(&plan).unwrap(), m.key_bytes);
    assert_eq!(plan.config().to_bytes(&m.ctx), m.config_bytes);
    // Seeded compression: about half of the keys' residues.
    let bt = Bootstrapper::from_bytes(&m.ctx, &m.config_bytes, &m.key_bytes).unwrap();
    let ratio = m.key_bytes.len() as f64 / bt.key_bytes() as f64;
    eprintln!(
        "N = 2^10, 16 slots: keys {} bytes in memory, {} bytes serialized ({ratio:.3}); \
         configuration {} bytes",
        bt.key_bytes(),
        m.key_bytes.len(),
        m.config_bytes.len()
    );
    assert!((0.45..0.6).contains(&ratio), "{ratio}");
    // Server side: public material only; the client encrypts and decrypts.
    let eval = Evaluator::new(&m.ctx, EvaluationKeys::default()).unwrap();
    let he = HomomorphicEvaluator::with_secret_key(eval, m.sk.clone())
        .unwrap()
        .with_bootstrapper(Arc::new(bt))
        .unwrap();
    let values: Vec<f64> = (0..16).map(|i| i as f64 / 16.0 - 0.5).collect();
    let x = he.encrypt(&values.repeat(he.slots() / 16), 0).unwrap();
    let y = he.bootstrap(&x).unwrap();
    assert_eq!(y.level(), m.plan.output_level());
    let out = m.ctx.decode(&m.sk.decrypt(&y).unwrap()).unwrap();
    let err = (0..he.slots()).map(|i| (out[i] - values[i % 16]).abs()).fold(0.0, f64::max);
    eprintln!("bootstrap with the keys read back: max error 2^{:.1}", err.log2());
    assert!(err < 2f64.powi(-20), "{err}");
}

#[test]
fn neither_file_is_or_holds_a_secret_key() {
    let m = material();
    let secret = m.sk.to_bytes();
    for bytes in [&m.config_bytes, &m.key_bytes] {
        assert_ne!(peek_kind(bytes).unwrap(), Kind::SecretKey as u16);
        // The secret key's coefficients (one byte each) appear nowhere as a run.
        let coeffs = &secret[40..];
        assert!(!bytes.windows(coeffs.len()).any(|w| w == coeffs));
    }
    assert_eq!(peek_kind(&m.config_bytes).unwrap(), Kind::BootstrapConfig as u16);
    assert_eq!(peek_kind(&m.key_bytes).unwrap(), Kind::BootstrapKeys as u16);
}

#[test]
fn truncated_and_corrupted_files_are_typed_errors() {
    let m = material();
    type Read<'a> = &'a dyn Fn(&[u8]) -> ckks::Result<()>;
    let keys = |b: &[u8]| BootstrapKeys::from_bytes(&m.ctx, &m.plan, b).map(|_| ());
    let config = |b: &[u8]| BootstrapPlan::from_bytes(&m.ctx, b).map(|_| ());
    let readers: [(&Vec<u8>, Read); 2] = [(&m.config_bytes, &config), (&m.key_bytes, &keys)];
    for (bytes, read) in readers {
        let len = bytes.len();
        // Every truncation of the header and the configuration; about 100 of the keys.
        let step = (len / 100).max(1);
        for cut in (0..len.min(64)).chain((64..len).step_by(step)) {
            assert!(read(&bytes[..cut]).is_err(), "truncated at {cut} of {len}");
        }
        // Bit flips: the header (each is refused by the field it hits) and the payload.
        let mut bad = bytes.clone();
        for pos in (0..40).chain((40..len).step_by(step)) {
            for bit in [0, 7] {
                bad[pos] ^= 1 << bit;
                let e = read(&bad).expect_err("a flipped bit is refused");
                assert!(matches!(
                    e,
                    CkksError::Malformed { .. }
                        | CkksError::WrongKind { .. }
                        | CkksError::UnsupportedVersion { .. }
                        | CkksError::ContextMismatch { .. }
                ));
                bad[pos] ^= 1 << bit;
            }
        }
        // Trailing bytes under a valid header.
        let mut longer = bytes[40..].to_vec();
        longer.push(0);
        assert!(matches!(read(&reframe(bytes, &longer)), Err(CkksError::Malformed { .. })));
    }
    // One object read as the other.
    assert!(matches!(config(&m.key_bytes), Err(CkksError::WrongKind { .. })));
    assert!(matches!(keys(&m.config_bytes), Err(CkksError::WrongKind { .. })));
}

#[test]
fn files_of_other_parameters_or_another_plan_are_refused() {
    let m = material();
    // Other parameters: one more circuit level.
    let other = m
        .config
        .parameters(10, 3, 60, 40, Security::InsecureToyParameters)
        .unwrap()
        .build()
        .unwrap();
    let other_plan = BootstrapPlan::new(other.chain(), &m.config).unwrap();
    assert!(matches!(
        BootstrapPlan::from_bytes(&other, &m.config_bytes),
        Err(CkksError::ContextMismatch { .. })
    ));
    assert!(matches!(
        BootstrapKeys::from_bytes(&other, &other_plan, &m.key_bytes),
        Err(CkksError::ContextMismatch { .. })
    ));
    // A plan of another chain with these parameters' keys.
    assert!(BootstrapKeys::from_bytes(&m.ctx, &other_plan, &m.key_bytes).is_err());
    // A configuration that does not match the chain: other level budgets.
    let levels = BootstrapConfig { stc_levels: 3, ..m.config.clone() };
    assert!(matches!(
        BootstrapPlan::from_bytes(&m.ctx, &levels.to_bytes(&m.ctx)),
        Err(CkksError::BootstrapLevels { .. })
    ));
    // Slots that are not a power of two.
    let slots = BootstrapConfig { slots: Some(24), ..m.config.clone() };
    assert!(matches!(
        BootstrapPlan::from_bytes(&m.ctx, &slots.to_bytes(&m.ctx)),
        Err(CkksError::BootstrapSlots { .. })
    ));
    // Another plan on the same chain (32 slots): its keys differ from these.
    let wider = BootstrapConfig { slots: Some(32), ..m.config.clone() };
    let wider = BootstrapPlan::new(m.ctx.chain(), &wider).unwrap();
    assert!(matches!(
        BootstrapKeys::from_bytes(&m.ctx, &wider, &m.key_bytes),
        Err(CkksError::Malformed { .. })
    ));
    // Another Hamming weight whose modular reduction has the same depth: the plan reads, the
    // keys are refused.
    let weight = [31, 33, 30, 34]
        .into_iter()
        .find_map(|h| {
            let c = BootstrapConfig { hamming_weight: h, ..m.config.clone() };
            BootstrapPlan::from_bytes(&m.ctx, &c.to_bytes(&m.ctx)).ok()
        })
        .expect("a nearby weight fits the chain");
    let e = BootstrapKeys::from_bytes(&m.ctx, &weight, &m.key_bytes).unwrap_err();
    assert!(e.to_string().contains("Hamming weight 32"), "{e}");
    // The size bound holds.
    assert!(m.key_bytes.len() as u64 <= BootstrapKeys::max_serialized_len(&m.ctx, &m.plan));
}

#[test]
fn out_of_range_configuration_fields_are_refused() {
    let m = material();
    let payload = &m.config_bytes[40..];
    // (offset, bytes): slots beyond N/2, zero levels, a 70-bit prime, h = 0, 100 double
    // angles, a NaN error bound, an arcsine flag of 2, an infinite input bound.
    let cases: [(usize, Vec<u8>); 8] = [
        (0, 1_000_000u64.to_le_bytes().to_vec()),
        (8, 0u32.to_le_bytes().to_vec()),
        (16, 70u32.to_le_bytes().to_vec()),
        (24, 0u64.to_le_bytes().to_vec()),
        (32, 100u32.to_le_bytes().to_vec()),
        (36, f64::NAN.to_bits().to_le_bytes().to_vec()),
        (48, vec![2]),
        (49, f64::INFINITY.to_bits().to_le_bytes().to_vec()),
    ];
    for (offset, value) in cases {
        let mut p = payload.to_vec();
        p[offset..offset + value.len()].copy_from_slice(&value);
        let e = BootstrapConfig::from_bytes(&m.ctx, &reframe(&m.config_bytes, &p)).unwrap_err();
        assert!(matches!(e, CkksError::Malformed { .. }), "offset {offset}: {e}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..Default::default()
    })]

    /// Random bytes, bare or behind a valid header of either kind (parameters hash, length and
    /// checksum right), are refused by both readers with a typed error, never a panic.
    #[test]
    fn random_input_is_refused(body in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let m = material();
        for kind in [Kind::BootstrapConfig, Kind::BootstrapKeys] {
            let mut header = m.config_bytes[..40].to_vec();
            header[10..12].copy_from_slice(&(kind as u16).to_le_bytes());
            for bytes in [body.clone(), reframe(&header, &body)] {
                proptest::prop_assert!(BootstrapPlan::from_bytes(&m.ctx, &bytes).is_err());
                proptest::prop_assert!(BootstrapKeys::from_bytes(&m.ctx, &m.plan, &bytes).is_err());
            }
        }
    }

    /// The key set with a random stretch of its payload overwritten, framed again with a valid
    /// checksum: refused (a residue above its prime, a count, element, level or flag that is
    /// not the plan's), or read as keys of the same plan when only key material changed.
    #[test]
    fn overwritten_key_payloads_never_panic(at in 0usize..1 << 20, len in 1usize..64, byte in proptest::num::u8::ANY) {
        let m = material();
        let mut p = m.key_bytes[40..].to_vec();
        let start = at % p.len();
        let end = (start + len).min(p.len());
        p[start..end].iter_mut().for_each(|b| *b = byte);
        let _ = BootstrapKeys::from_bytes(&m.ctx, &m.plan, &reframe(&m.key_bytes, &p));
    }
}
