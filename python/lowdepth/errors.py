"""The package's exceptions: every error of the Rust side arrives as one of these, with the
Rust error's message unchanged.

::

    LowdepthError
    ├── DataError (also ValueError): a bad array, file, cell, label or shape
    ├── InvalidArgumentError (also ValueError): an option out of range, a flag against the plan
    ├── FileError (also OSError): a file that cannot be read or written
    ├── WorkflowError: a plan, manifest, key or ciphertext file refused
    │   └── SecretKeyOnServerError: a secret key where only public material may be
    ├── CkksError: the scheme refused an operation (levels, scales, keys, parameters)
    └── CircuitError: a training circuit or matrix operation refused its inputs
"""


class LowdepthError(Exception):
    """Every error of the package."""


class DataError(LowdepthError, ValueError):
    """Bad data: an array, file, cell, label or shape."""


class InvalidArgumentError(LowdepthError, ValueError):
    """An option out of range, or one that disagrees with the client's plan."""


class FileError(LowdepthError, OSError):
    """A file that cannot be read or written."""


class WorkflowError(LowdepthError):
    """A workflow file (plan, manifest, key, ciphertext) refused."""


class SecretKeyOnServerError(WorkflowError):
    """A secret key where the server's public material only may be."""


class CkksError(LowdepthError):
    """The scheme refused an operation (levels, scales, keys, parameters)."""


class CircuitError(LowdepthError):
    """A training circuit or a matrix operation refused its inputs."""


__all__ = [
    "LowdepthError",
    "DataError",
    "InvalidArgumentError",
    "FileError",
    "WorkflowError",
    "SecretKeyOnServerError",
    "CkksError",
    "CircuitError",
]
