"""The client/server split over the ``experiments`` binary's own directories (one format):
what ``Client.keygen`` writes, ``experiments encrypt/train/decrypt`` read, and the reverse.

::

    client = Client.keygen("client", "server", X, y, test_fraction=0.25)
    upload = client.encrypt(out="upload")        # the data of the plan, or X, y given again
    model = Server("server").train(upload, out="model")   # public material only
    weights = client.decrypt(model, out="weights")
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import numpy as np

from . import _arrays, _native

PathLike = Union[str, "os.PathLike[str]"]


def _save_table(path: Path, X: Any, y: Any) -> None:
    """``X`` and ``y`` as an ``.npz`` archive the binary reads (arrays ``x`` and ``y``)."""
    x = _arrays.features(X)
    lab = _arrays.labels(y, x.shape[0])
    if lab.dtype.kind == "b":
        lab = lab.astype(np.int64)
    elif lab.dtype.kind in "OS":
        lab = lab.astype(str)  # the binary reads numbers and unicode strings, not objects
    np.savez(path, x=x, y=lab)


class Upload:
    """An upload directory (``encrypt``'s output)."""

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)

    def __fspath__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"Upload({str(self.path)!r})"


class Model(Upload):
    """An encrypted model directory (``train``'s output)."""

    def __repr__(self) -> str:
        return f"Model({str(self.path)!r})"


class Weights:
    """A decrypted model (``decrypt``'s output directory, read back): ``names`` (bias, then the
    features), ``weights`` (in the scaled units the model was trained in), ``coef_`` and
    ``intercept_`` (in the units of the data as given), ``test_accuracy``, ``round``."""

    def __init__(self, path: PathLike, divisors: Optional[List[float]] = None) -> None:
        self.path = Path(path)
        with open(self.path / "weights.json") as f:
            record = json.load(f)
        self.names: List[str] = list(record["features"])
        self.weights = np.asarray(record["weights"], dtype=np.float64)
        self.test_accuracy: float = float(record["test_accuracy"])
        self.round: int = int(record["round"])
        d = np.ones(len(self.names) - 1) if not divisors else np.asarray(divisors)
        self.coef_ = (self.weights[1:] / d).reshape(1, -1)
        self.intercept_ = self.weights[:1].copy()

    def __repr__(self) -> str:
        return (
            f"Weights({str(self.path)!r}: {len(self.names)} weights, "
            f"test accuracy {100 * self.test_accuracy:.2f}%)"
        )


def _path(p: Any) -> str:
    return os.fspath(p)


class Client:
    """The client: its directory holds the secret key (owner-only) and the plan. Open one
    written by ``Client.keygen`` or by ``experiments keygen``."""

    def __init__(self, directory: PathLike) -> None:
        self.path = Path(directory)
        plan_path = self.path / "plan.json"
        if not plan_path.is_file():
            raise FileNotFoundError(f"{plan_path}: no client plan (run Client.keygen)")
        with open(plan_path) as f:
            self.plan: Dict[str, Any] = json.load(f)

    @classmethod
    def keygen(
        cls,
        client: PathLike,
        server: PathLike,
        X: Any = None,
        y: Any = None,
        *,
        X_test: Any = None,
        y_test: Any = None,
        train: Optional[PathLike] = None,
        test: Optional[PathLike] = None,
        test_fraction: Optional[float] = None,
        seed: Optional[int] = None,
        data_dir: Optional[PathLike] = None,
        circuit: str = "lowdepth",
        minibatches: Optional[int] = None,
        batch_size: int = 256,
        gamma: float = 0.5,
        sigmoid_degree: int = 3,
        sigmoid_interval: float = 8.0,
        label: Optional[str] = None,
        positive: Optional[str] = None,
        shuffle: Optional[int] = None,
        scaling: Optional[str] = None,
        insecure_toy_parameters: bool = False,
        force: bool = False,
        epochs: Optional[int] = None,
    ) -> "Client":
        """``experiments keygen``: chooses parameters for the circuit on the data, generates
        the keys, writes the client's directory and the server's bundle.

        The data is a table file (``train``, ``test``: CSV, ``.npy`` or ``.npz``, as the
        binary's ``--train`` and ``--test``) or arrays ``X, y`` (and ``X_test, y_test``),
        saved as ``.npz`` files in ``data_dir`` (default: ``<client>.data`` beside the client's
        directory), which the plan records as the binary's ``keygen --train`` would. Without
        a test set, ``test_fraction`` (default 0.25) of the rows is held out (seeded by
        ``seed``). ``insecure_toy_parameters`` is the binary's ``--quick``.

        ``minibatches`` is a round's (default 6); with ``epochs`` (the binary's ``--epochs``)
        it is an epoch's (default: every full minibatch of the training set), the server
        trains every epoch in one ``train``, bootstrapping between rounds, and ``encrypt``
        uploads every round at once.
        """
        if (X is None) != (y is None):
            raise ValueError("give both X and y, or neither (and a train file)")
        if X is not None:
            if train is not None:
                raise ValueError("give either arrays X, y or a train file, not both")
            data = Path(data_dir) if data_dir is not None else Path(f"{_path(client)}.data")
            data.mkdir(parents=True, exist_ok=True)
            train = data / "train.npz"
            _save_table(train, X, y)
            if X_test is not None:
                test = data / "test.npz"
                _save_table(test, X_test, y_test)
        if train is None:
            raise ValueError("no data: give arrays X, y or a train file")
        if test is None and test_fraction is None:
            test_fraction = 0.25
        _native.keygen(
            _path(client),
            _path(server),
            _path(train),
            circuit,
            None if minibatches is None else int(minibatches),
            int(batch_size),
            float(gamma),
            int(sigmoid_degree),
            float(sigmoid_interval),
            bool(insecure_toy_parameters),
            test=None if test is None else _path(test),
            test_fraction=test_fraction,
            seed=seed,
            label=label,
            positive=positive,
            shuffle=shuffle,
            scaling=scaling,
            force=force,
            epochs=None if epochs is None else int(epochs),
        )
        return cls(client)

    def _with_arrays(self, X: Any, y: Any, call):  # type: ignore[no-untyped-def]
        if (X is None) != (y is None):
            raise ValueError("give both X and y, or neither (the plan's data is read again)")
        if X is None:
            return call(None)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "train.npz"
            _save_table(path, X, y)
            return call(_path(path))

    def encrypt(
        self,
        X: Any = None,
        y: Any = None,
        *,
        out: PathLike,
        resume_from: Optional[Union[PathLike, Weights]] = None,
    ) -> Upload:
        """``experiments encrypt``: a round's encrypted inputs into ``out``. The data is the
        plan's, read again, or ``X, y`` (which must give the same problem: the same features,
        classes, scaling and rows); ``resume_from`` a ``decrypt`` output (the next round)."""
        resume = None
        if resume_from is not None:
            resume = _path(resume_from.path if isinstance(resume_from, Weights) else resume_from)
        self._with_arrays(
            X,
            y,
            lambda train: _native.encrypt(
                _path(self.path), _path(out), train=train, resume_from=resume
            ),
        )
        return Upload(out)

    def decrypt(self, model: Union[Model, PathLike], *, out: PathLike) -> Weights:
        """``experiments decrypt``: the weights by name, the state for the next round and the
        test accuracy, written to ``out`` and returned."""
        _native.decrypt(_path(self.path), _path(model), _path(out))
        data = self.plan.get("data") or {}
        divisors = (data.get("preprocessing") or {}).get("divisors")
        return Weights(out, divisors)

    def __repr__(self) -> str:
        return f"Client({str(self.path)!r}, circuit {self.plan.get('circuit')!r})"


class Server:
    """The server: a bundle of public material (parameters, evaluation keys, the plan without
    the data). Building one reads and checks the bundle whole and refuses any secret key in
    it (``SecretKeyOnServerError``), so a client directory is refused."""

    def __init__(self, bundle: PathLike) -> None:
        self.path = Path(bundle)
        self.circuit: str = _native.check_server(_path(self.path))

    def train(
        self, upload: Union[Upload, PathLike], *, out: PathLike, resume: bool = False
    ) -> Model:
        """``experiments train``: trains on the upload with public material only; the upload
        is refused if it holds a secret key. ``resume`` for a later round's upload."""
        _native.train(_path(self.path), _path(upload), _path(out), resume=resume)
        return Model(out)

    def __repr__(self) -> str:
        return f"Server({str(self.path)!r}, circuit {self.circuit!r})"
