//! The thread CPU clock of the benchmarks and of `examples/keyswitch_cost.rs` (included by
//! `#[path]`): on a shared machine, the time other processes hold the core is not counted.

/// Nanoseconds of CPU time of this thread (`CLOCK_THREAD_CPUTIME_ID`), if the OS tells it.
pub fn thread_cpu_ns() -> Option<u64> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `clock_gettime` writes one `timespec` through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// Seconds of CPU time of this thread, or of wall time (since the first call) where the OS does
/// not tell.
#[allow(dead_code)] // not every includer reads seconds
pub fn now() -> f64 {
    if let Some(ns) = thread_cpu_ns() {
        return ns as f64 * 1e-9;
    }
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64()
}
