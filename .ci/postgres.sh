#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for the storage tests and print its URL.
#
#   export CODESUGGEST_TEST_POSTGRES_URL="$(.ci/postgres.sh)"
#
# Installs Debian's `postgresql` package when no server binaries are found, creates a
# cluster in $CODESUGGEST_PG_DIR (default /tmp/codesuggest-pg-$PORT) owned by the
# `postgres` user (the server refuses to run as root), starts it on 127.0.0.1:$PORT, and
# creates a role and a database for the tests. Safe to run again: a running cluster is
# reused. Only the URL goes to stdout; progress goes to stderr.
#
# The cluster runs with fsync off: it holds nothing but test data, and the tests check
# behaviour, not PostgreSQL's own durability. Stop it with:
#   runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/pg_ctl" \
#       -D /tmp/codesuggest-pg-54329 stop
set -euo pipefail

PORT="${CODESUGGEST_PG_PORT:-54329}"
DATA_DIR="${CODESUGGEST_PG_DIR:-/tmp/codesuggest-pg-$PORT}"
DB_NAME="${CODESUGGEST_PG_DB:-codesuggest_test}"
DB_USER="${CODESUGGEST_PG_USER:-codesuggest}"
DB_PASSWORD="${CODESUGGEST_PG_PASSWORD:-codesuggest}"

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {  # the newest installed server version
    { ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true; } | sort -V | tail -n1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

BINDIR="$(find_bindir)"
if [ -z "$BINDIR" ]; then
    log "installing the postgresql package"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
    BINDIR="$(find_bindir)"
fi

# The server must not run as root: run its tools as `postgres` when we are root.
if [ "$(id -u)" -eq 0 ]; then
    PG_OWNER=postgres
    as_pg() { runuser -u postgres -- "$@"; }
else
    PG_OWNER="$(id -un)"
    as_pg() { "$@"; }
fi

if [ ! -s "$DATA_DIR/PG_VERSION" ]; then
    log "creating cluster in $DATA_DIR"
    mkdir -p "$DATA_DIR"
    chown "$PG_OWNER" "$DATA_DIR"
    chmod 700 "$DATA_DIR"
    as_pg "$BINDIR/initdb" -D "$DATA_DIR" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-sync >&2
fi

if ! as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then
    log "starting server on 127.0.0.1:$PORT"
    as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -l "$DATA_DIR/server.log" -w start \
        -o "-p $PORT -k $DATA_DIR -c listen_addresses=127.0.0.1 -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off" >&2
fi

psql_admin() {
    as_pg "$BINDIR/psql" -h "$DATA_DIR" -p "$PORT" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 -qtA "$@"
}

if [ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" ]; then
    log "creating role $DB_USER"
    psql_admin -c "CREATE ROLE \"$DB_USER\" LOGIN PASSWORD '$DB_PASSWORD'" >&2
fi
if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
    log "creating database $DB_NAME"
    psql_admin -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\"" >&2
fi

echo "postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"
