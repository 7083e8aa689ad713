#!/usr/bin/env bash
# Installs what Billing Console needs to build, run and test on Debian 12. Idempotent: only
# missing packages are installed. Works as root or as a user with sudo.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-tools-dev-tools qt6-l10n-tools
  libqt6sql6-sqlite libqt6sql6-psql libqt6charts6-dev libqt6opengl6-dev libgl1-mesa-dev
  qtkeychain-qt6-dev libspdlog-dev libfmt-dev
  sqlite3 postgresql postgresql-contrib
  gnome-keyring dbus dbus-user-session libsecret-tools
  nodejs npm
  python3 jq curl clang libclang-rt-14-dev
  fonts-dejavu-core
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
  # nodejs may come from another Debian-compatible source that also provides npm.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "[deps] all Debian packages present"
else
  echo "[deps] installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 18 ]; then
  echo "[deps] Node.js 18 or newer is needed for the Stripe sandbox (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
echo "[deps] node $(node --version), npm $(npm --version), cmake $(cmake --version | head -n1 | awk '{print $3}')"
