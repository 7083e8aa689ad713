#!/usr/bin/env bash
# Sync benchmark, one run: starts its own sandbox (~100k objects, 300 ms latency, 25 requests/s),
# times the console's full sync against the bound objects / (100 per page x 25 per s), peak
# memory, the official Node SDK's auto-pagination over the same lists (ratio to the console), and
# a refresh after 1,000 changes. Prints the figures; the sandbox is stopped at the end.
#   bench/sync/run.sh [BUILD_DIR]   (default <repo>/build; builds bc-bench-sync there)
# Env: SCALE (100000), LATENCY_MS (300), RATE (25), PORT (12195), CHANGES (1000), NODE_SDK=0 to skip it,
# BENCH_TRACE=1 for the sync's per-second timeline and the sandbox's CPU per second on stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${1:-$repo/build}"
scale="${SCALE:-100000}"; latency="${LATENCY_MS:-300}"; rate="${RATE:-25}"; port="${PORT:-12195}"; changes="${CHANGES:-1000}"
key=sk_test_bench
state="$(mktemp -d /tmp/bc-bench-sync.XXXXXX)"
cleanup() { [[ -n "${sampler:-}" ]] && kill "$sampler" 2>/dev/null; bash "$repo/scripts/sandbox.sh" stop --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT

bin="$build/bench/sync/bc-bench-sync"
if [[ ! -x "$bin" ]]; then
  echo "run.sh: building bc-bench-sync in $build"
  cmake -S "$repo" -B "$build" -DBC_BUILD_BENCH=ON >/dev/null
  cmake --build "$build" --target bc-bench-sync -j2
fi
if [[ "${NODE_SDK:-1}" != 0 && ! -d "$repo/tests/contract/node_modules/stripe" ]]; then
  echo "run.sh: npm ci --prefix tests/contract (the pinned official Node SDK)"
  npm ci --prefix "$repo/tests/contract" --no-audit --no-fund >/dev/null
fi

echo "run.sh: sandbox --scale $scale --latency-ms $latency --rate-limit $rate on port $port"
bash "$repo/scripts/sandbox.sh" start --port "$port" --state-dir "$state" --api-key "$key" \
  --scale "$scale" --latency-ms "$latency" --rate-limit "$rate"
sleep 2 # the key's rate budget refills after the readiness probes

args=(--url "http://127.0.0.1:$port" --key "$key" --cache "$state/cache.sqlite" --mutate "$changes")
[[ "${NODE_SDK:-1}" != 0 ]] && args+=(--node-sdk "$here/nodesdk.js")
sampler=""
if [[ "${BENCH_TRACE:-0}" != 0 ]]; then
  # Sandbox CPU, one line a second (100 = one core busy): is the node process the bottleneck?
  spid="$(cat "$state/pid")"; hz="$(getconf CLK_TCK)"
  ( prev=0; while kill -0 "$spid" 2>/dev/null; do
      now="$(awk '{print $14+$15}' "/proc/$spid/stat" 2>/dev/null || echo 0)"
      [[ "$prev" != 0 ]] && echo "sandbox cpu% $(( (now - prev) * 100 / hz ))" >&2
      prev="$now"; sleep 1
    done ) &
  sampler=$!
fi
echo "run.sh: $bin ${args[*]}"
"$bin" "${args[@]}"
