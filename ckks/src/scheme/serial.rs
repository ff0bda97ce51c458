//! Serialization of the scheme's own objects (parameter sets, ciphertexts, seeded ciphertexts)
//! in the versioned binary format of [`crate::rlwe::serial`] (header, kinds, readers; its
//! public items are re-exported here).

pub use crate::rlwe::serial::{checksum, peek_kind, Kind, MAGIC, VERSION};

use super::ciphertext::{check_hash, Ciphertext};
use super::context::Context;
use super::keys::SeededCiphertext;
use super::params::{ParametersLiteral, Security};
use crate::error::Result;
use crate::rlwe::serial::{frame, malformed, put_poly, unframe, Reader};

// ----- parameters --------------------------------------------------------------------------

impl Context {
    /// The parameter set, serialized (its literal; the reader rebuilds and re-validates it).
    pub fn to_bytes(&self) -> Vec<u8> {
        let l = self.literal();
        let mut p = Vec::new();
        p.extend(l.log_n.to_le_bytes());
        p.extend(l.first_prime_bits.to_le_bytes());
        p.extend((l.data_prime_bits.len() as u32).to_le_bytes());
        l.data_prime_bits.iter().for_each(|b| p.extend(b.to_le_bytes()));
        p.extend((l.special_prime_bits.len() as u32).to_le_bytes());
        l.special_prime_bits.iter().for_each(|b| p.extend(b.to_le_bytes()));
        p.extend(l.log_scale.to_le_bytes());
        p.extend((l.dnum as u32).to_le_bytes());
        p.push(u8::from(l.security == Security::InsecureToyParameters));
        // Bootstrapping primes, only when there are some (so that parameter sets without them
        // keep their version-1 bytes).
        if !l.bootstrap_prime_bits.is_empty() {
            p.extend((l.bootstrap_prime_bits.len() as u32).to_le_bytes());
            l.bootstrap_prime_bits.iter().for_each(|b| p.extend(b.to_le_bytes()));
        }
        frame(Kind::Parameters, self.hash(), &p)
    }

    /// Reads and validates a parameter set ([`ParametersLiteral::build`] runs again, security
    /// check included), and checks that it has the hash it was written with.
    ///
    /// # Errors
    /// [`crate::CkksError::Malformed`] and friends for bad input; the parameter errors of `build`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Context> {
        let (payload, hash) = unframe(bytes, Kind::Parameters)?;
        let mut r = Reader { buf: payload, what: "parameter set" };
        let log_n = r.u32()?;
        let first_prime_bits = r.u32()?;
        let count = r.u32()? as usize;
        if count > 64 {
            return Err(malformed("parameter set", format!("{count} data primes")));
        }
        let data_prime_bits = (0..count).map(|_| r.u32()).collect::<Result<Vec<_>>>()?;
        let count = r.u32()? as usize;
        if count > 64 {
            return Err(malformed("parameter set", format!("{count} special primes")));
        }
        let special_prime_bits = (0..count).map(|_| r.u32()).collect::<Result<Vec<_>>>()?;
        let log_scale = r.u32()?;
        let dnum = r.u32()? as usize;
        let security = match r.u8()? {
            0 => Security::HeStandard128,
            1 => Security::InsecureToyParameters,
            s => return Err(malformed("parameter set", format!("security code {s}"))),
        };
        let bootstrap_prime_bits = if r.buf.is_empty() {
            Vec::new()
        } else {
            let count = r.u32()? as usize;
            if count == 0 || count > 64 {
                return Err(malformed("parameter set", format!("{count} bootstrapping primes")));
            }
            (0..count).map(|_| r.u32()).collect::<Result<Vec<_>>>()?
        };
        r.end()?;
        let ctx = ParametersLiteral {
            log_n,
            first_prime_bits,
            data_prime_bits,
            bootstrap_prime_bits,
            special_prime_bits,
            log_scale,
            dnum,
            security,
        }
        .build()?;
        check_hash(&ctx, hash)?;
        Ok(ctx)
    }
}

// ----- ciphertexts --------------------------------------------------------------------------

fn read_level_scale(r: &mut Reader<'_>, ctx: &Context) -> Result<(usize, f64)> {
    let level = r.u32()? as usize;
    if level > ctx.max_level() {
        return Err(malformed(
            r.what,
            format!("level {level} above the top level {}", ctx.max_level()),
        ));
    }
    let scale = r.f64()?;
    if !(scale.is_finite() && scale > 0.0) {
        return Err(malformed(r.what, format!("scale {scale}")));
    }
    Ok((level, scale))
}

impl Ciphertext {
    /// Serialized, every component in full.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(16 + self.byte_size());
        p.extend((self.level as u32).to_le_bytes());
        p.extend(self.scale.to_bits().to_le_bytes());
        p.extend((self.parts.len() as u32).to_le_bytes());
        self.parts.iter().for_each(|part| put_poly(&mut p, part));
        frame(Kind::Ciphertext, self.params_hash, &p)
    }

    /// Reads a ciphertext of `ctx`.
    ///
    /// # Errors
    /// [`crate::CkksError::Malformed`], [`crate::CkksError::WrongKind`], [`crate::CkksError::UnsupportedVersion`],
    /// [`crate::CkksError::ContextMismatch`].
    pub fn from_bytes(ctx: &Context, bytes: &[u8]) -> Result<Ciphertext> {
        let (payload, hash) = unframe(bytes, Kind::Ciphertext)?;
        check_hash(ctx, hash)?;
        let mut r = Reader { buf: payload, what: "ciphertext" };
        let (level, scale) = read_level_scale(&mut r, ctx)?;
        let size = r.u32()? as usize;
        if !(2..=3).contains(&size) {
            return Err(malformed("ciphertext", format!("{size} components")));
        }
        let basis = ctx.basis_q(level);
        let parts = (0..size).map(|_| r.poly(ctx.n(), basis)).collect::<Result<Vec<_>>>()?;
        r.end()?;
        Ok(Ciphertext { parts, level, scale, params_hash: hash })
    }
}

impl SeededCiphertext {
    /// Serialized: `c_0` in full and the 32-byte seed of `a`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(44 + self.c0.data().len() * 8);
        p.extend((self.level as u32).to_le_bytes());
        p.extend(self.scale.to_bits().to_le_bytes());
        put_poly(&mut p, &self.c0);
        p.extend(self.seed);
        frame(Kind::SeededCiphertext, self.params_hash, &p)
    }

    /// Reads a seeded ciphertext of `ctx`.
    ///
    /// # Errors
    /// As [`Ciphertext::from_bytes`].
    pub fn from_bytes(ctx: &Context, bytes: &[u8]) -> Result<SeededCiphertext> {
        let (payload, hash) = unframe(bytes, Kind::SeededCiphertext)?;
        check_hash(ctx, hash)?;
        let mut r = Reader { buf: payload, what: "seeded ciphertext" };
        let (level, scale) = read_level_scale(&mut r, ctx)?;
        let c0 = r.poly(ctx.n(), ctx.basis_q(level))?;
        let seed = r.seed()?;
        r.end()?;
        Ok(SeededCiphertext { c0, seed, level, scale, params_hash: hash })
    }
}
