#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs the whole test
# suite through CTest: plain, then under AddressSanitizer+UBSan, then the threaded
# code (the SDK) under ThreadSanitizer, then the RESP fuzzer. Exits non-zero on
# any failure.
#
#   tools/test.sh [--fast] [-R REGEX] [-L LABEL]
#     --fast   skip the sanitizer builds and shorten the fuzz run (ignored when CI=true)
#   Labels bench and soak are skipped unless asked for with -L.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

fast=0
ctest_args=()
label_given=0
while [ $# -gt 0 ]; do
  case "$1" in
    --fast) fast=1 ;;
    -R|-L|-E|-LE) ctest_args+=("$1" "$2"); [ "$1" = -L ] && label_given=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "${CI:-}" = "true" ]; then fast=0; fi
[ $label_given -eq 1 ] || ctest_args+=(-LE 'bench|soak')

# The bench label's smoke test runs the peers (Dask, Celery): install them only then.
setup_args=()
[ $label_given -eq 0 ] || [[ " ${ctest_args[*]} " != *bench* ]] || setup_args+=(--bench)
tools/setup-deps.sh "${setup_args[@]}"
jobs=$(nproc)
status=0

run_suite() { # name builddir cmake-args...
  local name=$1 dir=$2
  shift 2
  echo "=== [$name] configure and build ($dir)"
  cmake -S "$top" -B "$dir" -DRC_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  echo "=== [$name] test"
  if ! ctest --test-dir "$dir" --output-on-failure -j2 "${ctest_args[@]}"; then
    echo "=== [$name] FAILED"
    status=1
  fi
}

run_suite plain "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ $fast -eq 0 ]; then
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  run_suite asan "$top/build-asan" -DCMAKE_BUILD_TYPE=Debug -DRC_SANITIZE=address
fi

# ThreadSanitizer over the threaded code: the SDK (a mutex per client, used from
# several threads) in its unit tests and end to end through the task tests, and the
# dashboard server (nng threads handing requests to the loop) under the Jobs API test,
# and the object port (a thread per connection, pooled client connections).
if [ $fast -eq 0 ]; then
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$top/tools/tsan.supp}
  saved_args=("${ctest_args[@]}")
  ctest_args=(-R 'client/|dashboard/|objxfer/|integration/test_tasks$|integration/test_jobs_api$')
  run_suite tsan "$top/build-tsan" -DCMAKE_BUILD_TYPE=Debug -DRC_SANITIZE=thread
  ctest_args=("${saved_args[@]}")
fi

# The RESP parser fuzzer (libFuzzer needs clang): 60 s in CI, 10 s with --fast.
fuzz_secs=60
[ $fast -eq 1 ] && fuzz_secs=10
echo "=== [fuzz] build and run fuzz_resp for ${fuzz_secs}s"
cmake -S "$top" -B "$top/build-fuzz" -DCMAKE_C_COMPILER=clang -DRC_FUZZ=ON -DRC_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build-fuzz" -j"$jobs" --target fuzz_resp
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
if "$top/build-fuzz/bin/fuzz_resp" -max_total_time="$fuzz_secs" -print_final_stats=1 \
    -artifact_prefix="$top/build-fuzz/" "$corpus" "$top/tests/fuzz/corpus/resp" \
    >"$top/build-fuzz/fuzz_resp.log" 2>&1; then
  grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' "$top/build-fuzz/fuzz_resp.log" || true
  echo "=== [fuzz] passed"
else
  tail -40 "$top/build-fuzz/fuzz_resp.log"
  echo "=== [fuzz] FAILED (crash input saved under build-fuzz/)"
  status=1
fi

if [ $status -ne 0 ]; then
  echo "tools/test.sh: FAILED"
else
  echo "tools/test.sh: all suites passed"
fi
exit $status
