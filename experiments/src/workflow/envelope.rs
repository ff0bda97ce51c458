//! The workflow's binary files (parameters, keys, tiles): a scheme object (`ckks::serial`)
//! inside an envelope that binds it to its key set and its place, all integers
//! little-endian:
//!
//! ```text
//! offset  0  magic        8 bytes  "LDWF\r\n\x1a\n"
//!         8  version      u16      1
//!        10  reserved     u16      0 (anything else is refused)
//!        12  binding      u32      bytes of the binding, 2..=4096
//!        16  payload      u64      bytes of the scheme object
//!        24  digest       32 bytes SHA-256 of the binding and the payload
//!        56  binding      JSON     {"key_set": "<32 hex>", "content": ...}  (see [`Binding`])
//!         .  payload      the scheme object, with its own header and checksum
//! ```
//!
//! The binding says which key set the object belongs to and what it is: the parameters, a key,
//! or tile `index` of the object `object` of the upload or model `output` of round `round`.
//! A reader states what it expects ([`read`]) and refuses anything else with an error naming
//! the file and the file it disagrees with. The digest ties the binding to the payload and
//! catches damage; it is not a signature (see [`super::identity`]).
//!
//! The scheme stays free of workflow concepts: `ckks` writes and checks the payload, this
//! module everything around it.

use super::identity::Id;
use crate::error::{Error, Result, WorkflowError};
use crate::files::read_bounded;
use circuits::protocol::{ObjectName, Role};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The magic bytes (distinct from the scheme's `LDCKKS\r\n`; CR LF and ^Z catch text-mode
/// mangling).
pub const MAGIC: [u8; 8] = *b"LDWF\r\n\x1a\n";
/// The envelope version written and read.
pub const VERSION: u16 = 1;
/// The fixed part of the header.
pub const FIXED: usize = 56;
/// The largest binding.
pub const MAX_BINDING: usize = 4096;

/// Where a tile belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TileRef {
    /// Upload or model.
    pub role: Role,
    /// The upload's or model's id (its manifest's).
    pub output: Id,
    /// The training round.
    pub round: usize,
    /// The object.
    pub object: ObjectName,
    /// The tile's index in the object.
    pub index: usize,
}

/// What a file holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Content {
    /// The parameter set.
    Parameters,
    /// The secret key.
    SecretKey,
    /// The relinearization key.
    RelinearizationKey,
    /// The Galois keys.
    GaloisKeys,
    /// The bootstrapping configuration.
    BootstrapConfig,
    /// The bootstrapping key set.
    BootstrapKeys,
    /// One tile of an uploaded or returned object.
    Tile(TileRef),
}

impl std::fmt::Display for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Content::Parameters => f.write_str("the parameters"),
            Content::SecretKey => f.write_str("a secret key"),
            Content::RelinearizationKey => f.write_str("a relinearization key"),
            Content::GaloisKeys => f.write_str("Galois keys"),
            Content::BootstrapConfig => f.write_str("the bootstrapping configuration"),
            Content::BootstrapKeys => f.write_str("the bootstrapping keys"),
            Content::Tile(t) => write!(
                f,
                "tile {} of {} of the {} {} (round {})",
                t.index, t.object, t.role, t.output, t.round
            ),
        }
    }
}

/// What an envelope binds its payload to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// The key set.
    pub key_set: Id,
    /// What the payload is.
    pub content: Content,
}

fn digest(binding: &[u8], payload: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(binding);
    h.update(payload);
    h.finalize().into()
}

/// `payload` in an envelope with `binding`.
pub fn seal(binding: &Binding, payload: &[u8]) -> Vec<u8> {
    let b = serde_json::to_vec(binding).expect("a binding serializes");
    debug_assert!(b.len() <= MAX_BINDING);
    let mut out = Vec::with_capacity(FIXED + b.len() + payload.len());
    out.extend(MAGIC);
    out.extend(VERSION.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend((b.len() as u32).to_le_bytes());
    out.extend((payload.len() as u64).to_le_bytes());
    out.extend(digest(&b, payload));
    out.extend(&b);
    out.extend(payload);
    out
}

/// The largest file whose payload has at most `payload` bytes.
pub fn file_limit(payload: u64) -> u64 {
    payload.saturating_add((FIXED + MAX_BINDING) as u64)
}

/// The binding and the payload's offset, every header field checked.
///
/// # Errors
/// [`WorkflowError::Envelope`].
pub fn unseal(path: &Path, bytes: &[u8]) -> Result<(Binding, usize)> {
    let bad = |problem: String| Error::from(WorkflowError::Envelope { path: path.into(), problem });
    if bytes.len() < FIXED {
        return Err(bad(format!("{} bytes, shorter than the header", bytes.len())));
    }
    if bytes[..8] != MAGIC {
        return Err(bad(if bytes.starts_with(b"LDCKKS") {
            "a bare scheme object without its workflow envelope (written by an older version?)"
                .into()
        } else {
            "bad magic: not a workflow file of this project".into()
        }));
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != VERSION {
        return Err(bad(format!("envelope version {version}, this program reads {VERSION}")));
    }
    if bytes[10..12] != [0, 0] {
        return Err(bad("reserved header bytes 10..12 are not zero".into()));
    }
    let binding_len = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")) as usize;
    let payload_len = u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes"));
    if !(2..=MAX_BINDING).contains(&binding_len) {
        return Err(bad(format!("a binding of {binding_len} bytes (2..={MAX_BINDING})")));
    }
    let start = FIXED + binding_len;
    let present = bytes.len().saturating_sub(start) as u64;
    if bytes.len() < start || present != payload_len {
        return Err(bad(format!(
            "the header announces {binding_len} + {payload_len} bytes, the file has {} after \
             the header",
            bytes.len() - FIXED
        )));
    }
    if digest(&bytes[FIXED..start], &bytes[start..])[..] != bytes[24..56] {
        return Err(bad("digest mismatch: the file is damaged".into()));
    }
    let binding: Binding =
        serde_json::from_slice(&bytes[FIXED..start]).map_err(|e| bad(format!("binding: {e}")))?;
    Ok((binding, start))
}

/// The binding and the payload's offset of what may be an envelope, read from its first bytes
/// (at least [`FIXED`] + [`MAX_BINDING`] of them, or the whole file), without checking the
/// digest: for a quick look at what a file is.
pub fn peek(head: &[u8]) -> Option<(Binding, usize)> {
    if head.len() < FIXED || head[..8] != MAGIC {
        return None;
    }
    let binding_len = u32::from_le_bytes(head[12..16].try_into().ok()?) as usize;
    let binding = head.get(FIXED..FIXED.checked_add(binding_len)?)?;
    Some((serde_json::from_slice(binding).ok()?, FIXED + binding_len))
}

/// Checks that `found` (of `path`) is `expected` (what `reference` says it must be).
///
/// # Errors
/// [`WorkflowError::KeySetMismatch`], [`WorkflowError::Misplaced`].
pub fn check_binding(
    path: &Path,
    found: &Binding,
    expected: &Binding,
    reference: &Path,
) -> Result<()> {
    if found.key_set != expected.key_set {
        return Err(WorkflowError::KeySetMismatch {
            path: path.into(),
            found: found.key_set,
            reference: reference.into(),
            expected: expected.key_set,
        }
        .into());
    }
    if found.content != expected.content {
        return Err(WorkflowError::Misplaced {
            path: path.into(),
            found: Box::new(found.content.clone()),
            reference: reference.into(),
            expected: Box::new(expected.content.clone()),
        }
        .into());
    }
    Ok(())
}

/// Reads the file `path` (refused unread above [`file_limit`]`(payload_limit)` bytes), checks
/// its envelope against `expected` (what `reference` says), and returns the payload.
///
/// # Errors
/// [`Error::Io`], [`Error::TooLarge`], [`WorkflowError::Envelope`],
/// [`WorkflowError::KeySetMismatch`], [`WorkflowError::Misplaced`].
pub fn read(
    path: &Path,
    payload_limit: u64,
    expected: &Binding,
    reference: &Path,
) -> Result<Vec<u8>> {
    let mut bytes = read_bounded(path, file_limit(payload_limit))?;
    let (binding, start) = unseal(path, &bytes)?;
    check_binding(path, &binding, expected, reference)?;
    bytes.drain(..start);
    Ok(bytes)
}

/// As [`read`], into a buffer zeroized on drop (for the secret key).
///
/// # Errors
/// As [`read`].
pub fn read_secret(
    path: &Path,
    payload_limit: u64,
    expected: &Binding,
    reference: &Path,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut bytes = zeroize::Zeroizing::new(read_bounded(path, file_limit(payload_limit))?);
    let (binding, start) = unseal(path, &bytes)?;
    check_binding(path, &binding, expected, reference)?;
    bytes.drain(..start);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use circuits::protocol::ObjectName;

    fn tile(index: usize) -> Binding {
        Binding {
            key_set: Id::from_bytes([7; 16]),
            content: Content::Tile(TileRef {
                role: Role::Upload,
                output: Id::from_bytes([9; 16]),
                round: 2,
                object: ObjectName::Minibatch { t: 1, transposed: true },
                index,
            }),
        }
    }

    #[test]
    fn envelopes_round_trip_and_refuse_every_damaged_field() {
        let p = Path::new("x.ct");
        let sealed = seal(&tile(3), b"payload");
        let (b, start) = unseal(p, &sealed).unwrap();
        assert_eq!((b, &sealed[start..]), (tile(3), &b"payload"[..]));
        check_binding(p, &tile(3), &tile(3), Path::new("m")).unwrap();
        let e = check_binding(p, &tile(3), &tile(4), Path::new("m")).unwrap_err().to_string();
        assert!(e.contains("tile 3 of Z_1^T") && e.contains("tile 4"), "{e}");
        let other = Binding { key_set: Id::from_bytes([8; 16]), ..tile(3) };
        let e = check_binding(p, &other, &tile(3), Path::new("m")).unwrap_err().to_string();
        assert!(e.contains("key set 0808") && e.contains("key set 0707"), "{e}");
        // Every byte of the header and the binding matters; a cut anywhere is refused.
        for i in 0..start + 7 {
            let mut bad = sealed.clone();
            bad[i] ^= 0x10;
            assert!(unseal(p, &bad).is_err(), "byte {i}");
        }
        for len in 0..sealed.len() {
            assert!(unseal(p, &sealed[..len]).is_err(), "cut at {len}");
        }
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(unseal(p, &longer).is_err());
    }

    proptest::proptest! {
        /// Any bytes, and any damage to a good envelope: an error or the envelope, never a
        /// panic; a damaged one never reads as the original.
        #[test]
        fn random_and_damaged_envelopes_never_panic(
            junk in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
            at in 0usize..600,
            byte in proptest::num::u8::ANY,
            cut in 0usize..600,
        ) {
            let p = Path::new("x.ct");
            let _ = unseal(p, &junk);
            let _ = peek(&junk);
            let good = seal(&tile(1), &junk);
            let mut bad = good.clone();
            let i = at % bad.len();
            if bad[i] != byte {
                bad[i] = byte;
                proptest::prop_assert!(unseal(p, &bad).is_err());
            }
            let _ = peek(&bad);
            let cut = cut % good.len();
            proptest::prop_assert!(unseal(p, &good[..cut]).is_err());
        }
    }
}
