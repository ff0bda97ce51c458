#!/bin/sh
# The bootstrapping figures of results/bench-2026-11-30-c (run from the repository root, nothing
# else running): this commit's example, and the previous commit's (BASE, built with
# `cargo build --release -p ckks --example bootstrap --target-dir /tmp/tgt-base` in a worktree of
# 461d16e) for the same-hour comparison.
set -e
OUT=results/bench-2026-11-30-c
NEW=${NEW:-target/release/examples/bootstrap}
BASE=${BASE:-/tmp/tgt-base/release/examples/bootstrap}
grep -m1 'model name' /proc/cpuinfo > $OUT/cpu.txt
echo "avx512ifma flags: $(grep -c avx512ifma /proc/cpuinfo)" >> $OUT/cpu.txt
run() { # name binary threads slots reps
  echo "== $1 $(date -u +%H:%M:%S)" >> $OUT/index.txt
  RAYON_NUM_THREADS=$3 BOOT_STAGES=1 BOOT_REPS=$5 /usr/bin/time -v $2 $4 > $OUT/$1.log 2>&1
  grep -E "^bootstrap slots|^stages" $OUT/$1.log >> $OUT/index.txt
}
run boot-256-1t $NEW 1 256 3
run base-256-1t $BASE 1 256 3
run boot-256-2t $NEW 2 256 3
run base-256-2t $BASE 2 256 3
run boot-full-1t $NEW 1 full 2
run base-full-1t $BASE 1 full 2
run boot-full-2t $NEW 2 full 2
# Full slots again, alternating, without the stage timings (the first pair above disagreed
# with its own stage timings: the host is noisy).
total() { # as run, without BOOT_STAGES
  echo "== $1 $(date -u +%H:%M:%S)" >> $OUT/index.txt
  RAYON_NUM_THREADS=$3 BOOT_REPS=$5 /usr/bin/time -v $2 $4 > $OUT/$1.log 2>&1
  grep -E "^bootstrap slots|^stages" $OUT/$1.log >> $OUT/index.txt
}
for i in 1 2; do
  total boot-full-1t-again$i $NEW 1 full 2
  total base-full-1t-again$i $BASE 1 full 2
done
# The fused hoisted rotations (the commit after aa16235), alternately with 8c827a2's example,
# 21:50-22:07 UTC: PREV=8c827a2's example, FUSED=the new one. The first two 256-slot pairs (21:50,
# printed, not logged) gave 11.78 / 10.93 s and 11.28 / 10.93 s.
PREV=${PREV:-/tmp/boot-prev}
FUSED=${FUSED:-/tmp/boot-fused}
pair() { # name threads slots reps, then the two binaries in order
  for b in $5 $6; do
    bin=$PREV; [ $b = fused ] && bin=$FUSED
    echo "== fused-ab-$1-$b$7 $(date -u +%H:%M:%S)" >> $OUT/index.txt
    RAYON_NUM_THREADS=$2 BOOT_REPS=$4 /usr/bin/time -v $bin $3 > $OUT/fused-ab-$1-$b$7.log 2>&1
    grep -E "^bootstrap slots" $OUT/fused-ab-$1-$b$7.log >> $OUT/index.txt
  done
}
pair full-1t 1 full 2 prev fused ""
pair 256-1t 1 256 3 prev fused ""
pair 256-2t 2 256 3 prev fused ""
pair full-1t 1 full 2 fused prev -2
