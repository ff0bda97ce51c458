#!/usr/bin/env bash
# The Python package's CI step (called by .ci/run): a fresh virtual environment, maturin,
# numpy and pytest from PyPI, the `experiments` binary the tests drive, the package built
# and installed with pip (maturin as the build backend, the workspace's target/ and release
# profile, so the crates `cargo test --workspace --release` built are reused), then pytest.
#
#   python/ci.sh                 # from anywhere; prints the time of each step
#
# Environment: PYTHON (default python3), LOWDEPTH_VENV (default target/python-venv: inside the
# ignored target/, recreated on every run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${LOWDEPTH_VENV:-$root/target/python-venv}"
python="${PYTHON:-python3}"

step() {
    local name="$1"
    shift
    local t0=$SECONDS
    echo "== python/ci.sh: $name"
    "$@"
    echo "== python/ci.sh: $name: $((SECONDS - t0)) s"
}

step "fresh venv ($venv) with maturin, numpy, pytest" bash -c "
    rm -rf '$venv' && '$python' -m venv '$venv' &&
    '$venv/bin/pip' install --quiet --disable-pip-version-check 'maturin>=1.5,<2' numpy pytest"
# The venv first on PATH: maturin's build backend runs `maturin` from there.
export PATH="$venv/bin:$PATH"
# The binary the tests drive, with the features `cargo test --workspace` resolves (selecting
# lowdepth-python too brings its feature pins, python/Cargo.toml): after CI's test step it is
# already built; pip's build below then compiles only pyo3 and the extension.
export PYO3_PYTHON="$venv/bin/python"
step "the experiments binary" cargo build --release -p experiments -p lowdepth-python \
    --bin experiments
# --no-build-isolation: the build backend is the maturin just installed (plain
# `pip install ./python` fetches it into an isolated environment instead; same build).
step "pip install ./python" "$venv/bin/pip" install --disable-pip-version-check \
    --no-build-isolation ./python
# From the repository root, so `import lowdepth` is the installed package, not python/lowdepth.
step "pytest" "$venv/bin/python" -m pytest -q -p no:cacheprovider python/tests
