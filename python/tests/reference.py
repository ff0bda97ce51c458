"""An independent NumPy implementation of the training the Rust circuits compute (HELR's
minibatch logistic regression with Nesterov's accelerated gradient and a least-squares
polynomial sigmoid), and of the preprocessing the binary applies to a table."""

import numpy as np


def sigmoid_fit(degree: int, interval: float) -> np.ndarray:
    """Coefficients (constant first) of the odd least-squares fit of degree ``degree`` to
    ``sigmoid(x) - 1/2`` on ``[-interval, interval]``, plus 1/2: a dense uniform grid stands
    for the integral."""
    t = np.linspace(-1.0, 1.0, 400_001)
    odd = list(range(1, degree + 1, 2))
    a = np.stack([t**k for k in odd], axis=1)
    rhs = 1.0 / (1.0 + np.exp(-interval * t)) - 0.5
    c, *_ = np.linalg.lstsq(a, rhs, rcond=None)
    coeffs = np.zeros(degree + 1)
    coeffs[0] = 0.5
    for k, ck in zip(odd, c):
        coeffs[k] = ck / interval**k
    return coeffs


def prepare(X: np.ndarray, y: np.ndarray, scaling: str = "max-abs"):
    """Bias first, features divided by their largest absolute value (1 for an all-zero one),
    labels +1 (the larger class) / -1; returns ``(x, signs, divisors)``."""
    X = np.asarray(X, dtype=np.float64)
    d = np.abs(X).max(axis=0) if scaling == "max-abs" else np.ones(X.shape[1])
    d = np.where(d > 0, d, 1.0)
    x = np.hstack([np.ones((X.shape[0], 1)), X / d])
    classes = np.unique(y)
    signs = np.where(np.asarray(y) == classes[1], 1.0, -1.0)
    return x, signs, d


def train(x, signs, minibatches, batch_size, gamma, degree=3, interval=8.0, a0=0.01):
    """Nesterov's accelerated minibatch gradient from ``w = v = 0`` on the first
    ``minibatches * batch_size`` rows; returns ``w_k``."""
    p = np.polynomial.Polynomial(sigmoid_fit(degree, interval))
    z = signs[:, None] * x
    w = np.zeros(x.shape[1])
    v = np.zeros(x.shape[1])
    a = a0
    for t in range(minibatches):
        zt = z[t * batch_size : (t + 1) * batch_size]
        g = (p(-(zt @ v))[:, None] * zt).mean(axis=0)
        w_next = v + gamma * g
        a_next = (1.0 + np.sqrt(1.0 + 4.0 * a * a)) / 2.0
        eta = (1.0 - a) / a_next
        v = (1.0 - eta) * w_next + eta * w
        w, a = w_next, a_next
    return w


def accuracy(x, signs, w) -> float:
    return float(np.mean(np.where(x @ w >= 0.0, 1.0, -1.0) == signs))
