//! The names of exchanged objects: typed, never parsed.

use linalg::Kind;
use serde::{Deserialize, Serialize};

/// Which state vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateVector {
    /// The model `w_0` a run starts from.
    W,
    /// Nesterov's `v_0`.
    V,
}

/// The layout of a vector: a row vector multiplies a matrix from the left, a column vector
/// from the right (see `linalg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VectorLayout {
    /// A row vector.
    Row,
    /// A column vector.
    Col,
}

impl VectorLayout {
    /// The object kind.
    pub fn kind(self) -> Kind {
        match self {
            VectorLayout::Row => Kind::Row,
            VectorLayout::Col => Kind::Col,
        }
    }
}

/// Which returned model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Iterate {
    /// `w_k`, the trained model.
    Last,
    /// `w_{k-1}`, from which the client forms `v_k` to resume.
    Previous,
}

/// Whether an object goes from the client to the server or back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The client's upload (training inputs).
    Upload,
    /// The server's answer (the encrypted model).
    Model,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Upload => "upload",
            Role::Model => "model",
        })
    }
}

/// The name of an exchanged object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "object", rename_all = "snake_case", deny_unknown_fields)]
pub enum ObjectName {
    /// Minibatch `Z_t` (rows `y_i x_i`), or its transpose.
    Minibatch {
        /// The iteration `t`.
        t: usize,
        /// Uploaded as `Z_t^T`.
        transposed: bool,
    },
    /// The Gram matrix `G_t = Z_t Z_{t-1}^T` (`t >= 1`), or its transpose.
    Gram {
        /// The iteration `t`.
        t: usize,
        /// Uploaded as `G_t^T`.
        transposed: bool,
    },
    /// A state vector of a resumed run.
    State {
        /// `w_0` or `v_0`.
        vector: StateVector,
        /// Its layout.
        layout: VectorLayout,
    },
    /// A partial sum of a returned model.
    Weights {
        /// `w_k` or `w_{k-1}`.
        iterate: Iterate,
        /// Its layout.
        layout: VectorLayout,
    },
}

impl ObjectName {
    /// Matrix, row or column vector.
    pub fn kind(&self) -> Kind {
        match self {
            ObjectName::Minibatch { .. } | ObjectName::Gram { .. } => Kind::Matrix,
            ObjectName::State { layout, .. } | ObjectName::Weights { layout, .. } => layout.kind(),
        }
    }

    /// Who sends it.
    pub fn role(&self) -> Role {
        match self {
            ObjectName::Weights { .. } => Role::Model,
            _ => Role::Upload,
        }
    }

    /// A name safe in a file name (letters, digits, `_`): `Z_3T`, `G_2`, `w_0R`, `w_prevC`.
    pub fn slug(&self) -> String {
        let t = |transposed: bool| if transposed { "T" } else { "" };
        let l = |layout: &VectorLayout| match layout {
            VectorLayout::Row => "R",
            VectorLayout::Col => "C",
        };
        match self {
            ObjectName::Minibatch { t: i, transposed } => format!("Z_{i}{}", t(*transposed)),
            ObjectName::Gram { t: i, transposed } => format!("G_{i}{}", t(*transposed)),
            ObjectName::State { vector: StateVector::W, layout } => format!("w_0{}", l(layout)),
            ObjectName::State { vector: StateVector::V, layout } => format!("v_0{}", l(layout)),
            ObjectName::Weights { iterate: Iterate::Last, layout } => format!("w_k{}", l(layout)),
            ObjectName::Weights { iterate: Iterate::Previous, layout } => {
                format!("w_prev{}", l(layout))
            }
        }
    }
}

impl std::fmt::Display for ObjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = |transposed: bool| if transposed { "^T" } else { "" };
        let l = |layout: &VectorLayout| match layout {
            VectorLayout::Row => "^R",
            VectorLayout::Col => "^C",
        };
        match self {
            ObjectName::Minibatch { t: i, transposed } => write!(f, "Z_{i}{}", t(*transposed)),
            ObjectName::Gram { t: i, transposed } => write!(f, "G_{i}{}", t(*transposed)),
            ObjectName::State { vector: StateVector::W, layout } => write!(f, "w_0{}", l(layout)),
            ObjectName::State { vector: StateVector::V, layout } => write!(f, "v_0{}", l(layout)),
            ObjectName::Weights { iterate: Iterate::Last, layout } => write!(f, "w_k{}", l(layout)),
            ObjectName::Weights { iterate: Iterate::Previous, layout } => {
                write!(f, "w_{{k-1}}{}", l(layout))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_in_display_slug_and_json() {
        let mut names = vec![];
        for t in 0..3 {
            for transposed in [false, true] {
                names.push(ObjectName::Minibatch { t, transposed });
                names.push(ObjectName::Gram { t, transposed });
            }
        }
        for layout in [VectorLayout::Row, VectorLayout::Col] {
            for vector in [StateVector::W, StateVector::V] {
                names.push(ObjectName::State { vector, layout });
            }
            for iterate in [Iterate::Last, Iterate::Previous] {
                names.push(ObjectName::Weights { iterate, layout });
            }
        }
        let set = |f: &dyn Fn(&ObjectName) -> String| {
            names.iter().map(f).collect::<std::collections::BTreeSet<_>>().len()
        };
        assert_eq!(set(&|n| n.to_string()), names.len());
        assert_eq!(set(&|n| n.slug()), names.len());
        assert_eq!(set(&|n| serde_json::to_string(n).unwrap()), names.len());
        for n in &names {
            let back: ObjectName =
                serde_json::from_str(&serde_json::to_string(n).unwrap()).unwrap();
            assert_eq!(back, *n);
            assert!(n.slug().chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        }
    }
}
