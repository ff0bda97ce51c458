//! The encrypted linear transform with double hoisting (Bossuat, Mouchet, Troncoso-Pastoriza,
//! Hubaux, EUROCRYPT 2021): the baby rotations share one decomposition and stay in the extended
//! basis `Q_l P` (no division by `P`), the diagonals are encoded over `Q_l P` too, each giant
//! step's inner sum is divided by `P` once before its own rotation, whose result stays in
//! `Q_l P` as well, and the sum of the giant steps is divided by `P` once at the end.
//!
//! Against [`LinearTransform::apply`] (one decomposition, but a division by `P` per rotation),
//! this saves two divisions by `P` (each `k` inverse and `l + 1` forward NTTs) per baby step
//! and per giant step, less two. The values are the same up to the key-switching noise.

use super::keys::TransformKeys;
use super::lt::LinearTransform;
use crate::error::Result;
use crate::math::poly::for_each_limb;
use crate::math::simd::pointwise::{self, Op};
use crate::math::simd::ProductSums;
use crate::math::{Basis, Eval, RnsPoly};
use crate::rlwe::keys::SwitchingKey;
use crate::rlwe::keyswitch::{decompose, inner_product_with, mod_down, Decomposition, Epilogue};
use crate::scheme::rules;
use crate::scheme::{Ciphertext, Context};
use num_complex::Complex64;
use rayon::prelude::*;

/// `values` encoded at `level` and `scale` over `Q_level P` (evaluation form).
///
/// # Errors
/// [`crate::CkksError::EncodingOverflow`] if a scaled coefficient does not fit half of
/// `Q_level`.
pub(crate) fn encode_qp(
    ctx: &Context,
    values: &[Complex64],
    level: usize,
    scale: f64,
) -> Result<RnsPoly<Eval>> {
    let coeffs = ctx.encoder().slots_to_coeffs(values);
    let max_log2 = ctx.chain().log_q(level) - 1.0;
    let ints = coeffs
        .iter()
        .map(|&c| rules::scaled_int(c * scale, max_log2, c, scale))
        .collect::<Result<Vec<_>>>()?;
    let basis = ctx.basis_qp(level);
    let n = ctx.n();
    let mut poly = RnsPoly::<Eval>::zero(n, basis.len());
    for_each_limb(poly.data_mut(), n, basis, |l, t| {
        for (x, c) in l.iter_mut().zip(&ints) {
            *x = c.residue(t.modulus());
        }
        t.forward(l);
    });
    Ok(poly)
}

/// `P c` over `Q_l P`: the `Q_l` limbs times `P`, zero modulo `P`.
fn extend(ctx: &Context, c: &RnsPoly<Eval>, level: usize) -> RnsPoly<Eval> {
    let n = ctx.n();
    let mut out = RnsPoly::<Eval>::zero(n, level + 1 + ctx.p_basis().len());
    let basis = ctx.basis_q(level);
    out.data_mut()[..(level + 1) * n]
        .par_chunks_mut(n)
        .zip(c.data().par_chunks(n))
        .enumerate()
        .for_each(|(i, (o, x))| {
            let q = basis[i].modulus();
            let p = ctx.p_mod_q()[i];
            let ps = q.shoup(p);
            for (o, &x) in o.iter_mut().zip(x) {
                *o = q.mul_shoup(x, p, ps);
            }
        });
    out
}

/// A ciphertext over `Q_l P`: its two components.
type Pair = (RnsPoly<Eval>, RnsPoly<Eval>);

/// `sum_j a_j o b_j` for both components `b_j = (b0_j, b1_j)`, limb by limb: the products
/// accumulated exactly by the key switch's inner-product kernel ([`ProductSums`]) and reduced
/// once per [`ProductSums::MAX_TERMS`] terms.
fn dot(basis: &Basis, terms: &[(&RnsPoly<Eval>, &Pair)]) -> Pair {
    let n = terms[0].0.n();
    let limbs = basis.len();
    let mut out0 = RnsPoly::<Eval>::zero(n, limbs);
    let mut out1 = RnsPoly::<Eval>::zero(n, limbs);
    out0.data_mut().par_chunks_mut(n).zip(out1.data_mut().par_chunks_mut(n)).enumerate().for_each(
        |(t, (o0, o1))| {
            let q = basis[t].modulus();
            let mut sums = ProductSums::new(q, n);
            let (mut p0, mut p1) = (Vec::new(), Vec::new());
            for (k, chunk) in terms.chunks(ProductSums::MAX_TERMS).enumerate() {
                for (a, (b0, b1)) in chunk {
                    sums.add(a.limb(t), b0.limb(t), b1.limb(t));
                }
                if k == 0 {
                    sums.finish(o0, o1);
                } else {
                    // More terms than the sums hold exactly: add this chunk's reduced sums.
                    p0.resize(n, 0);
                    p1.resize(n, 0);
                    sums.finish(&mut p0, &mut p1);
                    pointwise::binary_assign(Op::Add, o0, &p0, q);
                    pointwise::binary_assign(Op::Add, o1, &p1, q);
                }
                sums.reset(q, n);
            }
        },
    );
    (out0, out1)
}

/// `x + y` over `basis`, componentwise.
fn add_pair(x: Pair, y: &Pair, basis: &Basis) -> Pair {
    let (mut a, mut b) = x;
    a.add_assign(&y.0, basis);
    b.add_assign(&y.1, basis);
    (a, b)
}

/// `sigma(P c_0 + u_0, u_1)` over `Q_l P`, `(u_0, u_1)` the inner product of `dec` (c_1's
/// decomposition) with `key` (stored as `sigma^-1` of itself), `ext0 = P c_0`: the rotation by
/// `sigma` (`permutation`) kept in the extended basis, in one pass per limb.
fn rotated(
    ctx: &Context,
    dec: &Decomposition,
    key: &SwitchingKey,
    ext0: &RnsPoly<Eval>,
    permutation: &[u32],
) -> Pair {
    let epilogue = Epilogue { add: [Some(ext0), None], permutation: Some(permutation) };
    inner_product_with(ctx, dec, key, epilogue)
}

/// `x` (level `lt.level`) times the transform, by double hoisting, without the final rescale:
/// scale `x.scale * lt.plain_scale`. `diags[g][j]` is giant step `g`'s `j`-th diagonal over
/// `Q_l P` ([`encode_qp`] of [`LinearTransform::diagonal_values`]).
///
/// # Errors
/// [`crate::CkksError::MissingRotationKey`] for a rotation without a key of that level.
pub(crate) fn apply(
    ctx: &Context,
    x: &Ciphertext,
    lt: &LinearTransform,
    diags: &[Vec<RnsPoly<Eval>>],
    keys: &TransformKeys,
) -> Result<Ciphertext> {
    let l = lt.level;
    assert_eq!(x.level, l, "the transform's input level");
    let basis = ctx.basis_qp(l);
    let (c0, c1) = (&x.parts[0], &x.parts[1]);
    let ext0 = extend(ctx, c0, l);
    // Rotating (c_0, c_1) by sigma in Q_l P: sigma(P c_0 + u_0, u_1), (u_0, u_1) the inner
    // product of c_1's decomposition with the key (stored as sigma^-1 of itself).
    let rotate_ext = |ext0: &RnsPoly<Eval>, c1: &RnsPoly<Eval>, step: usize| {
        let key = keys.get(ctx, step, l)?;
        let dec = decompose(ctx, c1, l);
        Ok::<_, crate::CkksError>(rotated(ctx, &dec, &key.key, ext0, &key.permutation))
    };
    let dec = decompose(ctx, c1, l);
    let babies = lt
        .babies
        .par_iter()
        .map(|&b| {
            if b == 0 {
                return Ok((ext0.clone(), extend(ctx, c1, l)));
            }
            let key = keys.get(ctx, b, l)?;
            Ok(rotated(ctx, &dec, &key.key, &ext0, &key.permutation))
        })
        .collect::<Result<Vec<_>>>()?;
    drop(dec);
    let mut total: Option<Pair> = None;
    for (g, diags) in lt.giants.iter().zip(diags) {
        let terms: Vec<_> = g.terms.iter().zip(diags).map(|(&(b, _), d)| (d, &babies[b])).collect();
        let inner = dot(basis, &terms);
        let contribution = if g.step == 0 {
            inner
        } else {
            let (d0, d1) = (mod_down(ctx, inner.0, l), mod_down(ctx, inner.1, l));
            rotate_ext(&extend(ctx, &d0, l), &d1, g.step)?
        };
        total = Some(match total {
            None => contribution,
            Some(t) => add_pair(t, &contribution, basis),
        });
    }
    let (t0, t1) = total.expect("a transform has diagonals");
    Ok(Ciphertext {
        parts: vec![mod_down(ctx, t0, l), mod_down(ctx, t1, l)],
        level: l,
        scale: x.scale * lt.plain_scale,
        params_hash: x.params_hash,
    })
}

/// `x` plus its rotations by `steps` (level `x.level`), by double hoisting: one decomposition
/// of `c_1`, each rotation kept in `Q_l P` (its inner product, `P c_0` added and the
/// permutation, in one pass per limb), the rotations summed there and divided by `P` once; then
/// `x` itself added. Against one rotation after another: `steps.len() - 1` decompositions and
/// `2 steps.len() - 2` divisions by `P` fewer. Scale and level unchanged.
///
/// # Errors
/// [`crate::CkksError::MissingRotationKey`] for a step without a key of that level.
pub(crate) fn rotation_sum(
    ctx: &Context,
    x: &Ciphertext,
    steps: &[usize],
    keys: &TransformKeys,
) -> Result<Ciphertext> {
    let l = x.level;
    let keys = steps.iter().map(|&s| keys.get(ctx, s, l)).collect::<Result<Vec<_>>>()?;
    let basis = ctx.basis_qp(l);
    let ext0 = extend(ctx, &x.parts[0], l);
    let dec = decompose(ctx, &x.parts[1], l);
    let sum = keys
        .par_iter()
        .map(|k| rotated(ctx, &dec, &k.key, &ext0, &k.permutation))
        .reduce_with(|a, b| add_pair(a, &b, basis));
    let Some((s0, s1)) = sum else { return Ok(x.clone()) };
    let q = ctx.basis_q(l);
    let mut u0 = mod_down(ctx, s0, l);
    let mut u1 = mod_down(ctx, s1, l);
    u0.add_assign(&x.parts[0], q);
    u1.add_assign(&x.parts[1], q);
    Ok(Ciphertext { parts: vec![u0, u1], level: l, scale: x.scale, params_hash: x.params_hash })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boot::keys::TransformKeys;
    use crate::boot::plan::Transform;
    use crate::boot::{BootstrapConfig, BootstrapPlan};
    use crate::eval::{CkksEvaluator, HomomorphicEvaluator};
    use crate::{EvaluationKeys, Evaluator, Prng, SecretKey, Security};
    use std::sync::Arc;

    /// Double hoisting against the transform evaluated through the evaluator interface (one
    /// decomposition, a division by P per rotation): the same values up to noise, at the same
    /// level and scale.
    #[test]
    fn double_hoisting_matches_the_generic_transform() {
        for slots in [None, Some(16)] {
            let config = BootstrapConfig {
                slots,
                cts_levels: 2,
                stc_levels: 2,
                ..BootstrapConfig::default()
            };
            let lit = config.parameters(10, 1, 60, 40, Security::InsecureToyParameters).unwrap();
            let ctx = lit.build().unwrap();
            let plan = BootstrapPlan::new(ctx.chain(), &config).unwrap();
            let mut prng = Prng::from_u64_seed(5);
            let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
            let steps: Vec<i64> = plan.transform_rotations().keys().map(|&s| s as i64).collect();
            let keys = EvaluationKeys {
                relinearization: None,
                galois: sk.galois_keys(&steps, true, &mut prng),
            };
            let he = HomomorphicEvaluator::with_secret_key(
                Evaluator::new(&ctx, keys).unwrap(),
                sk.clone(),
            )
            .unwrap();
            let tk = TransformKeys::generate(&sk, &plan.transform_rotations(), &mut prng);
            let plains = plan.encode(&he).unwrap();
            let (cts_m, stc_m) = plan.matrices();
            for (t, ms) in [(Transform::CoeffsToSlots, &cts_m), (Transform::SlotsToCoeffs, &stc_m)]
            {
                for (f, (lt, m)) in plan.factors(t).iter().zip(ms).enumerate() {
                    let values: Vec<f64> =
                        (0..ctx.slots()).map(|i| ((i * 7 + f) % 13) as f64 / 13.0 - 0.5).collect();
                    let x = he.encrypt(&values, lt.level).unwrap();
                    let diags: Vec<Vec<RnsPoly<Eval>>> = lt
                        .diagonal_values(m, ctx.slots())
                        .iter()
                        .map(|g| {
                            g.iter()
                                .map(|v| encode_qp(&ctx, v, lt.level, lt.plain_scale).unwrap())
                                .collect()
                        })
                        .collect();
                    let fast = he.rescale(&apply(&ctx, &x, lt, &diags, &tk).unwrap()).unwrap();
                    let plain = match t {
                        Transform::CoeffsToSlots => &plains.cts[f],
                        Transform::SlotsToCoeffs => &plains.stc[f],
                        Transform::Trace => unreachable!("the trace has no factors"),
                    };
                    let slow = lt.apply(&he, &x, plain).unwrap();
                    assert_eq!((fast.level(), fast.scale()), (slow.level(), slow.scale()));
                    let a = ctx.decode_complex(&sk.decrypt(&fast).unwrap()).unwrap();
                    let b = ctx.decode_complex(&sk.decrypt(&slow).unwrap()).unwrap();
                    let mag = b.iter().map(|z| z.norm()).fold(0.0, f64::max);
                    let err = a.iter().zip(&b).map(|(x, y)| (x - y).norm()).fold(0.0, f64::max);
                    assert!(
                        err < 1e-6 * mag.max(1e-3),
                        "{t:?} factor {f}: {err} (magnitude {mag})"
                    );
                }
            }
        }
    }

    /// The trace's rounds by double hoisting against the same rounds through the evaluator
    /// interface ([`BootstrapPlan::trace_round`]: hoisted rotations, each divided by `P`) and
    /// against the slots' own sums: the same values up to noise, at the same level and scale.
    #[test]
    fn double_hoisted_trace_rounds_match_the_generic_ones_and_the_slot_sums() {
        let config = BootstrapConfig::with_slots(Some(16));
        let lit = config.parameters(10, 1, 60, 40, Security::InsecureToyParameters).unwrap();
        let ctx = lit.build().unwrap();
        let plan = BootstrapPlan::new(ctx.chain(), &config).unwrap();
        // N = 2^10, 16 slots: 5 doublings, the first before the transforms, then 2 + 2.
        assert_eq!(plan.trace_steps(), &[16]);
        assert_eq!(plan.trace_rounds(), &[vec![32, 64, 96], vec![128, 256, 384]]);
        let mut prng = Prng::from_u64_seed(6);
        let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
        let steps: Vec<i64> = plan.trace_rounds().iter().flatten().map(|&s| s as i64).collect();
        let keys = EvaluationKeys {
            relinearization: None,
            galois: sk.galois_keys(&steps, false, &mut prng),
        };
        let he =
            HomomorphicEvaluator::with_secret_key(Evaluator::new(&ctx, keys).unwrap(), sk.clone())
                .unwrap();
        let tk = TransformKeys::generate(&sk, &plan.transform_rotations(), &mut prng);
        let level = plan.reduction_level();
        let values: Vec<f64> =
            (0..ctx.slots()).map(|i| ((i * 5) % 17) as f64 / 17.0 - 0.5).collect();
        let mut x = he.encrypt(&values, level).unwrap();
        let mut want = values.clone();
        for (r, round) in plan.trace_rounds().iter().enumerate() {
            let fast = rotation_sum(&ctx, &x, round, &tk).unwrap();
            let slow = plan.trace_round(&he, &x, r).unwrap();
            assert_eq!((fast.level(), fast.scale()), (x.level(), x.scale()));
            assert_eq!((slow.level(), slow.scale()), (x.level(), x.scale()));
            let n = want.len();
            want = (0..n)
                .map(|i| want[i] + round.iter().map(|&s| want[(i + s) % n]).sum::<f64>())
                .collect();
            let a = ctx.decode(&sk.decrypt(&fast).unwrap()).unwrap();
            let b = ctx.decode(&sk.decrypt(&slow).unwrap()).unwrap();
            let err =
                |u: &[f64]| u.iter().zip(&want).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
            assert!(err(&a) < 1e-6 && err(&b) < 1e-6, "round {r}: {} / {}", err(&a), err(&b));
            x = fast;
        }
        // A missing key is a typed error, not a panic.
        let none = TransformKeys::default();
        assert!(matches!(
            rotation_sum(&ctx, &x, &plan.trace_rounds()[0], &none),
            Err(crate::CkksError::MissingRotationKey { step: 32, .. })
        ));
    }
}
