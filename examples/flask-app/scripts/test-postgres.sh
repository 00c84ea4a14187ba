#!/usr/bin/env bash
# Runs app/test_postgres.py against a throwaway PostgreSQL server: the engine production
# uses (RDS), so the SQL that SQLite accepts is proven on PostgreSQL too.
# The server lives in a temporary directory, listens on 127.0.0.1 only and is removed on exit.
#
# Usage (from examples/flask-app, with the app's virtualenv active):
#   scripts/test-postgres.sh [pytest args...]
# Needs PostgreSQL's server binaries: apt-get install postgresql
# Environment: PYTHON (default: python3), the interpreter that has requirements-dev.txt.
set -euo pipefail

app_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3}

pg_bins=(/usr/lib/postgresql/*/bin)
pg_bin=$(printf '%s\n' "${pg_bins[@]}" | sort -V | tail -n 1)
[[ -x $pg_bin/initdb ]] || {
  echo "test-postgres: PostgreSQL server binaries not found; apt-get install postgresql" >&2
  exit 1
}

# initdb and postgres refuse to run as root, so root hands the server to the postgres user.
as_owner=()
if [[ $EUID -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || {
    echo "test-postgres: running as root needs a 'postgres' user (the postgresql package creates it)" >&2
    exit 1
  }
  as_owner=(runuser -u postgres --)
fi

data_dir=$(mktemp -d /tmp/flask-app-pg.XXXXXX)
[[ $EUID -eq 0 ]] && chown postgres: "$data_dir"
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop_server() {
  "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$data_dir/db" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$data_dir"
}
trap stop_server EXIT

# Trust auth is fine for a server that only this test can reach and that dies with it.
"${as_owner[@]}" "$pg_bin/initdb" -D "$data_dir/db" -U postgres --auth=trust -E UTF8 >"$data_dir/initdb.log" 2>&1 || {
  cat "$data_dir/initdb.log" >&2
  exit 1
}
"${as_owner[@]}" "$pg_bin/pg_ctl" -D "$data_dir/db" -l "$data_dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $data_dir -c fsync=off" start >/dev/null || {
  cat "$data_dir/server.log" >&2
  exit 1
}
"${as_owner[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres notes_test

cd "$app_dir"
TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/notes_test" \
  "$python" -m pytest app/test_postgres.py "$@"
