#!/usr/bin/env bash
# Runs a command (a test executable) inside a private D-Bus session with a throwaway, unlocked
# GNOME Keyring (Secret Service), so the real QtKeychain path is exercised without touching the
# user's own keyring. Needs the Debian packages dbus, dbus-user-session and gnome-keyring.
# Usage: run-with-keyring.sh <command> [args...]
set -u
for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "run-with-keyring.sh: $tool not found (install the Debian packages dbus and gnome-keyring)" >&2
        exit 1
    fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bc-keyring.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/data" "$tmp/cache" "$tmp/config" "$tmp/runtime"
chmod 700 "$tmp/runtime"
# A fresh keyring folder: gnome-keyring creates the "login" collection with the password given on
# stdin. An empty password does not work headless (it asks a GUI prompter), so use a throwaway one.
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache" XDG_CONFIG_HOME="$tmp/config" \
    XDG_RUNTIME_DIR="$tmp/runtime"
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS
dbus-run-session -- bash -c '
    printf %s bc-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    exec "$@"
' _ "$@"
