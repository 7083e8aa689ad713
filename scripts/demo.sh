#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, starts the local Stripe-compatible
# sandbox on 127.0.0.1 with its demo dataset, fills the demo workspace (usage events + a sync) and
# opens the console. With no display it says so and renders every pane to PNG files instead.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BC_BUILD_DIR:-$here/build}
port=${BC_DEMO_PORT:-12111}
demo=$build/demo
key=sk_test_billingconsole_demo

bash "$here/scripts/install-deps.sh"
bash "$here/scripts/build.sh"

app=$build/app/billing-console
sandbox_state=$demo/sandbox
bash "$here/scripts/sandbox.sh" start --port "$port" --state-dir "$sandbox_state" --api-key "$key"
trap 'bash "$here/scripts/sandbox.sh" stop --state-dir "$sandbox_state"' EXIT

# The demo key reaches the console through the environment for this run only (never written to disk).
export BILLING_CONSOLE_STRIPE_KEY=$key
common=(--workspace demo --data-dir "$demo/data" --base-url "http://127.0.0.1:$port")

if [ ! -f "$demo/usage-imported" ]; then
  echo "[demo] importing demo usage events into the billing database"
  node "$here/tests/stripe-sandbox/demo-usage.js" > "$demo/usage.csv"
  "$app" "${common[@]}" usage import "$demo/usage.csv"
  touch "$demo/usage-imported"
fi
"$app" "${common[@]}" staff seed-demo
echo "[demo] syncing the demo account into the local cache"
"$app" "${common[@]}" sync

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "[demo] no display available: the console needs a graphical session (X11 or Wayland)."
  echo "[demo] rendering every pane offscreen instead, into $demo/screenshots"
  QT_QPA_PLATFORM=offscreen "$app" "${common[@]}" --screenshot "$demo/screenshots"
  exit 0
fi
echo "[demo] opening the console"
"$app" "${common[@]}"
