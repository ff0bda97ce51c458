//! An object's description: name, shape, unit, level, and the one tile count.

use super::ObjectName;
use crate::error::{CircuitError, Result};
use linalg::{EncodingUnit, Kind};
use serde::{Deserialize, Serialize};

/// One exchanged object: name (hence kind), shape, encoding unit and level. Built only
/// through [`ObjectSpec::new`] (or read through serde, which runs the same checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SpecRecord", into = "SpecRecord")]
pub struct ObjectSpec {
    name: ObjectName,
    rows: usize,
    cols: usize,
    unit: EncodingUnit,
    level: usize,
}

impl ObjectSpec {
    /// The spec of `name`, `rows x cols` (`cols` is 1 for a vector of length `rows`) in `unit`
    /// at `level`.
    ///
    /// # Errors
    /// [`CircuitError::InvalidSpec`] for an empty shape, a vector with more than one column, or
    /// a tile count that overflows.
    pub fn new(
        name: ObjectName,
        rows: usize,
        cols: usize,
        unit: EncodingUnit,
        level: usize,
    ) -> Result<Self> {
        let bad = |reason: &'static str| Err(CircuitError::InvalidSpec { name, reason });
        if rows == 0 || cols == 0 {
            return bad("an empty shape");
        }
        if name.kind() != Kind::Matrix && cols != 1 {
            return bad("a vector has one column");
        }
        let spec = Self { name, rows, cols, unit, level };
        if spec.checked_tiles().is_none() {
            return bad("the tile count overflows");
        }
        Ok(spec)
    }

    /// A vector's spec (length `len`).
    ///
    /// # Errors
    /// As [`ObjectSpec::new`].
    pub fn vector(name: ObjectName, len: usize, unit: EncodingUnit, level: usize) -> Result<Self> {
        Self::new(name, len, 1, unit, level)
    }

    /// The same object at another level.
    pub fn at_level(self, level: usize) -> Self {
        Self { level, ..self }
    }

    /// The name.
    pub fn name(&self) -> ObjectName {
        self.name
    }

    /// Matrix, row or column vector (from the name).
    pub fn kind(&self) -> Kind {
        self.name.kind()
    }

    /// Rows (a vector's length).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns (1 for a vector).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The encoding unit.
    pub fn unit(&self) -> EncodingUnit {
        self.unit
    }

    /// The level its ciphertexts are at.
    pub fn level(&self) -> usize {
        self.level
    }

    /// Kind, dimensions and unit, as `linalg` describes an object.
    pub fn shape(&self) -> linalg::Shape {
        linalg::Shape { kind: self.kind(), rows: self.rows, cols: self.cols, unit: self.unit }
    }

    fn checked_tiles(&self) -> Option<usize> {
        let (m, n) = (self.unit.height(), self.unit.width());
        match self.kind() {
            Kind::Matrix => self.rows.div_ceil(m).checked_mul(self.cols.div_ceil(n)),
            Kind::Row => Some(self.rows.div_ceil(m)),
            Kind::Col => Some(self.rows.div_ceil(n)),
        }
    }

    /// How many ciphertexts (tiles) it takes: a matrix `ceil(rows/m) ceil(cols/n)`, a row
    /// vector `ceil(len/m)`, a column vector `ceil(len/n)` for an `m x n` unit.
    pub fn tiles(&self) -> usize {
        self.checked_tiles().expect("checked when the spec was built")
    }

    /// Bytes for ring degree `n` (two polynomials of `level + 1` 8-byte limbs per ciphertext,
    /// no compression).
    pub fn bytes(&self, ring_degree: usize) -> usize {
        self.tiles() * 2 * (self.level + 1) * ring_degree * 8
    }
}

impl std::fmt::Display for ObjectSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} at level {}, {} tiles", self.name, self.shape(), self.level, self.tiles())
    }
}

/// How a spec is written: the derived kind and tile count beside it, for readers, and checked
/// against the name and shape on reading.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecRecord {
    name: ObjectName,
    kind: KindRecord,
    rows: usize,
    cols: usize,
    unit_height: usize,
    unit_width: usize,
    level: usize,
    tiles: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindRecord {
    Matrix,
    Row,
    Col,
}

impl From<Kind> for KindRecord {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Matrix => KindRecord::Matrix,
            Kind::Row => KindRecord::Row,
            Kind::Col => KindRecord::Col,
        }
    }
}

impl From<ObjectSpec> for SpecRecord {
    fn from(s: ObjectSpec) -> Self {
        SpecRecord {
            name: s.name,
            kind: s.kind().into(),
            rows: s.rows,
            cols: s.cols,
            unit_height: s.unit.height(),
            unit_width: s.unit.width(),
            level: s.level,
            tiles: s.tiles(),
        }
    }
}

impl TryFrom<SpecRecord> for ObjectSpec {
    type Error = CircuitError;

    fn try_from(r: SpecRecord) -> Result<Self> {
        let bad = |reason: &'static str| CircuitError::InvalidSpec { name: r.name, reason };
        let unit = EncodingUnit::new(r.unit_height, r.unit_width)
            .map_err(|_| bad("the unit's sides must be powers of two"))?;
        let spec = ObjectSpec::new(r.name, r.rows, r.cols, unit, r.level)?;
        if KindRecord::from(spec.kind()) != r.kind {
            return Err(bad("the kind does not match the name"));
        }
        if spec.tiles() != r.tiles {
            return Err(bad("the tile count does not match the shape and unit"));
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> EncodingUnit {
        EncodingUnit::new(4, 8).unwrap()
    }

    use crate::protocol::{Iterate, StateVector, VectorLayout};

    #[test]
    fn specs_count_their_tiles_and_round_trip_through_json() {
        let z = ObjectSpec::new(ObjectName::Minibatch { t: 2, transposed: true }, 10, 9, unit(), 7)
            .unwrap();
        assert_eq!(z.tiles(), 3 * 2);
        let w = ObjectSpec::vector(
            ObjectName::State { vector: StateVector::W, layout: VectorLayout::Row },
            9,
            unit(),
            3,
        )
        .unwrap();
        assert_eq!((w.kind(), w.tiles()), (Kind::Row, 3));
        let c = w.at_level(2);
        assert_eq!(c.level(), 2);
        for s in [z, w] {
            let text = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<ObjectSpec>(&text).unwrap(), s, "{text}");
        }
        assert_eq!(z.to_string(), "Z_2^T: 10x9 matrix (4x8 unit) at level 7, 6 tiles");
        assert_eq!(z.name().slug(), "Z_2T");
    }

    #[test]
    fn inconsistent_specs_are_refused_on_reading() {
        let good =
            ObjectSpec::new(ObjectName::Gram { t: 1, transposed: false }, 8, 8, unit(), 2).unwrap();
        let text = serde_json::to_string(&good).unwrap();
        for (from, to) in [
            ("\"tiles\":2", "\"tiles\":3"),
            ("\"kind\":\"matrix\"", "\"kind\":\"row\""),
            ("\"unit_height\":4", "\"unit_height\":3"),
            ("\"rows\":8", "\"rows\":0"),
            ("\"level\":2", "\"level\":2,\"extra\":1"),
        ] {
            assert!(text.contains(from), "{text}");
            let bad = text.replace(from, to);
            assert!(serde_json::from_str::<ObjectSpec>(&bad).is_err(), "{bad}");
        }
        let v = ObjectName::Weights { iterate: Iterate::Last, layout: VectorLayout::Col };
        assert!(ObjectSpec::new(v, 8, 2, unit(), 0).is_err());
        assert!(ObjectSpec::new(v, usize::MAX, 1, unit(), 0).is_ok());
        let huge = ObjectName::Minibatch { t: 0, transposed: false };
        assert!(ObjectSpec::new(huge, usize::MAX, usize::MAX, unit(), 0).is_err());
    }
}
