//! Hybrid key switching: decompose (mod-up each digit to `Q_l P`), inner product with the key,
//! mod-down by `P`. Decomposition is separate so that several rotations of one ciphertext can
//! share it (hoisting).

use super::context::Context;
use super::keys::SwitchingKey;
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
    let top = ctx.max_level();
    let key_limb = |t: usize| {
        if t <= level {
            t
        } else {
            top + 1 + (t - level - 1)
        }
    };
    let mut out0 = RnsPoly::<Eval>::zero(n, width);
    let mut out1 = RnsPoly::<Eval>::zero(n, width);
    const CHUNK: usize = 256;
    out0.data_mut().par_chunks_mut(n).zip(out1.data_mut().par_chunks_mut(n)).enumerate().for_each(
        |(t, (o0, o1))| {
            let q = basis_qp[t].modulus();
            let kl = key_limb(t);
            #[cfg(target_arch = "x86_64")]
            if basis_qp[t].uses_simd() && n.is_multiple_of(8) {
                let d: Vec<&[u64]> = dec.digits.iter().map(|p| p.limb(t)).collect();
                let b: Vec<&[u64]> = key.digits.iter().map(|(b, _)| b.limb(kl)).collect();
                let a: Vec<&[u64]> = key.digits.iter().map(|(_, a)| a.limb(kl)).collect();
                // SAFETY: `uses_simd` means the CPU has AVX-512F and IFMA and q < 2^51; all
                // limbs have N entries reduced mod q, N is a multiple of 8, and there are at
                // most 64 digits.
                unsafe { crate::math::ntt_ifma::dot2(&d, &b[..d.len()], &a[..d.len()], q, o0, o1) };
                return;
            }
            let mut acc0 = [0u128; CHUNK];
            let mut acc1 = [0u128; CHUNK];
            for c0 in (0..n).step_by(CHUNK) {
                let len = CHUNK.min(n - c0);
                acc0[..len].fill(0);
                acc1[..len].fill(0);
                for (digit, (b, a)) in dec.digits.iter().zip(&key.digits) {
                    let d = &digit.limb(t)[c0..c0 + len];
                    let b = &b.limb(kl)[c0..c0 + len];
                    let a = &a.limb(kl)[c0..c0 + len];
                    for c in 0..len {
                        acc0[c] += d[c] as u128 * b[c] as u128;
                        acc1[c] += d[c] as u128 * a[c] as u128;
                    }
                }
                for c in 0..len {
                    o0[c0 + c] = q.reduce_u128(acc0[c]);
                    o1[c0 + c] = q.reduce_u128(acc1[c]);
                }
            }
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
    let top = ctx.max_level();
    let d_coeff = d.clone().into_coeff(ctx.basis_q(level));
    let mod_ups = ctx.mod_up(level);
    let prepared: Vec<_> = mod_ups
        .iter()
        .map(|mu| {
            let input = &d_coeff.data()[mu.digit.start * n..mu.digit.end * n];
            mu.converter.prepare(input, n)
        })
        .collect();
    let key_limb = |t: usize| if t <= level { t } else { top + 1 + (t - level - 1) };
    let mut out0 = RnsPoly::<Eval>::zero(n, width);
    let mut out1 = RnsPoly::<Eval>::zero(n, width);
    out0.data_mut().par_chunks_mut(n).zip(out1.data_mut().par_chunks_mut(n)).enumerate().for_each(
        |(t, (o0, o1))| {
            let table = &basis_qp[t];
            let q = table.modulus();
            let kl = key_limb(t);
            let mut buf = vec![0u64; n];
            // Digit j of d, mod-upped to prime t, in evaluation form.
            let digit_limb = |j: usize, buf: &mut Vec<u64>| -> bool {
                let mu = &mod_ups[j];
                if mu.digit.contains(&t) {
                    return false;
                }
                let k = if t < mu.digit.start { t } else { t - mu.digit.len() };
                mu.converter.finish(&prepared[j], k, buf);
                table.forward(buf);
                true
            };
            #[cfg(target_arch = "x86_64")]
            if table.uses_simd() && n.is_multiple_of(8) {
                let mut acc = vec![0u64; 4 * n];
                for (j, (b, a)) in key.digits.iter().enumerate().take(mod_ups.len()) {
                    let src = if digit_limb(j, &mut buf) { &buf[..] } else { d.limb(t) };
                    // SAFETY: `uses_simd` means AVX-512F and IFMA are present and q < 2^51;
                    // all limbs have N (a multiple of 8) entries below q; at most 64 digits.
                    unsafe { crate::math::ntt_ifma::mac2(src, b.limb(kl), a.limb(kl), &mut acc) };
                }
                // SAFETY: as above.
                unsafe { crate::math::ntt_ifma::reduce_sums(&acc, q, o0, o1) };
                return;
            }
            let mut acc0 = vec![0u128; n];
            let mut acc1 = vec![0u128; n];
            for (j, (b, a)) in key.digits.iter().enumerate().take(mod_ups.len()) {
                let src = if digit_limb(j, &mut buf) { &buf[..] } else { d.limb(t) };
                let (b, a) = (b.limb(kl), a.limb(kl));
                for c in 0..n {
                    acc0[c] += src[c] as u128 * b[c] as u128;
                    acc1[c] += src[c] as u128 * a[c] as u128;
                }
            }
            for c in 0..n {
                o0[c] = q.reduce_u128(acc0[c]);
                o1[c] = q.reduce_u128(acc1[c]);
            }
        },
    );
    (mod_down(ctx, out0, level), mod_down(ctx, out1, level))
}
