#!/usr/bin/env bash
# Times the invoices CSV export (bc-bench-export) against the sqlite3 command-line tool's own CSV
# export of the same rows (same columns, same order) from the same cache file, and prints wall and
# CPU time, peak memory (getrusage via /usr/bin/time) and the ratios.
#
#   bench/export/run.sh [CACHE.db]     default: $BUILD_DIR/bench-cache-100000c-1000000i-s1.db
#                                      (made by bench/run.sh / bc-generate-cache); opened read-only
# Environment: BUILD_DIR (default <repo>/build-bench), RUNS (default 3), OUT_DIR (default a temp dir).
# Needs bench/CMakeLists.txt to add_subdirectory(export).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$repo/build-bench}"
cache="${1:-$build/bench-cache-100000c-1000000i-s1.db}"
runs="${RUNS:-3}"
out="${OUT_DIR:-$(mktemp -d)}"

[[ -s "$cache" ]] || { echo "no cache file $cache: run bench/run.sh first" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed (apt-get install sqlite3)" >&2; exit 2; }

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBC_BUILD_BENCH=ON -DBC_BUILD_TESTS=OFF >&2
fi
cmake --build "$build" --target bc-bench-export -j2 >&2
bench="$build/bench/export/bc-bench-export"

query="SELECT id, number, customer_id, customer_name, customer_email, subscription_id, status, collection_method,
 billing_reason, currency, subtotal, total, amount_due, amount_paid, amount_remaining, attempt_count, created, due_date,
 period_start, period_end, paid_at FROM invoices ORDER BY COALESCE(created, 9223372036854775807), id"

measure() { # label command...
  local label="$1"; shift
  /usr/bin/time -f "$label %e %U %S %M" "$@" 2>&1 >/dev/null | tail -1
}

echo "| run | tool | wall s | cpu s | peak RSS MiB |"
echo "|---|---|---|---|---|"
for ((i = 1; i <= runs; i++)); do
  read -r _ w u s m < <(measure sqlite3 sh -c "sqlite3 -readonly -csv -header '$cache' \"$query\" > '$out/sqlite3.csv'")
  sq_w=$w; sq_c=$(echo "$u + $s" | bc)
  echo "| $i | sqlite3 -csv | $w | $sq_c | $(echo "scale=1; $m / 1024" | bc) |"
  read -r _ w u s m < <(measure export "$bench" "$cache" "$out/export.csv")
  ex_c=$(echo "$u + $s" | bc)
  echo "| $i | bc-bench-export | $w | $ex_c | $(echo "scale=1; $m / 1024" | bc) |"
  echo "|   | ratio | $(echo "scale=2; $w / $sq_w" | bc)x | $(echo "scale=2; $ex_c / $sq_c" | bc)x | |"
done
echo
echo "rows: $(($(wc -l < "$out/sqlite3.csv") - 1)) (sqlite3), files in $out"
