#!/usr/bin/env bash
# Builds the benchmarks, makes the benchmark cache once (100k customers / 1M invoices unless told
# otherwise) and runs bc-bench-cache, printing its Markdown tables and saving them beside the cache.
#
#   bench/run.sh                 # full size: 100k customers, 1M invoices (generation takes minutes)
#   bench/run.sh --quick         # 10k customers, 100k invoices, fewer runs
#   bench/run.sh --regen         # rebuild the cache file even if it exists
#   bench/run.sh -- --only sort  # arguments after -- go to bc-bench-cache
#
# Environment: BUILD_DIR (default <repo>/build-bench), CUSTOMERS, INVOICES, SEED, RUNS, COLD_RUNS.
# As root the cold figures drop the OS page cache (sync; echo 3 > /proc/sys/vm/drop_caches);
# otherwise "cold" means a fresh process and connection with whatever the OS has cached.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
build="${BUILD_DIR:-$repo/build-bench}"
customers="${CUSTOMERS:-100000}"
invoices="${INVOICES:-1000000}"
seed="${SEED:-1}"
runs="${RUNS:-15}"
cold_runs="${COLD_RUNS:-5}"
regen=0
extra=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) customers="${CUSTOMERS:-10000}"; invoices="${INVOICES:-100000}"; runs="${RUNS:-5}"; cold_runs="${COLD_RUNS:-3}" ;;
    --regen) regen=1 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

say() { printf '\n== %s\n' "$*" >&2; }

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  say "configuring $build (Release, benchmarks on, tests off)"
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBC_BUILD_BENCH=ON -DBC_BUILD_TESTS=OFF >&2
fi
say "building bc-generate-cache and bc-bench-cache"
cmake --build "$build" --target bc-generate-cache bc-bench-cache -j2 >&2

gen="$build/bench/bc-generate-cache"
bench="$build/bench/bc-bench-cache"
cache="$build/bench-cache-${customers}c-${invoices}i-s${seed}.db"

if [[ $regen -eq 1 || ! -s "$cache" ]]; then
  say "generating $cache"
  "$gen" --customers "$customers" --invoices "$invoices" --seed "$seed" --out "$cache" | tee "$cache.generate.txt"
else
  say "using existing $cache (--regen to rebuild)"
  [[ -f "$cache.generate.txt" ]] && cat "$cache.generate.txt"
fi

results="$build/bench-results.md"
say "running bc-bench-cache (runs $runs, cold runs $cold_runs); report also in $results"
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/runtime-$(id -u)}" \
  "$bench" --cache "$cache" --runs "$runs" --cold-runs "$cold_runs" --markdown "$results" "${extra[@]}"
