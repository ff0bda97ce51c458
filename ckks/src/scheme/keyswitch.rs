//! Hybrid key switching: decompose (mod-up each digit to `Q_l P`), inner product with the key,
//! mod-down by `P`. Decomposition is separate so that several rotations of one ciphertext can
//! share it (hoisting).

use super::context::Context;
use super::keys::SwitchingKey;
use crate::math::{Eval, Modulus, NttTable, RnsPoly};
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

/// Where limb `t` of the `Q_l ∪ P` layout lives in `key`, stored over `Q_K ∪ P` for its top
/// level `K >= l` (`K = L` but for keys restricted to the levels they are used at).
fn key_limb(ctx: &Context, key: &SwitchingKey, level: usize, t: usize) -> usize {
    if t <= level {
        t
    } else {
        let key_q = key.digits[0].0.num_limbs() - ctx.p_basis().len();
        key_q + (t - level - 1)
    }
}

/// Running sums `sum_j src_j b_j` and `sum_j src_j a_j` for one output limb, kept exact (52-bit
/// halves on the IFMA path, 128-bit words otherwise; at most 64 digits) and reduced once.
enum LimbSums {
    #[cfg(target_arch = "x86_64")]
    Ifma(Vec<u64>),
    Scalar(Vec<u128>, Vec<u128>),
}

impl LimbSums {
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
    fn new(table: &NttTable, n: usize) -> Self {
        #[cfg(target_arch = "x86_64")]
        if table.uses_simd() && n.is_multiple_of(8) {
            return Self::Ifma(vec![0; 4 * n]);
        }
        Self::Scalar(vec![0; n], vec![0; n])
    }

    /// Adds the products of one digit's limb `src` with the key limbs `b` and `a`.
    fn add(&mut self, src: &[u64], b: &[u64], a: &[u64]) {
        match self {
            // SAFETY: `Ifma` is only chosen when the table's CPU check passed (AVX-512F and
            // IFMA) and q < 2^51; all limbs have N (a multiple of 8) entries below q, and key
            // switching has at most 64 digits.
            #[cfg(target_arch = "x86_64")]
            Self::Ifma(acc) => unsafe { crate::math::ntt_ifma::mac2(src, b, a, acc) },
            Self::Scalar(acc0, acc1) => {
                for (((x0, x1), &v), (&bv, &av)) in
                    acc0.iter_mut().zip(acc1.iter_mut()).zip(src).zip(b.iter().zip(a))
                {
                    *x0 += v as u128 * bv as u128;
                    *x1 += v as u128 * av as u128;
                }
            }
        }
    }

    /// The two sums modulo `q`.
    fn finish(self, q: &Modulus, o0: &mut [u64], o1: &mut [u64]) {
        match self {
            // SAFETY: as in `add`.
            #[cfg(target_arch = "x86_64")]
            Self::Ifma(acc) => unsafe { crate::math::ntt_ifma::reduce_sums(&acc, q, o0, o1) },
            Self::Scalar(acc0, acc1) => {
                for ((x0, x1), (y0, y1)) in
                    acc0.iter().zip(&acc1).zip(o0.iter_mut().zip(o1.iter_mut()))
                {
                    *y0 = q.reduce_u128(*x0);
                    *y1 = q.reduce_u128(*x1);
                }
            }
        }
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
            let kl = key_limb(ctx, key, level, t);
            let mut sums = LimbSums::new(&basis_qp[t], n);
            for (digit, (b, a)) in dec.digits.iter().zip(&key.digits) {
                sums.add(digit.limb(t), b.limb(kl), a.limb(kl));
            }
            sums.finish(basis_qp[t].modulus(), o0, o1);
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
            let (w, ws) = p_inv[i];
            for (a, &b) in xi.iter_mut().zip(ci.iter()) {
                // (x - conv) * P^-1; x - conv + 2q keeps the lazy product input positive.
                *a = q.mul_shoup(*a + q.value() - b, w, ws);
            }
        },
    );
    x
}

/// Switches `d` (over `Q_level`) under `key`: returns `(u_0, u_1)` with
/// `u_0 + u_1 s ~ d s'` where `key` switches `s'` to `s`.
///
/// Unlike [`decompose`] + [`inner_product`] (which hoisted rotations need), this never holds
/// the whole decomposition: each output limb mod-ups every digit into one `N`-word buffer, takes
/// its NTT and adds its products with the key at once, so the working memory is a few limbs per
/// thread instead of `dnum` polynomials over `Q_l P`.
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
        .iter()
        .map(|mu| {
            let input = &d_coeff.data()[mu.digit.start * n..mu.digit.end * n];
            mu.converter.prepare(input, n)
        })
        .collect();
    let mut out0 = RnsPoly::<Eval>::zero(n, width);
    let mut out1 = RnsPoly::<Eval>::zero(n, width);
    out0.data_mut().par_chunks_mut(n).zip(out1.data_mut().par_chunks_mut(n)).enumerate().for_each(
        |(t, (o0, o1))| {
            let table = &basis_qp[t];
            let kl = key_limb(ctx, key, level, t);
            let mut buf = vec![0u64; n];
            let mut sums = LimbSums::new(table, n);
            for (j, (mu, (b, a))) in mod_ups.iter().zip(&key.digits).enumerate() {
                // Digit j of d, mod-upped to prime t, in evaluation form.
                let src = if mu.digit.contains(&t) {
                    d.limb(t)
                } else {
                    let k = if t < mu.digit.start { t } else { t - mu.digit.len() };
                    mu.converter.finish(&prepared[j], k, &mut buf);
                    table.forward(&mut buf);
                    &buf[..]
                };
                sums.add(src, b.limb(kl), a.limb(kl));
            }
            sums.finish(table.modulus(), o0, o1);
        },
    );
    (mod_down(ctx, out0, level), mod_down(ctx, out1, level))
}
