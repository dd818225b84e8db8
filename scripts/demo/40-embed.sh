#!/usr/bin/env bash
# Embeds the bundled human mitochondrial genome with a HyenaDNA-shaped model. No pretrained weights
# ship with spindle (nothing is downloaded), so this step makes a random-weight checkpoint in the
# Hugging Face layout: the vectors exercise the whole path, they carry no biology.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
model="$DEMO_OUT/hyenadna-random"
"$SPINDLE" model init-random --d-model 128 --n-layer 2 --max-seq-len 16386 --seed 1 -o "$model"
"$SPINDLE" model info "$model" | grep -E '^(architecture|parameters|context)'
# The whole 16.6 kb genome as one record, plus its reverse complement averaged in.
"$SPINDLE" embed --model "$model" "$root/data/dna/human_chrM.fa" --rc-average -o "$DEMO_OUT/chrM.npy" -t 2 2>&1 |
  grep -E 'embedded|warning'
echo "wrote $DEMO_OUT/chrM.npy (1 x 128 float32) and $DEMO_OUT/chrM.ids.txt"
