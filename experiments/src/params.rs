//! How parameters are chosen for a training circuit, for `reproduce` and `keygen` alike.

use ckks::boot::BootstrapConfig;
use ckks::eval::AutoOptions;
use ckks::{ParametersLiteral, Security};

/// `log2 N` of the INSECURE toy ring of `--quick` runs.
pub const QUICK_LOG_N: u32 = 11;

/// The automatic parameter search: 128-bit secure rings, or with `quick` the INSECURE toy ring
/// `N = 2^11` (tests and a first look; labelled as such in the output).
pub fn auto_options(quick: bool) -> AutoOptions {
    if quick {
        AutoOptions::insecure_toy_ring(QUICK_LOG_N)
    } else {
        AutoOptions::default()
    }
}

/// The slots of the largest ring the search may choose: the bias and the features must fit one
/// ciphertext row of them.
pub fn max_slots(options: &AutoOptions) -> usize {
    1 << (options.max_log_n - 1)
}

// ----- bootstrapping ------------------------------------------------------------------------

/// `log2 N` of a training that bootstraps: `N = 2^16`, the smallest ring the sparse-secret
/// encapsulation's 128-bit claim covers (`ckks::boot::sse::MIN_LOG_N`), or with `quick` the
/// INSECURE toy ring of [`QUICK_LOG_N`].
pub fn bootstrap_log_n(quick: bool) -> u32 {
    if quick {
        QUICK_LOG_N
    } else {
        ckks::boot::sse::MIN_LOG_N
    }
}

/// What a training bootstraps on `N = 2^log_n`: `slots` slots (the width of the training's
/// encoding unit, over which a row vector repeats; all `N/2` when `slots >= N/2`), with the
/// default level budgets, Hamming weight and modular reduction of [`BootstrapConfig`].
pub fn bootstrap_config(log_n: u32, slots: usize) -> BootstrapConfig {
    let half = 1usize << (log_n - 1);
    BootstrapConfig::with_slots((slots < half).then_some(slots))
}

/// Parameters for a training that bootstraps `slots` slots and keeps `circuit_levels` levels of
/// 40 bits for itself between bootstraps, on `N = 2^log_n`: `q_0` of 60 bits (the modular
/// reduction's), the bootstrapping primes above the circuit's, and the key-switching digits of
/// the smallest keys within the 128-bit bound ([`BootstrapConfig::parameters`]); with
/// `quick`, INSECURE toy parameters (the same digits, any ring). At `N = 2^16` and 256 slots,
/// 10 circuit levels fit 128-bit security (`log2 QP = 1701 <= 1747`, 6 digits, six special
/// primes of 50 bits).
///
/// # Errors
/// [`ckks::CkksError::InvalidParameters`] when the levels do not fit the bound (the message
/// names it); [`ckks::CkksError::BootstrapSlots`] for a slot count that is not a power of two.
pub fn bootstrap_parameters(
    log_n: u32,
    slots: usize,
    circuit_levels: usize,
    quick: bool,
) -> ckks::Result<(BootstrapConfig, ParametersLiteral)> {
    let half = 1usize << (log_n - 1);
    if !slots.is_power_of_two() || slots > half {
        return Err(ckks::CkksError::BootstrapSlots { slots, max: half });
    }
    let config = bootstrap_config(log_n, slots);
    let security = if quick { Security::InsecureToyParameters } else { Security::HeStandard128 };
    let literal = config.parameters(log_n, circuit_levels, 60, 40, security)?;
    Ok((config, literal))
}
