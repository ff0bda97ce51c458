//! Workspace-level end-to-end scenarios.
//!
//! 1. Client / server: the client generates keys and encrypts two vectors; the server, in
//!    another thread, receives only the [`Context`], the [`EvaluationKeys`] and the ciphertexts
//!    (no secret key exists on its side: the types it gets cannot decrypt), evaluates a
//!    dot product (multiply, relinearize, rescale, rotate-and-sum with `log2(slots)` rotations),
//!    a mean (a constant multiplication and a second rescale) and a sliding-window sum (hoisted
//!    rotations); the client decrypts and compares with the same computation in `f64`.
//! 2. Algebraic laws of ciphertext arithmetic as properties: what holds bit for bit
//!    (commutativity and associativity of addition, commutativity of multiplication, ...) is
//!    checked with `==` on ciphertexts, what holds only up to CKKS noise (associativity and
//!    distributivity of multiplication) is checked on the decryptions.

use ckks::{
    Ciphertext, CkksError, Context, EvaluationKeys, Evaluator, ParametersLiteral, Prng, SecretKey,
    Security,
};
use proptest::prelude::*;
use proptest::test_runner::{TestError, TestRunner};
use std::sync::OnceLock;

fn max_err(got: &[f64], want: &[f64]) -> f64 {
    assert!(want.len() <= got.len());
    let mut w = want.to_vec();
    w.resize(got.len(), 0.0);
    got.iter().zip(&w).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max)
}

fn uniform_vector(prng: &mut Prng, len: usize) -> Vec<f64> {
    (0..len).map(|_| (prng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0).collect()
}

// ----- client / server ---------------------------------------------------------------------------

/// What the server sends back.
struct ServerResult {
    /// `sum_i x_i y_i` in every slot (level 1).
    dot: Ciphertext,
    /// `(sum_i x_i y_i) / slots` in every slot (level 0).
    mean: Ciphertext,
    /// `x_j + x_{j+1} + x_{j+2} + x_{j+3}` (level 2).
    window: Ciphertext,
}

/// The server: public material only.
fn server(
    ctx: Context,
    keys: EvaluationKeys,
    x: Ciphertext,
    y: Ciphertext,
) -> Result<ServerResult, CkksError> {
    let eval = Evaluator::new(&ctx, keys)?;
    // Dot product: one multiplication, then log2(slots) rotate-and-add steps.
    let mut dot = eval.rescale(&eval.mul_relin(&x, &y)?)?;
    let mut step = 1;
    while step < ctx.slots() {
        let rotated = eval.rotate(&dot, step as i64)?;
        eval.add_assign(&mut dot, &rotated)?;
        step *= 2;
    }
    // The mean: a constant multiplication consumes the last level.
    let mean = eval.rescale(&eval.mul_const(&dot, 1.0 / ctx.slots() as f64)?)?;
    // A sliding window of four slots from one hoisted decomposition.
    let rotations = eval.rotate_hoisted(&x, &[0, 1, 2, 3])?;
    let mut window = rotations[0].clone();
    for r in &rotations[1..] {
        eval.add_assign(&mut window, r)?;
    }
    Ok(ServerResult { dot, mean, window })
}

#[test]
fn client_server_dot_product() {
    // Client side. N = 2^13, two levels, 55-bit q_0, 40-bit scale, one 60-bit special prime,
    // three digits: log2 QP = 195 <= 218, 128-bit secure.
    let ctx = ParametersLiteral::with_levels(13, 2, 55, 40, 60, 3).build().unwrap();
    assert_eq!(ctx.literal().security, Security::HeStandard128);
    let slots = ctx.slots();
    let mut prng = Prng::from_u64_seed(2024);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let pk = sk.public_key(&mut prng);
    // Exactly the rotations the circuit needs: powers of two for the sum, 1..3 for the window.
    let mut steps: Vec<i64> = (0..slots.trailing_zeros()).map(|k| 1i64 << k).collect();
    steps.push(3);
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&steps, false, &mut prng),
    };
    assert_eq!(keys.galois.len(), slots.trailing_zeros() as usize + 1);
    let a = uniform_vector(&mut prng, slots);
    let b = uniform_vector(&mut prng, slots);
    let top = ctx.max_level();
    let x = pk.encrypt(&ctx, &ctx.encode_at(&a, top).unwrap(), &mut prng).unwrap();
    let y = pk.encrypt(&ctx, &ctx.encode_at(&b, top).unwrap(), &mut prng).unwrap();

    // Server side, in another thread: it owns only the context, the evaluation keys and the
    // ciphertexts (all `Send`).
    let server_ctx = ctx.clone();
    let result = std::thread::spawn(move || server(server_ctx, keys, x, y))
        .join()
        .expect("the server thread does not panic")
        .expect("the circuit is valid for these keys and parameters");

    // Client side again.
    let dec = |ct: &Ciphertext| ctx.decode(&sk.decrypt(ct).unwrap()).unwrap();
    let dot: f64 = a.iter().zip(&b).map(|(p, q)| p * q).sum();
    let got = dec(&result.dot);
    assert_eq!(result.dot.level(), 1);
    let e_dot = max_err(&got, &vec![dot; slots]);
    println!(
        "dot product {dot:.6}: max error over all slots {e_dot:.3e} = 2^-{:.2}",
        -e_dot.log2()
    );
    // Observed 2^-20.9 to 2^-22.4 over seven seeds (the sum of all slots of the product's
    // noise is about N/2 times its constant coefficient, plus twelve rotations' noise).
    assert!(e_dot < 2f64.powf(-19.0), "dot product error {e_dot:e}");

    let mean = dot / slots as f64;
    assert_eq!(result.mean.level(), 0);
    assert!((result.mean.scale() / ctx.scale(0) - 1.0).abs() < 1e-9);
    let e_mean = max_err(&dec(&result.mean), &vec![mean; slots]);
    println!("mean {mean:.6e}: max error {e_mean:.3e} = 2^-{:.2}", -e_mean.log2());
    // Observed 2^-26.6 to 2^-27.2 (the dot product's error divided by 4096, plus the rescale
    // rounding).
    assert!(e_mean < 2f64.powf(-24.5), "mean error {e_mean:e}");

    let window: Vec<f64> = (0..slots).map(|j| (0..4).map(|k| a[(j + k) % slots]).sum()).collect();
    let e_window = max_err(&dec(&result.window), &window);
    println!("sliding window: max error {e_window:.3e} = 2^-{:.2}", -e_window.log2());
    // Observed 2^-25.8 to 2^-26.0 (four copies of the fresh noise plus three key switches).
    assert!(e_window < 2f64.powf(-23.75), "window error {e_window:e}");
}

#[test]
fn the_server_cannot_run_a_circuit_it_has_no_keys_for() {
    let ctx = ParametersLiteral::with_levels(12, 1, 50, 40, 50, 2)
        .security(Security::InsecureToyParameters)
        .build()
        .unwrap();
    let mut prng = Prng::from_u64_seed(5);
    let sk = SecretKey::generate(&ctx, &mut prng);
    let x = sk.encrypt(&ctx.encode_at(&[1.0, 2.0], 1).unwrap(), &mut prng).unwrap();
    // No relinearization key: the multiplication fails, and so does the rotation.
    let keys =
        EvaluationKeys { relinearization: None, galois: sk.galois_keys(&[], false, &mut prng) };
    assert!(matches!(
        server(ctx.clone(), keys, x.clone(), x.clone()),
        Err(CkksError::MissingRelinearizationKey)
    ));
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&[1, 2], false, &mut prng),
    };
    assert!(matches!(
        server(ctx.clone(), keys, x.clone(), x),
        Err(CkksError::MissingRotationKey { step: 4, .. })
    ));
}

// ----- algebraic laws ----------------------------------------------------------------------------

struct Fixture {
    ctx: Context,
    sk: SecretKey,
    eval: Evaluator,
}

/// `N = 2^12`, three levels, toy security (for speed).
fn fx() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let ctx = ParametersLiteral::with_levels(12, 3, 55, 40, 60, 2)
            .security(Security::InsecureToyParameters)
            .build()
            .unwrap();
        let mut prng = Prng::from_u64_seed(77);
        let sk = SecretKey::generate(&ctx, &mut prng);
        let keys = EvaluationKeys {
            relinearization: Some(sk.relinearization_key(&mut prng)),
            galois: Default::default(),
        };
        let eval = Evaluator::new(&ctx, keys).unwrap();
        Fixture { ctx, sk, eval }
    })
}

impl Fixture {
    fn enc(&self, v: &[f64], prng: &mut Prng) -> Ciphertext {
        let pt = self.ctx.encode_at(v, self.ctx.max_level()).unwrap();
        self.sk.encrypt(&pt, prng).unwrap()
    }

    fn dec(&self, ct: &Ciphertext) -> Vec<f64> {
        self.ctx.decode(&self.sk.decrypt(ct).unwrap()).unwrap()
    }

    /// `rescale(relinearize(a * b))`.
    fn mul(&self, a: &Ciphertext, b: &Ciphertext) -> Ciphertext {
        self.eval.rescale(&self.eval.mul_relin(a, b).unwrap()).unwrap()
    }
}

/// Three vectors (values in `[-1, 1]`, lengths up to the slot count) and a seed.
fn triple() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, Vec<f64>, u64)> {
    let slots = fx().ctx.slots();
    let v = move || (1..=slots).prop_flat_map(|len| prop::collection::vec(-1.0f64..=1.0, len));
    (v(), v(), v(), any::<u64>())
}

fn zip3(a: &[f64], b: &[f64], c: &[f64], f: impl Fn(f64, f64, f64) -> f64) -> Vec<f64> {
    let n = a.len().max(b.len()).max(c.len());
    let get = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(0.0);
    (0..n).map(|i| f(get(a, i), get(b, i), get(c, i))).collect()
}

fn runner() -> TestRunner {
    TestRunner::new(ProptestConfig {
        cases: 10,
        failure_persistence: None,
        max_shrink_iters: 32,
        ..ProptestConfig::default()
    })
}

fn report(name: &str, result: Result<(), TestError<impl std::fmt::Debug>>) {
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

/// Laws that hold exactly: the ciphertexts are equal word for word.
#[test]
fn exact_laws_of_ciphertext_arithmetic() {
    let f = fx();
    let result = runner().run(&triple(), |(a, b, c, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let (x, y, z) = (f.enc(&a, &mut prng), f.enc(&b, &mut prng), f.enc(&c, &mut prng));
        let e = &f.eval;
        // Addition: commutative, associative, with inverse and neutral element.
        prop_assert_eq!(e.add(&x, &y).unwrap(), e.add(&y, &x).unwrap());
        prop_assert_eq!(
            e.add(&e.add(&x, &y).unwrap(), &z).unwrap(),
            e.add(&x, &e.add(&y, &z).unwrap()).unwrap()
        );
        prop_assert_eq!(e.add(&e.sub(&x, &y).unwrap(), &y).unwrap(), x.clone());
        prop_assert_eq!(e.neg(&e.neg(&x).unwrap()).unwrap(), x.clone());
        prop_assert_eq!(e.sub(&x, &y).unwrap(), e.add(&x, &e.neg(&y).unwrap()).unwrap());
        prop_assert!(f.dec(&e.sub(&x, &x).unwrap()).iter().all(|&v| v == 0.0));
        // Integer multiples are repeated additions.
        prop_assert_eq!(e.mul_integer(&x, 3).unwrap(), e.add(&e.add(&x, &x).unwrap(), &x).unwrap());
        prop_assert_eq!(e.mul_integer(&x, -1).unwrap(), e.neg(&x).unwrap());
        // Multiplication is commutative before and after relinearization and rescaling.
        prop_assert_eq!(e.mul(&x, &y).unwrap(), e.mul(&y, &x).unwrap());
        prop_assert_eq!(f.mul(&x, &y), f.mul(&y, &x));
        // Integer multiplication distributes over addition exactly.
        prop_assert_eq!(
            e.mul_integer(&e.add(&x, &y).unwrap(), 7).unwrap(),
            e.add(&e.mul_integer(&x, 7).unwrap(), &e.mul_integer(&y, 7).unwrap()).unwrap()
        );
        // Level drops commute with addition.
        let l = f.ctx.max_level() - 2;
        prop_assert_eq!(
            e.drop_level(&e.add(&x, &y).unwrap(), l).unwrap(),
            e.add(&e.drop_level(&x, l).unwrap(), &e.drop_level(&y, l).unwrap()).unwrap()
        );
        Ok(())
    });
    report("exact laws", result);
}

/// Laws that hold up to CKKS noise: both sides decrypt to the plaintext result and to each
/// other within the bound.
#[test]
fn approximate_laws_of_ciphertext_arithmetic() {
    let f = fx();
    let worst = std::cell::Cell::new(0.0f64);
    let result = runner().run(&triple(), |(a, b, c, seed)| {
        let mut prng = Prng::from_u64_seed(seed);
        let (x, y, z) = (f.enc(&a, &mut prng), f.enc(&b, &mut prng), f.enc(&c, &mut prng));
        let e = &f.eval;
        let lower = f.ctx.max_level() - 1;
        let drop = |ct: &Ciphertext| e.drop_level(ct, lower).unwrap();
        // Associativity: (x y) z = x (y z). The third factor is dropped to the level of the
        // rescaled product; both sides then have the same scale s_{L-1} s_L / q_{L-1}.
        let left = f.mul(&f.mul(&x, &y), &drop(&z));
        let right = f.mul(&drop(&x), &f.mul(&y, &z));
        prop_assert_eq!(left.scale(), right.scale());
        let (l, r) = (f.dec(&left), f.dec(&right));
        let want = zip3(&a, &b, &c, |p, q, s| p * q * s);
        let assoc = max_err(&l, &want).max(max_err(&r, &want)).max(max_err(&l, &r));
        // Distributivity: x (y + z) = x y + x z.
        let left = f.mul(&x, &e.add(&y, &z).unwrap());
        let right = e.add(&f.mul(&x, &y), &f.mul(&x, &z)).unwrap();
        let (l, r) = (f.dec(&left), f.dec(&right));
        let want = zip3(&a, &b, &c, |p, q, s| p * (q + s));
        let dist = max_err(&l, &want).max(max_err(&r, &want)).max(max_err(&l, &r));
        // Observed worst 2^-26.7 over both laws.
        let err = assoc.max(dist);
        prop_assert!(err < 2f64.powf(-24.0), "assoc {assoc:e}, dist {dist:e}");
        worst.set(worst.get().max(err));
        Ok(())
    });
    report("approximate laws", result);
    println!("approximate laws: worst error 2^-{:.2}", -worst.get().log2());
}

#[test]
fn law_violations_are_reported_not_computed() {
    // Adding a product that was not rescaled to a fresh ciphertext is a scale error, not a
    // silently wrong result.
    let f = fx();
    let mut prng = Prng::from_u64_seed(9);
    let x = f.enc(&[0.5; 8], &mut prng);
    let m = f.eval.mul_relin(&x, &x).unwrap();
    assert!(matches!(f.eval.add(&m, &x), Err(CkksError::ScaleMismatch { .. })));
    let r = f.eval.rescale(&m).unwrap();
    assert!(matches!(f.eval.add(&r, &x), Err(CkksError::LevelMismatch { .. })));
}
