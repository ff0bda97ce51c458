#!/usr/bin/env bash
# One epoch of MNIST 3 vs 8 (46 minibatches of 256) in 23 rounds of k = 2 at 128-bit
# parameters: the client refreshes the model between rounds. CIRCUIT=lowdepth for the low-depth
# circuit (default: baseline).
set -euo pipefail
E=${E:-./target/release/experiments}
W=${W:-${TMPDIR:-/tmp}/ldckks-epoch}
rm -rf "$W"; mkdir -p "$W"
start=$(date +%s)
$E keygen --circuit "${CIRCUIT:-baseline}" --minibatches 2 --batch-size 256 --client "$W/client" --server "$W/server" > "$W/keygen.log"
prev=""
for r in $(seq 0 22); do
  if [ -z "$prev" ]; then
    $E encrypt --client "$W/client" --out "$W/up$r" > /dev/null
    $E train --server "$W/server" --inputs "$W/up$r" --out "$W/model$r" > "$W/train$r.log"
  else
    $E encrypt --client "$W/client" --resume-from "$prev" --out "$W/up$r" > /dev/null
    $E train --server "$W/server" --inputs "$W/up$r" --resume --out "$W/model$r" > "$W/train$r.log"
  fi
  $E decrypt --client "$W/client" --model "$W/model$r" --out "$W/weights$r" | tee "$W/decrypt$r.log"
  prev="$W/weights$r"
done
echo "epoch: $(( $(date +%s) - start )) s"
