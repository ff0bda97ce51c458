//! [`BootstrapPlan::summary`] and the approximation's error bound.

use super::BootstrapPlan;
use crate::boot::lt::LinearTransform;
use std::f64::consts::PI;

impl BootstrapPlan {
    /// A printable explanation: stages and levels, the modular reduction, the secret, the
    /// work of one bootstrap.
    pub fn summary(&self) -> String {
        let c = &self.profile.counts;
        let l = &self.levels;
        let (cts, stc) = (&self.cts, &self.stc);
        let diags = |lts: &[LinearTransform]| {
            lts.iter().map(|t| t.diagonals().to_string()).collect::<Vec<_>>().join("+")
        };
        format!(
            "bootstrapping {slots} slots ({kind}): levels {top} -> {out}; CoeffsToSlots {c1} levels \
             ({d1} diagonals), modular reduction {e} levels (cosine of degree {deg} on [-{k}, {k}], \
             {r} double angles{asin}, approximation error 2^{err:.1}), SlotsToCoeffs {s1} levels ({d2} \
             diagonals)\n\
             secret: uniform ternary, encapsulated at level 0 in an ephemeral secret of Hamming \
             weight {h} (|I| <= {ib}, failure probability 0); message ratio q_0 / |m| = 2^{rho:.2} \
             (input x {up}); error bound before noise for |z| <= {bound}: 2^{apx:.1}\n\
             one bootstrap: {ks} key switches ({rot} rotations, {hr} of them hoisted, {cj} \
             conjugations, {rl} relinearizations, {en} encapsulation); keys: {tk} rotation keys of \
             the transforms and the trace's rounds (each restricted to its level), {ek} of the \
             trace's first doubling, conjugation, relinearization, encapsulation",
            slots = self.slots,
            kind = if self.is_full() { "full" } else { "sparse" },
            top = self.chain.max_level(),
            out = self.output_level(),
            c1 = l.coeffs_to_slots,
            d1 = diags(cts),
            e = l.eval_mod,
            deg = self.reduction.poly.degree(),
            k = self.k,
            r = self.reduction.double_angles,
            asin = if self.reduction.arcsine.is_some() { ", arcsine correction" } else { "" },
            err = self.reduction.max_error().log2(),
            s1 = l.slots_to_coeffs,
            d2 = diags(stc),
            h = self.config.hamming_weight,
            ib = self.config.hamming_weight / 2,
            rho = self.rho.log2(),
            up = self.scale_up,
            bound = self.config.input_bound,
            apx = self.approximation_error().log2(),
            ks = c.key_switches(),
            rot = c.rotations,
            hr = c.hoisted_rotations,
            cj = c.conjugations,
            rl = c.relinearizations,
            en = c.encapsulations,
            tk = self.transform_rotations().len(),
            ek = self.profile.rotations.steps.len(),
        )
    }

    /// The worst-case error bound of the approximation on a message of magnitude at most
    /// `input_bound`, in slot units, before noise: the sine's series term
    /// ([`ModReduction::series_error`](crate::boot::evalmod::ModReduction::series_error)) and the polynomial's error times `rho / (2 pi)`.
    pub fn approximation_error(&self) -> f64 {
        let b = self.config.input_bound;
        self.reduction.series_error(b, self.rho)
            + self.reduction.max_error() * self.rho / (2.0 * PI)
    }
}
