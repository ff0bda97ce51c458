//! Hybrid key switching: decompose (mod-up each digit to `Q_l P`), inner product with the key,
//! mod-down by `P`. Decomposition is separate so that several rotations of one ciphertext can
//! share it (hoisting). [`KeySwitchCost`] counts what a key switch performs (the cost model of
//! `examples/keyswitch_cost.rs`).

use super::context::Context;
use super::keys::SwitchingKey;
use crate::math::simd::{pointwise, ProductSums};
use crate::math::{Eval, RnsPoly};
use rayon::prelude::*;

/// `ModUp` of every digit of a polynomial at one level: digit `j` as a polynomial over
/// `Q_l ∪ P` that is congruent to the digit's residues on the digit's primes.
pub(crate) struct Decomposition {
    pub level: usize,
    pub digits: Vec<RnsPoly<Eval>>,
}

/// Decomposes `d` (over `Q_level`, evaluation form).
pub(crate) fn decompose(ctx: &Context, d: &RnsPoly<Eval>, level: usize) -> Decomposition {
    let n = ctx.n();
    let basis_qp = ctx.basis_qp(level);
    let d_coeff = d.clone().into_coeff(ctx.basis_q(level));
    let width = basis_qp.len();
    let digits = ctx
        .mod_up(level)
        .par_iter()
        .map(|mu| {
            let mut out = RnsPoly::<Eval>::zero(n, width);
            let (before, rest) = out.data_mut().split_at_mut(mu.digit.start * n);
            let (own, after) = rest.split_at_mut(mu.digit.len() * n);
            own.copy_from_slice(&d.data()[mu.digit.start * n..mu.digit.end * n]);
            // The targets are every other limb, in order: convert straight into them.
            let mut targets: Vec<&mut [u64]> =
                before.chunks_mut(n).chain(after.chunks_mut(n)).collect();
            let input = &d_coeff.data()[mu.digit.start * n..mu.digit.end * n];
            mu.converter.convert_limbs(input, targets.iter_mut().map(|l| &mut **l).collect(), n);
            targets
                .par_iter_mut()
                .zip(mu.targets.par_iter())
                .for_each(|(limb, &pos)| basis_qp[pos].forward(limb));
            out
        })
        .collect();
    Decomposition { level, digits }
}

/// Where limb `t` of the `Q_l ∪ P` layout lives in a key stored over `Q_L ∪ P`.
fn key_limb(ctx: &Context, level: usize, t: usize) -> usize {
    if t <= level {
        t
    } else {
        ctx.max_level() + 1 + (t - level - 1)
    }
}

/// `sum_j digit_j * (b_j, a_j)` over `Q_l ∪ P`. Accumulates exactly and reduces once.
pub(crate) fn inner_product(
    ctx: &Context,
    dec: &Decomposition,
    key: &SwitchingKey,
) -> (RnsPoly<Eval>, RnsPoly<Eval>) {
    let n = ctx.n();
    let level = dec.level;
    let basis_qp = ctx.basis_qp(level);
    let width = basis_qp.len();
    let mut out0 = RnsPoly::<Eval>::zero(n, width);
    let mut out1 = RnsPoly::<Eval>::zero(n, width);
    out0.data_mut().par_chunks_mut(n).zip(out1.data_mut().par_chunks_mut(n)).enumerate().for_each(
        |(t, (o0, o1))| {
            let kl = key_limb(ctx, level, t);
            let mut sums = ProductSums::new(basis_qp[t].modulus(), n);
            for (digit, (b, a)) in dec.digits.iter().zip(&key.digits) {
                sums.add(digit.limb(t), b.limb(kl), a.limb(kl));
            }
            sums.finish(o0, o1);
        },
    );
    (out0, out1)
}

/// `round(x / P)` over `Q_l` for `x` over `Q_l ∪ P` (evaluation form in and out).
pub(crate) fn mod_down(ctx: &Context, mut x: RnsPoly<Eval>, level: usize) -> RnsPoly<Eval> {
    let n = ctx.n();
    let q_limbs = level + 1;
    let p_basis = ctx.p_basis();
    let mut p_part = x.data()[q_limbs * n..].to_vec();
    p_part.par_chunks_mut(n).zip(p_basis.par_iter()).for_each(|(l, t)| t.inverse(l));
    let mut conv = vec![0u64; q_limbs * n];
    ctx.mod_down_converter().convert(&p_part, &mut conv, n);
    let basis_q = ctx.basis_q(level);
    let p_inv = ctx.p_inv_mod_q();
    x.truncate(q_limbs);
    x.data_mut().par_chunks_mut(n).zip(conv.par_chunks_mut(n)).enumerate().for_each(
        |(i, (xi, ci))| {
            let t = &basis_q[i];
            t.forward(ci);
            let q = t.modulus();
            // (x - conv) * P^-1.
            pointwise::sub_mul_const(xi, Some(ci), p_inv[i], None, q);
        },
    );
    x
}

/// Switches `d` (over `Q_level`) under `key`: returns `(u_0, u_1)` with
/// `u_0 + u_1 s ~ d s'` where `key` switches `s'` to `s`.
///
/// Unlike [`decompose`] + [`inner_product`] + [`mod_down`] (which hoisted rotations need), this
/// never holds the whole decomposition: each output limb mod-ups every digit into one `N`-word
/// buffer, takes its NTT and adds its products with the key at once, so the working memory is a
/// few limbs per thread instead of `dnum` polynomials over `Q_l P`. The special primes' limbs
/// come first; each ciphertext prime's limb is then mod-downed as soon as it is summed. The
/// arithmetic is that of the three separate steps (tested equal).
pub(crate) fn key_switch(
    ctx: &Context,
    d: &RnsPoly<Eval>,
    level: usize,
    key: &SwitchingKey,
) -> (RnsPoly<Eval>, RnsPoly<Eval>) {
    let n = ctx.n();
    let basis_qp = ctx.basis_qp(level);
    let width = basis_qp.len();
    let d_coeff = d.clone().into_coeff(ctx.basis_q(level));
    let mod_ups = ctx.mod_up(level);
    let prepared: Vec<_> = mod_ups
        .par_iter()
        .map(|mu| {
            let input = &d_coeff.data()[mu.digit.start * n..mu.digit.end * n];
            mu.converter.prepare(input, n)
        })
        .collect();
    let q_limbs = level + 1;
    // The inner product of prime t: every digit mod-upped to t (or its own residues), in
    // evaluation form, times the key.
    let inner =
        |t: usize, buf: &mut Vec<u64>, sums: &mut ProductSums, o0: &mut [u64], o1: &mut [u64]| {
            let table = &basis_qp[t];
            let kl = key_limb(ctx, level, t);
            sums.reset(table.modulus(), n);
            for (j, (mu, (b, a))) in mod_ups.iter().zip(&key.digits).enumerate() {
                let src = if mu.digit.contains(&t) {
                    d.limb(t)
                } else {
                    let k = if t < mu.digit.start { t } else { t - mu.digit.len() };
                    mu.converter.finish(&prepared[j], k, buf);
                    table.forward(buf);
                    &buf[..]
                };
                sums.add(src, b.limb(kl), a.limb(kl));
            }
            sums.finish(o0, o1);
        };
    // One mod-up buffer and one set of sums per rayon job, reused from limb to limb.
    let scratch = || (vec![0u64; n], ProductSums::new(basis_qp[0].modulus(), n));
    // The special primes first, back in coefficient form for the mod-down.
    let k = width - q_limbs;
    let (mut p0, mut p1) = (vec![0u64; k * n], vec![0u64; k * n]);
    p0.par_chunks_mut(n).zip(p1.par_chunks_mut(n)).enumerate().for_each_init(
        scratch,
        |(buf, sums), (i, (o0, o1))| {
            inner(q_limbs + i, buf, sums, o0, o1);
            basis_qp[q_limbs + i].inverse(o0);
            basis_qp[q_limbs + i].inverse(o1);
        },
    );
    let down = ctx.mod_down_converter();
    let (prep0, prep1) = rayon::join(|| down.prepare(&p0, n), || down.prepare(&p1, n));
    let prep = [prep0, prep1];
    let p_inv = ctx.p_inv_mod_q();
    // Then each ciphertext prime, with its mod-down at once (as `mod_down`, limb by limb, while
    // the limb is in cache): (x - conv(x_P)) P^-1.
    let mut out = [RnsPoly::<Eval>::zero(n, q_limbs), RnsPoly::<Eval>::zero(n, q_limbs)];
    let [out0, out1] = &mut out;
    out0.data_mut()
        .par_chunks_mut(n)
        .zip(out1.data_mut().par_chunks_mut(n))
        .enumerate()
        .for_each_init(scratch, |(buf, sums), (t, (o0, o1))| {
            inner(t, buf, sums, o0, o1);
            let table = &basis_qp[t];
            let q = table.modulus();
            for (o, pr) in [o0, o1].into_iter().zip(&prep) {
                down.finish(pr, t, buf);
                table.forward(buf);
                pointwise::sub_mul_const(o, Some(buf), p_inv[t], None, q);
            }
        });
    let [out0, out1] = out;
    (out0, out1)
}

/// What one key switch (as relinearize and rotate run it) performs at one level:
/// the kernel calls per prime of `Q_l ∪ P` (in that layout: `q_0 .. q_l`, then the special
/// primes), and the base-conversion multiply-accumulates per coefficient.
///
/// With `l + 1` ciphertext primes, `k` special primes and `d` digits of sizes `a_j` at this
/// level: `l + 1 + 2k` inverse NTTs (the input, and the special part of both mod-downs);
/// `sum_j (l + 1 + k - a_j) + 2 (l + 1)` forward NTTs (each digit's mod-up targets, and both
/// mod-downs' results); `2d` inner-product products per coefficient of every prime; and
/// `sum_j a_j (l + 1 + k - a_j) + 2k (l + 1)` conversion products per coefficient (a
/// single-prime digit's conversion is a centred lift, counted as one per target).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySwitchCost {
    /// The level.
    pub level: usize,
    /// Digits with primes at this level.
    pub digits: usize,
    /// The special primes' count `k`.
    pub special: usize,
    /// Forward NTTs on each prime of `Q_l ∪ P`.
    pub forward_ntts: Vec<usize>,
    /// Inverse NTTs on each prime of `Q_l ∪ P`.
    pub inverse_ntts: Vec<usize>,
    /// Inner-product terms (one term = two products, with `b_j` and `a_j`) on each prime.
    pub inner_product_terms: Vec<usize>,
    /// Per digit: its size and its mod-up targets' count.
    pub mod_up: Vec<(usize, usize)>,
    /// Base-conversion multiply-accumulates per coefficient (mod-up and both mod-downs).
    pub conversion_macs: usize,
}

impl KeySwitchCost {
    /// The model of a key switch of a polynomial over `Q_level` under `ctx`.
    ///
    /// # Panics
    /// If `level > ctx.max_level()`.
    pub fn of(ctx: &Context, level: usize) -> Self {
        let q = level + 1;
        let k = ctx.p_basis().len();
        let width = q + k;
        let mod_ups = ctx.mod_up(level);
        let mut forward_ntts = vec![0; width];
        let mut inverse_ntts = vec![0; width];
        for (t, count) in inverse_ntts.iter_mut().enumerate() {
            *count = if t < q { 1 } else { 2 };
        }
        for mu in mod_ups {
            for &t in &mu.targets {
                forward_ntts[t] += 1;
            }
        }
        for f in &mut forward_ntts[..q] {
            *f += 2;
        }
        let mod_up: Vec<(usize, usize)> =
            mod_ups.iter().map(|mu| (mu.digit.len(), mu.targets.len())).collect();
        let conversion_macs =
            mod_up.iter().map(|&(a, targets)| a * targets).sum::<usize>() + 2 * k * q;
        Self {
            level,
            digits: mod_ups.len(),
            special: k,
            forward_ntts,
            inverse_ntts,
            inner_product_terms: vec![mod_ups.len(); width],
            mod_up,
            conversion_macs,
        }
    }

    /// All forward NTTs.
    pub fn total_forward(&self) -> usize {
        self.forward_ntts.iter().sum()
    }

    /// All inverse NTTs.
    pub fn total_inverse(&self) -> usize {
        self.inverse_ntts.iter().sum()
    }

    /// Inner-product multiply-accumulates per coefficient (two per term).
    pub fn inner_product_macs(&self) -> usize {
        2 * self.inner_product_terms.iter().sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParametersLiteral, Prng, SecretKey};

    /// The fused key switch equals decomposition, inner product and mod-down done apart, at every
    /// level, for uneven digits and several special primes.
    #[test]
    fn fused_key_switch_equals_the_three_steps() {
        let ctx = ParametersLiteral::with_levels(10, 4, 50, 40, 30, 2)
            .security(crate::Security::InsecureToyParameters)
            .build()
            .unwrap();
        assert!(ctx.p_basis().len() > 1);
        let mut prng = Prng::from_u64_seed(4);
        let sk = SecretKey::generate(&ctx, &mut prng);
        let rk = sk.relinearization_key(&mut prng);
        for level in 0..=ctx.max_level() {
            let d = prng.uniform_poly(ctx.n(), ctx.basis_q(level));
            let (u0, u1) = key_switch(&ctx, &d, level, &rk.0);
            let (x0, x1) = inner_product(&ctx, &decompose(&ctx, &d, level), &rk.0);
            assert_eq!(u0, mod_down(&ctx, x0, level), "level {level}");
            assert_eq!(u1, mod_down(&ctx, x1, level), "level {level}");
        }
    }

    /// The model against the closed forms of its documentation, on a context whose digits are
    /// uneven (7 primes in digits of 3).
    #[test]
    fn cost_model_matches_the_closed_forms() {
        let ctx = ParametersLiteral::with_levels(10, 6, 50, 40, 50, 3)
            .security(crate::Security::InsecureToyParameters)
            .build()
            .unwrap();
        let k = ctx.p_basis().len();
        for level in 0..=ctx.max_level() {
            let c = KeySwitchCost::of(&ctx, level);
            let q = level + 1;
            let sizes: Vec<usize> = ctx
                .digits()
                .iter()
                .filter(|d| d.start <= level)
                .map(|d| d.end.min(q) - d.start)
                .collect();
            assert_eq!(c.digits, sizes.len());
            assert_eq!(c.total_inverse(), q + 2 * k);
            let fwd: usize = sizes.iter().map(|a| q + k - a).sum::<usize>() + 2 * q;
            assert_eq!(c.total_forward(), fwd, "level {level}");
            assert_eq!(c.inner_product_macs(), 2 * sizes.len() * (q + k));
            let conv: usize = sizes.iter().map(|a| a * (q + k - a)).sum::<usize>() + 2 * k * q;
            assert_eq!(c.conversion_macs, conv);
        }
    }
}
