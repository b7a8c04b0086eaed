#!/usr/bin/env bash
# scripts/test-api-fuzz.sh — the dashboard API under schemathesis (issue 16).
#
# Starts the real server (SIGHTLINE_BIN, default target/debug/sightline) on a
# fresh Postgres database and a fresh ClickHouse database, makes real data
# through the API (scripts/api_fuzz/fixture.py: a user, team, project, an
# ingested error and page load, alert rule, invite, source map, API token),
# then runs schemathesis against /api/v1/openapi.json twice: once with the
# user's session cookie (and the `Origin` the CSRF check wants), once with the
# API token. Checks: no 5xx, and every answer's status, content type, headers
# and body match what the document declares for that operation.
# scripts/api_fuzz/hooks.py says how log-out, destructive operations and
# webhook URLs are handled.
#
# Prints `ok <run>` / `FAIL <run>` and, last, `N passed, M failed`; exits 1
# when a run failed. Everything it starts is stopped on exit; logs and
# schemathesis reports are kept in a temp dir when something failed.
#
# Environment:
#   SIGHTLINE_TEST_DATABASE_URL   Postgres admin URL (default: find/start one, as scripts/test.sh)
#   SIGHTLINE_TEST_CLICKHOUSE_URL ClickHouse to use (default: start one on 38123/39000)
#   SIGHTLINE_BIN                 server binary (default target/debug/sightline, built if missing)
#   SL_API_FUZZ_EXAMPLES          examples per operation and phase (default 15)
#   SL_API_FUZZ_SEED              schemathesis seed (default: random, printed)
#   SL_API_FUZZ_MODES             which runs, in order (default "cookie token")
#   SL_API_FUZZ_KEEP=1            keep logs, reports (JUnit, HAR) and the fixture even on success
#   SL_API_FUZZ_ARGS              extra `schemathesis run` arguments (e.g. --include-path-regex tokens)
#   SCHEMATHESIS_SPEC             pip requirement (default schemathesis>=4,<5)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
export SL_ROOT="$ROOT"
# shellcheck source=lib/services.sh
. "$ROOT/scripts/lib/services.sh"

PASSED=0
FAILED=0
ok()   { PASSED=$((PASSED + 1)); printf 'ok %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*"; }

VENV="$ROOT/.tmp/venv"
SCHEMATHESIS_SPEC="${SCHEMATHESIS_SPEC:-schemathesis>=4,<5}"
EXAMPLES="${SL_API_FUZZ_EXAMPLES:-15}"
SEED="${SL_API_FUZZ_SEED:-$(python3 -c 'import random; print(random.randrange(1 << 31))')}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sightline-api-fuzz.XXXXXX")"
SERVER_PID=""
PG_DB=""
PG_ADMIN_URL=""

cleanup() {
    local rc=$?
    set +e
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        _kill_and_wait 30 "$SERVER_PID"
    fi
    if [ -n "$PG_DB" ]; then
        psql -X -q -d "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1
    fi
    if [ -n "${CH_URL:-}" ] && [ -n "${CH_DB:-}" ]; then
        curl -fsS --max-time 10 --data-binary "DROP DATABASE IF EXISTS $CH_DB" "$CH_URL/" >/dev/null 2>&1
    fi
    sl_cleanup
    if [ "$FAILED" -gt 0 ] || [ "$rc" -ne 0 ] || [ -n "${SL_API_FUZZ_KEEP:-}" ]; then
        info "logs and reports kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    [ "$rc" -ne 0 ] && [ "$FAILED" -eq 0 ] && FAILED=1 && printf 'FAIL run aborted (exit %s)\n' "$rc"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ] || exit 1
    exit 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ------------------------------------------------------------------ tools
section "schemathesis ($SCHEMATHESIS_SPEC in $VENV)"
command -v curl >/dev/null 2>&1 || ensure_apt_packages curl
command -v psql >/dev/null 2>&1 || ensure_apt_packages postgresql-client
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || ensure_apt_packages python3 python3-venv
if ! "$VENV/bin/python" -c 'pass' >/dev/null 2>&1; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import schemathesis' >/dev/null 2>&1; then
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$SCHEMATHESIS_SPEC"
fi
info "$("$VENV/bin/schemathesis" --version)"

# ------------------------------------------------------------------ databases
section "ClickHouse and Postgres"
if [ -n "${SIGHTLINE_TEST_CLICKHOUSE_URL:-}" ]; then
    CH_URL="${SIGHTLINE_TEST_CLICKHOUSE_URL%/}"
    info "using ClickHouse at $CH_URL"
else
    SL_CH_HTTP_PORT="${SL_CH_HTTP_PORT_API_FUZZ:-38123}"
    # shellcheck disable=SC2034  # read by start_clickhouse (services.sh)
    SL_CH_TCP_PORT="${SL_CH_TCP_PORT_API_FUZZ:-39000}"
    start_clickhouse "$WORK/clickhouse"
    CH_URL="http://127.0.0.1:$SL_CH_HTTP_PORT"
fi
HEX="$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
CH_DB="sightline_apifuzz_$HEX"
if [ -n "${SIGHTLINE_TEST_DATABASE_URL:-}" ]; then
    PG_ADMIN_URL="$SIGHTLINE_TEST_DATABASE_URL"
else
    ensure_postgres
    PG_ADMIN_URL="$SL_PG_ADMIN_URL"
fi
PG_DB="sightline_test_$HEX"
psql -X -q -d "$PG_ADMIN_URL" -c "CREATE DATABASE \"$PG_DB\"" >/dev/null \
    || die "cannot create database $PG_DB with $PG_ADMIN_URL"
PG_URL="$(python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$PG_ADMIN_URL" "$PG_DB")"
info "Postgres database $PG_DB, ClickHouse database $CH_DB"

# ------------------------------------------------------------------ server
section "server"
BIN="${SIGHTLINE_BIN:-$ROOT/target/debug/sightline}"
if [ ! -x "$BIN" ]; then
    info "building $BIN"
    cargo build -p sightline
fi
PORT="$(free_port)"
URL="http://127.0.0.1:$PORT"
# No mail settings and no Resend key: nothing leaves the machine. Webhook URLs
# are pinned to a closed loopback port by the hooks.
SERVER_ENV=(env -u SIGHTLINE_SMTP_URL -u SIGHTLINE_RESEND_API_KEY -u SIGHTLINE_RESEND_BASE_URL
    SIGHTLINE_LISTEN="127.0.0.1:$PORT" SIGHTLINE_PUBLIC_URL="$URL"
    SIGHTLINE_DATABASE_URL="$PG_URL" SIGHTLINE_CLICKHOUSE_URL="$CH_URL"
    SIGHTLINE_CLICKHOUSE_DATABASE="$CH_DB" SIGHTLINE_SPOOL_DIR="$WORK/spool"
    SIGHTLINE_BCRYPT_COST=4 SIGHTLINE_FLUSH_INTERVAL_MS=100 SIGHTLINE_ISSUE_FLUSH_MS=100
    SIGHTLINE_KEY_REFRESH_SECS=1 RUST_LOG="${RUST_LOG:-warn}"
    # Log-out is tested with a throw-away account per example (api_fuzz/hooks.py),
    # so anyone may sign up here; the default policy (invite) has its own tests.
    SIGHTLINE_SIGNUP=open)
"${SERVER_ENV[@]}" "$BIN" migrate >"$WORK/server.log" 2>&1 || { tail -n 20 "$WORK/server.log" >&2; die "migrate failed"; }
# Every id sequence starts at a random point past 10^9: ids the fuzzer makes
# up (0, 1, boundaries) then never name the fixture's rows by chance, so
# DELETEs with generated ids cannot destroy what the run stands on.
psql -X -q -v ON_ERROR_STOP=1 -d "$PG_URL" >/dev/null <<'SQL'
SELECT setval(c.oid, 1000000000 + (random() * 1000000000)::bigint)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname = 'public';
SQL
# `env` execs the server, so $! is the server itself.
"${SERVER_ENV[@]}" "$BIN" serve </dev/null >>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for ((i = 0; i < 600; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$URL/readyz" 2>/dev/null)" = "200" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$WORK/server.log" >&2; die "the server exited"; }
    sleep 0.1
done
info "server on $URL (log $WORK/server.log)"

section "fixture (real data through the API)"
python3 "$ROOT/scripts/api_fuzz/fixture.py" "$URL" "$WORK/fixture.json"

# ------------------------------------------------------------------ schemathesis
# Phases: the document's examples, schemathesis' coverage phase (boundary and
# missing/wrong-typed values) and property-based fuzzing, bounded by
# $EXAMPLES per operation. Checks: see the header.
CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"
run_schemathesis() {   # run_schemathesis MODE
    local mode="$1" rc=0
    info "schemathesis with the $mode, seed $SEED, $EXAMPLES examples per operation"
    (
        cd "$WORK"
        SL_FUZZ_URL="$URL" SL_FUZZ_MODE="$mode" SL_FUZZ_FIXTURE="$WORK/fixture.json" \
        PYTHONPATH="$ROOT/scripts/api_fuzz" SCHEMATHESIS_HOOKS=hooks \
            "$VENV/bin/schemathesis" run "$URL/api/v1/openapi.json" \
            --checks "$CHECKS" \
            --phases examples,coverage,fuzzing \
            --max-examples "$EXAMPLES" \
            --seed "$SEED" \
            --workers 1 \
            --header "Origin: $URL" \
            --request-timeout 30 \
            --suppress-health-check all \
            --report junit,har --report-dir "$WORK/report-$mode" \
            --no-color \
            ${SL_API_FUZZ_ARGS:-}
    ) >"$WORK/schemathesis-$mode.log" 2>&1 || rc=$?
    tail -n 40 "$WORK/schemathesis-$mode.log" | sed 's/^/    /' >&2
    if [ "$rc" -eq 0 ]; then
        ok "schemathesis with the $mode: no 5xx, every answer matches the document"
    else
        fail "schemathesis with the $mode (exit $rc; full log $WORK/schemathesis-$mode.log)"
    fi
}
for mode in ${SL_API_FUZZ_MODES:-cookie token}; do
    section "schemathesis: $mode"
    run_schemathesis "$mode"
done

# The server must have stayed up, and logged no panic.
check_server() {
    kill -0 "$SERVER_PID" 2>/dev/null && ! grep -q 'panicked at' "$WORK/server.log"
}
if check_server; then ok "server still up, no panic in its log"; else fail "server died or panicked (see $WORK/server.log)"; fi
