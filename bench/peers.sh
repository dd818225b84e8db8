# shellcheck shell=bash
# Sourced by the side-by-side scripts (mamba_bench.sh, hyenadna_bench.sh, esm2_bench.sh). Under
# `set -e` a failed peer (a PyTorch reference without torch, a bad path) used to stop the script
# with no line saying which run died. Here a failure prints one line naming the run and the last
# line of its stderr, the script goes on with the runs that do not need it, and peers_finish exits
# 1 naming every failed run.
#   bench_name=NAME; source peers.sh
#   peer_run LABEL LOG CMD...   runs CMD with stderr to LOG; on failure calls peer_failed, returns 1
#   peer_failed LABEL STATUS LOG
#   peers_finish                exit 1 with a summary when any run failed
: "${bench_name:=bench}"
peer_failures=()

peer_failed() {
  local label=$1 status=$2 log=$3 reason=""
  # The command's own last line: stop before what /usr/bin/time -v appends after it.
  [ -f "$log" ] && reason=$(awk '/^Command exited with non-zero status|^\tCommand being timed:/ {exit} NF {last = $0} END {print last}' "$log")
  peer_failures+=("$label")
  echo "$bench_name: FAILED: $label (exit $status)${reason:+: $reason}" >&2
}

peer_run() {
  local label=$1 log=$2 status=0
  shift 2
  "$@" 2> "$log" || status=$?
  [ "$status" -eq 0 ] && return 0
  peer_failed "$label" "$status" "$log"
  return 1
}

peers_finish() {
  [ ${#peer_failures[@]} -eq 0 ] && return 0
  local list
  list=$(printf '%s; ' "${peer_failures[@]}")
  echo "$bench_name: ${#peer_failures[@]} run(s) failed: ${list%; }" >&2
  exit 1
}
