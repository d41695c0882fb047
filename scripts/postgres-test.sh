#!/usr/bin/env bash
# A throwaway PostgreSQL server for the registry tests, from Debian's packages.
#
#   scripts/postgres-test.sh start   # prints the URL (postgresql+psycopg://...) on stdout
#   scripts/postgres-test.sh stop    # stops the server and deletes its cluster
#
# The cluster lives under /tmp, listens on a free localhost port and a private unix socket
# directory, and runs as the `postgres` OS user when started by root (the server refuses to
# run as root). State (data dir, port) is kept in $EQUALQI_PG_STATE (default /tmp/equalqi-pg).
set -euo pipefail

STATE="${EQUALQI_PG_STATE:-/tmp/equalqi-pg}"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
    echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
    exit 1
  fi
  if [ -f "$STATE/url" ] && as_pg "$PGBIN/pg_ctl" -D "$STATE/data" status >/dev/null 2>&1; then
    cat "$STATE/url"
    return
  fi
  rm -rf "$STATE"
  mkdir -p "$STATE/socket"
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$STATE"; fi
  local port
  port="$(free_port)"
  as_pg "$PGBIN/initdb" -D "$STATE/data" -U postgres -A trust --no-sync -E UTF8 >"$STATE/initdb.log" 2>&1
  as_pg "$PGBIN/pg_ctl" -D "$STATE/data" -l "$STATE/server.log" -w \
    -o "-p $port -k $STATE/socket -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
  as_pg "$PGBIN/createdb" -h "$STATE/socket" -p "$port" -U postgres equalqi_test
  echo "$port" >"$STATE/port"
  echo "postgresql+psycopg://postgres@127.0.0.1:$port/equalqi_test" | tee "$STATE/url"
}

stop() {
  if [ -d "$STATE/data" ] && [ -n "$PGBIN" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$STATE/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
