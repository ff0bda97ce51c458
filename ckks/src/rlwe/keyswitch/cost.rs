//! The cost model of key switching: what one key switch performs, counted from the context, for
//! `examples/keyswitch_cost.rs` to multiply by measured kernel times.

use crate::rlwe::RingContext;

/// What one key switch (as relinearize and rotate run it) performs at one level: the kernel calls
/// per prime of `Q_l ∪ P` (in that layout: `q_0 .. q_l`, then the special primes), the
/// base-conversion multiply-accumulates per coefficient, and the element-wise passes over limbs.
///
/// With `l + 1` ciphertext primes, `k` special primes and `d` digits of sizes `a_j` at this level:
/// `l + 1 + 2k` inverse NTTs (the input, and the special part of both mod-downs);
/// `sum_j (l + 1 + k - a_j) + 2 (l + 1)` forward NTTs (each digit's mod-up targets, and both
/// mod-downs' results), of which those converting from a single prime (a digit of one prime, or
/// the mod-down when `k = 1`) transform a centred lift fused into their first pass ("lifted");
/// `2d` inner-product products per coefficient of every prime; and `sum_{a_j > 1} a_j (l + 1 +
/// k - a_j) + [k > 1] 2k (l + 1)` conversion products per coefficient (the conversions from more
/// than one prime). The passes are in [`LimbPasses`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySwitchCost {
    /// The level.
    pub level: usize,
    /// Digits with primes at this level.
    pub digits: usize,
    /// The special primes' count `k`.
    pub special: usize,
    /// Forward NTTs on each prime of `Q_l ∪ P` (lifted ones included).
    pub forward_ntts: Vec<usize>,
    /// Of those, the transforms of a centred lift from a single prime, on each prime.
    pub lifted_ntts: Vec<usize>,
    /// Inverse NTTs on each prime of `Q_l ∪ P`.
    pub inverse_ntts: Vec<usize>,
    /// Inner-product terms (one term = two products, with `b_j` and `a_j`) on each prime.
    pub inner_product_terms: Vec<usize>,
    /// Per digit: its size and its mod-up targets' count.
    pub mod_up: Vec<(usize, usize)>,
    /// Base-conversion multiply-accumulates per coefficient of the conversions from more than one
    /// prime (mod-up and both mod-downs).
    pub conversion_macs: usize,
}

/// Element-wise passes of one key switch over limbs of `N` words, beside the kernels of
/// [`KeySwitchCost`]: what the first model left out (it predicted SEAL's chains 1.4-1.5x below
/// the measured times).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimbPasses {
    /// Copies: the input, brought to coefficient form out of place (`l + 1`).
    pub copies: usize,
    /// Zero-filled limbs: the two results and the special primes' parts (`2 (l + 1) + 2k`).
    pub zero_fills: usize,
    /// The mod-down's last pass `(x - conv) P^-1 + add`, one per limb of each result
    /// (`2 (l + 1)`).
    pub last_passes: usize,
    /// Permutations of a rotation's result (`2 (l + 1)`; none for a relinearization).
    pub permutations: usize,
}

impl KeySwitchCost {
    /// The model of a key switch of a polynomial over `Q_level` under `ctx`.
    ///
    /// # Panics
    /// If `level > ctx.max_level()`.
    pub fn of(ctx: &RingContext, level: usize) -> Self {
        let q = level + 1;
        let k = ctx.p_basis().len();
        let width = q + k;
        let mod_ups = ctx.mod_up(level);
        let mut forward_ntts = vec![0; width];
        let mut lifted_ntts = vec![0; width];
        let inverse_ntts = (0..width).map(|t| if t < q { 1 } else { 2 }).collect();
        for mu in mod_ups {
            for &t in &mu.targets {
                forward_ntts[t] += 1;
                lifted_ntts[t] += usize::from(mu.digit.len() == 1);
            }
        }
        for t in 0..q {
            forward_ntts[t] += 2;
            lifted_ntts[t] += 2 * usize::from(k == 1);
        }
        let mod_up: Vec<(usize, usize)> =
            mod_ups.iter().map(|mu| (mu.digit.len(), mu.targets.len())).collect();
        let conversion_macs = mod_up.iter().filter(|m| m.0 > 1).map(|&(a, t)| a * t).sum::<usize>()
            + if k > 1 { 2 * k * q } else { 0 };
        Self {
            level,
            digits: mod_ups.len(),
            special: k,
            forward_ntts,
            lifted_ntts,
            inverse_ntts,
            inner_product_terms: vec![mod_ups.len(); width],
            mod_up,
            conversion_macs,
        }
    }

    /// All forward NTTs (lifted ones included).
    pub fn total_forward(&self) -> usize {
        self.forward_ntts.iter().sum()
    }

    /// All lifted forward NTTs.
    pub fn total_lifted(&self) -> usize {
        self.lifted_ntts.iter().sum()
    }

    /// All inverse NTTs.
    pub fn total_inverse(&self) -> usize {
        self.inverse_ntts.iter().sum()
    }

    /// Inner-product multiply-accumulates per coefficient (two per term).
    pub fn inner_product_macs(&self) -> usize {
        2 * self.inner_product_terms.iter().sum::<usize>()
    }

    /// The element-wise passes of a relinearization (`rotation` false) or a rotation.
    pub fn limb_passes(&self, rotation: bool) -> LimbPasses {
        let q = self.level + 1;
        LimbPasses {
            copies: q,
            zero_fills: 2 * q + 2 * self.special,
            last_passes: 2 * q,
            permutations: if rotation { 2 * q } else { 0 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParametersLiteral;

    /// The model against the closed forms of its documentation, on contexts whose digits are
    /// uneven (7 primes in digits of 3), of one prime each, with one and several special primes.
    #[test]
    fn cost_model_matches_the_closed_forms() {
        let mut special_counts = Vec::new();
        for (levels, dnum) in [(6, 3), (6, 7), (4, 2)] {
            let ctx = ParametersLiteral::with_levels(10, levels, 50, 40, 50, dnum)
                .security(crate::Security::InsecureToyParameters)
                .build()
                .unwrap();
            let k = ctx.p_basis().len();
            special_counts.push(k);
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
                let lifted = sizes.iter().filter(|&&a| a == 1).map(|a| q + k - a).sum::<usize>()
                    + if k == 1 { 2 * q } else { 0 };
                assert_eq!(c.total_lifted(), lifted, "level {level}");
                assert_eq!(c.inner_product_macs(), 2 * sizes.len() * (q + k));
                let conv = sizes.iter().filter(|&&a| a > 1).map(|a| a * (q + k - a)).sum::<usize>()
                    + if k > 1 { 2 * k * q } else { 0 };
                assert_eq!(c.conversion_macs, conv);
                let p = c.limb_passes(true);
                assert_eq!((p.copies, p.zero_fills, p.last_passes), (q, 2 * q + 2 * k, 2 * q));
                assert_eq!((p.permutations, c.limb_passes(false).permutations), (2 * q, 0));
            }
        }
        // Both forms of the mod-down (a lift, a conversion) were covered.
        assert!(special_counts.contains(&1) && special_counts.iter().any(|&k| k > 1));
    }
}
