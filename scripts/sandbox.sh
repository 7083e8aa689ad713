#!/usr/bin/env bash
# Starts, stops and checks the local Stripe-compatible sandbox (tests/stripe-sandbox), which
# listens on 127.0.0.1 only.
#   sandbox.sh start  --port P --state-dir D --api-key K [--latency-ms N] [--rate-limit N]
#                     [--dataset demo|empty] [--scale N] [--now ISO8601] [--timeout S]
#                     [--fault-drop P] [--fault-delay P] [--fault-delay-ms N] [--fault-429 P]
#                     [--fault-500 P] [--fault-drop-after-apply P] [--frozen-clock]
#   sandbox.sh stop   --state-dir D
#   sandbox.sh status --state-dir D
# State dir D holds pid, port, sandbox.log. Exit 0 = ok; non-zero with a message otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sandbox_dir="$(cd "$here/../tests/stripe-sandbox" && pwd)"

die() { echo "sandbox.sh: $*" >&2; exit 1; }
say() { echo "sandbox.sh: $*"; }

usage() {
  sed -n '4,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

cmd="${1:-}"; [[ -n "$cmd" ]] || usage; shift
port=""; state_dir=""; api_key=""; timeout=""; extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="${2:?--port needs a value}"; shift 2 ;;
    --state-dir) state_dir="${2:?--state-dir needs a value}"; shift 2 ;;
    --api-key) api_key="${2:?--api-key needs a value}"; shift 2 ;;
    --timeout) timeout="${2:?--timeout needs a value}"; shift 2 ;;
    --frozen-clock) extra+=("$1"); shift ;;
    --latency-ms|--rate-limit|--dataset|--scale|--now|--fault-drop|--fault-delay|--fault-delay-ms|--fault-429|--fault-500|--fault-drop-after-apply) extra+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    -h|--help) usage ;;
    *) echo "sandbox.sh: unknown option $1" >&2; usage ;;
  esac
done
[[ -n "$state_dir" ]] || die "--state-dir is required"
if [[ -z "$timeout" ]]; then
  timeout=60
  for a in ${extra[@]+"${extra[@]}"}; do [[ "$a" == "--scale" ]] && timeout=900; done # big datasets take a while to build
fi
mkdir -p "$state_dir"
state_dir="$(cd "$state_dir" && pwd)"
pid_file="$state_dir/pid"; log_file="$state_dir/sandbox.log"; port_file="$state_dir/port"

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid; pid="$(cat "$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  # Make sure the pid is still our node process, not a recycled one.
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "stripe-sandbox/server.js" || return 1
  echo "$pid"
}

answers() { # answers PORT KEY -> 0 when /v1/account accepts the key
  curl -fsS -m 3 -o /dev/null -H "Authorization: Bearer $2" "http://127.0.0.1:$1/v1/account" 2>/dev/null
}

case "$cmd" in
  start)
    [[ -n "$port" ]] || die "--port is required"
    [[ -n "$api_key" ]] || die "--api-key is required"
    [[ "$port" =~ ^[0-9]+$ ]] || die "--port must be a number"
    if pid="$(running_pid)"; then
      say "already running on this state dir (pid $pid, port $(cat "$port_file" 2>/dev/null || echo '?'))"
      exit 0
    fi
    command -v node >/dev/null || die "node is not installed (Debian: apt-get install nodejs npm)"
    command -v curl >/dev/null || die "curl is not installed (Debian: apt-get install curl)"
    if [[ ! -d "$sandbox_dir/node_modules/stripe-stateful-mock" ]]; then
      command -v npm >/dev/null || die "npm is not installed (Debian: apt-get install npm)"
      say "installing the sandbox's npm packages: (cd $sandbox_dir && npm ci)"
      (cd "$sandbox_dir" && npm ci --no-audit --no-fund) || die "npm ci failed in $sandbox_dir"
    fi
    if answers "$port" "$api_key"; then
      die "port $port already answers on 127.0.0.1 (another sandbox or service not started from $state_dir); stop it or use another port"
    fi
    say "starting sandbox on http://127.0.0.1:$port (log $log_file)"
    : > "$log_file"
    nohup node "$sandbox_dir/server.js" --port "$port" --api-key "$api_key" ${extra[@]+"${extra[@]}"} >>"$log_file" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$pid_file"; echo "$port" > "$port_file"
    deadline=$(( $(date +%s) + timeout ))
    until answers "$port" "$api_key"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "sandbox.sh: the sandbox exited during start-up; last lines of $log_file:" >&2
        tail -n 20 "$log_file" >&2; rm -f "$pid_file"; exit 1
      fi
      if (( $(date +%s) >= deadline )); then
        echo "sandbox.sh: the sandbox did not answer on http://127.0.0.1:$port/v1/account within ${timeout}s; last lines of $log_file:" >&2
        tail -n 20 "$log_file" >&2
        kill "$pid" 2>/dev/null || true; rm -f "$pid_file"; exit 1
      fi
      sleep 0.3
    done
    say "ready (pid $pid): http://127.0.0.1:$port"
    ;;
  stop)
    if ! pid="$(running_pid)"; then
      rm -f "$pid_file"; say "not running (state dir $state_dir)"; exit 0
    fi
    say "stopping pid $pid"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "pid $pid did not stop in 5 s; killing it"; kill -9 "$pid" 2>/dev/null || true; sleep 0.2; fi
    rm -f "$pid_file"; say "stopped"
    ;;
  status)
    if pid="$(running_pid)"; then say "running (pid $pid, port $(cat "$port_file" 2>/dev/null || echo '?'), log $log_file)"; exit 0; fi
    say "not running (state dir $state_dir)"; exit 3
    ;;
  *) echo "sandbox.sh: unknown command '$cmd'" >&2; usage ;;
esac
