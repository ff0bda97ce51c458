//! Element-wise arithmetic of residue vectors modulo one prime behind safe functions: each checks
//! its preconditions, runs the vector kernel of the process's [`path`] on the largest multiple of
//! four entries it can, and the portable loop (the reference) on the rest or when there is no
//! kernel. Entries are canonical residues in and out, so every path gives the same bits.

use super::{path, Path};
use crate::math::Modulus;

#[cfg(target_arch = "x86_64")]
use super::avx2::pointwise as k;

/// Whether the AVX2 kernels run on path `p` (and the CPU has them), and on how many entries of
/// `n` (a multiple of four).
fn vector_len(p: Path, n: usize) -> usize {
    if p >= Path::Avx2 && Path::Avx2.is_supported() {
        n & !3
    } else {
        0
    }
}

/// Widest prime of the double-precision products.
const MUL_MAX_BITS: u32 = 51;

/// An element-wise operation on two residue vectors (see [`binary_assign`] and [`binary_into`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `x + y mod q`.
    Add,
    /// `x - y mod q`.
    Sub,
    /// `x y mod q`.
    Mul,
}

impl Op {
    fn scalar(self, q: &Modulus) -> impl Fn(u64, u64) -> u64 + '_ {
        move |a, b| match self {
            Op::Add => q.add(a, b),
            Op::Sub => q.sub(a, b),
            Op::Mul => q.mul(a, b),
        }
    }

    /// The kernel's operation, when there is one for primes of `bits` bits.
    #[cfg(target_arch = "x86_64")]
    fn kernel(self, bits: u32) -> Option<k::Binary> {
        match self {
            Op::Add => Some(k::Binary::Add),
            Op::Sub => Some(k::Binary::Sub),
            Op::Mul => (bits <= MUL_MAX_BITS).then_some(k::Binary::Mul),
        }
    }
}

/// `x = op(x, y)` entry by entry.
///
/// # Panics
/// If the lengths differ. Entries must be below `q`.
pub fn binary_assign(op: Op, x: &mut [u64], y: &[u64], q: &Modulus) {
    binary_assign_on(path(), op, x, y, q)
}

/// [`binary_assign`] on a given path (the portable loop where the CPU lacks it): for tests and
/// side-by-side benchmarks.
pub fn binary_assign_on(p: Path, op: Op, x: &mut [u64], y: &[u64], q: &Modulus) {
    assert_eq!(x.len(), y.len());
    let mut v = vector_len(p, x.len());
    #[cfg(target_arch = "x86_64")]
    match op.kernel(q.bits()) {
        // SAFETY: AVX2 and FMA are present (`vector_len` > 0 only then); both slices hold at
        // least v entries, v a multiple of 4; out = x is allowed; the kernel takes this width.
        Some(o) if v > 0 => unsafe {
            k::binary(o, x.as_ptr(), y.as_ptr(), x.as_mut_ptr(), v, q.value())
        },
        _ => v = 0,
    }
    let f = op.scalar(q);
    for (a, &b) in x[v..].iter_mut().zip(&y[v..]) {
        *a = f(*a, b);
    }
}

/// `out = op(x, y)` entry by entry.
///
/// # Panics
/// If the lengths differ. Entries must be below `q`.
pub fn binary_into(op: Op, x: &[u64], y: &[u64], out: &mut [u64], q: &Modulus) {
    binary_into_on(path(), op, x, y, out, q)
}

/// [`binary_into`] on a given path (the portable loop where the CPU lacks it): for tests and
/// side-by-side benchmarks.
pub fn binary_into_on(p: Path, op: Op, x: &[u64], y: &[u64], out: &mut [u64], q: &Modulus) {
    assert!(x.len() == y.len() && x.len() == out.len());
    let mut v = vector_len(p, x.len());
    #[cfg(target_arch = "x86_64")]
    match op.kernel(q.bits()) {
        // SAFETY: as in `binary_assign_on`; `out` is a distinct slice.
        Some(o) if v > 0 => unsafe {
            k::binary(o, x.as_ptr(), y.as_ptr(), out.as_mut_ptr(), v, q.value())
        },
        _ => v = 0,
    }
    let f = op.scalar(q);
    for ((o, &a), &b) in out[v..].iter_mut().zip(&x[v..]).zip(&y[v..]) {
        *o = f(a, b);
    }
}

/// `acc += x y` entry by entry.
///
/// # Panics
/// If the lengths differ. Entries must be below `q`.
pub fn mul_add_assign(acc: &mut [u64], x: &[u64], y: &[u64], q: &Modulus) {
    mul_add_assign_on(path(), acc, x, y, q)
}

/// [`mul_add_assign`] on a given path (the portable loop where the CPU lacks it): for tests and
/// side-by-side benchmarks.
pub fn mul_add_assign_on(p: Path, acc: &mut [u64], x: &[u64], y: &[u64], q: &Modulus) {
    assert!(acc.len() == x.len() && acc.len() == y.len());
    let mut v = vector_len(p, acc.len());
    #[cfg(target_arch = "x86_64")]
    if v > 0 && q.bits() <= MUL_MAX_BITS {
        // SAFETY: AVX2 and FMA are present; three distinct slices of at least v entries, v a
        // multiple of 4; q < 2^51.
        unsafe { k::mul_add(acc.as_mut_ptr(), x.as_ptr(), y.as_ptr(), v, q.value()) }
    } else {
        v = 0;
    }
    for ((d, &a), &b) in acc[v..].iter_mut().zip(&x[v..]).zip(&y[v..]) {
        *d = q.mul_add(a, b, *d);
    }
}

/// `x = -x` entry by entry.
pub fn neg_assign(x: &mut [u64], q: &Modulus) {
    neg_assign_on(path(), x, q)
}

/// [`neg_assign`] on a given path (the portable loop where the CPU lacks it): for tests and
/// side-by-side benchmarks.
pub fn neg_assign_on(p: Path, x: &mut [u64], q: &Modulus) {
    let v = vector_len(p, x.len());
    #[cfg(target_arch = "x86_64")]
    if v > 0 {
        // SAFETY: AVX2 is present; x holds at least v entries, v a multiple of 4, below q.
        unsafe { k::neg(x.as_mut_ptr(), v, q.value()) }
    }
    for a in &mut x[v..] {
        *a = q.neg(*a);
    }
}

/// `x = (x - y) w + z` entry by entry, `y` and `z` optional (absent: 0): the pass that ends a
/// rescale and a mod-down (`w` the inverse of the dropped primes), or a product by the constant
/// `w < q` (`w_shoup = q.shoup(w)`).
///
/// # Panics
/// If a length differs from `x`'s or `w >= q`. Entries must be below `q`.
pub fn sub_mul_const(
    x: &mut [u64],
    y: Option<&[u64]>,
    w: (u64, u64),
    z: Option<&[u64]>,
    q: &Modulus,
) {
    sub_mul_const_on(path(), x, y, w, z, q)
}

/// [`sub_mul_const`] into another slice: `out = (x - y) w + z`.
///
/// # Panics
/// As [`sub_mul_const`], and if `out` is not as long as `x`.
pub fn sub_mul_const_into(
    x: &[u64],
    y: Option<&[u64]>,
    w: (u64, u64),
    z: Option<&[u64]>,
    q: &Modulus,
    out: &mut [u64],
) {
    assert_eq!(x.len(), out.len());
    sub_mul_const_impl(path(), Src::Other(x), y, w, z.map(Src::Other), q, out)
}

/// `acc = acc + x w` entry by entry (`w < q`, `w_shoup = q.shoup(w)`): one term of a sum of
/// constant multiples in one pass, without the product's own buffer.
///
/// # Panics
/// If the lengths differ or `w >= q`. Entries must be below `q`.
pub fn mul_const_add_assign(acc: &mut [u64], x: &[u64], w: (u64, u64), q: &Modulus) {
    mul_const_add_assign_on(path(), acc, x, w, q)
}

/// [`mul_const_add_assign`] on a given path: for tests and side-by-side benchmarks.
pub fn mul_const_add_assign_on(p: Path, acc: &mut [u64], x: &[u64], w: (u64, u64), q: &Modulus) {
    assert_eq!(x.len(), acc.len());
    sub_mul_const_impl(p, Src::Other(x), None, w, Some(Src::Out), q, acc)
}

/// [`sub_mul_const`] on a given path (the portable loop where the CPU lacks it): for tests and
/// side-by-side benchmarks.
pub fn sub_mul_const_on(
    p: Path,
    x: &mut [u64],
    y: Option<&[u64]>,
    w: (u64, u64),
    z: Option<&[u64]>,
    q: &Modulus,
) {
    sub_mul_const_impl(p, Src::Out, y, w, z.map(Src::Other), q, x)
}

/// Where [`sub_mul_const_impl`] reads `x` or `z`: the output itself, or another slice.
enum Src<'a> {
    Out,
    Other(&'a [u64]),
}

fn sub_mul_const_impl(
    p: Path,
    x: Src<'_>,
    y: Option<&[u64]>,
    (w, ws): (u64, u64),
    z: Option<Src<'_>>,
    q: &Modulus,
    out: &mut [u64],
) {
    let n = out.len();
    let fits = |s: &Src<'_>| matches!(s, Src::Out) || matches!(s, Src::Other(v) if v.len() == n);
    assert!(fits(&x) && y.is_none_or(|y| y.len() == n) && z.as_ref().is_none_or(fits));
    assert!(w < q.value());
    debug_assert_eq!(ws, q.shoup(w));
    let v = vector_len(p, n);
    #[cfg(target_arch = "x86_64")]
    if v > 0 {
        let c = k::Constant { w, w_shoup: ws };
        // Reads of the output go through the pointer the kernel writes with.
        let op = out.as_mut_ptr();
        let ptr = |s: &Src<'_>| match s {
            Src::Out => op as *const u64,
            Src::Other(x) => x.as_ptr(),
        };
        let (xp, zp) = (ptr(&x), z.as_ref().map(ptr));
        // SAFETY: AVX2 and FMA are present; every slice holds at least v entries (x's and z's
        // lengths are out's), v a multiple of 4, below q < 2^61; x and z are out or distinct
        // slices (the kernel reads each block before writing it); w < q with its Shoup
        // companion.
        unsafe { k::sub_mul_const(xp, y.map(<[u64]>::as_ptr), zp, op, v, c, q.value()) }
    }
    let qv = q.value();
    let at = |s: &Src<'_>, out: &[u64], c: usize| match s {
        Src::Out => out[c],
        Src::Other(x) => x[c],
    };
    for c in v..n {
        let r = q.mul_shoup(at(&x, out, c) + qv - y.map_or(0, |y| y[c]), w, ws);
        out[c] = z.as_ref().map_or(r, |z| q.add(r, at(z, out, c)));
    }
}

/// An automorphism's permutation of evaluation-form entries, checked to map every aligned block
/// of four entries onto an aligned block of four (true of every `X -> X^g` in the layout of
/// [`crate::math::ntt`]: see [`crate::math::poly::eval_automorphism_permutation`]), which the
/// vector kernel moves as whole blocks.
#[derive(Debug)]
pub struct Permutation<'a> {
    perm: &'a [u32],
    /// The `vpermd` indices of a block whose first entry comes from lane `perm[4b] % 4`, when
    /// every block is such a move (and the path has the kernel).
    lanes: Option<[[u32; 8]; 4]>,
}

impl<'a> Permutation<'a> {
    /// Checks `perm` (entries below its length) once for all the limbs it will permute.
    ///
    /// # Panics
    /// If an entry of `perm` is not below `perm.len()`.
    pub fn new(perm: &'a [u32]) -> Self {
        Self::on(path(), perm)
    }

    /// [`Permutation::new`] on a given path.
    pub fn on(p: Path, perm: &'a [u32]) -> Self {
        let n = perm.len();
        assert!(perm.iter().all(|&x| (x as usize) < n), "a permutation entry is out of range");
        let lanes = (vector_len(p, n) == n && n > 0).then(|| Self::block_lanes(perm)).flatten();
        Self { perm, lanes }
    }

    fn block_lanes(perm: &[u32]) -> Option<[[u32; 8]; 4]> {
        let mut lanes: [Option<[u32; 8]>; 4] = [None; 4];
        for b in perm.chunks_exact(4) {
            let block = b[0] & !3;
            let mut l = [0u32; 8];
            for (j, &x) in b.iter().enumerate() {
                if x & !3 != block {
                    return None;
                }
                l[2 * j] = 2 * (x & 3);
                l[2 * j + 1] = 2 * (x & 3) + 1;
            }
            match &lanes[(b[0] & 3) as usize] {
                Some(seen) if *seen != l => return None,
                Some(_) => {}
                None => lanes[(b[0] & 3) as usize] = Some(l),
            }
        }
        Some(lanes.map(|l| l.unwrap_or([0, 1, 2, 3, 4, 5, 6, 7])))
    }

    /// Whether the vector kernel runs.
    pub fn is_vectorised(&self) -> bool {
        self.lanes.is_some()
    }

    /// `out[k] = src[perm[k]]`.
    ///
    /// # Panics
    /// If `src` or `out` is not as long as the permutation.
    pub fn apply(&self, src: &[u64], out: &mut [u64]) {
        assert!(src.len() == self.perm.len() && out.len() == self.perm.len());
        #[cfg(target_arch = "x86_64")]
        if let Some(lanes) = &self.lanes {
            // SAFETY: `lanes` exists only on the AVX2 path with the CPU supporting it, for a
            // length that is a multiple of 4 with every entry below it (checked in `on`); the
            // slices are distinct and as long as the permutation.
            unsafe { k::permute(src, self.perm, lanes, out) };
            return;
        }
        for (d, &p) in out.iter_mut().zip(self.perm) {
            *d = src[p as usize];
        }
    }
}
