#!/bin/sh
# The reproduction's figures of results/bench-2026-11-30-d (run from the repository root,
# nothing else running): this commit's `experiments` and the previous commit's (PREV, b56a1be,
# built with `cargo build --release -p experiments` and copied aside), alternately, 2 threads;
# then the committed results/mnist.* (2 threads) and results/mnist-1thread.* (1 thread).
set -e
OUT=results/bench-2026-11-30-d
NEW=${NEW:-target/release/experiments}
PREV=${PREV:-/tmp/exp-head}
grep -m1 'model name' /proc/cpuinfo > $OUT/cpu.txt
echo "avx512ifma flags: $(grep -c avx512ifma /proc/cpuinfo)" >> $OUT/cpu.txt
for i in 1 2 3; do
  for b in prev new; do
    bin=$NEW; [ $b = prev ] && bin=$PREV
    echo "== reproduce-$b-$i $(date -u +%H:%M:%S)" >> $OUT/index.txt
    RAYON_NUM_THREADS=2 $bin reproduce > $OUT/reproduce-$b-$i.log 2>&1
    grep -E "^(baseline|lowdepth) " $OUT/reproduce-$b-$i.log >> $OUT/index.txt
  done
done
echo "== results/mnist $(date -u +%H:%M:%S)" >> $OUT/index.txt
$NEW reproduce --json results/mnist.json > results/mnist.log 2>&1
echo "== results/mnist-1thread $(date -u +%H:%M:%S)" >> $OUT/index.txt
$NEW reproduce --threads 1 --json results/mnist-1thread.json > results/mnist-1thread.log 2>&1
echo "== end $(date -u +%H:%M:%S)" >> $OUT/index.txt
# Also here, run before the above (23:20-23:26 UTC, one thread, alternately, 256 slots):
# boot-special-head-*.log is b56a1be's `cargo run --release -p ckks --example bootstrap 256`
# (RAYON_NUM_THREADS=1 BOOT_STAGES=1 BOOT_REPS=3), boot-special-narrow-*.log the same with
# `BootstrapConfig::parameters` choosing by (special prime width, key bytes) instead of key
# bytes alone (six 50-bit special primes, 6 digits): 3% faster, 1 bit less precise, 17% more
# keys; not committed.
