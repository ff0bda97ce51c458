import os
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def data():
    """A seeded binary problem: 160 rows of 5 features on different scales, labels 0/1 from a
    noisy linear rule."""
    rng = np.random.default_rng(16)
    n, f = 160, 5
    X = rng.normal(size=(n, f)) * np.array([1.0, 3.0, 0.5, 10.0, 2.0])
    w = np.array([1.5, -0.8, 2.0, 0.1, -0.5])
    y = ((X / np.abs(X).max(axis=0)) @ w + 0.3 * rng.normal(size=n) > 0).astype(np.int64)
    return X, y


@pytest.fixture(scope="session")
def experiments_bin() -> str:
    """The ``experiments`` binary (``cargo build --release -p experiments``), or
    ``$LOWDEPTH_EXPERIMENTS_BIN``."""
    path = Path(os.environ.get("LOWDEPTH_EXPERIMENTS_BIN", REPO / "target/release/experiments"))
    if not path.is_file():
        pytest.fail(f"{path} missing: run `cargo build --release -p experiments` first")
    return str(path)
