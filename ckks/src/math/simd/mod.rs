//! Every SIMD kernel of the crate, behind safe functions, and the one place that decides which
//! kernels run.
//!
//! Three paths, ordered by the instructions they need:
//! - [`Path::Portable`]: the scalar code of [`super::ntt`], [`super::rns`] and the scheme (the
//!   reference every kernel is tested against);
//! - [`Path::Avx2`]: AVX2 and FMA (every x86-64 CPU since 2013-2015), module `avx2` (the NTT in
//!   double precision for primes below 2^51, with 64-bit integer lanes up to 2^61) and
//!   `avx2::elementwise` (key-switching sums, base-conversion sums and centred lifts for primes
//!   below 2^51, in double precision);
//! - [`Path::Ifma`]: AVX-512F and AVX-512 IFMA, module `ifma`: the NTT, the key-switching sums
//!   and the centred lift with 52-bit multiply-adds, for primes below 2^51, and the NTT on 64-bit
//!   AVX-512 lanes (with AVX-512DQ) up to 2^61; everything else takes the AVX2 kernels.
//!
//! The path is chosen once per process by [`path`]: the best one the CPU has, or the one named by
//! the environment variable `CKKS_SIMD` (`portable`, `avx2` or `ifma`; `CKKS_NO_SIMD` set to
//! anything means `portable`). A requested path the CPU lacks is not an error: the best supported
//! path below it runs instead ([`resolve`]), so `CKKS_SIMD=ifma` on an AVX2 machine runs AVX2.
//! Every kernel returns canonical residues in `[0, q)` and computes exactly what the portable code
//! computes, so results are bit-identical whatever the path (and the thread count).
//!
//! Safety: every `unsafe` block of the crate is in this module. The kernels are `unsafe`
//! functions only because they are compiled for instructions the CPU may lack; the safe wrappers
//! here construct a kernel (or take a branch) only after [`Path::is_supported`] (and, for an
//! instruction a path does not require, its own check) said yes.

#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod ifma;

use super::modulus::Modulus;
use std::sync::OnceLock;

/// Primes of at most this many bits (below `2^51`) take the fast kernels of every SIMD path:
/// the double-precision NTT and sums of [`Path::Avx2`], the 52-bit multiply-adds of
/// [`Path::Ifma`]. Wider primes take 64-bit integer lanes (on the project's AVX2 machine a
/// forward NTT at `N = 2^16` takes 562 us for a 60-bit prime against 303 us for a 50-bit one),
/// and a wider source of a base conversion enters its sums as two 32-bit halves. Parameter
/// choices that are free to pick narrower primes use this width.
pub const FAST_PRIME_BITS: u32 = 51;

// Every fast kernel takes primes of that width.
#[cfg(target_arch = "x86_64")]
const _: () = assert!(
    avx2::FLOAT_MAX_BITS >= FAST_PRIME_BITS
        && avx2::elementwise::SUMS_MAX_BITS >= FAST_PRIME_BITS
        && ifma::MAX_BITS >= FAST_PRIME_BITS
);

/// A family of kernels, ordered by the instructions it needs (each implies the previous).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Path {
    /// Scalar Rust, any CPU.
    Portable,
    /// AVX2 and FMA.
    Avx2,
    /// AVX-512F and AVX-512 IFMA (such CPUs also have AVX2 and FMA).
    Ifma,
}

impl Path {
    /// All paths, from the most portable.
    pub const ALL: [Path; 3] = [Path::Portable, Path::Avx2, Path::Ifma];

    /// The name used by `CKKS_SIMD`.
    pub fn name(self) -> &'static str {
        match self {
            Path::Portable => "portable",
            Path::Avx2 => "avx2",
            Path::Ifma => "ifma",
        }
    }

    /// Parses a `CKKS_SIMD` value (case-insensitive).
    pub fn parse(s: &str) -> Option<Path> {
        Path::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(s.trim()))
    }

    /// Whether the running CPU has the instructions of this path.
    pub fn is_supported(self) -> bool {
        match self {
            Path::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Path::Ifma => Path::Avx2.is_supported() && ifma::available(),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The best path the running CPU supports.
pub fn best_supported() -> Path {
    *Path::ALL.iter().rev().find(|p| p.is_supported()).unwrap_or(&Path::Portable)
}

/// The path requested by the environment: `CKKS_NO_SIMD` (any value) means portable, else
/// `CKKS_SIMD` if it names a path. An unknown `CKKS_SIMD` value is ignored (with a warning on
/// standard error, once), so a typo cannot silently select the portable path.
pub fn requested() -> Option<Path> {
    if std::env::var_os("CKKS_NO_SIMD").is_some() {
        return Some(Path::Portable);
    }
    let v = std::env::var("CKKS_SIMD").ok()?;
    let p = Path::parse(&v);
    if p.is_none() {
        eprintln!("ckks: CKKS_SIMD={v:?} names no path (portable, avx2, ifma): ignored");
    }
    p
}

/// The path that runs when `requested` is asked for on a CPU whose best path is `best`: the
/// request if supported, else the best supported path below it; no request means `best`.
pub fn resolve(requested: Option<Path>, best: Path) -> Path {
    requested.map_or(best, |r| r.min(best))
}

/// The path of this process, decided on first use from the CPU and the environment.
pub fn path() -> Path {
    static PATH: OnceLock<Path> = OnceLock::new();
    *PATH.get_or_init(|| resolve(requested(), best_supported()))
}

// ----- NTT ----------------------------------------------------------------------------------

/// A vector NTT for one prime and degree: twiddles in the kernel's own format.
#[derive(Debug)]
pub(crate) struct NttKernel {
    inner: NttInner,
}

#[derive(Debug)]
enum NttInner {
    #[cfg(target_arch = "x86_64")]
    Ifma(ifma::Tables),
    #[cfg(target_arch = "x86_64")]
    Avx512Int(ifma::IntTables),
    #[cfg(target_arch = "x86_64")]
    Avx2Float(avx2::FloatTables),
    #[cfg(target_arch = "x86_64")]
    Avx2Int(avx2::IntTables),
}

/// Twiddles and companions of one vector kernel, as 64-bit patterns (integers, or the bits of
/// `f64`s).
#[cfg(target_arch = "x86_64")]
#[derive(Debug)]
pub(crate) struct KernelTables {
    pub(crate) q: u64,
    pub(crate) fwd: Vec<u64>,
    pub(crate) fwd_c: Vec<u64>,
    pub(crate) inv: Vec<u64>,
    pub(crate) inv_c: Vec<u64>,
    /// `[n^-1, companion, n^-1 psi^-brv(1), companion]`.
    pub(crate) last: [u64; 4],
}

#[cfg(target_arch = "x86_64")]
impl KernelTables {
    /// The twiddles with their 64-bit Shoup companions `floor(w 2^64 / q)` (the integer
    /// kernels').
    fn shoup(tw: &Twiddles<'_>) -> Self {
        let m = tw.modulus;
        Self {
            q: m.value(),
            fwd: tw.fwd.to_vec(),
            fwd_c: tw.fwd_shoup.to_vec(),
            inv: tw.inv.to_vec(),
            inv_c: tw.inv_shoup.to_vec(),
            last: [tw.n_inv, m.shoup(tw.n_inv), tw.last_w, m.shoup(tw.last_w)],
        }
    }
}

/// The scalar twiddles an [`NttKernel`] is built from (see [`super::ntt::NttTable`]).
pub(crate) struct Twiddles<'a> {
    pub modulus: Modulus,
    /// `psi^brv(k)`, `k < N`, and the inverse powers.
    pub fwd: &'a [u64],
    pub inv: &'a [u64],
    pub fwd_shoup: &'a [u64],
    pub inv_shoup: &'a [u64],
    /// `N^-1` and `N^-1 psi^-brv(1)` (the last inverse stage).
    pub n_inv: u64,
    pub last_w: u64,
}

impl NttKernel {
    /// The kernel of `path` for these twiddles, or `None` when that path has no kernel for this
    /// prime width or degree, or the CPU lacks its instructions. On the IFMA path primes of 52
    /// bits and more take the AVX-512F/DQ integer kernel (the AVX2 one without DQ).
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
    pub(crate) fn new(path: Path, tw: &Twiddles<'_>) -> Option<Self> {
        if !path.is_supported() {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        {
            let n = tw.fwd.len();
            let bits = tw.modulus.bits();
            let inner = match path {
                Path::Portable => return None,
                Path::Ifma if bits <= ifma::MAX_BITS && n >= 16 => {
                    NttInner::Ifma(ifma::Tables::new(tw))
                }
                // Wider primes on 64-bit AVX-512 lanes where DQ exists: on the Intel Xeon of
                // 2026-12-02 (`NTT_BEST_OF=1 cargo bench -p ckks --bench ntt`, N = 2^14..2^16)
                // 1.02-1.05x of tfhe-ntt's time against the AVX2 kernel's 1.81-1.87x; on a Zen 4
                // EPYC (512-bit multiplies as two halves) such a port measured 1.48x against 1.4x.
                Path::Ifma if n >= 16 && ifma::int_available() => {
                    NttInner::Avx512Int(ifma::IntTables::new(tw))
                }
                _ if n < 8 => return None,
                // The double-precision kernel wherever it applies: measured on the Zen 3 machine
                // (best of 15 x 40 runs, one process), N = 2^15: 169 us forward against 287 us
                // for the integer kernel (whose speed does not depend on the prime's width) and
                // 265 us for tfhe-ntt; N = 2^16: 346 against 587 and 525-743 us.
                _ if bits <= avx2::FLOAT_MAX_BITS => {
                    NttInner::Avx2Float(avx2::FloatTables::new(tw))
                }
                _ => NttInner::Avx2Int(avx2::IntTables::new(tw)),
            };
            Some(Self { inner })
        }
        #[cfg(not(target_arch = "x86_64"))]
        None
    }

    /// The kernel's name: `ifma`, `avx512-u64`, `avx2-f64` or `avx2-u64`.
    pub(crate) fn name(&self) -> &'static str {
        match self.inner {
            #[cfg(target_arch = "x86_64")]
            NttInner::Ifma(_) => "ifma",
            #[cfg(target_arch = "x86_64")]
            NttInner::Avx512Int(_) => "avx512-u64",
            #[cfg(target_arch = "x86_64")]
            NttInner::Avx2Float(_) => "avx2-f64",
            #[cfg(target_arch = "x86_64")]
            NttInner::Avx2Int(_) => "avx2-u64",
        }
    }

    /// In-place forward transform (entries `< q` in and out, same result as the portable one).
    pub(crate) fn forward(&self, a: &mut [u64]) {
        match &self.inner {
            // SAFETY (all arms): `new` built this variant only after `Path::is_supported` (and,
            // for `Avx512Int`, `ifma::int_available`) confirmed the CPU features the kernel is
            // compiled for, for a prime width and degree the kernel accepts; the tables check
            // the length of `a`.
            #[cfg(target_arch = "x86_64")]
            NttInner::Ifma(t) => unsafe { t.forward(a) },
            #[cfg(target_arch = "x86_64")]
            NttInner::Avx512Int(t) => unsafe { t.forward(a) },
            #[cfg(target_arch = "x86_64")]
            NttInner::Avx2Float(t) => unsafe { t.forward(a) },
            #[cfg(target_arch = "x86_64")]
            NttInner::Avx2Int(t) => unsafe { t.forward(a) },
        }
    }

    /// The forward transform of the centred lift of `src` (residues below `from`, an odd number
    /// below `2^61`) into `a`, the lift fused into the first pass; `false` (and nothing written)
    /// when the kernel has no fused form.
    pub(crate) fn forward_lifted(&self, src: &[u64], a: &mut [u64], from: u64) -> bool {
        assert!(src.len() == a.len() && from & 1 == 1 && from < 1 << 61);
        match &self.inner {
            // SAFETY (both arms): as in `forward`; `from` is odd and below 2^61 (asserted); the
            // lift of entries not below `from` is wrong, never undefined behaviour.
            #[cfg(target_arch = "x86_64")]
            NttInner::Avx2Float(t) => {
                unsafe { t.forward_lifted(src, a, from) };
                true
            }
            #[cfg(target_arch = "x86_64")]
            NttInner::Avx2Int(t) => {
                unsafe { t.forward_lifted(src, a, from) };
                true
            }
            #[cfg(target_arch = "x86_64")]
            NttInner::Ifma(_) | NttInner::Avx512Int(_) => false,
        }
    }

    /// In-place inverse transform including `1/N`.
    pub(crate) fn inverse(&self, a: &mut [u64]) {
        match &self.inner {
            // SAFETY: as in `forward`.
            #[cfg(target_arch = "x86_64")]
            NttInner::Ifma(t) => unsafe { t.inverse(a) },
            #[cfg(target_arch = "x86_64")]
            NttInner::Avx512Int(t) => unsafe { t.inverse(a) },
            #[cfg(target_arch = "x86_64")]
            NttInner::Avx2Float(t) => unsafe { t.inverse(a) },
            #[cfg(target_arch = "x86_64")]
            NttInner::Avx2Int(t) => unsafe { t.inverse(a) },
        }
    }
}

// ----- element-wise kernels -----------------------------------------------------------------

mod elementwise;
pub use elementwise::{
    centred_lift, centred_lift_on, centred_lift_small, centred_lift_small_on, conversion_sums,
    conversion_sums_available, conversion_sums_on, ProductSums, SumTerm,
};
pub mod pointwise;

#[cfg(test)]
mod tests;
