#!/usr/bin/env bash
# Fuzz smoke test: builds the `fuzz` preset (clang, libFuzzer, AddressSanitizer + UBSan) and runs
# every fuzz target for SECONDS (default 30) over its seed corpus (fuzz/corpus/<target>/) and
# its past crashers (fuzz/regressions/<target>/). Fails when any target crashes, hangs (over
# 10 s on one input), leaks or exceeds 2 GB; the input that did it is left in
# build-fuzz/fuzz-artifacts/<target>/ and the report in build-fuzz/fuzz-logs/<target>.log.
# Targets run $(nproc) at a time. New inputs found go to build-fuzz/fuzz-new/<target>/, never
# into the committed corpus.
#
# Usage: fuzz/run_smoke.sh [SECONDS]        e.g. fuzz/run_smoke.sh 600 for a longer run
# FUZZ_RUNS=N stops each target after N inputs and FUZZ_SEED=S fixes libFuzzer's seed: CI sets
# both, so that it runs exactly the inputs a developer can reproduce (SECONDS stays a cap).
# Needs clang and libFuzzer: apt-get install -y --no-install-recommends clang libclang-rt-14-dev
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
targets=(csv rules expression json xlsx)

command -v clang++ >/dev/null || {
  echo "run_smoke.sh: clang++ not found; apt-get install -y --no-install-recommends clang libclang-rt-14-dev" >&2
  exit 1
}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

out=build-fuzz
rm -rf "$out/fuzz-logs" "$out/fuzz-artifacts" "$out/fuzz-new"
mkdir -p "$out/fuzz-logs"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1

run_target() {
  local t=$1
  # The CSV target may grow inputs to 256 KiB (libFuzzer's default cap is the largest seed,
  # a few KiB), so that long headers and long rows are reached.
  local max_len=()
  [ "$t" = csv ] && max_len=(-max_len=262144)
  local dirs=("$out/fuzz-new/$t" "fuzz/corpus/$t")
  [ -d "fuzz/regressions/$t" ] && dirs+=("fuzz/regressions/$t")
  mkdir -p "$out/fuzz-new/$t" "$out/fuzz-artifacts/$t"
  "$out/fuzz/${t}_fuzzer" -max_total_time="$seconds" -runs="${FUZZ_RUNS:--1}" -seed="${FUZZ_SEED:-0}" -rss_limit_mb=2048 -timeout=10 "${max_len[@]}" \
    -print_final_stats=1 -artifact_prefix="$out/fuzz-artifacts/$t/" "${dirs[@]}" \
    >"$out/fuzz-logs/$t.log" 2>&1 && echo 0 >"$out/fuzz-logs/$t.rc" || echo $? >"$out/fuzz-logs/$t.rc"
}

jobs=$(nproc)
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  echo "+ ${t}_fuzzer for ${seconds}s"
  run_target "$t" &
done
wait
failed=()
for t in "${targets[@]}"; do
  [ "$(cat "$out/fuzz-logs/$t.rc" 2>/dev/null)" = 0 ] || failed+=("$t")
done

for t in "${targets[@]}"; do
  runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz-logs/$t.log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$out/fuzz-logs/$t.log" | tail -1 || true)
  echo "${t}_fuzzer: ${runs} executions, ${cov:-cov: ?}"
done
if [ ${#failed[@]} -gt 0 ]; then
  for t in "${failed[@]}"; do
    echo "==== ${t}_fuzzer FAILED; report ($out/fuzz-logs/$t.log), input in $out/fuzz-artifacts/$t/:" >&2
    grep -v -E '^#[0-9]+\s' "$out/fuzz-logs/$t.log" | tail -60 >&2
  done
  exit 1
fi
echo "fuzz smoke: every target ran (at most ${seconds}s, ${FUZZ_RUNS:-unlimited} inputs) without a finding"
