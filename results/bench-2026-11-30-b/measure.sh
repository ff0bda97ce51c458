#!/usr/bin/env bash
# Bootstrapping and reproduce figures after the allocator tuning, the copy-free Chebyshev
# evaluation and its lazy relinearization (2026-11-30, second measurement of the day). Run with
# nothing else on the machine, after `cargo build --release -p ckks --examples -p experiments`.
set -u
cd "$(dirname "$0")/../.."
D=${D:-results/bench-2026-11-30-b}
mkdir -p $D
log() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*" | tee -a $D/index.txt; }
{ lscpu | head -20; grep -c avx512ifma /proc/cpuinfo; git log --oneline -1; } > $D/cpu.txt 2>&1
log boot-256; RAYON_NUM_THREADS=1 BOOT_STAGES=1 BOOT_REPS=3 cargo run -q --release -p ckks --example bootstrap 256 > $D/boot-256-1t.log 2>&1
log boot-256-2t; RAYON_NUM_THREADS=2 BOOT_STAGES=1 BOOT_REPS=3 cargo run -q --release -p ckks --example bootstrap 256 > $D/boot-256-2t.log 2>&1
log boot-full; RAYON_NUM_THREADS=1 BOOT_STAGES=1 BOOT_REPS=2 /usr/bin/time -v cargo run -q --release -p ckks --example bootstrap full > $D/boot-full-1t.log 2>&1
log boot-full-2t; RAYON_NUM_THREADS=2 BOOT_STAGES=1 BOOT_REPS=2 cargo run -q --release -p ckks --example bootstrap full > $D/boot-full-2t.log 2>&1
log reproduce-2t; cargo run -q --release -p experiments -- reproduce --threads 2 > $D/reproduce-2t.log 2>&1
log done
echo $D
