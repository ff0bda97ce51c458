//! CSV tables (the `csv` crate): a header row, numeric feature columns, one label column of
//! any values. Each malformed cell is an error naming the file, row, line and column.

use super::Raw;
use crate::error::{Error, Location, Result};
use std::path::Path;

/// The largest CSV file read.
pub(super) const MAX_BYTES: u64 = 1 << 30;

/// Reads `path`: the label column `label`, the feature columns `features` (default: every other
/// column, in file order).
///
/// # Errors
/// [`Error::Csv`], [`Error::UnknownColumn`], [`Error::DuplicateColumn`], [`Error::Ragged`],
/// [`Error::MissingValue`], [`Error::NotNumeric`], [`Error::NotFinite`], [`Error::NoRows`].
pub(super) fn read_csv(path: &Path, label: &str, features: Option<&[String]>) -> Result<Raw> {
    crate::files::check_size(path, MAX_BYTES)?;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let csv_error = |source| Error::Csv { path: path.to_path_buf(), source };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(std::io::BufReader::new(file));
    let header: Vec<String> =
        reader.headers().map_err(csv_error)?.iter().map(String::from).collect();
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| Error::UnknownColumn {
            path: path.to_path_buf(),
            name: name.to_string(),
            available: header.clone(),
        })
    };
    if let Some(dup) = header.iter().enumerate().find(|(i, h)| header[..*i].contains(h)) {
        return Err(Error::DuplicateColumn { path: path.to_path_buf(), name: dup.1.clone() });
    }
    let label_index = column(label)?;
    let feature_index: Vec<usize> = match features {
        Some(names) => {
            let idx = names.iter().map(|n| column(n)).collect::<Result<Vec<_>>>()?;
            if let Some(dup) = names.iter().enumerate().find(|(i, n)| names[..*i].contains(n)) {
                return Err(Error::DuplicateColumn {
                    path: path.to_path_buf(),
                    name: dup.1.clone(),
                });
            }
            if idx.contains(&label_index) {
                return Err(Error::InvalidOption {
                    flag: "--features",
                    value: label.to_string(),
                    expected: "feature columns other than the label column",
                });
            }
            idx
        }
        None => (0..header.len()).filter(|&i| i != label_index).collect(),
    };
    let at = |row: usize, line: u64, col: usize| {
        Box::new(Location {
            path: path.to_path_buf(),
            row,
            line: Some(line),
            column: col + 1,
            name: header.get(col).cloned().unwrap_or_default(),
        })
    };
    let mut x = Vec::new();
    let mut labels = Vec::new();
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_error)? {
        let row = labels.len() + 1;
        super::check_table_size(path, row, x.len() + feature_index.len())?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            return Err(Error::Ragged {
                at: at(row, line, record.len().min(header.len())),
                expected: header.len(),
                found: record.len(),
            });
        }
        for &j in &feature_index {
            let cell = &record[j];
            if cell.is_empty() {
                return Err(Error::MissingValue { at: at(row, line, j) });
            }
            let value: f64 = cell
                .parse()
                .map_err(|_| Error::NotNumeric { at: at(row, line, j), value: cell.to_string() })?;
            if !value.is_finite() {
                return Err(Error::NotFinite { at: at(row, line, j), value });
            }
            x.push(value);
        }
        if record[label_index].is_empty() {
            return Err(Error::MissingValue { at: at(row, line, label_index) });
        }
        labels.push(record[label_index].to_string());
        lines.push(line);
    }
    if labels.is_empty() {
        return Err(Error::NoRows { path: path.to_path_buf() });
    }
    Ok(Raw {
        path: path.to_path_buf(),
        label_path: path.to_path_buf(),
        names: feature_index.iter().map(|&j| header[j].clone()).collect(),
        columns: feature_index.iter().map(|&j| j + 1).collect(),
        label_column: (label_index + 1, label.to_string()),
        x,
        labels,
        lines: Some(lines),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ldckks-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_selected_columns_and_names_bad_cells() {
        let p = csv("good.csv", "a,y,b\n1,yes,2\n 3 ,no,4.5\n");
        let raw = read_csv(&p, "y", None).unwrap();
        assert_eq!(
            (raw.names.clone(), raw.columns.clone()),
            (vec!["a".into(), "b".into()], vec![1, 3])
        );
        assert_eq!(raw.x, [1.0, 2.0, 3.0, 4.5]);
        assert_eq!(raw.labels, ["yes", "no"]);
        assert_eq!(raw.lines, Some(vec![2, 3]));
        let raw = read_csv(&p, "y", Some(&["b".into()])).unwrap();
        assert_eq!(raw.x, [2.0, 4.5]);

        let cases: [(&str, &str); 7] = [
            ("a,y\n1,p\nx,q\n", "row 2 (line 3), column 1 (\"a\"): \"x\" is not a number"),
            ("a,y\n1,p\n,q\n", "row 2 (line 3), column 1 (\"a\"): missing value"),
            ("a,y\n1,p\n2,\n", "row 2 (line 3), column 2 (\"y\"): missing value"),
            ("a,y\n1,p\nNaN,q\n", "row 2 (line 3), column 1 (\"a\"): NaN is not a finite"),
            ("a,y\n1,p\n2\n", "row 2 (line 3), column 2 (\"y\"): the row has 1 cells"),
            ("a,y\n", "no data rows"),
            ("a,a,y\n1,2,p\n", "the column \"a\" appears twice"),
        ];
        for (i, (text, want)) in cases.iter().enumerate() {
            let p = csv(&format!("bad{i}.csv"), text);
            let err = read_csv(&p, "y", None).unwrap_err().to_string();
            assert!(err.contains(want) && err.contains(&*p.to_string_lossy()), "{err}");
        }
        let err = read_csv(&p, "label", None).unwrap_err();
        assert!(matches!(err, Error::UnknownColumn { .. }), "{err}");
    }
}
