#!/usr/bin/env bash
# Configures and builds into ./build (or $BC_BUILD_DIR). Incremental after the first run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BC_BUILD_DIR:-$here/build}
jobs=${BC_JOBS:-$(nproc)}
echo "[build] configuring $build"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
echo "[build] building with $jobs jobs"
cmake --build "$build" -j "$jobs"
