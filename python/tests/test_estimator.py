"""The estimator against the independent NumPy reference (reference.py), and its checks."""

import numpy as np
import pytest

import reference as ref
from lowdepth import DataError, EncryptedLogisticRegression, InvalidArgumentError

# Toy parameters (N = 2^11, INSECURE) keep the suite fast; k = 3 minibatches of b = 16.
K, B = 3, 16
# The largest weight difference from the NumPy reference allowed. Measured at these
# parameters: below 1e-7 for both circuits (scale 2^40); the bound leaves room for noise.
BOUND = 1e-5


def model(circuit="lowdepth", **kw):
    return EncryptedLogisticRegression(
        circuit=circuit, minibatches=K, batch_size=B, insecure_toy_parameters=True, **kw
    )


@pytest.mark.parametrize("circuit", ["lowdepth", "baseline"])
def test_matches_numpy_reference(data, circuit):
    X, y = data
    m = model(circuit).fit(X, y)
    x, signs, divisors = ref.prepare(X, y)
    w = ref.train(x, signs, K, B, 0.5)
    assert m.weights_.shape == (X.shape[1] + 1,)
    err = np.abs(m.weights_ - w).max()
    assert err < BOUND, err
    # coef_ and intercept_ are in the units of X.
    np.testing.assert_allclose(m.coef_[0], w[1:] / divisors, atol=BOUND)
    np.testing.assert_allclose(m.intercept_, w[:1], atol=BOUND)
    assert m.score(X, y) == ref.accuracy(x, signs, w)
    assert (m.predict(X) == np.where(x @ w >= 0, 1, 0)).all()
    r = m.report_
    assert r["circuit"] == circuit and r["log_n"] == 11 and r["secure"] is False
    assert r["depth"] == (7 if circuit == "lowdepth" else 15)
    assert r["counts"]["key_switches"] > 0 and r["upload_bytes"] > 0


def test_array_likes_and_labels(data):
    X, y = data
    # Lists, ints, string labels, a column vector of labels: the same model (up to noise).
    labels = np.where(y == 1, "yes", "no")
    m = model().fit(X.tolist(), labels.reshape(-1, 1))
    assert list(m.classes_) == ["no", "yes"]
    x, signs, _ = ref.prepare(X, y)
    w = ref.train(x, signs, K, B, 0.5)
    assert np.abs(m.weights_ - w).max() < BOUND
    assert m.score(X, labels) == ref.accuracy(x, signs, w)


def test_progress_callable_and_tqdm_like(data):
    X, y = data
    seen = []
    m = model(progress=lambda done, total: seen.append((done, total))).fit(X, y)
    total = m.report_["counts"]["key_switches"]
    assert seen and seen[-1] == (total, total)
    assert all(a[0] < b[0] for a, b in zip(seen, seen[1:]))

    class Bar:  # what tqdm offers: total, update(n), refresh()
        total = None
        n = 0

        def update(self, k):
            self.n += k

        def refresh(self):
            pass

    bar = Bar()
    model(progress=bar).fit(X, y)
    assert bar.total == total and bar.n == total


def test_progress_exception_is_raised(data):
    X, y = data

    def boom(done, total):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        model(progress=boom).fit(X, y)


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.zeros(10), np.zeros(10), "must be 2-D"),
        (np.zeros((60, 3)), np.zeros(59), "60 samples but y has 59"),
        (np.zeros((60, 3)), np.zeros((60, 2)), "must be 1-D"),
        (np.array([["a", "b"]] * 60), np.arange(60) % 2, "real numbers"),
        (np.zeros((60, 3)), np.zeros(60), "exactly two classes"),
        (np.zeros((60, 3)), np.arange(60) % 3, "exactly two classes"),
        (np.zeros((20, 3)), np.arange(20) % 2, "needs minibatches \\* batch_size"),
    ],
)
def test_bad_shapes_and_dtypes(X, y, message):
    with pytest.raises(ValueError, match=message):
        model().fit(X, y)


def test_nan_and_inf(data):
    X, y = data
    for bad in (np.nan, np.inf):
        Xb = X.copy()
        Xb[7, 2] = bad
        with pytest.raises(ValueError, match="row 7, column 2"):
            model().fit(Xb, y)
    yb = y.astype(float)
    yb[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model().fit(X, yb)


def test_rust_errors_keep_their_messages(data):
    X, y = data
    # Checked by the Rust side (experiments::hyper), raised with its message.
    with pytest.raises(InvalidArgumentError, match="^--gamma -1"):
        model(gamma=-1.0).fit(X, y)
    with pytest.raises(InvalidArgumentError, match="^--sigmoid-degree 5: expected 3 for the low"):
        model(sigmoid_degree=5).fit(X, y)
    # Too many features for the toy ring's 1024 slots.
    wide = np.ones((B * K, 1100))
    wide[::2] = 2.0
    with pytest.raises(DataError, match="1023"):
        model().fit(wide, np.arange(B * K) % 2)
    # Errors are ValueErrors too.
    assert issubclass(DataError, ValueError) and issubclass(InvalidArgumentError, ValueError)


def test_predict_checks(data):
    X, y = data
    with pytest.raises(ValueError, match="not fitted"):
        model().predict(X)
    m = model().fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features; the model was fitted on 5"):
        m.predict(X[:, :4])
    assert m.predict_proba(X).shape == (X.shape[0], 2)
    assert "insecure_toy_parameters=True" in repr(m)
