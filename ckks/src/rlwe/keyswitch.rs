//! Hybrid key switching: decompose (mod-up each digit to `Q_l P`), inner product with the key,
//! mod-down by `P`. Decomposition is separate so that several rotations of one ciphertext can
//! share it (hoisting). [`KeySwitchCost`] counts what a key switch performs (the cost model of
//! `examples/keyswitch_cost.rs`).

mod cost;
pub use cost::{KeySwitchCost, LimbPasses};

use super::keys::SwitchingKey;
use super::ring::RingContext;
use crate::math::simd::pointwise::{self, Op, Permutation};
use crate::math::simd::ProductSums;
use crate::math::{Eval, Modulus, RnsPoly};
use rayon::prelude::*;
use std::cell::RefCell;

/// `ModUp` of every digit of a polynomial at one level: digit `j` as a polynomial over
/// `Q_l ∪ P` that is congruent to the digit's residues on the digit's primes.
pub(crate) struct Decomposition {
    pub level: usize,
    pub digits: Vec<RnsPoly<Eval>>,
}

/// Decomposes `d` (over `Q_level`, evaluation form).
pub(crate) fn decompose(ctx: &RingContext, d: &RnsPoly<Eval>, level: usize) -> Decomposition {
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
fn key_limb(ctx: &RingContext, key: &SwitchingKey, level: usize, t: usize) -> usize {
    debug_assert_eq!(key.digits[0].0.num_limbs(), key.level + 1 + ctx.p_basis().len());
    if t <= level {
        t
    } else {
        key.level + 1 + (t - level - 1)
    }
}

/// `sum_j digit_j * (b_j, a_j)` over `Q_l ∪ P`. Accumulates exactly and reduces once.
pub(crate) fn inner_product(
    ctx: &RingContext,
    dec: &Decomposition,
    key: &SwitchingKey,
) -> (RnsPoly<Eval>, RnsPoly<Eval>) {
    inner_product_with(ctx, dec, key, Epilogue::default())
}

/// [`inner_product`] followed by the [`Epilogue`] (its additions over `Q_l ∪ P`, then its
/// permutation), limb by limb while each limb is in cache: a hoisted rotation's
/// `sigma(P c_0 + u_0, u_1)` without the sum's and the permutation's own passes and buffers.
pub(crate) fn inner_product_with(
    ctx: &RingContext,
    dec: &Decomposition,
    key: &SwitchingKey,
    epilogue: Epilogue<'_>,
) -> (RnsPoly<Eval>, RnsPoly<Eval>) {
    let n = ctx.n();
    let level = dec.level;
    let basis_qp = ctx.basis_qp(level);
    let width = basis_qp.len();
    assert!(key.level >= level, "a key of level {} used at level {level}", key.level);
    assert!(epilogue.add.iter().flatten().all(|a| a.num_limbs() == width));
    let perm = epilogue.permutation.map(Permutation::new);
    let mut out0 = RnsPoly::<Eval>::zero(n, width);
    let mut out1 = RnsPoly::<Eval>::zero(n, width);
    out0.data_mut().par_chunks_mut(n).zip(out1.data_mut().par_chunks_mut(n)).enumerate().for_each(
        |(t, (o0, o1))| {
            let q = basis_qp[t].modulus();
            let kl = key_limb(ctx, key, level, t);
            with_scratch(n, q, |s| {
                let sums = s.sums.as_mut().expect("scratch has sums");
                sums.reset(q, n);
                for (digit, (b, a)) in dec.digits.iter().zip(&key.digits) {
                    sums.add(digit.limb(t), b.limb(kl), a.limb(kl));
                }
                // The sums land in the output limbs, or in the scratch limbs when a permutation
                // moves them into the output afterwards.
                let [u0, u1] = match perm {
                    Some(_) => [&mut s.buf[..], &mut s.tmp[..]],
                    None => [&mut *o0, &mut *o1],
                };
                sums.finish(u0, u1);
                for (u, add) in [u0, u1].into_iter().zip(epilogue.add) {
                    if let Some(add) = add {
                        pointwise::binary_assign(Op::Add, u, add.limb(t), q);
                    }
                }
                if let Some(perm) = &perm {
                    perm.apply(&s.buf, o0);
                    perm.apply(&s.tmp, o1);
                }
            });
        },
    );
    (out0, out1)
}

/// `round(x / P)` over `Q_l` for `x` over `Q_l ∪ P` (evaluation form in and out).
pub(crate) fn mod_down(ctx: &RingContext, mut x: RnsPoly<Eval>, level: usize) -> RnsPoly<Eval> {
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

/// What the caller does with a switched pair `(u_0, u_1)`, fused into the last pass of the
/// mod-down ([`key_switch_with`]) or of the inner product ([`inner_product_with`]) while each
/// limb is in cache: `add[i]` (a polynomial over the result's basis, `Q_l` or `Q_l ∪ P`) is
/// added to `u_i`, then `permutation` (an automorphism in evaluation form) moves the entries of
/// both.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Epilogue<'a> {
    pub add: [Option<&'a RnsPoly<Eval>>; 2],
    pub permutation: Option<&'a [u32]>,
}

/// The buffers one thread needs in a key switch (a limb for the mod-up or mod-down of one
/// prime, a limb for the permuted result, the sums of the inner product), kept from one key
/// switch to the next instead of being allocated per call.
struct Scratch {
    buf: Vec<u64>,
    tmp: Vec<u64>,
    sums: Option<ProductSums>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> =
        const { RefCell::new(Scratch { buf: Vec::new(), tmp: Vec::new(), sums: None }) };
}

/// Runs `f` with this thread's scratch for degree `n` (or fresh buffers, should `f` ever run
/// inside another `f` on the same thread).
fn with_scratch<R>(n: usize, q: &Modulus, f: impl FnOnce(&mut Scratch) -> R) -> R {
    let fit = |s: &mut Scratch| {
        s.buf.resize(n, 0);
        s.tmp.resize(n, 0);
        s.sums.get_or_insert_with(|| ProductSums::new(q, n));
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            fit(&mut s);
            f(&mut s)
        }
        Err(_) => {
            let mut s = Scratch { buf: Vec::new(), tmp: Vec::new(), sums: None };
            fit(&mut s);
            f(&mut s)
        }
    })
}

/// Switches `d` (over `Q_level`) under `key`: returns `(u_0, u_1)` with
/// `u_0 + u_1 s ~ d s'` where `key` switches `s'` to `s`.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn key_switch(
    ctx: &RingContext,
    d: &RnsPoly<Eval>,
    level: usize,
    key: &SwitchingKey,
) -> (RnsPoly<Eval>, RnsPoly<Eval>) {
    key_switch_with(ctx, d, level, key, Epilogue::default())
}

/// Runs `f` on every job: over rayon's pool, one job per task (so that uneven jobs balance),
/// when the pool has more than one thread; else in order on the calling thread, which then
/// hands no work to a pool thread and waits for none.
fn run_jobs<T: Send>(jobs: Vec<T>, f: impl Fn(T) + Sync + Send) {
    if rayon::current_num_threads() > 1 {
        jobs.into_par_iter().with_max_len(1).for_each(f);
    } else {
        jobs.into_iter().for_each(f);
    }
}

/// The quotients of a conversion (`BaseConverter::quotients`) are computed in pieces of this
/// many coefficients, so that the threads share them evenly.
const QUOTIENT_PIECE: usize = 4096;

/// [`key_switch`] followed by the [`Epilogue`]'s additions and permutation.
///
/// Unlike [`decompose`] + [`inner_product`] + [`mod_down`] (which hoisted rotations need), this
/// never holds the whole decomposition: the inner product of each prime of `Q_l ∪ P` mod-ups
/// every digit into one `N`-word buffer, takes its NTT and adds its products with the key at
/// once, so the working memory is a few limbs per thread instead of `dnum` polynomials over
/// `Q_l P`. The arithmetic is that of the three separate steps (tested equal).
///
/// The work is split over rayon in even jobs, nothing serial (the parallel efficiency of two
/// threads rests on it): one job per limb of the input for its inverse NTT (and the first step of
/// its digit's conversion) beside two allocating the results, pieces of coefficients for the
/// conversions' quotients, one job per prime of `Q_l ∪ P` for the inner products (the longer ones
/// of the special primes first), pieces again for the mod-down's quotients, and one job per limb of
/// each result for the mod-down's conversion, NTT and last pass (with the epilogue). The workspace
/// (the input in coefficient form, `x_P`, the quotients) is recycled from one key switch to the
/// next.
pub(crate) fn key_switch_with(
    ctx: &RingContext,
    d: &RnsPoly<Eval>,
    level: usize,
    key: &SwitchingKey,
    epilogue: Epilogue<'_>,
) -> (RnsPoly<Eval>, RnsPoly<Eval>) {
    let n = ctx.n();
    let basis_qp = ctx.basis_qp(level);
    let width = basis_qp.len();
    let q_limbs = level + 1;
    let k = width - q_limbs;
    let mod_ups = ctx.mod_up(level);
    let down = ctx.mod_down_converter();
    let piece = n.min(QUOTIENT_PIECE);
    let rows = mod_ups.len() + 2;
    let mut work = ctx.take_buffer((q_limbs + 2 * k + rows) * n);
    let (d_coeff, rest) = work.split_at_mut(q_limbs * n);
    let (p0, rest) = rest.split_at_mut(k * n);
    let (p1, rest) = rest.split_at_mut(k * n);
    let (v_up, v_down) = rest[..rows * n].split_at_mut(mod_ups.len() * n);
    let digit_of = |i: usize| {
        mod_ups.iter().find(|mu| mu.digit.contains(&i)).expect("every prime is in a digit")
    };
    // The input in coefficient form, each limb of a digit of several primes already scaled
    // for its conversion (the conversion's first step, while the limb is in cache). Meanwhile
    // the results are allocated (zeroed: several MiB) in two more tasks.
    let zero = || RnsPoly::<Eval>::zero(n, q_limbs);
    let (mut out, ()) = rayon::join(
        || {
            let (out0, out1) = rayon::join(zero, zero);
            [out0, out1]
        },
        || {
            run_jobs(d_coeff.chunks_mut(n).enumerate().collect(), |(i, l)| {
                l.copy_from_slice(d.limb(i));
                basis_qp[i].inverse(l);
                let mu = digit_of(i);
                if mu.converter.single_source().is_none() {
                    mu.converter.scale_source(i - mu.digit.start, l);
                }
            })
        },
    );
    let d_coeff = &*d_coeff;
    let digit_limbs = |mu: &super::ring::ModUp| &d_coeff[mu.digit.start * n..mu.digit.end * n];
    let jobs = mod_ups
        .iter()
        .zip(v_up.chunks_mut(n))
        .filter(|(mu, _)| mu.converter.single_source().is_none())
        .flat_map(|(mu, v)| v.chunks_mut(piece).enumerate().map(move |(c, v)| (mu, c * piece, v)))
        .collect();
    run_jobs(jobs, |(mu, start, v)| mu.converter.quotients(digit_limbs(mu), n, start, v));
    let prepared: Vec<_> = mod_ups
        .iter()
        .zip(v_up.chunks(n))
        .map(|(mu, v)| mu.converter.prepared(digit_limbs(mu), v, n))
        .collect();
    // The inner product of prime t: every digit mod-upped to t (or its own residues), in
    // evaluation form, times the key.
    let inner = |t: usize, s: &mut Scratch, o0: &mut [u64], o1: &mut [u64]| {
        let table = &basis_qp[t];
        let kl = key_limb(ctx, key, level, t);
        let (buf, sums) = (&mut s.buf, s.sums.as_mut().expect("scratch has sums"));
        sums.reset(table.modulus(), n);
        for (j, (mu, (b, a))) in mod_ups.iter().zip(&key.digits).enumerate() {
            let src = if mu.digit.contains(&t) {
                d.limb(t)
            } else if let Some(from) = mu.converter.single_source() {
                table.forward_lifted(&digit_limbs(mu)[..n], from, buf);
                &buf[..]
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
    let q0 = basis_qp[0].modulus();
    let scale_down = down.single_source().is_none();
    // The inner products, the ciphertext primes' into the results, the special primes' back in
    // coefficient form (and scaled, the first step of the mod-down's conversion).
    {
        let [out0, out1] = &mut out;
        let special = p0.chunks_mut(n).zip(p1.chunks_mut(n)).enumerate();
        let cipher = out0.data_mut().chunks_mut(n).zip(out1.data_mut().chunks_mut(n));
        let jobs = special.map(|(i, o)| (q_limbs + i, o)).chain(cipher.enumerate()).collect();
        run_jobs(jobs, |(t, (o0, o1))| {
            with_scratch(n, q0, |s| inner(t, s, o0, o1));
            if t >= q_limbs {
                for o in [o0, o1] {
                    basis_qp[t].inverse(o);
                    if scale_down {
                        down.scale_source(t - q_limbs, o);
                    }
                }
            }
        });
    }
    let p = [&*p0, &*p1];
    if scale_down {
        let jobs = v_down
            .chunks_mut(n)
            .enumerate()
            .flat_map(|(i, v)| v.chunks_mut(piece).enumerate().map(move |(c, v)| (i, c * piece, v)))
            .collect();
        run_jobs(jobs, |(i, start, v)| down.quotients(p[i], n, start, v));
    }
    let prep: Vec<_> = v_down.chunks(n).zip(p).map(|(v, p)| down.prepared(p, v, n)).collect();
    let p_inv = ctx.p_inv_mod_q();
    let perm = epilogue.permutation.map(Permutation::new);
    // Each limb of each result, (x - conv(x_P)) P^-1 [+ add], [permuted].
    let [out0, out1] = &mut out;
    let jobs = out0.data_mut().chunks_mut(n).chain(out1.data_mut().chunks_mut(n));
    run_jobs(jobs.enumerate().collect(), |(j, o)| {
        let (i, t) = (j / q_limbs, j % q_limbs);
        let table = &basis_qp[t];
        let q = table.modulus();
        let add = epilogue.add[i].map(|a| a.limb(t));
        with_scratch(n, q0, |s| {
            match down.single_source() {
                Some(from) => table.forward_lifted(p[i], from, &mut s.buf),
                None => {
                    down.finish(&prep[i], t, &mut s.buf);
                    table.forward(&mut s.buf);
                }
            }
            match &perm {
                None => pointwise::sub_mul_const(o, Some(&s.buf), p_inv[t], add, q),
                Some(perm) => {
                    pointwise::sub_mul_const_into(o, Some(&s.buf), p_inv[t], add, q, &mut s.tmp);
                    perm.apply(&s.tmp, o);
                }
            }
        });
    });
    drop((prepared, prep));
    ctx.give_buffer(work);
    let [out0, out1] = out;
    (out0, out1)
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

    /// The epilogue (additions, then a permutation) equals the same steps after the switch.
    #[test]
    fn epilogue_equals_adding_and_permuting_afterwards() {
        let ctx = ParametersLiteral::with_levels(10, 4, 50, 40, 60, 2)
            .security(crate::Security::InsecureToyParameters)
            .build()
            .unwrap();
        let mut prng = Prng::from_u64_seed(5);
        let sk = SecretKey::generate(&ctx, &mut prng);
        let rk = sk.relinearization_key(&mut prng);
        let perm = crate::math::poly::eval_automorphism_permutation(ctx.n(), 5);
        for level in [0, ctx.max_level()] {
            let basis = ctx.basis_q(level);
            let [d, a0, a1] = [0; 3].map(|_| prng.uniform_poly(ctx.n(), basis));
            let (u0, u1) = key_switch(&ctx, &d, level, &rk.0);
            for permutation in [None, Some(&perm[..])] {
                for add in [[None, None], [Some(&a0), None], [Some(&a0), Some(&a1)]] {
                    let got =
                        key_switch_with(&ctx, &d, level, &rk.0, Epilogue { add, permutation });
                    let expect = [(&u0, add[0]), (&u1, add[1])].map(|(u, a)| {
                        let s = a.map_or(u.clone(), |a| u.add(a, basis));
                        permutation.map_or(s.clone(), |p| s.permute(p))
                    });
                    assert_eq!([got.0, got.1], expect, "level {level}");
                }
            }
        }
    }
}
