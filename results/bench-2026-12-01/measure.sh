#!/bin/sh
# The bootstrapping figures of results/bench-2026-12-01 (run from the repository root, nothing
# else running): this commit's `cargo run --release -p ckks --example bootstrap 256` (NEW) and
# the previous commit's (PREV: 59e0295 with this commit's ckks/examples/bootstrap.rs, which
# times the stages BOOT_REPS times and prints their medians; built with `cargo build --release
# -p ckks --example bootstrap` in a worktree and copied aside), alternately: one thread twice
# each, then two threads once each. 256 slots, N = 2^16, 128-bit, 9 levels left.
set -e
OUT=results/bench-2026-12-01
NEW=${NEW:-target/release/examples/bootstrap}
PREV=${PREV:-/tmp/boot-prev}
grep -m1 'model name' /proc/cpuinfo > $OUT/cpu.txt
echo "avx512ifma flags: $(grep -c avx512ifma /proc/cpuinfo)" >> $OUT/cpu.txt
run() { # name binary threads
  echo "== $1 $(date -u +%H:%M:%S)" >> $OUT/index.txt
  RAYON_NUM_THREADS=$3 BOOT_STAGES=1 BOOT_REPS=5 $2 256 > $OUT/$1.log 2>&1
  grep -E "^(seconds of|stages|cpu seconds|bootstrap slots|keys and)" $OUT/$1.log >> $OUT/index.txt
}
for i in 1 2; do
  run boot-256-1t-new-$i $NEW 1
  run boot-256-1t-prev-$i $PREV 1
done
run boot-256-2t-new-1 $NEW 2
run boot-256-2t-prev-1 $PREV 2
echo "== end $(date -u +%H:%M:%S)" >> $OUT/index.txt
