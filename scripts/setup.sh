#!/usr/bin/env bash
# Installs the Debian packages spindle needs, only those missing. Used by `make demo` and `make test`.
# A second run installs nothing. Prints one clear line when apt is not usable.
set -euo pipefail

# Build and run-time dependencies (see README "Dependencies" for what each is for and its license);
# clang, its runtimes (ASan, UBSan, libFuzzer) and its OpenMP serve `make sanitize` and `make fuzz`.
packages=(
  build-essential cmake ninja-build pkg-config
  zlib1g-dev libhts-dev libfaiss-dev libcli11-dev libgtest-dev
  libdnnl-dev libfftw3-dev nlohmann-json3-dev libparasail-dev libopenblas0-openmp
  samtools snakemake
  clang libclang-rt-dev libomp-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} Debian packages present" >&2
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
if ! command -v apt-get >/dev/null; then
  echo "setup: error: apt-get not found; install these Debian packages by hand: ${missing[*]}" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "setup: error: not root and no sudo; install these Debian packages: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || { echo "setup: error: apt-get update failed (no network or no apt sources?)" >&2; exit 1; }
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
  { echo "setup: error: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
echo "setup: done" >&2
