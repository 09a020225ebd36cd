#!/usr/bin/env bash
# PostgreSQL 15 for tests and the demo.
#   up       throwaway cluster under /tmp (fsync off: fast, not durable); prints `export TEST_DATABASE_URL=...`
#            (folder and port, 56000-56999, are derived from the checkout's path)
#   down     stops the throwaway cluster and deletes it
#   restart  restarts the running throwaway cluster (the restart-recovery test uses it)
#   demo     persistent cluster under the project's .data/postgres; prints `export DATABASE_URL=...`
#   demo-down  stops the demo cluster (its data stays)
# PG_BASE and PG_PORT override the folder and port (tests start a second, private cluster this way).
# Idempotent; loopback only; logs go to stderr, only `export` lines to stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh

MODE=${1:-up}
PGBIN=/usr/lib/postgresql/15/bin
ROLE=app
PASS=${PG_PASS:-secret}
DB=incidents

case "$MODE" in
    demo | demo-down)
        BASE=${PG_BASE:-$PWD/.data/postgres}
        PORT=${PG_PORT:-55433}
        DURABILITY=()
        ;;
    *)
        # Per checkout, so several clones or worktrees on one machine never stop or wipe each other's cluster.
        KEY=$(printf '%s' "$PWD" | cksum | cut -d' ' -f1)
        BASE=${PG_BASE:-${TMPDIR:-/tmp}/incident-rooms-pg-$KEY}
        PORT=${PG_PORT:-$((56000 + KEY % 1000))}
        DURABILITY=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
        ;;
esac
PGDATA=$BASE/data
SOCK=$BASE/sock
# The port the cluster was started on, so restart and down find it even when the default was taken.
PORT_FILE=$BASE/port
if [ -z "${PG_PORT:-}" ] && [ -s "$PORT_FILE" ]; then PORT=$(cat "$PORT_FILE"); fi

as_pg() { runuser -u postgres -- "$@"; }
psql_pg() { as_pg env PGOPTIONS=--client-min-messages=warning psql -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres "$@"; }

stop() {
    if [ -s "$PGDATA/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >&2 || true
    fi
}

start() {
    install_debian_packages postgresql postgresql-contrib libpq-dev
    mkdir -p "$BASE" "$SOCK"
    chown postgres:postgres "$BASE" "$SOCK"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        log "postgres: initdb in $PGDATA"
        # C.UTF-8 classifies CJK characters as letters, which pg_trgm needs for Chinese search.
        as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$BASE/initdb.log"
    fi
    if ! "$PGBIN/pg_isready" -q -h "$SOCK" -p "$PORT"; then
        # A server killed with -9 leaves postmaster.pid behind; its pid may linger as a zombie (PID 1 reaps lazily).
        if [ -s "$PGDATA/postmaster.pid" ]; then
            old=$(head -1 "$PGDATA/postmaster.pid")
            st=$(ps -o stat= -p "$old" 2>/dev/null || true)
            if [ -z "$st" ] || [ "${st:0:1}" = Z ]; then rm -f "$PGDATA/postmaster.pid" "$SOCK/.s.PGSQL.$PORT.lock"; fi
        fi
        # Something else may hold the port: take the next free one.
        local tries=0
        while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
            tries=$((tries + 1))
            [ "$tries" -le 50 ] || { log "postgres: no free port near $PORT"; exit 1; }
            PORT=$((PORT + 1))
        done
        echo "$PORT" >"$PORT_FILE"
        log "postgres: starting on 127.0.0.1:$PORT"
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$BASE/server.log" -w -t 30 \
            -o "-p $PORT -k $SOCK -c listen_addresses=127.0.0.1 -c max_connections=300 ${DURABILITY[*]}" \
            start >/dev/null
    fi
    psql_pg -d postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN PASSWORD '$PASS';
  ELSE
    ALTER ROLE $ROLE LOGIN PASSWORD '$PASS';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $DB OWNER $ROLE' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB')\gexec
SQL
    # Tests create one schema each; the app role needs to create them.
    psql_pg -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" -c "GRANT CREATE ON DATABASE $DB TO $ROLE"
}

url() { echo "postgres://$ROLE:$PASS@127.0.0.1:$PORT/$DB"; }

case "$MODE" in
    up)
        start
        echo "export TEST_DATABASE_URL=$(url)"
        ;;
    demo)
        start
        echo "export DATABASE_URL=$(url)"
        ;;
    restart)
        stop
        start
        ;;
    down)
        stop
        rm -rf "$BASE"
        ;;
    demo-down)
        stop
        ;;
    *)
        echo "usage: $0 up|down|restart|demo|demo-down" >&2
        exit 2
        ;;
esac
