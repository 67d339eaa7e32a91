#!/usr/bin/env bash
# Smoke run of rayc-synth's benchmark (tools/synth/bench.sh) at small size:
# --local and a cluster with 1, 2 and 4 executor slots each produce a rows/s
# figure, and the cluster's output equals --local's (the script checks it).
# The figures themselves are not judged here. Not in the default suite.
# labels: bench
# timeout: 300
source "$(dirname "$0")/lib.sh"

out=$(bash "$RC_SRC/tools/synth/bench.sh" --build "$RC_BUILD" --rows 300000 --shard-rows 20000 2>&1) &&
  rc=0 || rc=$?
echo "$out"
t_check "bench.sh exit" "0" "$rc"
t_match "local row" $'\nlocal +1 +[0-9.]+ +[1-9][0-9]* ' "$out"
for n in 1 2 4; do
  t_match "cluster row with $n slots" $'\ncluster +'"$n"' +[0-9.]+ +[1-9][0-9]* ' "$out"
done
t_done
