#!/bin/bash
# Entrypoint of the Postgres stand-in: what the official image's entrypoint does for
# a fresh data directory (superuser POSTGRES_USER with POSTGRES_PASSWORD, database
# POSTGRES_DB, network logins with a password), then the server as user postgres.
set -euo pipefail
if [ "${1:-}" = "postgres" ] && [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
        user="${POSTGRES_USER:-postgres}"
        db="${POSTGRES_DB:-$user}"
        pwfile="$(mktemp)"
        printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
        chown postgres "$pwfile"
        gosu postgres initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" \
            --auth-local=trust --auth-host=scram-sha-256 >/dev/null
        rm -f "$pwfile"
        printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
        printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
        if [ "$db" != postgres ]; then
            echo "CREATE DATABASE \"$db\";" | gosu postgres postgres --single -D "$PGDATA" -j postgres >/dev/null
        fi
        echo "postgres stand-in: initialised $PGDATA (user $user, database $db)"
    fi
    exec gosu postgres "$@"
fi
exec "$@"
