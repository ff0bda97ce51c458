//! Identities: what ties the files of one workflow together.
//!
//! - A key set's [`Id`], drawn by `keygen`: every file of that keygen (plans, parameters,
//!   keys) and every upload, model and state made under it carries it.
//! - An upload's or a model's [`Id`], drawn by the command that writes it: every tile carries
//!   its directory's, so tiles of two uploads (or of two runs into one directory) never mix.
//! - The secret key's check, kept in the client's plan: a [`Digest`] of the key under its key
//!   set's id, so a `secret.key` that is not the plan's own is refused before it decrypts
//!   anything (even one re-labelled with the right id).
//! - The plan's [`Digest`] (of what the server's plan holds), in every manifest: an upload
//!   made under one plan is not trained under another (other hyperparameters, widths or
//!   keys), nor a model decrypted under another.
//!
//! These detect mix-ups and damage, not forgery: anyone can write any identity (CKKS
//! ciphertexts are not authenticated, and the server computes the model).

use crate::error::{Error, Result, WorkflowError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

/// A random 128-bit identifier, written as 32 lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id([u8; 16]);

impl Id {
    /// A fresh identifier from the operating system's entropy source.
    ///
    /// # Errors
    /// [`WorkflowError::Entropy`] if the source fails.
    pub fn random() -> Result<Self> {
        use rand_core::TryRngCore;
        let mut bytes = [0u8; 16];
        rand_core::OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(|e| Error::from(WorkflowError::Entropy { reason: e.to_string() }))?;
        Ok(Self(bytes))
    }

    /// The identifier of these bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// Its bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl std::fmt::Debug for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Id({self})")
    }
}

impl std::str::FromStr for Id {
    type Err = &'static str;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        unhex::<16>(s).map(Id).ok_or("an identifier is 32 lowercase hexadecimal digits")
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// 128 bits of SHA-256, written as 32 lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Digest([u8; 16]);

impl Digest {
    fn of(domain: &[u8], key_set: Id, bytes: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(domain);
        h.update(key_set.as_bytes());
        h.update(bytes);
        let digest = h.finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        Self(out)
    }

    /// The check of the serialized secret key `key` of the key set `key_set`:
    /// `SHA-256("ldckks key check v1" || key set || key)`.
    pub fn key_check(key_set: Id, key: &[u8]) -> Self {
        Self::of(b"ldckks key check v1", key_set, key)
    }

    /// The digest of a plan (its JSON, as the server's plan writes it):
    /// `SHA-256("ldckks plan v1" || key set || plan)`.
    pub fn plan(key_set: Id, plan_json: &[u8]) -> Self {
        Self::of(b"ldckks plan v1", key_set, plan_json)
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        unhex::<16>(&text)
            .map(Digest)
            .ok_or_else(|| serde::de::Error::custom("a digest is 32 lowercase hexadecimal digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip_and_refuse_malformed_text() {
        let a = Id::random().unwrap();
        let b = Id::random().unwrap();
        assert_ne!(a, b);
        let text = serde_json::to_string(&a).unwrap();
        assert_eq!(text.len(), 34);
        assert_eq!(serde_json::from_str::<Id>(&text).unwrap(), a);
        for bad in ["\"\"", "\"00\"", "1", "\"0123456789ABCDEF0123456789abcdef\"", "null"] {
            assert!(serde_json::from_str::<Id>(bad).is_err(), "{bad}");
        }
        let zero = "\"00000000000000000000000000000000\"";
        assert_eq!(serde_json::from_str::<Id>(zero).unwrap(), Id::from_bytes([0; 16]));
        // The key check depends on the key set and on every byte of the key.
        let k = Digest::key_check(a, b"key");
        assert_eq!(k, Digest::key_check(a, b"key"));
        assert_ne!(k, Digest::key_check(b, b"key"));
        assert_ne!(k, Digest::key_check(a, b"kez"));
        assert_ne!(k, Digest::plan(a, b"key"));
        let text = serde_json::to_string(&k).unwrap();
        assert_eq!(serde_json::from_str::<Digest>(&text).unwrap(), k);
    }
}
