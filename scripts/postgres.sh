#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for tests and demos, on 127.0.0.1 only.
#
#   postgres.sh start --port P --state-dir D --user U --database DB
#   postgres.sh stop  --state-dir D
#   postgres.sh status --state-dir D
#
# start: creates a fresh cluster in D/data (initdb) unless one is there, trust authentication for
# 127.0.0.1 and the unix socket only, listen_addresses='127.0.0.1', the socket in D, a log in
# D/postgres.log; starts it, waits until it accepts connections, then creates role U and database
# DB (owned by U) when missing. Idempotent: a server already running in D is left as it is.
# initdb refuses to run as root, so as root the server runs as the system user billing-pg
# (created when missing) and D is handed to it.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_SYSTEM_USER=${PG_SYSTEM_USER:-billing-pg}

say() { printf 'postgres.sh: %s\n' "$*"; }
die() { printf 'postgres.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: postgres.sh start --port P --state-dir D --user U --database DB
       postgres.sh stop --state-dir D
       postgres.sh status --state-dir D
EOF
  exit 2
}

[[ $# -ge 1 ]] || usage
cmd=$1; shift
port="" state_dir="" pg_user="" pg_database=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --port) port=${2:-}; shift 2 ;;
    --state-dir) state_dir=${2:-}; shift 2 ;;
    --user) pg_user=${2:-}; shift 2 ;;
    --database) pg_database=${2:-}; shift 2 ;;
    -h|--help) usage ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ -n $state_dir ]] || die "--state-dir is required"
[[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] || die "PostgreSQL 15 binaries not found in $PG_BIN (Debian package postgresql-15)"

mkdir -p "$state_dir"
state_dir=$(cd "$state_dir" && pwd)
# Where the cluster, its socket and its log live: the state dir itself, unless the server's user
# cannot reach it (e.g. a checkout under /root) or the socket path would pass the unix limit
# (107 bytes); then a folder under /tmp named after the state dir, recorded in D/run-dir.
run_dir=$state_dir
if [[ -f $state_dir/run-dir ]]; then
  run_dir=$(cat "$state_dir/run-dir")
fi
data_dir=$run_dir/data
log_file=$run_dir/postgres.log

# Runs a command as the user that owns the cluster (ourselves unless we are root).
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$PG_SYSTEM_USER" -- "$@"
  else
    "$@"
  fi
}

ensure_system_user() {
  [[ $(id -u) -eq 0 ]] || return 0
  chown -R "$PG_SYSTEM_USER:" "$run_dir"
  chmod 700 "$run_dir"
  if ! runuser -u "$PG_SYSTEM_USER" -- test -w "$run_dir"; then
    die "$PG_SYSTEM_USER cannot write to $run_dir"
  fi
}

choose_run_dir() {
  [[ $run_dir == "$state_dir" ]] || return 0
  local reason=""
  if [[ $(id -u) -eq 0 ]] && id -u "$PG_SYSTEM_USER" >/dev/null 2>&1; then
    chown "$PG_SYSTEM_USER:" "$state_dir"
    runuser -u "$PG_SYSTEM_USER" -- test -w "$state_dir" || reason="$PG_SYSTEM_USER cannot reach $state_dir (a parent folder is private)"
  fi
  if [[ -z $reason && $(( ${#state_dir} + 20 )) -gt 107 ]]; then
    reason="the socket path under $state_dir would be too long"
  fi
  if [[ -n $reason ]]; then
    run_dir=/tmp/bc-postgres-$(printf '%s' "$state_dir" | sha1sum | cut -c1-12)
    say "$reason: running the cluster in $run_dir instead"
    mkdir -p "$run_dir"
    printf '%s\n' "$run_dir" >"$state_dir/run-dir"
    data_dir=$run_dir/data
    log_file=$run_dir/postgres.log
  fi
}

is_running() {
  [[ -f $data_dir/postmaster.pid ]] && as_owner "$PG_BIN/pg_ctl" -D "$data_dir" status >/dev/null 2>&1
}

psql_admin() {
  # The cluster's superuser is the OS user that ran initdb; connect over the socket in run_dir.
  as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$run_dir" -p "$port" -d postgres -tA "$@"
}

start() {
  [[ -n $port ]] || die "--port is required"
  [[ $port =~ ^[0-9]+$ ]] || die "--port must be a number, got '$port'"
  [[ -n $pg_user ]] || die "--user is required"
  [[ -n $pg_database ]] || die "--database is required"
  [[ $pg_user =~ ^[a-z_][a-z0-9_]*$ ]] || die "--user must be a lower-case identifier, got '$pg_user'"
  [[ $pg_database =~ ^[a-z_][a-z0-9_]*$ ]] || die "--database must be a lower-case identifier, got '$pg_database'"

  if [[ $(id -u) -eq 0 ]] && ! id -u "$PG_SYSTEM_USER" >/dev/null 2>&1; then
    say "creating system user $PG_SYSTEM_USER (initdb refuses to run as root)"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_SYSTEM_USER" \
      || die "could not create system user $PG_SYSTEM_USER"
  fi
  choose_run_dir
  ensure_system_user

  if is_running; then
    say "a server is already running in $data_dir"
  else
    if [[ ! -f $data_dir/PG_VERSION ]]; then
      rm -rf "$data_dir"
      say "initdb: new cluster in $data_dir"
      as_owner "$PG_BIN/initdb" -D "$data_dir" --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-instructions \
        >"$run_dir/initdb.log" 2>&1 || { cat "$run_dir/initdb.log" >&2; die "initdb failed (log above)"; }
      # Trust only the unix socket in run_dir and 127.0.0.1; nothing else may connect.
      cat >"$data_dir/pg_hba.conf" <<'EOF'
local   all all              trust
host    all all 127.0.0.1/32 trust
EOF
      cat >>"$data_dir/postgresql.conf" <<EOF

# Written by scripts/postgres.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$run_dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
      if [[ $(id -u) -eq 0 ]]; then chown "$PG_SYSTEM_USER:" "$data_dir/pg_hba.conf"; fi
    fi
    # The port may change between runs: pass it on the command line rather than in the config.
    if [[ -f $data_dir/postmaster.pid ]]; then
      say "removing a stale postmaster.pid"
      rm -f "$data_dir/postmaster.pid"
    fi
    say "starting PostgreSQL on 127.0.0.1:$port (log: $log_file)"
    touch "$log_file"
    if [[ $(id -u) -eq 0 ]]; then chown "$PG_SYSTEM_USER:" "$log_file"; fi
    if ! as_owner "$PG_BIN/pg_ctl" -D "$data_dir" -l "$log_file" -o "-p $port" -w -t 60 start >/dev/null; then
      tail -n 30 "$log_file" >&2 || true
      die "the server did not start (last log lines above)"
    fi
  fi

  local ready=0
  for _ in $(seq 1 60); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then ready=1; break; fi
    sleep 0.5
  done
  [[ $ready -eq 1 ]] || { tail -n 30 "$log_file" >&2 || true; die "the server on 127.0.0.1:$port is not accepting connections"; }
  say "server ready on 127.0.0.1:$port"

  if [[ $(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$pg_user'") != 1 ]]; then
    say "creating role $pg_user"
    psql_admin -c "CREATE ROLE \"$pg_user\" LOGIN" || die "could not create role $pg_user"
  fi
  if [[ $(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$pg_database'") != 1 ]]; then
    say "creating database $pg_database owned by $pg_user"
    psql_admin -c "CREATE DATABASE \"$pg_database\" OWNER \"$pg_user\"" || die "could not create database $pg_database"
  fi
  say "ready: host=127.0.0.1 port=$port user=$pg_user dbname=$pg_database"
}

stop() {
  if [[ ! -f $data_dir/PG_VERSION ]]; then
    say "no cluster in $data_dir: nothing to stop"
    return 0
  fi
  if ! is_running; then
    say "no server running in $data_dir"
    return 0
  fi
  say "stopping the server in $data_dir"
  as_owner "$PG_BIN/pg_ctl" -D "$data_dir" -m fast -w -t 60 stop >/dev/null || die "pg_ctl stop failed (see $log_file)"
  say "stopped"
}

status() {
  if is_running; then say "running ($data_dir)"; else say "not running ($data_dir)"; exit 3; fi
}

case $cmd in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
