#!/bin/sh
# The low-depth reproduction (k = 6, b = 256, 128-bit, 2 threads) before and after summing the
# four matrices of u_{t+1} once (commit 096dc82 against 2e9f075), run alternately in the same
# minutes: /tmp/exp-old built from 2e9f075, /tmp/exp-new from 096dc82
# (cargo build --release -p experiments; cp target/release/experiments /tmp/exp-...).
for i in 1 2; do
  for v in old new; do
    /tmp/exp-$v reproduce --circuits lowdepth --threads 2 --json /tmp/m1/$v-$i.json > $v-$i.log 2>&1
  done
done
