"""A scikit-learn-style estimator: logistic regression trained encrypted (CKKS), client and
server in one process."""

from __future__ import annotations

import time
from typing import Any, Dict, Optional

import numpy as np

from . import _arrays, _native

CIRCUITS = ("lowdepth", "baseline")
SCALINGS = ("max-abs", "none")


class EncryptedLogisticRegression:
    """Logistic regression trained under encryption.

    ``fit`` prepares the data as the ``experiments`` binary prepares a table (each feature
    divided by its largest absolute value on the training set, a bias column, zero padding to a
    power of two), takes the first ``minibatches * batch_size`` rows as consecutive minibatches,
    chooses CKKS parameters for the circuit, generates keys, encrypts the inputs with the
    secret key, trains with the evaluation keys only (Nesterov's accelerated gradient, the
    polynomial sigmoid), and decrypts the model. The GIL is released while it runs.

    Parameters
    ----------
    circuit : "lowdepth" (depth about 2.5 per minibatch) or "baseline" (depth 5 per minibatch).
    minibatches, batch_size, gamma : the training's k, b and learning rate.
    sigmoid_degree, sigmoid_interval : the least-squares sigmoid fit (degree 3, 5 or 7 on
        [-R, R]; the low-depth circuit takes degree 3 only).
    scaling : "max-abs" (default) or "none".
    insecure_toy_parameters : True runs on a small INSECURE ring (N = 2^11) for tests and a
        first look; the default chooses 128-bit-secure parameters.
    progress : optional; a tqdm-like object (``update(n)``; its ``total`` is set if None) or a
        callable ``f(done, total)``, told the key switches done.

    Attributes after ``fit``: ``coef_`` (1 x features, in the units of ``X``), ``intercept_``,
    ``classes_``, ``n_features_in_``, ``weights_`` (the trained vector: bias, then the scaled
    features), ``report_`` (depth, ring, parameters, sizes, operation counts, times).
    """

    def __init__(
        self,
        circuit: str = "lowdepth",
        minibatches: int = 6,
        batch_size: int = 256,
        gamma: float = 0.5,
        sigmoid_degree: int = 3,
        sigmoid_interval: float = 8.0,
        scaling: str = "max-abs",
        insecure_toy_parameters: bool = False,
        progress: Any = None,
    ) -> None:
        self.circuit = circuit
        self.minibatches = minibatches
        self.batch_size = batch_size
        self.gamma = gamma
        self.sigmoid_degree = sigmoid_degree
        self.sigmoid_interval = sigmoid_interval
        self.scaling = scaling
        self.insecure_toy_parameters = insecure_toy_parameters
        self.progress = progress

    # scikit-learn's parameter protocol (clone, grid search).
    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        """The constructor's parameters."""
        names = (
            "circuit minibatches batch_size gamma sigmoid_degree sigmoid_interval scaling "
            "insecure_toy_parameters progress"
        ).split()
        return {n: getattr(self, n) for n in names}

    def set_params(self, **params: Any) -> "EncryptedLogisticRegression":
        """Sets constructor parameters."""
        for k, v in params.items():
            if k not in self.get_params():
                raise ValueError(f"unknown parameter {k!r}")
            setattr(self, k, v)
        return self

    def _check_options(self) -> None:
        if self.circuit not in CIRCUITS:
            raise ValueError(f"circuit must be one of {CIRCUITS}, not {self.circuit!r}")
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, not {self.scaling!r}")
        for name in ("minibatches", "batch_size", "sigmoid_degree"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive integer, not {v!r}")

    def fit(self, X: Any, y: Any) -> "EncryptedLogisticRegression":
        """Trains on the first ``minibatches * batch_size`` rows of ``X`` (array-like, samples x
        features) with labels ``y`` (two classes; the larger one is the positive class)."""
        self._check_options()
        x, classes, signs = _arrays.binary(X, y)
        needed = int(self.minibatches) * int(self.batch_size)
        if x.shape[0] < needed:
            raise ValueError(
                f"fit needs minibatches * batch_size = {self.minibatches} * {self.batch_size} "
                f"= {needed} rows; X has {x.shape[0]}"
            )
        t = time.perf_counter()
        out = _native.train_arrays(
            x.astype("<f8").tobytes(),
            x.shape[0],
            x.shape[1],
            signs.tolist(),
            self.circuit,
            int(self.minibatches),
            int(self.batch_size),
            float(self.gamma),
            int(self.sigmoid_degree),
            float(self.sigmoid_interval),
            self.scaling,
            bool(self.insecure_toy_parameters),
            self.progress,
        )
        f = x.shape[1]
        w = np.asarray(out["weights"], dtype=np.float64)
        divisors = np.asarray(out["divisors"], dtype=np.float64)
        if divisors.size == 0:
            divisors = np.ones(f)
        self.weights_ = w[: f + 1].copy()
        self.coef_ = (w[1 : f + 1] / divisors).reshape(1, f)
        self.intercept_ = np.array([w[0]])
        self.classes_ = classes
        self.n_features_in_ = f
        report = dict(out["report"])
        report["fit_seconds"] = time.perf_counter() - t
        report["padded_width"] = out["width"]
        self.report_ = report
        return self

    def _check_fitted(self, X: Any) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise ValueError("this EncryptedLogisticRegression is not fitted yet: call fit")
        x = _arrays.features(X)
        if x.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {x.shape[1]} features; the model was fitted on {self.n_features_in_}"
            )
        return x

    def decision_function(self, X: Any) -> np.ndarray:
        """``X @ coef_.T + intercept_`` (plaintext inference)."""
        x = self._check_fitted(X)
        return x @ self.coef_[0] + self.intercept_[0]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from the true sigmoid (columns in ``classes_`` order)."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The class of each row (a score of 0 counts as the positive class)."""
        return np.where(self.decision_function(X) >= 0.0, self.classes_[1], self.classes_[0])

    def score(self, X: Any, y: Any) -> float:
        """Accuracy on ``(X, y)``."""
        x = self._check_fitted(X)
        lab = _arrays.labels(y, x.shape[0])
        return float(np.mean(self.predict(x) == lab))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if v is not None)
        return f"EncryptedLogisticRegression({args})"
