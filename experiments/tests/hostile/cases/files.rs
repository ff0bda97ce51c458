//! The files themselves: reads bounded before reading, secret keys owner-only, damaged
//! binary files.

use super::{decrypt, encrypt, keygen, nothing, train};
use crate::harness::{args, chmod, flip, reseal, sparse, with_umask};
use crate::suite::Suite;
use experiments::workflow::envelope::Content;
use serde_json::json;
use std::path::Path;

/// Reads bounded by what the parameters say a file may be, checked before reading.
pub fn bounds(t: &mut Suite) {
    const GIB: u64 = 1 << 30;
    for (file, size) in [("relin.key", 2 * GIB), ("galois.keys", 2 * GIB), ("params.bin", 1 << 20)]
    {
        t.fails(
            "bound",
            &format!("{file} of {size} bytes with a valid header"),
            &["server"],
            |c| {
                let path = c.path("server").join(file);
                let head = std::fs::read(&path).unwrap();
                sparse(&path, &head[..200], size);
            },
            |c| train(c, "server", "up0", "m", false),
            "more than the",
        );
    }
    t.fails(
        "bound",
        "a tile of 1 GiB",
        &["up0"],
        |c| sparse(&c.path("up0/Z_1.0.ct"), &std::fs::read(c.path("up0/Z_1.0.ct")).unwrap(), GIB),
        |c| train(c, "server", "up0", "m", false),
        "more than the",
    );
    t.fails(
        "bound",
        "a secret key of 16 MiB",
        &["client", "w0"],
        |c| {
            sparse(
                &c.path("client/secret.key"),
                &std::fs::read(c.path("client/secret.key")).unwrap(),
                16 << 20,
            )
        },
        |c| decrypt(c, "client", "m0", "w0"),
        "more than the",
    );
    t.fails(
        "bound",
        "a plan of 32 MiB",
        &["server"],
        |c| sparse(&c.path("server/plan.json"), b"{", 32 << 20),
        |c| train(c, "server", "up0", "m", false),
        "more than the",
    );
    t.fails(
        "bound",
        "a tile whose envelope announces 2^64 - 1 payload bytes",
        &["up0"],
        |c| {
            let p = c.path("up0/Z_1.0.ct");
            let mut b = std::fs::read(&p).unwrap();
            b[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
            std::fs::write(&p, b).unwrap();
        },
        |c| train(c, "server", "up0", "m", false),
        "the header announces",
    );
    t.fails(
        "bound",
        "a tile whose envelope announces a 2 GiB binding",
        &["up0"],
        |c| {
            let p = c.path("up0/Z_1.0.ct");
            let mut b = std::fs::read(&p).unwrap();
            b[12..16].copy_from_slice(&(1u32 << 31).to_le_bytes());
            std::fs::write(&p, b).unwrap();
        },
        |c| train(c, "server", "up0", "m", false),
        "a binding of 2147483648 bytes",
    );
    t.fails(
        "bound",
        "MNIST training images of 3 GiB",
        &["data", "up0"],
        |c| {
            let p = c.path("data/train-images-idx3-ubyte");
            sparse(&p, &std::fs::read(&p).unwrap()[..16], 3 * GIB);
        },
        |c| encrypt(c, "client", "up0", None),
        "more than the",
    );
    t.fails(
        "bound",
        "a gzip bomb as the MNIST training images",
        &["data"],
        |c| {
            use std::io::Write;
            let p = c.path("data/train-images-idx3-ubyte");
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&std::fs::read(&p).unwrap()[..16]).unwrap();
            let zeros = vec![0u8; 1 << 20];
            for _ in 0..80 {
                gz.write_all(&zeros).unwrap();
            }
            std::fs::write(&p, gz.finish().unwrap()).unwrap();
        },
        |c| encrypt(c, "client", "upz", None),
        "after decompression",
    );
    for (name, size) in [("big.csv", 2 * GIB), ("big.npy", 5 * GIB)] {
        t.fails(
            "bound",
            &format!("{name} of {size} bytes"),
            &[],
            |c| sparse(&c.dir().join(name), b"a,b,y\n", size),
            |c| {
                let label: &[&str] = if name.ends_with(".csv") { &["--label", "y"] } else { &[] };
                let mut a = args(&["keygen", "--quick", "--train", &c.p(name)]);
                a.extend(args(label));
                a.extend(args(&["--client", &c.p("newc"), "--server", &c.p("news")]));
                a
            },
            "more than the",
        );
    }
}

/// The secret key: owner-only, refused when others may read it, never on the server.
pub fn secrets(t: &mut Suite) {
    for mode in [0o644, 0o640, 0o604] {
        t.fails(
            "secret",
            &format!("secret.key with permissions {mode:03o}"),
            &["client", "w0"],
            |c| chmod(&c.path("client/secret.key"), mode),
            |c| decrypt(c, "client", "m0", "w0"),
            "readable by others",
        );
    }
    t.fails(
        "secret",
        "a secret key under another name in the server's directory",
        &["server"],
        |c| {
            std::fs::copy(c.path("client/secret.key"), c.path("server/extra.bin"))
                .map(|_| ())
                .unwrap()
        },
        |c| train(c, "server", "up0", "m", false),
        "refusing to train",
    );
    t.fails(
        "secret",
        "a bare (unwrapped) secret key in the upload",
        &["up0"],
        |c| {
            let b = std::fs::read(c.path("client/secret.key")).unwrap();
            let (_, start) = experiments::workflow::envelope::peek(&b).unwrap();
            std::fs::write(c.path("up0/notes.bin"), &b[start..]).unwrap();
        },
        |c| train(c, "server", "up0", "m", false),
        "refusing to train",
    );
    for umask in ["000", "077", "277"] {
        t.succeeds(
            "secret",
            &format!("keygen under umask {umask}: the client directory 0700, the key 0600"),
            &[],
            nothing,
            |c| with_umask(umask, keygen(c, "kc", "ks", &[])),
            |c, _| {
                let mode = |p: &Path| {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
                };
                let (d, k) = (mode(&c.path("kc")), mode(&c.path("kc/secret.key")));
                if (d, k) != (0o700, 0o600) {
                    return Err(format!("directory {d:03o}, key {k:03o}"));
                }
                let (o, log) = crate::harness::run_guarded(&encrypt(c, "kc", "ku", None));
                match o {
                    crate::harness::Outcome::Success => Ok(()),
                    _ => Err(format!("encrypt after keygen: {log}")),
                }
            },
        );
    }
}

/// A way to damage a file.
type Damage = fn(&Path);

/// Damaged binary files (the scheme's readers held before; now with the envelope around them).
pub fn binaries(t: &mut Suite) {
    let tile = "up0/Z_1.0.ct";
    let cases: [(&str, Damage, &str); 8] = [
        (
            "truncated by half",
            |p| {
                let b = std::fs::read(p).unwrap();
                std::fs::write(p, &b[..b.len() / 2]).unwrap();
            },
            "the header announces",
        ),
        ("a bit flipped in the payload", |p| flip(p, 5000, 0x40), "digest mismatch"),
        ("a bit flipped in the binding", |p| flip(p, 70, 0x01), "digest mismatch"),
        (
            "the envelope's reserved bytes set",
            |p| flip(p, 10, 0x01),
            "reserved header bytes 10..12",
        ),
        ("envelope version 2", |p| flip(p, 8, 0x03), "envelope version"),
        ("random bytes", |p| std::fs::write(p, vec![0x5a; 4000]).unwrap(), "bad magic"),
        (
            "a bare scheme object (no envelope)",
            |p| {
                let b = std::fs::read(p).unwrap();
                let (_, start) = experiments::workflow::envelope::peek(&b).unwrap();
                std::fs::write(p, &b[start..]).unwrap();
            },
            "without its workflow envelope",
        ),
        (
            "the scheme's reserved bytes 12..16 set, re-sealed",
            |p| reseal(p, |_, payload| payload[13] = 1),
            "reserved header bytes 12..16",
        ),
    ];
    for (name, damage, expect) in cases {
        t.fails(
            "binary",
            &format!("tile {name}"),
            &["up0"],
            |c| damage(&c.path(tile)),
            |c| train(c, "server", "up0", "m", false),
            expect,
        );
    }
    t.fails(
        "binary",
        "a binding with an unknown field, re-sealed",
        &["up0"],
        |c| {
            let p = c.path(tile);
            let b = std::fs::read(&p).unwrap();
            let (binding, start) = experiments::workflow::envelope::unseal(&p, &b).unwrap();
            let mut j = serde_json::to_value(&binding).unwrap();
            j["extra"] = json!(1);
            let jb = serde_json::to_vec(&j).unwrap();
            let payload = &b[start..];
            let mut out = b[..56].to_vec();
            out[12..16].copy_from_slice(&(jb.len() as u32).to_le_bytes());
            use sha2::Digest as _;
            let mut h = sha2::Sha256::new();
            h.update(&jb);
            h.update(payload);
            out[24..56].copy_from_slice(&h.finalize());
            out.extend(&jb);
            out.extend(payload);
            std::fs::write(&p, out).unwrap();
        },
        |c| train(c, "server", "up0", "m", false),
        "unknown field",
    );
    t.fails(
        "binary",
        "the relinearization key re-sealed as Galois keys",
        &["server"],
        |c| reseal(&c.path("server/relin.key"), |b, _| b.content = Content::GaloisKeys),
        |c| train(c, "server", "up0", "m", false),
        "holds Galois keys",
    );
}
