//! The versioned binary format of every object (the header, the kinds, the bounds-checked
//! reader), and the serialization of the RLWE layer's keys. The scheme serializes its own
//! objects (parameters, ciphertexts) with the same framework ([`crate::scheme::serial`]).
//!
//! Every object is a 40-byte header and a payload, all integers little-endian:
//!
//! ```text
//! offset  0  magic        8 bytes  "LDCKKS\r\n"
//!         8  version      u16      2
//!        10  kind         u16      1 parameters, 2 secret key, 3 public key,
//!                                  4 relinearization key, 5 Galois keys, 6 ciphertext,
//!                                  7 seeded ciphertext, 8 bootstrapping configuration,
//!                                  9 bootstrapping keys
//!        12  reserved     u32      0 (anything else is refused: a later version may use it)
//!        16  params hash  u64      the hash of the parameters the object belongs to
//!        24  length       u64      payload bytes
//!        32  checksum     u64      FNV-1a of the payload (catches corruption, not tampering)
//!        40  payload
//! ```
//!
//! Polynomials are stored limb by limb, `N` residues of 8 bytes each; switching keys and
//! secret-key ciphertexts store the 32-byte seed of their uniform half instead of the half
//! itself (seeded compression). Readers treat their input as hostile: every length is checked
//! against the context before anything is allocated, every residue against its prime, and any
//! inconsistency is a [`CkksError`] (never a panic).

use super::galois::inverse_mod_2n;
use super::keys::{
    restrict_limbs, GaloisKey, GaloisKeys, PublicKey, RelinearizationKey, SecretKey, SwitchingKey,
};
use super::ring::RingContext;
use crate::error::{CkksError, Result};
use crate::math::poly::eval_automorphism_permutation;
use crate::math::{Basis, Eval, Prng, RnsPoly};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// The magic bytes (the CR LF pair detects text-mode mangling).
pub const MAGIC: [u8; 8] = *b"LDCKKS\r\n";
/// The format version written and read (2: Galois keys carry their level; objects of version 1
/// are refused with [`CkksError::UnsupportedVersion`]).
pub const VERSION: u16 = 2;
pub(crate) const HEADER: usize = 40;

/// Object kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Kind {
    /// A parameter set.
    Parameters = 1,
    /// A secret key.
    SecretKey = 2,
    /// A public key.
    PublicKey = 3,
    /// A relinearization key.
    RelinearizationKey = 4,
    /// Galois keys.
    GaloisKeys = 5,
    /// A ciphertext.
    Ciphertext = 6,
    /// A seeded ciphertext.
    SeededCiphertext = 7,
    /// A bootstrapping configuration ([`crate::boot::serial`]).
    BootstrapConfig = 8,
    /// A bootstrapping key set ([`crate::boot::serial`]).
    BootstrapKeys = 9,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Parameters => "parameter set",
            Kind::SecretKey => "secret key",
            Kind::PublicKey => "public key",
            Kind::RelinearizationKey => "relinearization key",
            Kind::GaloisKeys => "Galois keys",
            Kind::Ciphertext => "ciphertext",
            Kind::SeededCiphertext => "seeded ciphertext",
            Kind::BootstrapConfig => "bootstrapping configuration",
            Kind::BootstrapKeys => "bootstrapping keys",
        }
    }
}

/// 64-bit FNV-1a of a byte stream (the parameter hash and the payload checksum).
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

/// The checksum the header carries for `payload`.
pub fn checksum(payload: &[u8]) -> u64 {
    fnv1a(payload.iter().copied())
}

/// Reads the kind code of a serialized object (to dispatch on it), after checking the magic.
///
/// # Errors
/// [`CkksError::Malformed`] for a short input or a wrong magic.
pub fn peek_kind(bytes: &[u8]) -> Result<u16> {
    if bytes.len() < HEADER || bytes[..8] != MAGIC {
        return Err(malformed("object", "not a serialized object (bad magic or too short)"));
    }
    Ok(u16::from_le_bytes([bytes[10], bytes[11]]))
}

pub(crate) fn malformed(what: &'static str, reason: impl Into<String>) -> CkksError {
    CkksError::Malformed { what, reason: reason.into() }
}

pub(crate) fn frame(kind: Kind, params_hash: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend(MAGIC);
    out.extend(VERSION.to_le_bytes());
    out.extend((kind as u16).to_le_bytes());
    out.extend(0u32.to_le_bytes());
    out.extend(params_hash.to_le_bytes());
    out.extend((payload.len() as u64).to_le_bytes());
    out.extend(checksum(payload).to_le_bytes());
    out.extend(payload);
    out
}

/// Checks the header and returns the payload and the parameters hash.
pub(crate) fn unframe(bytes: &[u8], kind: Kind) -> Result<(&[u8], u64)> {
    let what = kind.name();
    if bytes.len() < HEADER {
        return Err(malformed(what, format!("{} bytes, shorter than the header", bytes.len())));
    }
    if bytes[..8] != MAGIC {
        return Err(malformed(what, "bad magic: not a serialized object of this project"));
    }
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    let version = u16_at(8);
    if version != VERSION {
        return Err(CkksError::UnsupportedVersion { found: version, supported: VERSION });
    }
    let found = u16_at(10);
    if found != kind as u16 {
        return Err(CkksError::WrongKind { expected: what, found });
    }
    if bytes[12..16] != [0; 4] {
        return Err(malformed(what, "reserved header bytes 12..16 are not zero"));
    }
    let hash = u64_at(16);
    let len = u64_at(24);
    let payload = &bytes[HEADER..];
    if len != payload.len() as u64 {
        return Err(malformed(
            what,
            format!("the header announces {len} payload bytes, {} are present", payload.len()),
        ));
    }
    if checksum(payload) != u64_at(32) {
        return Err(malformed(what, "checksum mismatch: the data is corrupted"));
    }
    Ok((payload, hash))
}

/// A bounds-checked cursor over a payload.
pub(crate) struct Reader<'a> {
    pub(crate) buf: &'a [u8],
    pub(crate) what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() < n {
            return Err(malformed(self.what, format!("truncated: {n} more bytes needed")));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    pub(crate) fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }
    pub(crate) fn seed(&mut self) -> Result<[u8; 32]> {
        Ok(self.take(32)?.try_into().expect("32 bytes"))
    }
    /// A polynomial over `basis` (its limb count is known, so nothing is allocated before the
    /// bytes are known to be there).
    pub(crate) fn poly(&mut self, n: usize, basis: &Basis) -> Result<RnsPoly<Eval>> {
        let bytes = self.take(n * basis.len() * 8)?;
        let mut data = Vec::with_capacity(n * basis.len());
        for (limb, t) in bytes.chunks_exact(n * 8).zip(basis) {
            let q = t.modulus().value();
            for w in limb.chunks_exact(8) {
                let v = u64::from_le_bytes(w.try_into().expect("8 bytes"));
                if v >= q {
                    return Err(malformed(
                        self.what,
                        format!("residue {v} is not below its prime {q}"),
                    ));
                }
                data.push(v);
            }
        }
        Ok(RnsPoly::from_data(n, data))
    }
    pub(crate) fn end(&self) -> Result<()> {
        if !self.buf.is_empty() {
            return Err(malformed(self.what, format!("{} trailing bytes", self.buf.len())));
        }
        Ok(())
    }
}

pub(crate) fn put_poly(out: &mut Vec<u8>, p: &RnsPoly<Eval>) {
    for w in p.data() {
        out.extend(w.to_le_bytes());
    }
}

// ----- keys ---------------------------------------------------------------------------------

impl<P: AsRef<RingContext> + Clone> SecretKey<P> {
    /// Serialized: the ternary coefficients, one byte each. The buffer is zeroized on drop;
    /// write it with owner-only permissions.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let p: Zeroizing<Vec<u8>> =
            Zeroizing::new(self.coeffs.iter().map(|&c| c as i8 as u8).collect());
        Zeroizing::new(frame(Kind::SecretKey, self.ring().hash(), &p))
    }

    /// Reads a secret key of `ctx`.
    ///
    /// # Errors
    /// As [`PublicKey::from_bytes`]; [`CkksError::Malformed`] for a coefficient outside
    /// {-1, 0, 1}.
    pub fn from_bytes(params: &P, bytes: &[u8]) -> Result<Self> {
        let ctx = params.as_ref();
        let (payload, hash) = unframe(bytes, Kind::SecretKey)?;
        ctx.check_hash(hash)?;
        if payload.len() != ctx.n() {
            return Err(malformed(
                "secret key",
                format!("{} coefficients for N = {}", payload.len(), ctx.n()),
            ));
        }
        let coeffs = payload
            .iter()
            .map(|&b| match b as i8 {
                c @ -1..=1 => Ok(c as i64),
                c => Err(malformed("secret key", format!("coefficient {c} is not ternary"))),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::from_coeffs(params, coeffs))
    }
}

impl PublicKey {
    /// Serialized in full.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = Vec::new();
        put_poly(&mut p, &self.b);
        put_poly(&mut p, &self.a);
        frame(Kind::PublicKey, self.params_hash, &p)
    }

    /// Reads a public key of `ctx`.
    ///
    /// # Errors
    /// [`CkksError::Malformed`], [`CkksError::WrongKind`], [`CkksError::UnsupportedVersion`],
    /// [`CkksError::ContextMismatch`].
    pub fn from_bytes(ctx: &RingContext, bytes: &[u8]) -> Result<PublicKey> {
        let (payload, hash) = unframe(bytes, Kind::PublicKey)?;
        ctx.check_hash(hash)?;
        let mut r = Reader { buf: payload, what: "public key" };
        let basis = ctx.basis_qp_top();
        let b = r.poly(ctx.n(), basis)?;
        let a = r.poly(ctx.n(), basis)?;
        r.end()?;
        Ok(PublicKey { b, a, params_hash: hash })
    }
}

/// A switching key: per digit `b_j` in full and then the seed of `a_j` (flag 1) or `a_j` in
/// full (flag 0). A key restricted to a level (its limbs `q_0 .. q_l, P` and the digits that
/// start at or below `l`) is written the same way; its seeds are those of the full key.
pub(crate) fn put_switching_key(out: &mut Vec<u8>, k: &SwitchingKey) {
    out.extend((k.digits.len() as u32).to_le_bytes());
    for (j, (b, a)) in k.digits.iter().enumerate() {
        put_poly(out, b);
        match &k.seeds {
            Some(seeds) => {
                out.push(1);
                out.extend(seeds[j]);
            }
            None => {
                out.push(0);
                put_poly(out, a);
            }
        }
    }
}

/// Reads a switching key for use at `level` (`ctx.max_level()` for a full key: every limb and
/// digit); `unpermute` maps a seed-expanded `a_j` to its stored form (the inverse automorphism
/// for Galois keys).
pub(crate) fn read_switching_key(
    r: &mut Reader<'_>,
    ctx: &RingContext,
    hash: u64,
    unpermute: Option<&[u32]>,
    level: usize,
) -> Result<SwitchingKey> {
    let expected = ctx.digits().iter().filter(|d| d.start <= level).count();
    let dnum = r.u32()? as usize;
    if dnum != expected {
        return Err(malformed(
            r.what,
            format!("{dnum} digits, a key for level {level} of the parameters has {expected}"),
        ));
    }
    let basis = ctx.basis_qp(level);
    let full = level == ctx.max_level();
    let n = ctx.n();
    let mut digits = Vec::with_capacity(dnum);
    let mut seeds = Vec::with_capacity(dnum);
    let mut all_seeded = true;
    for _ in 0..dnum {
        let b = r.poly(n, basis)?;
        let a = match r.u8()? {
            1 => {
                let seed = r.seed()?;
                seeds.push(seed);
                // The seed expands over the full key basis; a restricted key keeps its limbs.
                let a = Prng::from_seed(seed).uniform_poly(n, ctx.basis_qp_top());
                let a = match unpermute {
                    Some(perm) => a.permute(perm),
                    None => a,
                };
                if full {
                    a
                } else {
                    restrict_limbs(ctx, &a, ctx.max_level(), level)
                }
            }
            0 => {
                all_seeded = false;
                r.poly(n, basis)?
            }
            f => return Err(malformed(r.what, format!("digit flag {f}"))),
        };
        digits.push((b, a));
    }
    Ok(SwitchingKey { digits, level, seeds: all_seeded.then_some(seeds), params_hash: hash })
}

impl RelinearizationKey {
    /// Serialized with seeded compression.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = Vec::new();
        put_switching_key(&mut p, &self.0);
        frame(Kind::RelinearizationKey, self.0.params_hash, &p)
    }

    /// Reads a relinearization key of `ctx`.
    ///
    /// # Errors
    /// As [`PublicKey::from_bytes`].
    pub fn from_bytes(ctx: &RingContext, bytes: &[u8]) -> Result<RelinearizationKey> {
        let (payload, hash) = unframe(bytes, Kind::RelinearizationKey)?;
        ctx.check_hash(hash)?;
        let mut r = Reader { buf: payload, what: "relinearization key" };
        let k = read_switching_key(&mut r, ctx, hash, None, ctx.max_level())?;
        r.end()?;
        Ok(RelinearizationKey(k))
    }
}

impl GaloisKeys {
    /// Serialized with seeded compression: the count (`u32`), then per key its Galois element
    /// (`u64`), its level (`u32`, [`GaloisKey::level`]) and the switching key.
    ///
    /// # Panics
    /// Never for keys of one context; the hash written is that of the first key (0 when empty).
    pub fn to_bytes(&self) -> Vec<u8> {
        let hash = self.keys.values().next().map_or(0, |k| k.key.params_hash);
        let mut p = Vec::new();
        p.extend((self.keys.len() as u32).to_le_bytes());
        for (&g, k) in &self.keys {
            p.extend((g as u64).to_le_bytes());
            p.extend((k.key.level as u32).to_le_bytes());
            put_switching_key(&mut p, &k.key);
        }
        frame(Kind::GaloisKeys, hash, &p)
    }

    /// Reads Galois keys of `ctx` (an empty set reads under any parameters).
    ///
    /// # Errors
    /// As [`PublicKey::from_bytes`]; [`CkksError::Malformed`] for an invalid or repeated
    /// Galois element or a level beyond the parameters'.
    pub fn from_bytes(ctx: &RingContext, bytes: &[u8]) -> Result<GaloisKeys> {
        let (payload, hash) = unframe(bytes, Kind::GaloisKeys)?;
        let mut r = Reader { buf: payload, what: "Galois keys" };
        let count = r.u32()? as usize;
        if count == 0 {
            r.end()?;
            return Ok(GaloisKeys::default());
        }
        ctx.check_hash(hash)?;
        let n = ctx.n();
        if count > n {
            return Err(malformed("Galois keys", format!("{count} keys for N = {n}")));
        }
        let mut keys = BTreeMap::new();
        for _ in 0..count {
            let g = r.u64()? as usize;
            if g.is_multiple_of(2) || g >= 2 * n || keys.contains_key(&g) {
                return Err(malformed(
                    "Galois keys",
                    format!("Galois element {g} is invalid or repeated"),
                ));
            }
            let level = r.u32()? as usize;
            if level > ctx.max_level() {
                return Err(malformed(
                    "Galois keys",
                    format!("a key of level {level}, the parameters' top is {}", ctx.max_level()),
                ));
            }
            let permutation = eval_automorphism_permutation(n, g);
            let inverse = eval_automorphism_permutation(n, inverse_mod_2n(g, 2 * n));
            let key = read_switching_key(&mut r, ctx, hash, Some(&inverse), level)?;
            keys.insert(g, GaloisKey { key, galois_element: g, permutation });
        }
        r.end()?;
        Ok(GaloisKeys { keys })
    }
}
