//! The MNIST IDX files (gzipped or not): loading with typed errors, and HELR's preprocessing
//! (two digits, 2x2 averaging to 14 x 14, pixels / 255, a bias feature, zero padding).

use flate2::read::GzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// What can go wrong reading MNIST.
#[derive(Debug, Error)]
pub enum MnistError {
    /// No directory holds the files.
    #[error(
        "no MNIST directory found (tried {tried}); pass --data DIR or set MNIST_DIR to a directory \
         holding train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], \
         t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] (from \
         http://yann.lecun.com/exdb/mnist/ or any mirror)"
    )]
    NotFound {
        /// The directories tried.
        tried: String,
    },
    /// A file is missing or unreadable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Not an IDX file of the expected kind.
    #[error("{path}: magic number {found:#010x}, expected {expected:#010x} ({what})")]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// What was read.
        found: u32,
        /// What was expected.
        expected: u32,
        /// The kind of file expected.
        what: &'static str,
    },
    /// The header's counts do not match the file's length.
    #[error("{path}: the header announces {expected} bytes of data, the file has {actual}")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes announced.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },
    /// Unexpected dimensions or label values.
    #[error("{path}: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Images and labels disagree.
    #[error("{images} images but {labels} labels")]
    CountMismatch {
        /// Images.
        images: usize,
        /// Labels.
        labels: usize,
    },
}

/// Result alias.
pub type Result<T> = std::result::Result<T, MnistError>;

/// Images (row-major 28 x 28 bytes each) and their labels.
#[derive(Clone, Debug)]
pub struct Split {
    /// Pixels, `count * rows * cols` bytes.
    pub pixels: Vec<u8>,
    /// Labels 0..=9.
    pub labels: Vec<u8>,
    /// Image rows.
    pub rows: usize,
    /// Image columns.
    pub cols: usize,
}

/// The directory to read from: `dir` if given, else `$MNIST_DIR`, else `../shared/data/mnist`
/// beside the project's root, else `data/mnist`.
///
/// # Errors
/// [`MnistError::NotFound`] if none holds the training images.
pub fn locate(dir: Option<&Path>) -> Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(d) = dir {
        candidates.push(d.to_path_buf());
    } else {
        if let Some(env) = std::env::var_os("MNIST_DIR") {
            candidates.push(PathBuf::from(env));
        }
        candidates.push(root.join("../shared/data/mnist"));
        candidates.push(root.join("data/mnist"));
    }
    for c in &candidates {
        if find(c, "train-images-idx3-ubyte").is_some() {
            return Ok(c.clone());
        }
    }
    let tried = candidates.iter().map(|c| c.display().to_string()).collect::<Vec<_>>().join(", ");
    Err(MnistError::NotFound { tried })
}

fn find(dir: &Path, stem: &str) -> Option<PathBuf> {
    [dir.join(format!("{stem}.gz")), dir.join(stem)].into_iter().find(|p| p.is_file())
}

/// Reads a file, decompressing it if its name ends in `.gz` (or it starts with the gzip
/// magic). At most `limit` bytes are accepted.
fn read_all(path: &Path, limit: usize) -> Result<Vec<u8>> {
    let io = |source| MnistError::Io { path: path.to_path_buf(), source };
    let raw = std::fs::read(path).map_err(io)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(&raw[..]).take(limit as u64 + 1).read_to_end(&mut out).map_err(io)?;
        if out.len() > limit {
            return Err(MnistError::Malformed {
                path: path.to_path_buf(),
                reason: format!("more than {limit} bytes after decompression"),
            });
        }
        Ok(out)
    } else {
        Ok(raw)
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Parses an IDX3 image file.
///
/// # Errors
/// [`MnistError::BadMagic`], [`MnistError::Truncated`], [`MnistError::Malformed`].
pub fn parse_images(path: &Path, bytes: &[u8]) -> Result<(Vec<u8>, usize, usize, usize)> {
    let p = || path.to_path_buf();
    if bytes.len() < 16 {
        return Err(MnistError::Truncated { path: p(), expected: 16, actual: bytes.len() });
    }
    let magic = be32(bytes, 0);
    if magic != 2051 {
        return Err(MnistError::BadMagic {
            path: p(),
            found: magic,
            expected: 2051,
            what: "images",
        });
    }
    let (count, rows, cols) =
        (be32(bytes, 4) as usize, be32(bytes, 8) as usize, be32(bytes, 12) as usize);
    if rows == 0 || cols == 0 || rows > 1024 || cols > 1024 {
        return Err(MnistError::Malformed {
            path: p(),
            reason: format!("image size {rows} x {cols}"),
        });
    }
    let expected = count.checked_mul(rows * cols).ok_or_else(|| MnistError::Malformed {
        path: p(),
        reason: format!("{count} images overflow"),
    })?;
    if bytes.len() - 16 != expected {
        return Err(MnistError::Truncated { path: p(), expected, actual: bytes.len() - 16 });
    }
    Ok((bytes[16..].to_vec(), count, rows, cols))
}

/// Parses an IDX1 label file.
///
/// # Errors
/// [`MnistError::BadMagic`], [`MnistError::Truncated`], [`MnistError::Malformed`].
pub fn parse_labels(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    let p = || path.to_path_buf();
    if bytes.len() < 8 {
        return Err(MnistError::Truncated { path: p(), expected: 8, actual: bytes.len() });
    }
    let magic = be32(bytes, 0);
    if magic != 2049 {
        return Err(MnistError::BadMagic {
            path: p(),
            found: magic,
            expected: 2049,
            what: "labels",
        });
    }
    let count = be32(bytes, 4) as usize;
    if bytes.len() - 8 != count {
        return Err(MnistError::Truncated { path: p(), expected: count, actual: bytes.len() - 8 });
    }
    if let Some(&bad) = bytes[8..].iter().find(|&&l| l > 9) {
        return Err(MnistError::Malformed {
            path: p(),
            reason: format!("label {bad} is not a digit"),
        });
    }
    Ok(bytes[8..].to_vec())
}

/// Loads the training (`train`) or test (`t10k`) split from `dir`.
///
/// # Errors
/// Any [`MnistError`].
pub fn load(dir: &Path, prefix: &str) -> Result<Split> {
    let missing = |stem: &str| MnistError::Io {
        path: dir.join(format!("{stem}[.gz]")),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "file not found"),
    };
    let img_stem = format!("{prefix}-images-idx3-ubyte");
    let lab_stem = format!("{prefix}-labels-idx1-ubyte");
    let img_path = find(dir, &img_stem).ok_or_else(|| missing(&img_stem))?;
    let lab_path = find(dir, &lab_stem).ok_or_else(|| missing(&lab_stem))?;
    let (pixels, count, rows, cols) = parse_images(&img_path, &read_all(&img_path, 64 << 20)?)?;
    let labels = parse_labels(&lab_path, &read_all(&lab_path, 1 << 20)?)?;
    if labels.len() != count {
        return Err(MnistError::CountMismatch { images: count, labels: labels.len() });
    }
    Ok(Split { pixels, labels, rows, cols })
}

/// A binary problem: samples (bias first, then features, zero padded to `width`) and labels in
/// {-1, +1}.
#[derive(Clone, Debug)]
pub struct Binary {
    /// Row-major `n x width`.
    pub x: Vec<f64>,
    /// Labels.
    pub y: Vec<f64>,
    /// Columns (padded).
    pub width: usize,
    /// Real features, bias included (197 for 14 x 14).
    pub features: usize,
}

impl Binary {
    /// Samples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}

/// HELR's preprocessing: keep `positive` (+1) and `negative` (-1) in file order, average 2 x 2
/// pixel blocks, divide by 255, prepend the bias 1, pad with zeros to `width`.
///
/// # Panics
/// If `width` is smaller than the feature count.
pub fn binary(split: &Split, positive: u8, negative: u8, width: usize) -> Binary {
    let (r2, c2) = (split.rows / 2, split.cols / 2);
    let features = 1 + r2 * c2;
    assert!(width >= features, "width {width} below {features} features");
    let size = split.rows * split.cols;
    let mut x = Vec::new();
    let mut y = Vec::new();
    for (i, &label) in split.labels.iter().enumerate() {
        let sign = if label == positive {
            1.0
        } else if label == negative {
            -1.0
        } else {
            continue;
        };
        let img = &split.pixels[i * size..(i + 1) * size];
        x.push(1.0);
        for a in 0..r2 {
            for b in 0..c2 {
                let at = |r: usize, c: usize| img[r * split.cols + c] as f64;
                let s = at(2 * a, 2 * b)
                    + at(2 * a, 2 * b + 1)
                    + at(2 * a + 1, 2 * b)
                    + at(2 * a + 1, 2 * b + 1);
                x.push(s / 4.0 / 255.0);
            }
        }
        x.extend(std::iter::repeat_n(0.0, width - features));
        y.push(sign);
    }
    Binary { x, y, width, features }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx3(count: u32, rows: u32, cols: u32, data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for w in [2051, count, rows, cols] {
            v.extend(w.to_be_bytes());
        }
        v.extend(data);
        v
    }

    #[test]
    fn malformed_files_give_typed_errors() {
        let p = Path::new("x");
        assert!(matches!(parse_images(p, &[0; 10]), Err(MnistError::Truncated { .. })));
        let mut bad = idx3(1, 2, 2, &[0; 4]);
        bad[3] = 1;
        assert!(matches!(parse_images(p, &bad), Err(MnistError::BadMagic { .. })));
        assert!(matches!(
            parse_images(p, &idx3(2, 2, 2, &[0; 4])),
            Err(MnistError::Truncated { .. })
        ));
        assert!(matches!(parse_images(p, &idx3(1, 0, 2, &[])), Err(MnistError::Malformed { .. })));
        assert!(parse_images(p, &idx3(1, 2, 2, &[1, 2, 3, 4])).is_ok());
        let mut labels = vec![0, 0, 8, 1, 0, 0, 0, 2, 3, 8];
        assert_eq!(parse_labels(p, &labels).unwrap(), [3, 8]);
        labels[9] = 11;
        assert!(matches!(parse_labels(p, &labels), Err(MnistError::Malformed { .. })));
        labels[7] = 3;
        assert!(matches!(parse_labels(p, &labels), Err(MnistError::Truncated { .. })));
        assert!(matches!(
            parse_labels(p, &[0, 0, 8, 3]),
            Err(MnistError::BadMagic { .. }) | Err(MnistError::Truncated { .. })
        ));
    }

    #[test]
    fn preprocessing_averages_blocks_and_pads() {
        let split = Split {
            pixels: (0..32).map(|v| (v * 8) as u8).collect(),
            labels: vec![3, 5],
            rows: 4,
            cols: 4,
        };
        let b = binary(&split, 3, 8, 8);
        assert_eq!(b.len(), 1, "digit 5 is dropped");
        assert_eq!(b.width, 8);
        assert_eq!(b.y, [1.0]);
        // Block (0,0): pixels 0, 8, 32, 40 -> 20 / 255.
        assert_eq!(b.x[..2], [1.0, 20.0 / 255.0]);
        assert_eq!(b.x[5..], [0.0; 3]);
        assert_eq!(b.features, 5);
    }

    #[test]
    fn a_missing_directory_is_reported_with_what_to_do() {
        let err = locate(Some(Path::new("/nonexistent/mnist"))).unwrap_err();
        assert!(err.to_string().contains("--data"), "{err}");
    }
}
