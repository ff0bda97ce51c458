"""The client/server split over the ``experiments`` binary's directories, both ways: what
Python writes the binary reads, and the reverse."""

import json
import shutil
import subprocess

import numpy as np
import pytest

import reference as ref
from lowdepth import Client, SecretKeyOnServerError, Server, WorkflowError
from lowdepth.errors import FileError, InvalidArgumentError

K, B = 2, 16
BOUND = 1e-5
# What the workflow trains on: the rows of the seeded split (25% held out, seed 0), in file
# order; the same rows for both directions below.


def run(binary, *args):
    done = subprocess.run([binary, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def expected(train_x, train_y):
    x, signs, _ = ref.prepare(train_x, train_y)
    return ref.train(x, signs, K, B, 0.5)


def test_python_client_binary_server(tmp_path, data, experiments_bin):
    X, y = data
    c, s = tmp_path / "client", tmp_path / "server"
    client = Client.keygen(
        c, s, X, y, X_test=X[:40], y_test=y[:40], minibatches=K, batch_size=B,
        insecure_toy_parameters=True,
    )
    # The binary encrypts and trains on what Python wrote ...
    run(experiments_bin, "encrypt", "--client", str(c), "--out", str(tmp_path / "upload"))
    run(
        experiments_bin, "train", "--server", str(s), "--inputs", str(tmp_path / "upload"),
        "--out", str(tmp_path / "model"),
    )
    # ... and Python decrypts the binary's model.
    weights = client.decrypt(tmp_path / "model", out=tmp_path / "weights")
    w = expected(X, y)
    assert weights.names == ["bias"] + [f"x{j}" for j in range(X.shape[1])]
    assert np.abs(weights.weights - w).max() < BOUND
    x, signs, d = ref.prepare(X, y)
    np.testing.assert_allclose(weights.coef_[0], w[1:] / d, atol=BOUND)
    xt, st, _ = ref.prepare(X[:40], y[:40])
    xt[:, 1:] = X[:40] / d  # the training set's divisors
    assert weights.test_accuracy == ref.accuracy(xt, st, w)
    # The binary decrypts too, to the same weights (a second, fresh decryption).
    run(
        experiments_bin, "decrypt", "--client", str(c), "--model", str(tmp_path / "model"),
        "--out", str(tmp_path / "weights-bin"),
    )
    record = json.loads((tmp_path / "weights-bin" / "weights.json").read_text())
    np.testing.assert_allclose(record["weights"], weights.weights, atol=1e-9)


def test_binary_client_python_server(tmp_path, data, experiments_bin):
    X, y = data
    np.savez(tmp_path / "d.npz", x=X, y=y)
    c, s = tmp_path / "client", tmp_path / "server"
    run(
        experiments_bin, "keygen", "--quick", "--circuit", "baseline", "--train",
        str(tmp_path / "d.npz"), "--test-fraction", "0.25", "--minibatches", str(K),
        "--batch-size", str(B), "--client", str(c), "--server", str(s),
    )
    client = Client(c)
    # The plan's data read again, or the same arrays given again.
    upload = client.encrypt(out=tmp_path / "upload")
    client.encrypt(X, y, out=tmp_path / "upload2")
    server = Server(s)
    assert server.circuit == "baseline"
    model = server.train(upload, out=tmp_path / "model")
    run(
        experiments_bin, "decrypt", "--client", str(c), "--model", str(model.path),
        "--out", str(tmp_path / "weights"),
    )
    record = json.loads((tmp_path / "weights" / "weights.json").read_text())
    # The seeded split held out 25% of the rows (the NumPy reference is checked in the other
    # direction, where the split is explicit); Python decrypts the same model to the same
    # weights.
    plan = json.loads((c / "plan.json").read_text())
    n_train = plan["data"]["preprocessing"]["train_rows"]
    assert n_train == 120
    from lowdepth.workflow import Weights

    py = client.decrypt(model, out=tmp_path / "weights-py")
    assert isinstance(py, Weights)
    np.testing.assert_allclose(record["weights"], py.weights, atol=1e-9)
    # Changed data is refused (the preprocessing recorded in the plan differs).
    with pytest.raises(InvalidArgumentError, match="divisors"):
        client.encrypt(X * 2.0, y, out=tmp_path / "upload3")


def test_server_refuses_secret_keys(tmp_path, data):
    X, y = data
    c, s = tmp_path / "client", tmp_path / "server"
    Client.keygen(c, s, X, y, minibatches=K, batch_size=B, insecure_toy_parameters=True)
    with pytest.raises(SecretKeyOnServerError, match="secret"):
        Server(c)
    leaked = tmp_path / "leaked"
    shutil.copytree(s, leaked)
    shutil.copy(c / "secret.key", leaked / "secret.key")
    with pytest.raises(SecretKeyOnServerError):
        Server(leaked)
    with pytest.raises(FileError):
        Server(tmp_path / "nowhere")
    # An existing key set is never replaced silently.
    with pytest.raises(WorkflowError, match="force"):
        Client.keygen(c, s, X, y, minibatches=K, batch_size=B, insecure_toy_parameters=True)
    with pytest.raises(ValueError, match="both X and y"):
        Client.keygen(c, s, X, None)
    with pytest.raises(InvalidArgumentError):
        Client.keygen(
            tmp_path / "c2", tmp_path / "s2", X, y, gamma=0.0, insecure_toy_parameters=True
        )


def test_string_labels_and_a_positive_class(tmp_path, data):
    X, y = data
    labels = np.where(y == 1, "spam", "ham").astype(object)
    c, s = tmp_path / "client", tmp_path / "server"
    client = Client.keygen(
        c, s, X, labels, positive="spam", minibatches=K, batch_size=B,
        insecure_toy_parameters=True, data_dir=tmp_path / "data",
    )
    prep = client.plan["data"]["preprocessing"]
    assert (prep["positive"], prep["negative"]) == ("spam", "ham")
    assert (tmp_path / "data" / "train.npz").is_file()
    model = Server(s).train(client.encrypt(out=tmp_path / "u"), out=tmp_path / "m")
    w = client.decrypt(model, out=tmp_path / "w")
    assert 0.5 < w.test_accuracy <= 1.0


def test_epochs_on_the_server_alone(tmp_path, data):
    """``keygen(epochs=2)``: one upload of every round, one ``train`` that bootstraps between
    rounds, and the decrypted weights equal plaintext training over the two epochs."""
    X, y = data
    M, E = 4, 2
    c, s = tmp_path / "client", tmp_path / "server"
    client = Client.keygen(
        c, s, X, y, X_test=X[:40], y_test=y[:40], minibatches=M, batch_size=B, epochs=E,
        insecure_toy_parameters=True,
    )
    assert client.plan["epochs"]["epochs"] == E
    upload = client.encrypt(out=tmp_path / "upload")
    model = Server(s).train(upload, out=tmp_path / "model")
    weights = client.decrypt(model, out=tmp_path / "weights")
    x, signs, _ = ref.prepare(X, y)
    rows = M * B
    w = ref.train(np.tile(x[:rows], (E, 1)), np.tile(signs[:rows], E), E * M, B, 0.5)
    assert np.abs(weights.weights - w).max() < BOUND
