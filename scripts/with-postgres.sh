#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL 15 on 127.0.0.1:
#   scripts/with-postgres.sh cargo test -p pelanggan-sync-server
# The command sees PELANGGAN_TEST_POSTGRES=postgres://postgres@127.0.0.1:PORT/pelanggan_test
# (an admin connection: the tests create one database each through it). The
# cluster lives in a temp folder and is stopped and removed on exit; the
# script exits with the command's code.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
  echo "with-postgres.sh: PostgreSQL 15 is missing ($PG_BIN/initdb): apt-get install postgresql-15 (make setup does)" >&2
  exit 1
fi
if [ $# -eq 0 ]; then
  echo "usage: scripts/with-postgres.sh COMMAND [ARGS...]" >&2
  exit 2
fi

# initdb and pg_ctl refuse to run as root: run them as the postgres user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d /tmp/pelanggan-pg.XXXXXX)
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
chmod 700 "$dir"

cleanup() {
  as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

# A free port: a random one in the dynamic range that nothing answers on.
port=
for _ in $(seq 50); do
  candidate=$((49152 + RANDOM % 16000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "with-postgres.sh: no free port found" >&2; exit 1; }

as_postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2; exit 1; }
as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=300" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

# One statement per -c: CREATE DATABASE refuses the transaction a multi-statement -c runs in.
as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
  -c "CREATE DATABASE pelanggan_test" >/dev/null

export PELANGGAN_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/pelanggan_test"
set +e
"$@"
code=$?
set -e
exit $code
