"""lowdepth: CKKS homomorphic encryption from Python, over the Rust framework.

- :class:`EncryptedLogisticRegression`: logistic regression trained encrypted, scikit-learn
  style (client and server in one process).
- :class:`Client`, :class:`Server`: the client/server split over the ``experiments``
  binary's own directories.
- :mod:`lowdepth.scheme` (also here): contexts, keys, and one evaluator interface with its
  interpretations (encrypted, plaintext, depth finder, op counter) for circuits written in
  Python.
- :mod:`lowdepth.errors`: the exceptions.
"""

from . import errors
from .errors import *  # noqa: F403 (the exceptions, listed once: errors.__all__)
from .estimator import EncryptedLogisticRegression
from .scheme import Context, Evaluator, Value, depth_finder, op_counter, plaintext_evaluator
from .workflow import Client, Model, Server, Upload, Weights

__all__ = [
    "EncryptedLogisticRegression",
    "Client",
    "Server",
    "Upload",
    "Model",
    "Weights",
    "Context",
    "Evaluator",
    "Value",
    "depth_finder",
    "op_counter",
    "plaintext_evaluator",
    *errors.__all__,
]
