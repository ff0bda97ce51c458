//! Every kernel against the portable code, on every path the machine has. A path the CPU lacks
//! is reported by the harness as ignored, with the reason (the build script tells the tests which
//! paths the build machine runs); under `CKKS_SIMD` / `CKKS_NO_SIMD` these tests still run every
//! path the CPU has, since they build kernels of an explicit path.

use super::elementwise::{centred_lift_on, centred_lift_small_on, conversion_sums_on};
use super::pointwise::*;
use super::*;
use crate::math::ntt::{naive_negacyclic_mul, NttTable};
use crate::math::primes::largest_ntt_prime;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// Prime widths every kernel is checked at: both sides of each kernel's limits (IFMA and AVX2
/// double precision 51 bits, the latter with a variant above 50) and the widest modulus, 61 bits.
const WIDTHS: [u32; 14] = [17, 20, 30, 36, 40, 45, 49, 50, 51, 52, 55, 59, 60, 61];

fn prime(bits: u32, n: usize) -> Modulus {
    Modulus::new(largest_ntt_prime(bits, 2 * n as u64, &[]).expect("an NTT prime exists"))
}

/// Residues below `q` drawn from one of several shapes: uniform, all zero, all `q - 1`,
/// alternating `0` / `q - 1`, and a random mixture of `0`, `1`, `q - 1` and uniform values.
fn residues(rng: &mut ChaCha20Rng, q: u64, n: usize, shape: u32) -> Vec<u64> {
    (0..n)
        .map(|i| match shape {
            0 => rng.next_u64() % q,
            1 => 0,
            2 => q - 1,
            3 => [0, q - 1][i % 2],
            _ => match rng.next_u64() % 4 {
                0 => 0,
                1 => 1,
                2 => q - 1,
                _ => rng.next_u64() % q,
            },
        })
        .collect()
}

/// Runs the forward and inverse kernels of `path` against the portable transforms.
fn check_ntt(path: Path, bits: u32, log_n: u32, seed: u64) {
    let n = 1usize << log_n;
    let q = prime(bits, n);
    let v = NttTable::with_path(q, n, path);
    let expected = match path {
        Path::Portable => "portable",
        Path::Avx2 if bits <= 51 => "avx2-f64",
        Path::Avx2 => "avx2-u64",
        Path::Ifma if bits <= 51 && n >= 16 => "ifma",
        Path::Ifma if bits <= 51 => "avx2-f64",
        Path::Ifma if n >= 16 && super::ifma::int_available() => "avx512-u64",
        Path::Ifma => "avx2-u64",
    };
    let expected = if n < 8 { "portable" } else { expected };
    assert_eq!(v.kernel_name(), expected, "{bits}-bit prime, N = 2^{log_n}");
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    for shape in 0..5 {
        let a = residues(&mut rng, q.value(), n, shape);
        let (mut x, mut y) = (a.clone(), a.clone());
        v.forward(&mut x);
        v.forward_scalar(&mut y);
        assert_eq!(x, y, "forward, {path}, {bits} bits, N = 2^{log_n}, shape {shape}");
        v.inverse(&mut x);
        assert_eq!(x, a, "inverse of forward, {path}, {bits} bits, N = 2^{log_n}");
        // The inverse on arbitrary residues too (not only on transforms of the shape).
        let (mut x, mut y) = (a.clone(), a);
        v.inverse(&mut x);
        v.inverse_scalar(&mut y);
        assert_eq!(x, y, "inverse, {path}, {bits} bits, N = 2^{log_n}, shape {shape}");
        // The transform of a centred lift from a smaller, equal and larger source prime (the lift
        // fused into the first pass where the kernel has that form).
        for from_bits in [17, bits, 61] {
            let from = largest_ntt_prime(from_bits, 2, &[q.value()]).unwrap();
            let src = residues(&mut rng, from, n, shape);
            let (mut x, mut y) = (vec![0; n], vec![0; n]);
            v.forward_lifted(&src, from, &mut x);
            centred_lift_on(Path::Portable, &src, &mut y, from, &q);
            v.forward_scalar(&mut y);
            assert_eq!(x, y, "lifted from {from_bits} bits, {path}, {bits} bits, N = 2^{log_n}");
        }
    }
}

fn check_ntt_all_sizes(path: Path) {
    assert!(path.is_supported(), "the build machine had {path}, this one has not");
    for log_n in 1..=16u32 {
        for bits in WIDTHS {
            if largest_ntt_prime(bits, 2 << log_n, &[]).is_some() {
                check_ntt(path, bits, log_n, (log_n * 100 + bits) as u64);
            }
        }
    }
}

/// Products of negacyclic polynomials through the kernels of `path`, against the schoolbook.
fn check_convolution(path: Path) {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    for (log_n, bits) in [(3u32, 30u32), (4, 50), (5, 51), (6, 61), (7, 40), (8, 60), (9, 49)] {
        let n = 1 << log_n;
        let q = prime(bits, n);
        let t = NttTable::with_path(q, n, path);
        for shape in [0, 2, 4] {
            let a = residues(&mut rng, q.value(), n, shape);
            let b = residues(&mut rng, q.value(), n, 0);
            let (mut fa, mut fb) = (a.clone(), b.clone());
            t.forward(&mut fa);
            t.forward(&mut fb);
            let mut fc: Vec<u64> = fa.iter().zip(&fb).map(|(&x, &y)| q.mul(x, y)).collect();
            t.inverse(&mut fc);
            assert_eq!(fc, naive_negacyclic_mul(&a, &b, &q), "{path}, N = 2^{log_n}, {bits} bits");
        }
    }
}

fn check_elementwise(path: Path) {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    for n in [8usize, 64, 200] {
        // Centred lifts between primes of every width: the source at most twice the target (the
        // small kernel) and wider (any sizes).
        let pairs = [(40u32, 40u32), (50, 49), (60, 60), (61, 60), (30, 50), (51, 51), (60, 40)];
        for (abits, bbits) in pairs.into_iter().chain(WIDTHS.map(|w| (61, w))) {
            let a = prime(abits, 8).value();
            let b = largest_ntt_prime(bbits, 16, &[a]).unwrap();
            for shape in 0..5 {
                let mut x = residues(&mut rng, a, n, shape);
                // The lift's edge: values around a / 2.
                x[0] = a / 2;
                x[1] = a / 2 + 1;
                let (mut o, mut e) = (vec![0; n], vec![0; n]);
                if a <= 2 * b {
                    centred_lift_small_on(path, &x, &mut o, a, b);
                    centred_lift_small_on(Path::Portable, &x, &mut e, a, b);
                    assert_eq!(o, e, "centred lift {abits} -> {bbits} bits, {path}");
                }
                centred_lift_on(path, &x, &mut o, a, &Modulus::new(b));
                centred_lift_on(Path::Portable, &x, &mut e, a, &Modulus::new(b));
                assert_eq!(o, e, "centred lift {abits} -> {bbits} bits, {path}");
                for (&xi, &oi) in x.iter().zip(&e) {
                    let c = if xi > a / 2 { xi as i128 - a as i128 } else { xi as i128 };
                    assert_eq!(oi as i128, c.rem_euclid(b as i128));
                }
            }
        }
        // Base-conversion sums into every width the kernel takes, 1 to 40 terms, inputs at the
        // edges of [0, 2^51) and constants at the edges of [0, b).
        for bits in WIDTHS {
            let b = prime(bits, 8);
            for terms in [1usize, 2, 3, 7, 40, 64] {
                // Words below 2^51 whole, below 2^61 split; constants at the edges of [0, b); 64
                // terms all at their largest (the bound of the exact 128-bit sums).
                let shape = |s: u32| if terms == 64 { 2 } else { s % 5 };
                let xs: Vec<Vec<u64>> = (0..terms)
                    .map(|j| {
                        residues(&mut rng, 1 << (51 + 10 * (j % 2)), n, shape(j as u32 + bits))
                    })
                    .collect();
                let ms: Vec<u64> = residues(&mut rng, b.value(), terms, shape(bits));
                let shift = b.reduce_u128(1 << 32);
                let t: Vec<SumTerm<'_>> = xs
                    .iter()
                    .zip(&ms)
                    .enumerate()
                    .map(|(j, (x, &m))| SumTerm {
                        x,
                        m,
                        m_high: (j % 2 == 1).then(|| b.mul(m, shift)),
                    })
                    .collect();
                let mut out = vec![u64::MAX; n];
                let ran = conversion_sums_on(path, &t, &b, &mut out);
                assert_eq!(ran, path >= Path::Avx2, "{bits} bits, {path}");
                if ran {
                    for (c, &o) in out.iter().enumerate() {
                        let e = xs.iter().zip(&ms).fold(0u128, |s, (x, &m)| {
                            (s + x[c] as u128 * m as u128) % b.value() as u128
                        });
                        assert_eq!(o as u128, e, "{bits} bits, {terms} terms, {path}");
                    }
                }
            }
        }
        // Key-switching sums, 1 to 64 terms; one object reused through `reset` as key switching
        // does (stale sums of another width must not leak into the next limb).
        let mut s = ProductSums::on(path, &prime(20, 8), n);
        for bits in WIDTHS {
            let q = prime(bits, 8);
            for (terms, shape) in
                [1usize, 3, 64].into_iter().flat_map(|t| [(t, 2), (t, t as u32 + bits)])
            {
                let shape = shape % 5;
                let d: Vec<Vec<u64>> =
                    (0..terms).map(|_| residues(&mut rng, q.value(), n, shape)).collect();
                let b: Vec<Vec<u64>> =
                    (0..terms).map(|_| residues(&mut rng, q.value(), n, shape)).collect();
                let a: Vec<Vec<u64>> =
                    (0..terms).map(|_| residues(&mut rng, q.value(), n, 2)).collect();
                s.reset(&q, n);
                for j in 0..terms {
                    s.add(&d[j], &b[j], &a[j]);
                }
                let (mut o0, mut o1) = (vec![0; n], vec![0; n]);
                s.finish(&mut o0, &mut o1);
                for c in 0..n {
                    let e0 = (0..terms).fold(0, |s, j| q.add(s, q.mul(d[j][c], b[j][c])));
                    let e1 = (0..terms).fold(0, |s, j| q.add(s, q.mul(d[j][c], a[j][c])));
                    assert_eq!((o0[c], o1[c]), (e0, e1), "{bits} bits, {terms} terms, {path}");
                }
            }
        }
    }
}

/// The element-wise kernels of `pointwise` against the portable loops and `u128` arithmetic, at
/// every width, at lengths that are and are not multiples of four, on edge inputs.
fn check_pointwise(path: Path) {
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    for n in [1usize, 3, 4, 7, 8, 13, 64, 200] {
        for bits in WIDTHS {
            let q = prime(bits, 8);
            let qv = q.value() as u128;
            for shape in 0..5 {
                let x = residues(&mut rng, q.value(), n, shape);
                let y = residues(&mut rng, q.value(), n, (shape + 2) % 5);
                let z = residues(&mut rng, q.value(), n, 4);
                let ctx = format!("{bits} bits, n = {n}, shape {shape}, {path}");
                let (xw, yw) = (|c: usize| x[c] as u128, |c: usize| y[c] as u128);
                for (op, f) in [
                    (Op::Add, &(|c| (xw(c) + yw(c)) % qv) as &dyn Fn(usize) -> u128),
                    (Op::Sub, &|c| (xw(c) + qv - yw(c)) % qv),
                    (Op::Mul, &|c| xw(c) * yw(c) % qv),
                ] {
                    let mut o = vec![0; n];
                    binary_into_on(path, op, &x, &y, &mut o, &q);
                    assert!((0..n).all(|c| o[c] as u128 == f(c)), "{op:?} into, {ctx}");
                    let mut a = x.clone();
                    binary_assign_on(path, op, &mut a, &y, &q);
                    assert_eq!(a, o, "{op:?} assign, {ctx}");
                }
                let mut a = z.clone();
                mul_add_assign_on(path, &mut a, &x, &y, &q);
                assert!(
                    (0..n).all(|c| a[c] as u128 == (z[c] as u128 + xw(c) * yw(c)) % qv),
                    "{ctx}"
                );
                let mut a = x.clone();
                neg_assign_on(path, &mut a, &q);
                assert!((0..n).all(|c| a[c] as u128 == (qv - xw(c)) % qv), "neg, {ctx}");
                for w in [0, 1, q.value() - 1, rng.next_u64() % q.value()] {
                    let ws = (w, q.shoup(w));
                    for (yo, zo) in [
                        (None, None),
                        (Some(&y[..]), None),
                        (Some(&y[..]), Some(&z[..])),
                        (None, Some(&z[..])),
                    ] {
                        let mut a = x.clone();
                        sub_mul_const_on(path, &mut a, yo, ws, zo, &q);
                        let e = |c: usize| {
                            let d = xw(c) + qv - yo.map_or(0, |y| y[c] as u128);
                            (d * w as u128 + zo.map_or(0, |z| z[c] as u128)) % qv
                        };
                        assert!(
                            (0..n).all(|c| a[c] as u128 == e(c)),
                            "(x - y) w + z, w = {w}, {ctx}"
                        );
                    }
                    let mut a = z.clone();
                    mul_const_add_assign_on(path, &mut a, &x, ws, &q);
                    assert!(
                        (0..n).all(|c| a[c] as u128 == (z[c] as u128 + xw(c) * w as u128) % qv),
                        "z + x w, w = {w}, {ctx}"
                    );
                }
            }
        }
    }
    // Automorphisms move aligned blocks of four (the vector kernel); any other permutation takes
    // the portable loop.
    for log_n in 1..=10u32 {
        let n = 1usize << log_n;
        let x: Vec<u64> = (0..n as u64).map(|i| i * 7 + 1).collect();
        let mut perms: Vec<Vec<u32>> = [1usize, 3, 5, 25, 2 * n - 1, (5usize.pow(7) % (2 * n)) | 1]
            .iter()
            .map(|&g| crate::math::poly::eval_automorphism_permutation(n, g))
            .collect();
        perms.push((0..n as u32).rev().collect());
        perms.push((0..n as u32).map(|i| (i * 3 + 1) % n as u32).collect());
        for (i, perm) in perms.iter().enumerate() {
            let p = Permutation::on(path, perm);
            let mut o = vec![0; n];
            p.apply(&x, &mut o);
            assert!(
                (0..n).all(|k| o[k] == x[perm[k] as usize]),
                "permutation {i}, n = {n}, {path}"
            );
            if i < 6 {
                assert_eq!(p.is_vectorised(), path >= Path::Avx2 && n >= 4, "n = {n}, {path}");
            }
        }
    }
}

#[test]
fn a_forced_path_falls_back_to_the_best_supported_below_it() {
    use Path::*;
    assert_eq!(resolve(None, Avx2), Avx2);
    assert_eq!(resolve(Some(Portable), Ifma), Portable);
    assert_eq!(resolve(Some(Avx2), Ifma), Avx2);
    assert_eq!(resolve(Some(Ifma), Avx2), Avx2);
    assert_eq!(resolve(Some(Ifma), Portable), Portable);
    assert_eq!(Path::parse(" AVX2 "), Some(Avx2));
    assert_eq!(Path::parse("sse"), None);
    assert!(path() <= best_supported() && Portable.is_supported());
    assert!(Path::ALL.windows(2).all(|w| !w[1].is_supported() || w[0].is_supported()));
}

#[test]
fn portable_tables_match_convolution() {
    check_convolution(Path::Portable);
    check_elementwise(Path::Portable);
    check_pointwise(Path::Portable);
}

#[test]
#[cfg_attr(not(ckks_cpu_avx2), ignore = "no AVX2 + FMA on this machine: kernels not run")]
fn avx2_ntt_matches_portable_at_every_size_and_width() {
    check_ntt_all_sizes(Path::Avx2);
    check_convolution(Path::Avx2);
}

#[test]
#[cfg_attr(not(ckks_cpu_avx2), ignore = "no AVX2 + FMA on this machine: kernels not run")]
fn avx2_elementwise_kernels_match_portable() {
    assert!(Path::Avx2.is_supported(), "the build machine had AVX2, this one has not");
    check_elementwise(Path::Avx2);
    check_pointwise(Path::Avx2);
}

#[test]
#[cfg_attr(not(ckks_cpu_ifma), ignore = "no AVX-512 IFMA on this machine: kernels not run")]
fn ifma_ntt_matches_portable_at_every_size_and_width() {
    check_ntt_all_sizes(Path::Ifma);
    check_convolution(Path::Ifma);
}

#[test]
#[cfg_attr(not(ckks_cpu_ifma), ignore = "no AVX-512 IFMA on this machine: kernels not run")]
fn ifma_elementwise_kernels_match_portable() {
    assert!(Path::Ifma.is_supported(), "the build machine had AVX-512 IFMA, this one has not");
    check_elementwise(Path::Ifma);
    check_pointwise(Path::Ifma);
}

/// A random width, degree and input shape per case, for the paths the CPU has.
fn random_case(path: Path, bits: u32, log_n: u32, seed: u64) -> std::result::Result<(), String> {
    if largest_ntt_prime(bits, 2 << log_n, &[]).is_none() {
        return Ok(());
    }
    std::panic::catch_unwind(|| check_ntt(path, bits, log_n, seed)).map_err(|e| {
        e.downcast_ref::<String>().cloned().unwrap_or_else(|| "kernel mismatch".to_string())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    #[cfg_attr(not(ckks_cpu_avx2), ignore = "no AVX2 + FMA on this machine: kernels not run")]
    fn avx2_ntt_random_cases(bits in 17u32..=61, log_n in 3u32..=12, seed: u64) {
        prop_assert_eq!(random_case(Path::Avx2, bits, log_n, seed), Ok(()));
    }

    #[test]
    #[cfg_attr(not(ckks_cpu_ifma), ignore = "no AVX-512 IFMA on this machine: kernels not run")]
    fn ifma_ntt_random_cases(bits in 17u32..=61, log_n in 3u32..=12, seed: u64) {
        prop_assert_eq!(random_case(Path::Ifma, bits, log_n, seed), Ok(()));
    }
}
