#!/usr/bin/env bash
# scripts/run.sh — THE run command of Sightline: a working server on this machine.
#
#   ./scripts/run.sh
#
# Databases:
#   * SIGHTLINE_DATABASE_URL unset  → a private Postgres (Debian's binaries,
#     installed if missing) with data in ./data/postgres on 127.0.0.1:5433
#     (SIGHTLINE_RUN_PG_PORT), database `sightline`; password in ./data/postgres.password.
#   * SIGHTLINE_CLICKHOUSE_URL unset → a private clickhouse-server (Debian's,
#     installed if missing) with deploy/clickhouse's config, data in
#     ./data/clickhouse, HTTP on 127.0.0.1:8124 / TCP 9001
#     (SIGHTLINE_RUN_CH_HTTP_PORT / SIGHTLINE_RUN_CH_TCP_PORT).
# Then: scripts/build-web.sh (the dashboard), cargo build --release -p sightline,
# `sightline migrate`,
# `sightline project create default` (prints the DSN), a banner, and
# `sightline serve` in the foreground. Ctrl-C / SIGTERM is forwarded to the
# server; once it has drained and exited, the private databases are stopped.
#
# Other environment passed to the server: SIGHTLINE_CLICKHOUSE_DATABASE
# (default sightline), SIGHTLINE_LISTEN (default 127.0.0.1:8000),
# SIGHTLINE_PUBLIC_URL (default http://<listen address>).
# SIGHTLINE_RUN_DRY=1 stops after the databases are up (before cargo build).
# SIGHTLINE_RUN_DATA_DIR moves ./data. SIGHTLINE_BIN=<path> serves that
# binary instead of building (scripts/test-deploy.sh runs this script so).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SL_ROOT="$(pwd)"
# shellcheck source=scripts/lib/services.sh
source "$SL_ROOT/scripts/lib/services.sh"

DATA_DIR="${SIGHTLINE_RUN_DATA_DIR:-$SL_ROOT/data}"
SERVER_PID=""

# shellcheck disable=SC2317  # invoked by trap
on_signal() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        info "forwarding SIGTERM to sightline (pid $SERVER_PID), waiting for it to drain"
        kill -TERM "$SERVER_PID" 2>/dev/null || true
    else
        exit 130
    fi
}
trap sl_cleanup EXIT
trap on_signal INT TERM

export SIGHTLINE_CLICKHOUSE_DATABASE="${SIGHTLINE_CLICKHOUSE_DATABASE:-sightline}"
export SIGHTLINE_LISTEN="${SIGHTLINE_LISTEN:-127.0.0.1:8000}"
if [ -z "${SIGHTLINE_PUBLIC_URL:-}" ]; then
    case "$SIGHTLINE_LISTEN" in
        0.0.0.0:* | "[::]:"*) SIGHTLINE_PUBLIC_URL="http://127.0.0.1:${SIGHTLINE_LISTEN##*:}" ;;
        *) SIGHTLINE_PUBLIC_URL="http://$SIGHTLINE_LISTEN" ;;
    esac
fi
export SIGHTLINE_PUBLIC_URL

# ---------------------------------------------------------------------------
section "Postgres"
if [ -n "${SIGHTLINE_DATABASE_URL:-}" ]; then
    info "using SIGHTLINE_DATABASE_URL from the environment"
else
    pg_port="${SIGHTLINE_RUN_PG_PORT:-5433}"
    start_private_postgres "$DATA_DIR/postgres" "$pg_port"
    if [ "$(psql -X -w -At -d "$SL_PG_ADMIN_URL" -c "SELECT 1 FROM pg_database WHERE datname = 'sightline'")" != 1 ]; then
        psql -X -w -q -d "$SL_PG_ADMIN_URL" -c 'CREATE DATABASE sightline' >/dev/null
        info "created database sightline"
    fi
    export SIGHTLINE_DATABASE_URL="${SL_PG_ADMIN_URL%/postgres}/sightline"
    info "SIGHTLINE_DATABASE_URL=postgres://postgres:***@127.0.0.1:$pg_port/sightline (password in data/postgres.password)"
fi

# ---------------------------------------------------------------------------
section "ClickHouse"
if [ -n "${SIGHTLINE_CLICKHOUSE_URL:-}" ]; then
    info "using SIGHTLINE_CLICKHOUSE_URL=$SIGHTLINE_CLICKHOUSE_URL"
else
    SL_CH_HTTP_PORT="${SIGHTLINE_RUN_CH_HTTP_PORT:-8124}"
    SL_CH_TCP_PORT="${SIGHTLINE_RUN_CH_TCP_PORT:-9001}"
    start_clickhouse "$DATA_DIR/clickhouse"
    export SIGHTLINE_CLICKHOUSE_URL="http://127.0.0.1:$SL_CH_HTTP_PORT"
    curl -fsS --data-binary "CREATE DATABASE IF NOT EXISTS $SIGHTLINE_CLICKHOUSE_DATABASE" \
        "$SIGHTLINE_CLICKHOUSE_URL/" >/dev/null
    info "SIGHTLINE_CLICKHOUSE_URL=$SIGHTLINE_CLICKHOUSE_URL (database $SIGHTLINE_CLICKHOUSE_DATABASE)"
fi

if [ "${SIGHTLINE_RUN_DRY:-0}" = 1 ]; then
    section "SIGHTLINE_RUN_DRY=1: databases are up; stopping before cargo build"
    exit 0
fi

# ---------------------------------------------------------------------------
if [ -n "${SIGHTLINE_BIN:-}" ]; then
    BIN="$SIGHTLINE_BIN"
    [ -x "$BIN" ] || die "SIGHTLINE_BIN=$BIN is not an executable"
    section "Using $BIN (SIGHTLINE_BIN; nothing is built)"
else
    section "Build (scripts/build-web.sh, then cargo build --release -p sightline)"
    # The release binary embeds the dashboard, so its assets are built first.
    "$SL_ROOT/scripts/build-web.sh"
    cargo build --release -p sightline
    BIN="$SL_ROOT/target/release/sightline"
fi

section "Migrate"
"$BIN" migrate

section "Project"
DSN="$("$BIN" project create default | tail -n 1)"

cat >&2 <<BANNER

  ============================================================
    Sightline is starting

    Dashboard:  $SIGHTLINE_PUBLIC_URL
    DSN:        $DSN

    Stop with Ctrl-C.
  ============================================================
BANNER

# ---------------------------------------------------------------------------
section "Serve ($SIGHTLINE_LISTEN)"
# In the background so that this script's traps run at once on a signal;
# `wait` is re-entered until the server has really exited.
"$BIN" serve &
SERVER_PID=$!
rc=0
while kill -0 "$SERVER_PID" 2>/dev/null; do
    wait "$SERVER_PID" && rc=0 || rc=$?
done
SERVER_PID=""
section "sightline exited (code $rc)"
exit "$rc"
