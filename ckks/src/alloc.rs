//! Process-wide tuning of glibc's allocator for buffers of the size of RNS polynomials.
//!
//! A polynomial at `N = 2^16` over 33 primes is 17 MiB, and a key switch allocates and frees
//! dozens of them. glibc's `malloc` serves such blocks with `mmap` until a first one is freed,
//! then from its heap, but it hands the heap's free top back to the kernel whenever it passes
//! twice the largest block freed so far; every reuse of returned memory costs a page fault and a
//! kernel-zeroed page per 4 KiB. Measured on the project's 2-core AMD EPYC (Zen 3, AVX2), one
//! thread, `cargo run --release -p ckks --example bootstrap -- 256` (N = 2^16, 128-bit): one
//! 256-slot bootstrap took 17.4 s with glibc's defaults and spent about a fifth of its samples
//! in page faults, `memset` and `munmap`; with the `mmap` threshold at 32 MiB and a large trim
//! threshold (set through glibc's environment, `MALLOC_MMAP_THRESHOLD_=33554432
//! MALLOC_TRIM_THRESHOLD_=68719476736`) it took 15.1 s, with the trim threshold alone 26.7 s
//! (setting either turns glibc's adaptive `mmap` threshold off, so both are set here); same
//! hour, medians of 3. Other allocators measured worse in the same run: mimalloc 17.3 s,
//! jemalloc 25.9 s.
//!
//! The tuning is opt-in per process (a library should not change its host's allocator behind
//! its back): the `experiments` binary, the Python module and the examples and benchmarks call
//! [`keep_freed_memory`] first thing. It keeps the peak resident size what the program's live
//! data needs; only the shrinking after a peak is given up.
#![allow(unsafe_code)]

/// The largest block glibc serves from its heap once tuned (its cap on the `mmap` threshold,
/// 32 MiB on 64-bit Linux): a polynomial of up to 64 primes at `N = 2^16`.
pub const HEAP_BLOCK_LIMIT: usize = 32 << 20;

/// Memory at the heap's top that glibc keeps instead of returning it (1 GiB).
pub const KEEP_TOP: usize = 1 << 30;

/// Sets glibc's `mmap` threshold to [`HEAP_BLOCK_LIMIT`] and its trim threshold to
/// [`KEEP_TOP`] for this process, so that freed polynomial buffers are reused instead of being
/// returned to the kernel and faulted in again. Returns whether the settings took (always
/// `false` off Linux with glibc, where nothing is changed).
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only sets two of glibc's allocator parameters; it takes plain
        // integers, touches no memory of ours and is safe to call at any time, from any thread.
        let mmap = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, HEAP_BLOCK_LIMIT as i32) };
        // SAFETY: as above.
        let trim = unsafe { libc::mallopt(libc::M_TRIM_THRESHOLD, KEEP_TOP as i32) };
        mmap == 1 && trim == 1
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_settings_take_on_glibc() {
        let took = super::keep_freed_memory();
        assert_eq!(took, cfg!(all(target_os = "linux", target_env = "gnu")));
        // Allocation still works after the change, at and above the heap's block limit.
        for size in [1 << 20, super::HEAP_BLOCK_LIMIT, 2 * super::HEAP_BLOCK_LIMIT] {
            let v = vec![7u8; size];
            assert_eq!(v[size - 1], 7);
        }
    }
}
