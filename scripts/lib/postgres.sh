# Shared by scripts/test and scripts/bench: a throwaway PostgreSQL cluster on a free loopback port.
# Usage: source it, call `egov_pg_start DIR` (sets PG_URL and PGBIN), and `egov_pg_stop` on exit.

egov_as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
egov_pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
egov_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# PostgreSQL refuses to run as root: use the postgres user when we are root.
egov_run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

egov_pg_install() {
  if [ -z "$(egov_pg_bindir)" ] || [ ! -x "$(egov_pg_bindir)/initdb" ]; then
    egov_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    egov_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
}

egov_pg_start() {
  local work=$1
  egov_pg_install
  PGBIN=$(egov_pg_bindir)
  export PATH="$PGBIN:$PATH"   # pg_dump / pg_restore for the backup test
  EGOV_PGDATA="$work/pg"
  local port
  port=$(egov_free_port)
  mkdir -p "$EGOV_PGDATA"
  [ "$(id -u)" = 0 ] && chown postgres "$EGOV_PGDATA" "$work"
  egov_run_pg "$PGBIN/initdb" -D "$EGOV_PGDATA" -U postgres -A trust -E UTF8 --no-sync >"$work/initdb.log" 2>&1 \
    || { cat "$work/initdb.log"; return 1; }
  egov_run_pg "$PGBIN/pg_ctl" -D "$EGOV_PGDATA" -w -l "$work/pg.log" \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $work -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$work/pg.log"; return 1; }
  PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

egov_pg_stop() {
  [ -n "${EGOV_PGDATA:-}" ] && [ -f "$EGOV_PGDATA/postmaster.pid" ] \
    && egov_run_pg "$PGBIN/pg_ctl" -D "$EGOV_PGDATA" -m immediate stop >/dev/null 2>&1
  return 0
}
