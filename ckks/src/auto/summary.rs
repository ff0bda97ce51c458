//! [`AutoParameters::summary`]: the choice explained.

use super::AutoParameters;
use crate::scheme::{max_log_qp_128, Security};

impl AutoParameters {
    /// A printable explanation of the choice.
    pub fn summary(&self) -> String {
        let ctx = &self.context;
        let lit = ctx.literal();
        let est = &self.scale_estimate;
        let c = &self.counts;
        let mib = |b: usize| b as f64 / (1 << 20) as f64;
        let ksk = self.switching_key_bytes();
        let gk = self.circuit_galois_key_bytes();
        let relin = usize::from(c.relinearizations > 0);
        let galois = self.rotations.key_count();
        let bound = match lit.security {
            Security::HeStandard128 => format!(
                "<= {} bits, 128-bit secure (HE standard)",
                max_log_qp_128(ctx.log_n()).unwrap_or(0)
            ),
            Security::InsecureToyParameters => "NOT SECURE: toy parameters".into(),
        };
        let steps: Vec<String> = self.rotations.steps.iter().map(|s| s.to_string()).collect();
        let steps = if steps.is_empty() { "none".to_string() } else { steps.join(", ") };
        let boot = match &self.bootstrap {
            None => String::new(),
            Some(plan) => {
                let l = plan.levels();
                format!(
                    "\nchain: {c} circuit levels of 2^{b} above q_0, then {t} bootstrapping levels \
                     (SlotsToCoeffs {s}, modular reduction {e}, CoeffsToSlots {k}); a bootstrap \
                     leaves its output at level {c}\n{summary}",
                    c = plan.output_level(),
                    b = lit.log_scale,
                    t = l.total(),
                    s = l.slots_to_coeffs,
                    e = l.eval_mod,
                    k = l.coeffs_to_slots,
                    summary = plan.summary(),
                )
            }
        };
        format!(
            "circuit: depth {depth}; {enc} input ciphertexts; {mul} multiplications ({ct} ciphertext, \
             {pt} plaintext, {cm} constant), {rl} relinearizations, {rs} rescales, {ro} rotations, \
             {cj} conjugations ({ks} key switches)\n\
             rotation steps: {steps}{conj}\n\
             scale: the estimator allows up to 2^{maxb} (largest magnitude {mag:.3e}, margin {margin} \
             bits, first prime <= {fmax} bits); chosen 2^{b}{capped}\n\
             first prime: {first} bits (what the lowest levels need at 2^{b}: {req:.1} bits)\n\
             ring: N = 2^{logn} ({slots} slots), L = {levels}, dnum = {dnum}, special primes {k} x {sp} \
             bits, log2 QP = {logqp:.1} {bound}\n\
             keys: switching key {ksk:.2} MiB each{gk}; relinearization {relin} + Galois {galois} = {total:.2} MiB; input \
             ciphertexts {inputs:.2} MiB{boot}",
            depth = self.depth,
            enc = c.encryptions,
            mul = c.multiplications(),
            ct = c.ct_multiplications,
            pt = c.plain_multiplications,
            cm = c.const_multiplications,
            rl = c.relinearizations,
            rs = c.rescales,
            ro = c.rotations,
            cj = c.conjugations,
            ks = c.key_switches(),
            conj = if self.rotations.conjugation { " + conjugation" } else { "" },
            maxb = self.max_log_scale,
            mag = est.max_magnitude,
            margin = est.margin_bits,
            fmax = self.options.max_first_prime_bits,
            b = lit.log_scale,
            capped = if lit.log_scale < self.max_log_scale {
                format!(" (capped by max_log_scale = {})", self.options.max_log_scale)
            } else {
                String::new()
            },
            first = lit.first_prime_bits,
            req = est.required_first_prime_bits(lit.log_scale),
            logn = ctx.log_n(),
            slots = ctx.slots(),
            levels = ctx.max_level(),
            dnum = ctx.dnum(),
            k = lit.special_prime_bits.len(),
            sp = lit.special_prime_bits.first().copied().unwrap_or(0),
            logqp = ctx.log_qp(),
            ksk = mib(ksk),
            gk = if gk < ksk {
                format!(" ({:.2} MiB for the circuit's Galois keys, over its levels)", mib(gk))
            } else {
                String::new()
            },
            total = mib(ksk * relin + self.galois_key_bytes()),
            inputs = mib(c.input_bytes(ctx.n())),
        )
    }
}
