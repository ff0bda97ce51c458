//! The MNIST IDX files (gzipped or not), read with typed errors, and HELR's image
//! preprocessing: the images of two digits, each averaged over 2 x 2 blocks (28 x 28 to
//! 14 x 14) and divided by 255.

use super::Raw;
use crate::error::{Error, Result};
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The preprocessing of the pixels, as stated in the output.
pub const PIXELS: &str = "each image averaged over 2 x 2 blocks and divided by 255";

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
    /// The images' file.
    pub images_path: PathBuf,
    /// The labels' file.
    pub labels_path: PathBuf,
}

/// The directory to read from: `dir` if given, else `$MNIST_DIR`, else `../shared/data/mnist`
/// beside the project's root, else `data/mnist`.
///
/// # Errors
/// [`Error::MnistNotFound`] if none holds the training images.
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
    Err(Error::MnistNotFound { tried })
}

fn find(dir: &Path, stem: &str) -> Option<PathBuf> {
    [dir.join(format!("{stem}.gz")), dir.join(stem)].into_iter().find(|p| p.is_file())
}

/// Reads a file, decompressing it if its name ends in `.gz` (or it starts with the gzip
/// magic). At most `limit` bytes are accepted.
fn read_all(path: &Path, limit: usize) -> Result<Vec<u8>> {
    let io = |source| Error::io(path, source);
    let raw = crate::files::read_bounded(path, limit as u64)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(&raw[..]).take(limit as u64 + 1).read_to_end(&mut out).map_err(io)?;
        if out.len() > limit {
            return Err(Error::Decompressed { path: path.to_path_buf(), limit });
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
/// [`Error::BadMagic`], [`Error::Truncated`], [`Error::ImageSize`].
pub fn parse_images(path: &Path, bytes: &[u8]) -> Result<(Vec<u8>, usize, usize, usize)> {
    let p = || path.to_path_buf();
    if bytes.len() < 16 {
        return Err(Error::Truncated { path: p(), expected: 16, actual: bytes.len() });
    }
    let magic = be32(bytes, 0);
    if magic != 2051 {
        return Err(Error::BadMagic { path: p(), found: magic, expected: 2051, what: "images" });
    }
    let (count, rows, cols) =
        (be32(bytes, 4) as usize, be32(bytes, 8) as usize, be32(bytes, 12) as usize);
    let size = Error::ImageSize { path: p(), count, rows, cols };
    if rows == 0 || cols == 0 || rows > 1024 || cols > 1024 {
        return Err(size);
    }
    let expected = count.checked_mul(rows * cols).ok_or(size)?;
    if bytes.len() - 16 != expected {
        return Err(Error::Truncated { path: p(), expected, actual: bytes.len() - 16 });
    }
    Ok((bytes[16..].to_vec(), count, rows, cols))
}

/// Parses an IDX1 label file.
///
/// # Errors
/// [`Error::BadMagic`], [`Error::Truncated`], [`Error::NotADigit`].
pub fn parse_labels(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    let p = || path.to_path_buf();
    if bytes.len() < 8 {
        return Err(Error::Truncated { path: p(), expected: 8, actual: bytes.len() });
    }
    let magic = be32(bytes, 0);
    if magic != 2049 {
        return Err(Error::BadMagic { path: p(), found: magic, expected: 2049, what: "labels" });
    }
    let count = be32(bytes, 4) as usize;
    if bytes.len() - 8 != count {
        return Err(Error::Truncated { path: p(), expected: count, actual: bytes.len() - 8 });
    }
    if let Some((index, &label)) = bytes[8..].iter().enumerate().find(|(_, &l)| l > 9) {
        return Err(Error::NotADigit { path: p(), index, label });
    }
    Ok(bytes[8..].to_vec())
}

/// Loads the training (`train`) or test (`t10k`) split from `dir`.
///
/// # Errors
/// The IDX errors of [`Error`].
pub fn load(dir: &Path, prefix: &str) -> Result<Split> {
    let missing = |stem: &str| Error::Io {
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
        return Err(Error::CountMismatch {
            images_path: img_path,
            labels_path: lab_path,
            images: count,
            labels: labels.len(),
        });
    }
    Ok(Split { pixels, labels, rows, cols, images_path: img_path, labels_path: lab_path })
}

/// The training and test images of `digits` in `dir` (see [`locate`]): the averaged pixels as
/// features named `p<row>_<col>` (on the 14 x 14 grid), the digit as the label.
///
/// # Errors
/// As [`locate`] and [`load`].
pub(super) fn raw(dir: Option<&Path>, digits: [u8; 2]) -> Result<(Raw, Raw)> {
    if digits[0] == digits[1] || digits.iter().any(|&d| d > 9) {
        return Err(Error::InvalidOption {
            flag: "--digits",
            value: format!("{},{}", digits[0], digits[1]),
            expected: "two different digits from 0 to 9",
        });
    }
    let dir = locate(dir)?;
    let (train, test) = (load(&dir, "train")?, load(&dir, "t10k")?);
    for split in [&train, &test] {
        if let Some(&digit) = digits.iter().find(|d| !split.labels.contains(d)) {
            return Err(Error::DigitAbsent { path: split.labels_path.clone(), digit });
        }
    }
    Ok((pixels(&train, digits), pixels(&test, digits)))
}

/// HELR's preprocessing of the images of `digits`, in file order: 2 x 2 block averages
/// divided by 255.
fn pixels(split: &Split, digits: [u8; 2]) -> Raw {
    let (r2, c2) = (split.rows / 2, split.cols / 2);
    let size = split.rows * split.cols;
    let mut x = Vec::new();
    let mut labels = Vec::new();
    for (i, &label) in split.labels.iter().enumerate() {
        if !digits.contains(&label) {
            continue;
        }
        let img = &split.pixels[i * size..(i + 1) * size];
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
        labels.push(label.to_string());
    }
    let names: Vec<String> =
        (0..r2).flat_map(|a| (0..c2).map(move |b| format!("p{a}_{b}"))).collect();
    Raw {
        path: split.images_path.clone(),
        label_path: split.labels_path.clone(),
        columns: (1..=names.len()).collect(),
        names,
        label_column: (1, "label".into()),
        x,
        labels,
        lines: None,
    }
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
        assert!(matches!(parse_images(p, &[0; 10]), Err(Error::Truncated { .. })));
        let mut bad = idx3(1, 2, 2, &[0; 4]);
        bad[3] = 1;
        assert!(matches!(parse_images(p, &bad), Err(Error::BadMagic { .. })));
        assert!(matches!(parse_images(p, &idx3(2, 2, 2, &[0; 4])), Err(Error::Truncated { .. })));
        assert!(matches!(parse_images(p, &idx3(1, 0, 2, &[])), Err(Error::ImageSize { .. })));
        assert!(parse_images(p, &idx3(1, 2, 2, &[1, 2, 3, 4])).is_ok());
        let mut labels = vec![0, 0, 8, 1, 0, 0, 0, 2, 3, 8];
        assert_eq!(parse_labels(p, &labels).unwrap(), [3, 8]);
        labels[9] = 11;
        assert!(matches!(parse_labels(p, &labels), Err(Error::NotADigit { index: 1, .. })));
        labels[7] = 3;
        assert!(matches!(parse_labels(p, &labels), Err(Error::Truncated { .. })));
        assert!(matches!(
            parse_labels(p, &[0, 0, 8, 3]),
            Err(Error::BadMagic { .. }) | Err(Error::Truncated { .. })
        ));
    }

    #[test]
    fn preprocessing_keeps_two_digits_and_averages_blocks() {
        let split = Split {
            pixels: (0..32).map(|v| (v * 8) as u8).collect(),
            labels: vec![3, 5],
            rows: 4,
            cols: 4,
            images_path: "i".into(),
            labels_path: "l".into(),
        };
        let raw = pixels(&split, [3, 8]);
        assert_eq!(raw.labels, ["3"], "digit 5 is dropped");
        // Block (0,0): pixels 0, 8, 32, 40 -> 20 / 255.
        assert_eq!(raw.x[0], 20.0 / 255.0);
        assert_eq!(raw.x.len(), 4);
        assert_eq!(raw.names, ["p0_0", "p0_1", "p1_0", "p1_1"]);
    }

    #[test]
    fn a_missing_directory_is_reported_with_what_to_do() {
        let err = locate(Some(Path::new("/nonexistent/mnist"))).unwrap_err();
        assert!(err.to_string().contains("--data"), "{err}");
    }
}
