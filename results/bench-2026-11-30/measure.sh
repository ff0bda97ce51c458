#!/usr/bin/env bash
# The measurements behind the README's "Measured on this machine" and "Bootstrapping" figures
# (2026-11-30), and the epoch logs. Run with nothing else on the machine, after
# `cargo build --release --workspace --all-targets && cargo bench -p ckks --no-run`.
# reproduce runs are written to results/; the other logs to $D.
set -u
cd "$(dirname "$0")/../.."
D=${D:-results/bench-$(date -u +%Y-%m-%d)}
mkdir -p $D
log() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*" | tee -a $D/index.txt; }
{ lscpu | head -20; grep -c avx512ifma /proc/cpuinfo; git log --oneline -1; } > $D/cpu.txt 2>&1
log ntt-bestof; NTT_BEST_OF=1 cargo bench -p ckks --bench ntt > $D/ntt-bestof.log 2>&1
log ks-15-14-3-1t; CKKS_WALL_CLOCK=1 cargo run -q --release -p ckks --example keyswitch_cost -- 15 14 3 50 1 > $D/ks-15_14_3-wall-1t.log 2>&1
log ks-15-14-3-2t; CKKS_WALL_CLOCK=1 cargo run -q --release -p ckks --example keyswitch_cost -- 15 14 3 50 2 > $D/ks-15_14_3-wall-2t.log 2>&1
log ks-15-14-3-cpu; cargo run -q --release -p ckks --example keyswitch_cost -- 15 14 3 > $D/ks-15_14_3-cpu.log 2>&1
log ks-15-14-15; cargo run -q --release -p ckks --example keyswitch_cost -- 15 14 15 > $D/ks-15_14_15.log 2>&1
log ks-14-7-8; cargo run -q --release -p ckks --example keyswitch_cost -- 14 7 8 40 > $D/ks-14_7_8_40.log 2>&1
log openfhe; /work/shared/bench/ref-bench openfhe-ops 15 3 > $D/openfhe.log 2>&1
log seal; /work/shared/bench/ref-bench seal > $D/seal.log 2>&1
log ckks-bench; RAYON_NUM_THREADS=1 CKKS_BENCH_SETS=n14,n15 cargo bench -p ckks --bench ckks -- --warm-up-time 1 --measurement-time 3 '/(encode|decode|rescale|relinearize|rotate)$' > $D/ckks-bench.log 2>&1
log reproduce-2t; cargo run -q --release -p experiments -- reproduce --threads 2 --json results/mnist.json > results/mnist.log 2>&1
log reproduce-1t; cargo run -q --release -p experiments -- reproduce --threads 1 --json results/mnist-1thread.json > results/mnist-1thread.log 2>&1; rm -f results/mnist-1thread.svg
for c in baseline lowdepth; do
  log epoch-$c
  f=results/epoch-$c.log
  { echo "# command: CIRCUIT=$c W=/tmp/ldckks-epoch-$c experiments/scripts/epoch.sh (E=./target/release/experiments, built by cargo build --release -p experiments)"
    echo "# commit: $(git rev-parse --short HEAD); machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, AVX2, no AVX-512; quiet (nothing else running); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# started $(date -u '+%Y-%m-%d %H:%M') UTC"
    CIRCUIT=$c W=/tmp/ldckks-epoch-$c experiments/scripts/epoch.sh 2>&1
    echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# finished $(date -u '+%Y-%m-%d %H:%M') UTC"; } > $f.new && mv $f.new $f
  rm -rf /tmp/ldckks-epoch-$c
done
log boot-256; RAYON_NUM_THREADS=1 BOOT_STAGES=1 BOOT_REPS=3 cargo run -q --release -p ckks --example bootstrap 256 > $D/boot-256-1t.log 2>&1
log boot-256-2t; RAYON_NUM_THREADS=2 BOOT_STAGES=1 BOOT_REPS=3 cargo run -q --release -p ckks --example bootstrap 256 > $D/boot-256-2t.log 2>&1
log boot-full; RAYON_NUM_THREADS=1 BOOT_STAGES=1 BOOT_REPS=2 /usr/bin/time -v cargo run -q --release -p ckks --example bootstrap full > $D/boot-full-1t.log 2>&1
log done
echo $D
