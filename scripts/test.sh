#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test through CTest.
# CTest starts the Stripe sandbox and a PostgreSQL server on 127.0.0.1 for the tests that need
# them (fixtures in tests/CMakeLists.txt) and stops them afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BC_BUILD_DIR:-$here/build}
bash "$here/scripts/install-deps.sh"
bash "$here/scripts/build.sh"
echo "[test] running ctest in $build"
cd "$build"
ctest --output-on-failure --timeout 900 -j "${BC_TEST_JOBS:-2}"
