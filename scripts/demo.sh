#!/usr/bin/env bash
# `make demo`: runs every scripts/demo/NN-<topic>.sh in order on bundled real data.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export SPINDLE="${1:-$root/build/spindle}"
export DEMO_OUT="${DEMO_OUT:-$root/build/demo}"
mkdir -p "$DEMO_OUT"
echo "== spindle demo (outputs in $DEMO_OUT) =="
"$SPINDLE" --version | head -1
for step in "$root"/scripts/demo/[0-9][0-9]-*.sh; do
  [ -e "$step" ] || continue
  echo
  echo "== $(basename "$step" .sh) =="
  bash "$step"
done
