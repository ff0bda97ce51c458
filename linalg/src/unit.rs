//! Encoding units: the `m x n` tile of slots every object is cut into.

use crate::error::{LinalgError, Result};

/// An `m x n` tile of slots (`m n` = the number of slots, both powers of two): entry `(k, l)` of
/// a tile lives in slot `k n + l`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EncodingUnit {
    height: usize,
    width: usize,
}

impl std::fmt::Display for EncodingUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{} unit", self.height, self.width)
    }
}

impl EncodingUnit {
    /// An `height x width` unit.
    ///
    /// # Errors
    /// [`LinalgError::InvalidUnit`] unless both are powers of two.
    pub fn new(height: usize, width: usize) -> Result<Self> {
        if !height.is_power_of_two() || !width.is_power_of_two() {
            return Err(LinalgError::InvalidUnit {
                height,
                width,
                reason: "both dimensions must be powers of two".into(),
            });
        }
        Ok(Self { height, width })
    }

    /// The unit of `height` rows that fills `slots` slots.
    ///
    /// # Errors
    /// [`LinalgError::InvalidUnit`] if `height` is not a power of two dividing `slots`.
    pub fn for_slots(slots: usize, height: usize) -> Result<Self> {
        if height == 0 || !slots.is_multiple_of(height) {
            return Err(LinalgError::InvalidUnit {
                height,
                width: 0,
                reason: format!("the height must divide the {slots} slots"),
            });
        }
        Self::new(height, slots / height)
    }

    /// Rows `m`.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Columns `n`.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Slots covered, `m n`.
    pub fn slots(&self) -> usize {
        self.height * self.width
    }

    /// The `n x m` unit.
    pub fn transpose(&self) -> Self {
        Self { height: self.width, width: self.height }
    }

    /// Checks that the unit fills exactly `slots` slots.
    ///
    /// # Errors
    /// [`LinalgError::InvalidUnit`].
    pub fn check_slots(&self, slots: usize) -> Result<()> {
        if self.slots() != slots {
            return Err(LinalgError::InvalidUnit {
                height: self.height,
                width: self.width,
                reason: format!("it covers {} slots, the ciphertexts have {slots}", self.slots()),
            });
        }
        Ok(())
    }
}
