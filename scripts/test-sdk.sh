#!/usr/bin/env bash
# scripts/test-sdk.sh — tests of the browser SDK (sdk-js/).
#
#   ./scripts/test-sdk.sh
#
# Installs what it needs on a Debian machine (nodejs/npm, Debian's chromium,
# psql), runs `npm ci`, builds the SDK, runs the unit tests (vitest), builds
# the server (target/debug/sightline, services.sh build_server_debug) and runs the end-to-end tests:
# Chromium (playwright-core, never a downloaded browser) loads pages from a
# local static server and reports to the real `sightline serve` on a fresh
# Postgres database and ClickHouse database; the tests assert the rows.
#
# Environment (scripts/test.sh exports both; when run alone, this script
# starts a throw-away ClickHouse on SL_CH_HTTP_PORT, default 58123, and makes
# sure Postgres answers on 127.0.0.1:5432):
#   SIGHTLINE_TEST_DATABASE_URL    admin Postgres URL (databases sightline_test_<hex> are created)
#   SIGHTLINE_TEST_CLICKHOUSE_URL  ClickHouse HTTP URL
#   SIGHTLINE_BIN                  an already built `sightline` binary (skips cargo build)
# The closing line is `sdk: N passed, N failed`; the exit code is non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SL_ROOT="$(pwd)"
# Only the helpers (section/info/ensure_apt_packages/start_clickhouse/ensure_postgres).
# shellcheck source=scripts/lib/services.sh
SL_CH_HTTP_PORT="${SL_CH_HTTP_PORT:-58123}" SL_CH_TCP_PORT="${SL_CH_TCP_PORT:-59000}"
source "$SL_ROOT/scripts/lib/services.sh"
trap sl_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SDK="$SL_ROOT/sdk-js"
mkdir -p "$SDK/.tmp"

# ---------------------------------------------------------------------------
section "SDK: system packages"
pkgs=()
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
[ -x /usr/bin/chromium ] || pkgs+=(chromium)
command -v psql >/dev/null 2>&1 || pkgs+=(postgresql-client)
[ "${#pkgs[@]}" -gt 0 ] && ensure_apt_packages "${pkgs[@]}"
info "node $(node --version), npm $(npm --version), $(/usr/bin/chromium --version 2>/dev/null | head -1)"

# ---------------------------------------------------------------------------
if [ -z "${SIGHTLINE_TEST_CLICKHOUSE_URL:-}" ]; then
    section "SDK: ClickHouse (none given: starting one on port $SL_CH_HTTP_PORT)"
    command -v clickhouse-server >/dev/null 2>&1 || ensure_apt_packages clickhouse-server
    ensure_clickhouse_installed
    rm -rf "$SDK/.tmp/clickhouse"
    start_clickhouse "$SDK/.tmp/clickhouse"
    export SIGHTLINE_TEST_CLICKHOUSE_URL="http://127.0.0.1:$SL_CH_HTTP_PORT"
fi
if [ -z "${SIGHTLINE_TEST_DATABASE_URL:-}" ]; then
    section "SDK: Postgres"
    ensure_postgres
    export SIGHTLINE_TEST_DATABASE_URL="$SL_PG_ADMIN_URL"
fi

# ---------------------------------------------------------------------------
section "SDK: npm ci, build"
(cd "$SDK" && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)

section "SDK: unit tests (vitest)"
unit_rc=0
(cd "$SDK" && npx vitest run --reporter=default --reporter=json --outputFile=.tmp/vitest.json) || unit_rc=$?
unit_pass="$(node -e 'try{const r=require(process.argv[1]);console.log(r.numPassedTests)}catch{console.log(0)}' "$SDK/.tmp/vitest.json")"
unit_fail="$(node -e 'try{const r=require(process.argv[1]);console.log(r.numFailedTests)}catch{console.log(1)}' "$SDK/.tmp/vitest.json")"

if [ -n "${SIGHTLINE_BIN:-}" ]; then
    section "SDK: server binary: using SIGHTLINE_BIN=$SIGHTLINE_BIN"
    [ -x "$SIGHTLINE_BIN" ] || die "SIGHTLINE_BIN=$SIGHTLINE_BIN is not an executable"
else
    section "SDK: server binary (target/debug/sightline)"
    build_server_debug
    export SIGHTLINE_BIN="$SL_ROOT/target/debug/sightline"
fi

section "SDK: end-to-end tests (Chromium → sightline → ClickHouse)"
e2e_rc=0
(cd "$SDK" && node --test --test-concurrency=1 e2e/) 2>&1 | tee "$SDK/.tmp/e2e.log" || e2e_rc=$?
e2e_pass="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$SDK/.tmp/e2e.log" | tail -1)"
e2e_fail="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$SDK/.tmp/e2e.log" | tail -1)"
e2e_cancelled="$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$SDK/.tmp/e2e.log" | tail -1)"
e2e_pass="${e2e_pass:-0}"
e2e_fail=$(( ${e2e_fail:-1} + ${e2e_cancelled:-0} ))  # a failed before() hook cancels its tests

passed=$((unit_pass + e2e_pass))
failed=$((unit_fail + e2e_fail))
if [ "$unit_rc" -ne 0 ] || [ "$e2e_rc" -ne 0 ]; then
    [ "$failed" -eq 0 ] && failed=1
fi
echo "sdk: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
