#!/usr/bin/env bash
# One epoch of MNIST 3 vs 8 over files, 128-bit: keygen --epochs 1, encrypt, train, decrypt.
set -euo pipefail
cd "$(dirname "$0")/../.."
E=./target/release/experiments
W=${W:-/tmp/workflow-epoch1}
rm -rf $W/client $W/server $W/upload $W/model $W/weights
export RAYON_NUM_THREADS=2
t() { /usr/bin/time -f "== %C: %e s wall, max RSS %M KiB" "$@"; }
t $E keygen --circuit lowdepth --epochs 1 --client $W/client --server $W/server
t $E encrypt --client $W/client --out $W/upload
t $E train --server $W/server --inputs $W/upload --out $W/model
t $E decrypt --client $W/client --model $W/model --out $W/weights
du -sb $W/server $W/upload $W/model
ls -la $W/server
