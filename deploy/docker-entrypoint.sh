#!/bin/sh
# Container entrypoint for the sightline image.
#
#   (no arguments) | serve   run `sightline migrate` (idempotent: creates or upgrades
#                            the Postgres schema and the ClickHouse tables), then
#                            replace this shell with `sightline serve` so SIGTERM
#                            from `docker stop` reaches the server directly and it
#                            drains its queue (see SIGHTLINE_SHUTDOWN_TIMEOUT_SECS).
#   anything else            run `sightline <args>` as given, e.g.
#                            `docker compose run --rm sightline project create Shop`.
#
# Postgres and ClickHouse are healthy before this starts (depends_on:
# service_healthy), but migrate is retried a few times anyway: a database that
# has just passed its health check may still refuse the first connections.
set -eu

if [ "$#" -eq 0 ] || [ "$1" = "serve" ]; then
    [ "$#" -gt 0 ] && shift
    tries="${SIGHTLINE_MIGRATE_TRIES:-10}"
    n=1
    until sightline migrate; do
        if [ "$n" -ge "$tries" ]; then
            echo "docker-entrypoint: sightline migrate failed $n times; giving up" >&2
            exit 1
        fi
        echo "docker-entrypoint: sightline migrate failed (attempt $n/$tries); retrying in 3 s" >&2
        n=$((n + 1))
        sleep 3
    done
    exec sightline serve "$@"
fi

exec sightline "$@"
