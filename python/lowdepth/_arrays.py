"""Array checks shared by the estimator and the client: any array-like in, float64 arrays
out, or a ValueError that says what is wrong."""

from __future__ import annotations

from typing import Any, Tuple

import numpy as np


def features(X: Any, name: str = "X") -> np.ndarray:
    """`X` as a C-contiguous float64 matrix (samples x features), every value finite."""
    try:
        a = np.asarray(X)
    except Exception as e:  # ragged lists and the like
        raise ValueError(f"{name} is not an array of numbers: {e}") from None
    if a.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must hold real numbers (bool, int or float), not dtype {a.dtype}"
        )
    if a.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (samples x features), got shape {a.shape}; "
            "use X.reshape(-1, 1) for a single feature"
        )
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    a = np.ascontiguousarray(a, dtype=np.float64)
    bad = ~np.isfinite(a)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} has {int(bad.sum())} values that are NaN or infinite; "
            f"the first at row {row}, column {col} ({a[row, col]})"
        )
    return a


def labels(y: Any, rows: int, name: str = "y") -> np.ndarray:
    """`y` as a 1-D array of `rows` labels (a column vector is accepted), no NaN."""
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per sample), got shape {a.shape}")
    if a.shape[0] != rows:
        raise ValueError(f"X has {rows} samples but {name} has {a.shape[0]} labels")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise ValueError(f"{name} has NaN or infinite labels")
    if a.dtype.kind not in "biufUSO":
        raise ValueError(f"{name} must hold numbers or strings, not dtype {a.dtype}")
    return a


def binary(X: Any, y: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked features, the two classes (sorted; the second is the +1 class, as in
    scikit-learn) and the labels as +1 / -1."""
    x = features(X)
    lab = labels(y, x.shape[0])
    classes = np.unique(lab)
    if classes.shape[0] != 2:
        raise ValueError(
            f"y must have exactly two classes, found {classes.shape[0]}: {classes[:5].tolist()}"
        )
    signs = np.where(lab == classes[1], 1.0, -1.0)
    return x, classes, signs
