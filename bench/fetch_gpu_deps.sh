#!/usr/bin/env bash
# Run HERE (Debian 12, network to the Debian mirror): fetches the .deb files the core build needs
# but the GPU machine's image lacks (oneDNN, FFTW, nlohmann-json, GoogleTest, pkg-config) with
# `apt-get download` and unpacks them with `dpkg -x` into build-deps/root (gitignored by build-*/).
# bench/gpu.sh points CMAKE_PREFIX_PATH there; the device run carries the folder (< 64 MiB).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
deps=$repo/build-deps
packages=(libdnnl-dev libdnnl2 libfftw3-dev libfftw3-single3 libfftw3-double3 libfftw3-bin
          nlohmann-json3-dev libgtest-dev pkgconf pkgconf-bin libpkgconf3)
mkdir -p "$deps/debs"
cd "$deps/debs"
apt-get download "${packages[@]}"
rm -rf "$deps/root"
for deb in "$deps"/debs/*.deb; do dpkg -x "$deb" "$deps/root"; done
# Absolute symlinks (e.g. libfftw3f.so -> /usr/lib/...) would point at this machine's files: make them relative.
find "$deps/root" -type l | while read -r link; do
  target=$(readlink "$link")
  if [[ $target == /* ]]; then ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$deps/root$target")" "$link"; fi
done
# Only what the build reads travels: headers, libraries, CMake/pkg-config files, pkg-config itself.
# spindle links single-precision FFTW (shared) only; the static and double/long/quad libraries would
# push the carried folder past the device run's 64 MiB.
lib=$deps/root/usr/lib/x86_64-linux-gnu
rm -f "$lib"/libfftw3*.a "$lib"/libfftw3.so* "$lib"/libfftw3_*.so* "$lib"/libfftw3l* "$lib"/libfftw3q* "$lib"/libfftw3f_threads.so*
rm -rf "$deps/root/usr/bin/fftw"* "$deps/root/usr/share/doc" "$deps/root/usr/share/man" "$deps/root/usr/share/info" "$deps/root/usr/share/lintian"
du -sh "$deps/root"
# oneDNN needs glibc >= 2.34 and GLIBCXX_3.4.29 (Ubuntu 22.04, Debian 12 or newer) on the GPU machine.
echo "unpacked into $deps/root (CMAKE_PREFIX_PATH=$deps/root/usr)"
# The float64 goldens, when ../shared is beside the project: gpu.sh then runs the whole-model CUDA
# golden tests too (SPINDLE_SHARED=build-deps/shared). Carry build-deps/shared with build-deps/root.
if [[ -d $repo/../shared/golden ]]; then
  rm -rf "$deps/shared" && mkdir -p "$deps/shared" && cp -r "$repo/../shared/golden" "$deps/shared/golden"
  du -sh "$deps/shared"
fi
