//! How parameters are chosen for a training circuit, for `reproduce` and `keygen` alike.

use ckks::eval::AutoOptions;

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
