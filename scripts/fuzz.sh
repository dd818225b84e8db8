#!/usr/bin/env bash
# `make fuzz`: runs every libFuzzer target in BUILD_DIR for SECONDS each, starting from the
# committed seeds (fuzz/corpus/<target>) and growing a working corpus in BUILD_DIR/fuzz-corpus.
# A crash leaves its input in BUILD_DIR/fuzz-findings/<target>/ and fails the run: fix the bug, then
# commit the input to fuzz/regressions/<target>/ so `make test` replays it from then on.
# Usage: bash scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?build directory}
seconds=${2:?seconds per target}
shift 2
if [ $# -gt 0 ]; then
  targets=$(for name in "$@"; do echo "$build/fuzz_$name"; done)
else
  targets=$(find "$build" -maxdepth 1 -name 'fuzz_*' -type f -executable ! -name 'fuzz_replay_*' | sort)
fi
[ -n "$targets" ] || { echo "fuzz: no fuzz_* targets in $build (configure with -DSPINDLE_FUZZ=ON)" >&2; exit 1; }

# Parsers refuse absurd sizes before allocating: 2 GB RSS or one 1 GB malloc is a finding.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/sanitizer/lsan.supp:print_suppressions=0}
failed=()
for exe in $targets; do
  name=${exe##*/fuzz_}
  corpus=$build/fuzz-corpus/$name findings=$build/fuzz-findings/$name
  mkdir -p "$corpus" "$findings"
  echo "fuzz: $name for ${seconds}s" >&2
  started=$SECONDS
  if ! "$exe" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=20 \
      -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "fuzz/corpus/$name" \
      >"$build/fuzz-$name.log" 2>&1; then
    failed+=("$name")
    grep -E "ERROR|runtime error|==ERROR|Test unit written" "$build/fuzz-$name.log" | head -5 >&2 || true
  fi
  grep -E "stat::number_of_executed_units|cov:" "$build/fuzz-$name.log" | tail -2 | sed "s/^/fuzz: $name: /" >&2 || true
  # Seconds actually run (a finding ends a run early) and inputs executed, per target and run:
  # the goal is >= 10 minutes in total per target on the developer machine.
  units=$(grep -ao 'number_of_executed_units: [0-9]*' "$build/fuzz-$name.log" | awk '{print $2}' | tail -1)
  printf '%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$((SECONDS - started))" "${units:-0}" >>"$build/fuzz-history.tsv"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]} (inputs under $build/fuzz-findings/, logs $build/fuzz-<target>.log)" >&2
  exit 1
fi
echo "fuzz: $(echo "$targets" | wc -l) targets, ${seconds}s each, no findings" >&2
