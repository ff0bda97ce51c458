//! Raising the modulus: a level-0 ciphertext `(c_0, c_1)` modulo `q_0`, read as the centred
//! integers `|c_i| <= q_0 / 2`, is the same ciphertext modulo `Q_L` for the plaintext
//! `c_0 + c_1 s = m + q_0 I` over the integers: the message plus a multiple of `q_0` that the
//! modular reduction removes.

use crate::math::poly::for_each_limb;
use crate::math::{Eval, RnsPoly};
use crate::scheme::{Ciphertext, Context};

/// `ct` (at level 0) lifted to `level`, component by component (no noise is added).
///
/// # Panics
/// If `ct` is not at level 0 or `level` is above the top.
pub(crate) fn mod_raise(ctx: &Context, ct: &Ciphertext, level: usize) -> Ciphertext {
    assert_eq!(ct.level, 0, "the modulus raise starts at level 0");
    let n = ctx.n();
    let t0 = &ctx.basis_q(0)[0];
    let q0 = *t0.modulus();
    let basis = ctx.basis_q(level);
    let parts = ct
        .parts
        .iter()
        .map(|p| {
            let mut c = p.limb(0).to_vec();
            t0.inverse(&mut c);
            let centred: Vec<i64> = c.iter().map(|&x| q0.center(x)).collect();
            let mut out = RnsPoly::<Eval>::zero(n, level + 1);
            for_each_limb(out.data_mut(), n, basis, |limb, t| {
                let q = t.modulus();
                for (x, &v) in limb.iter_mut().zip(&centred) {
                    *x = q.reduce_i64(v);
                }
                t.forward(limb);
            });
            out
        })
        .collect();
    Ciphertext { parts, level, ..ct.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boot::sse::EncapsulationKeys;
    use crate::{ParametersLiteral, Prng, SecretKey, Security};
    use num_bigint::BigInt;

    /// The raise against big integers: the raised ciphertext decrypts under the ephemeral
    /// secret to exactly `c_0 + c_1 s'` computed over the integers from the centred level-0
    /// components, which is `m + q_0 I` with `|I| <= (h + 1) / 2`.
    #[test]
    fn raise_matches_big_integers() {
        let mut lit = ParametersLiteral::with_levels(10, 2, 50, 40, 55, 2)
            .security(Security::InsecureToyParameters);
        lit.bootstrap_prime_bits = vec![50; 3];
        lit.special_prime_bits = vec![55; 4];
        let ctx = lit.build().unwrap();
        let n = ctx.n();
        let mut prng = Prng::from_u64_seed(7);
        let sk = SecretKey::generate(&ctx, &mut prng);
        let h = 16;
        let mut sparse = vec![0i64; n];
        for i in 0..h {
            sparse[(i * 61) % n] = if i % 3 == 0 { -1 } else { 1 };
        }
        let keys = EncapsulationKeys::with_secret(&sk, &sparse, &mut prng);
        let pt = ctx.encode(&[0.25, -0.5, 0.125], 0, 2f64.powi(40)).unwrap();
        let ct = sk.encrypt(&pt, &mut prng).unwrap();
        let low = keys.to_sparse(&ctx, &ct);
        let top = ctx.max_level();
        let raised = mod_raise(&ctx, &low, top);
        // Over the integers, from the centred level-0 components.
        let q0 = *ctx.basis_q(0)[0].modulus();
        let coeffs = |p: &RnsPoly<Eval>| {
            let mut c = p.limb(0).to_vec();
            ctx.basis_q(0)[0].inverse(&mut c);
            c.iter().map(|&x| q0.center(x) as i128).collect::<Vec<_>>()
        };
        let (c0, c1) = (coeffs(&low.parts[0]), coeffs(&low.parts[1]));
        let mut t: Vec<i128> = c0.clone();
        for (j, &sj) in sparse.iter().enumerate().filter(|(_, &s)| s != 0) {
            for (i, &c) in c1.iter().enumerate() {
                let k = i + j;
                let v = c * sj as i128;
                if k < n {
                    t[k] += v;
                } else {
                    t[k - n] -= v;
                }
            }
        }
        // Decrypt the raised ciphertext under s' modulo Q_L and reconstruct exactly.
        let basis = ctx.basis_q(top);
        let s = RnsPoly::from_signed(&sparse, basis).into_eval(basis);
        let mut m = raised.parts[1].mul_prefix(&s, basis);
        m.add_assign(&raised.parts[0], basis);
        let m = m.into_coeff(basis);
        let crt = ctx.crt(top);
        let bound = (h as i128 + 1) * q0.value() as i128 / 2;
        let mut residues = vec![0u64; top + 1];
        for (i, &ti) in t.iter().enumerate() {
            for (l, r) in residues.iter_mut().enumerate() {
                *r = m.limb(l)[i];
            }
            assert_eq!(crt.reconstruct_centered(&residues), BigInt::from(ti), "coefficient {i}");
            assert!(ti.abs() <= bound);
        }
        // And modulo q_0 it is the message: the level-0 decryption under s, up to the key
        // switch's rounding noise.
        let m0 = ctx.decode_coeffs(&sk.decrypt(&ct).unwrap()).unwrap();
        for (i, &ti) in t.iter().enumerate() {
            let r = ti.rem_euclid(q0.value() as i128);
            let r = if r > q0.value() as i128 / 2 { r - q0.value() as i128 } else { r };
            assert!((r as f64 / 2f64.powi(40) - m0[i]).abs() < 1e-6, "coefficient {i}");
        }
    }
}
