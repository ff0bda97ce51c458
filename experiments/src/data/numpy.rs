//! NumPy arrays: `.npy` files through `npyz`, `.npz` archives through the `zip` crate (stored
//! and deflated members, which is what `numpy.savez` and `savez_compressed` write; `npyz`'s own
//! `npz` feature would bring every compression method `zip` has, C libraries included).
//!
//! Features are a 2-D array of numbers (floats, integers or booleans, C or Fortran order),
//! labels a 1-D array (or `n x 1`) of numbers or strings. An `.npy` file's labels are in
//! `<stem>.labels.npy` beside it; an `.npz` archive holds the labels under `--label` (default
//! `y`) and the features as `x` (or as its only other array).

use super::Raw;
use crate::error::{Error, Location, Result};
use npyz::{DType, NpyFile, Order, TypeChar};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest array file or archive member read.
const MAX_BYTES: u64 = 1 << 32;

/// An array's values.
enum Values {
    Numbers(Vec<f64>),
    Strings(Vec<String>),
}

/// Reads one array of at most `available` bytes of data (the file's or the member's size):
/// its shape and values in C order.
fn read_array(reader: impl Read, path: &Path, available: u64) -> Result<(Vec<u64>, Values)> {
    let npy = NpyFile::new(reader).map_err(|e| Error::Npy { path: path.into(), source: e })?;
    let shape = npy.shape().to_vec();
    let dtype = npy.dtype();
    let bad = |expected| Error::NpyArray {
        path: path.into(),
        shape: shape.clone(),
        dtype: dtype.descr(),
        expected,
    };
    let DType::Plain(ts) = &dtype else {
        return Err(bad("an array of numbers or strings"));
    };
    let size = ts.num_bytes().unwrap_or(0) as u64;
    if npy.len().checked_mul(size).is_none_or(|b| b > available) {
        return Err(bad("no more values than the file holds"));
    }
    let rows = shape.first().copied().unwrap_or(0);
    super::check_table_size(
        path,
        usize::try_from(rows).unwrap_or(usize::MAX),
        usize::try_from(npy.len()).unwrap_or(usize::MAX),
    )?;
    let io = |e| Error::Npy { path: path.into(), source: e };
    macro_rules! numbers {
        ($t:ty) => {
            Values::Numbers(
                npy.into_vec::<$t>().map_err(io)?.into_iter().map(|v| v as f64).collect(),
            )
        };
    }
    let fortran = npy.order() == Order::Fortran;
    let values = match (ts.type_char(), size) {
        (TypeChar::Float, 8) => Values::Numbers(npy.into_vec::<f64>().map_err(io)?),
        (TypeChar::Float, 4) => numbers!(f32),
        (TypeChar::Int, 1) => numbers!(i8),
        (TypeChar::Int, 2) => numbers!(i16),
        (TypeChar::Int, 4) => numbers!(i32),
        (TypeChar::Int, 8) => numbers!(i64),
        (TypeChar::Uint, 1) => numbers!(u8),
        (TypeChar::Uint, 2) => numbers!(u16),
        (TypeChar::Uint, 4) => numbers!(u32),
        (TypeChar::Uint, 8) => numbers!(u64),
        (TypeChar::Bool, 1) => Values::Numbers(
            npy.into_vec::<bool>().map_err(io)?.into_iter().map(f64::from).collect(),
        ),
        (TypeChar::UnicodeStr | TypeChar::ByteStr, _) => {
            Values::Strings(npy.into_vec::<String>().map_err(io)?)
        }
        _ => return Err(bad("an array of numbers or strings")),
    };
    let values = match values {
        Values::Numbers(v) if fortran && shape.len() == 2 => {
            let (r, c) = (shape[0] as usize, shape[1] as usize);
            Values::Numbers((0..r * c).map(|k| v[(k % c) * r + k / c]).collect())
        }
        v => v,
    };
    Ok((shape, values))
}

/// The features' array as `rows x features` numbers.
fn features(path: &Path, (shape, values): (Vec<u64>, Values)) -> Result<(usize, usize, Vec<f64>)> {
    let bad = |dtype: &str| Error::NpyArray {
        path: path.into(),
        shape: shape.clone(),
        dtype: dtype.into(),
        expected: "a 2-D array of numbers (rows x features)",
    };
    let Values::Numbers(x) = values else { return Err(bad("strings")) };
    if shape.len() != 2 {
        return Err(bad("numbers"));
    }
    let (rows, cols) = (shape[0] as usize, shape[1] as usize);
    if rows == 0 {
        return Err(Error::NoRows { path: path.into() });
    }
    if let Some(k) = x.iter().position(|v| !v.is_finite()) {
        let at = Location {
            path: path.into(),
            row: k / cols + 1,
            line: None,
            column: k % cols + 1,
            name: format!("x{}", k % cols),
        };
        return Err(Error::NotFinite { at: Box::new(at), value: x[k] });
    }
    Ok((rows, cols, x))
}

/// The labels' array as strings (numbers written as Rust writes an `f64`: `1`, `0`, `-1`,
/// `0.5`).
fn labels(path: &Path, (shape, values): (Vec<u64>, Values)) -> Result<Vec<String>> {
    if !(shape.len() == 1 || (shape.len() == 2 && shape[1] == 1)) {
        return Err(Error::NpyArray {
            path: path.into(),
            shape,
            dtype: "labels".into(),
            expected: "a 1-D array of labels (or rows x 1)",
        });
    }
    Ok(match values {
        Values::Numbers(v) => v.iter().map(|x| x.to_string()).collect(),
        Values::Strings(s) => s,
    })
}

fn raw(
    (path, (rows, cols, x)): (PathBuf, (usize, usize, Vec<f64>)),
    (label_path, label_name, labels): (PathBuf, String, Vec<String>),
) -> Result<Raw> {
    if labels.len() != rows {
        return Err(Error::LabelCount {
            features_path: path,
            labels_path: label_path,
            features: rows,
            labels: labels.len(),
        });
    }
    Ok(Raw {
        path,
        label_path,
        names: (0..cols).map(|j| format!("x{j}")).collect(),
        columns: (1..=cols).collect(),
        label_column: (1, label_name),
        x,
        labels,
        lines: None,
    })
}

fn open(path: &Path) -> Result<(std::fs::File, u64)> {
    let size = crate::files::check_size(path, MAX_BYTES)?;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    Ok((file, size))
}

/// `path` (features) and `<stem>.labels.npy` beside it (labels).
pub(super) fn read_npy(path: &Path) -> Result<Raw> {
    let label_path = path.with_extension("labels.npy");
    let (f, size) = open(path)?;
    let x = features(path, read_array(std::io::BufReader::new(f), path, size)?)?;
    let (f, size) = open(&label_path)?;
    let y = labels(&label_path, read_array(std::io::BufReader::new(f), &label_path, size)?)?;
    raw((path.to_path_buf(), x), (label_path, "labels".into(), y))
}

/// The archive `path`: labels `label`, features `x` (or the only other array).
pub(super) fn read_npz(path: &Path, label: &str) -> Result<Raw> {
    let (f, _) = open(path)?;
    let zip_error = |source| Error::Zip { path: path.into(), source };
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(zip_error)?;
    let names =
        archive.file_names().collect::<std::result::Result<Vec<_>, _>>().map_err(zip_error)?;
    let arrays: Vec<String> =
        names.iter().filter_map(|n| n.strip_suffix(".npy")).map(String::from).collect();
    let missing = |name: &str| Error::NpzArray {
        path: path.into(),
        name: name.into(),
        available: arrays.clone(),
    };
    if !arrays.iter().any(|a| a == label) {
        return Err(missing(label));
    }
    let others: Vec<&String> = arrays.iter().filter(|a| *a != label).collect();
    let feature_name = match others.as_slice() {
        _ if label != "x" && arrays.iter().any(|a| a == "x") => "x".to_string(),
        [only] => (*only).clone(),
        _ => return Err(missing("x")),
    };
    let mut member = |name: &str| -> Result<(PathBuf, (Vec<u64>, Values))> {
        let member_path = path.join(format!("{name}.npy"));
        let entry = archive.by_name(&format!("{name}.npy")).map_err(zip_error)?;
        let size = entry.size().min(MAX_BYTES);
        let array = read_array(entry, &member_path, size)?;
        Ok((member_path, array))
    };
    let (x_path, x) = member(&feature_name)?;
    let x = features(&x_path, x)?;
    let (y_path, y) = member(label)?;
    let y = labels(&y_path, y)?;
    raw((x_path, x), (y_path, label.to_string(), y))
}
