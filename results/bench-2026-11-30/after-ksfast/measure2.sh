#!/usr/bin/env bash
set -u
cd "$(dirname "$0")/../../.."
D=results/bench-2026-11-30/after-ksfast
mkdir -p $D
log() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*" | tee -a $D/index.txt; }
git log --oneline -1 > $D/commit.txt
log ks-15-14-3-1t; CKKS_WALL_CLOCK=1 cargo run -q --release -p ckks --example keyswitch_cost -- 15 14 3 50 1 > $D/ks-15_14_3-wall-1t.log 2>&1
log ks-15-14-3-2t; CKKS_WALL_CLOCK=1 cargo run -q --release -p ckks --example keyswitch_cost -- 15 14 3 50 2 > $D/ks-15_14_3-wall-2t.log 2>&1
log ks-15-14-3-cpu; cargo run -q --release -p ckks --example keyswitch_cost -- 15 14 3 > $D/ks-15_14_3-cpu.log 2>&1
log ks-15-14-15; cargo run -q --release -p ckks --example keyswitch_cost -- 15 14 15 > $D/ks-15_14_15.log 2>&1
log ks-14-7-8; cargo run -q --release -p ckks --example keyswitch_cost -- 14 7 8 40 > $D/ks-14_7_8_40.log 2>&1
log seal; /work/shared/bench/ref-bench seal > $D/seal.log 2>&1
log ckks-bench; RAYON_NUM_THREADS=1 CKKS_BENCH_SETS=n14,n15 cargo bench -p ckks --bench ckks -- --warm-up-time 1 --measurement-time 3 '/(relinearize|rotate)$' > $D/ckks-bench.log 2>&1
log reproduce-2t; cargo run -q --release -p experiments -- reproduce --threads 2 --json results/mnist.json > results/mnist.log 2>&1
log reproduce-1t; cargo run -q --release -p experiments -- reproduce --threads 1 --json results/mnist-1thread.json > results/mnist-1thread.log 2>&1; rm -f results/mnist-1thread.svg
log done
