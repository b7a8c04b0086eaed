#!/usr/bin/env bash
# scripts/test-web.sh — end-to-end tests of the dashboard (web/).
#
#   ./scripts/test-web.sh
#
# Installs what it needs on a Debian machine (nodejs/npm, Debian's chromium,
# psql), builds the dashboard (scripts/build-web.sh: wasm-bindgen-cli and npm
# binaryen on first use), builds the server (target/debug/sightline, which
# serves web/dist from disk in debug builds), runs the unit tests of the web
# crate's pure code on the host, and runs web/e2e/*.test.mjs: Debian's
# Chromium (playwright-core, never a downloaded browser) against the real
# `sightline serve` on a fresh Postgres and ClickHouse database per file.
# Screenshots of every page land in web/test-artifacts/ (git-ignored).
#
# Environment (scripts/test.sh exports both; when run alone, this script
# starts a throw-away ClickHouse on SL_CH_HTTP_PORT, default 38123, and makes
# sure Postgres answers on 127.0.0.1:5432):
#   SIGHTLINE_TEST_DATABASE_URL    admin Postgres URL (databases sightline_test_<hex> are created)
#   SIGHTLINE_TEST_CLICKHOUSE_URL  ClickHouse HTTP URL
#   SIGHTLINE_BIN                  an already built `sightline` binary (skips cargo build)
# The closing line is `web: N passed, N failed`; the exit code is non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SL_ROOT="$(pwd)"
SL_CH_HTTP_PORT="${SL_CH_HTTP_PORT:-38123}" SL_CH_TCP_PORT="${SL_CH_TCP_PORT:-39000}"
# shellcheck source=scripts/lib/services.sh
source "$SL_ROOT/scripts/lib/services.sh"
trap sl_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

WEB="$SL_ROOT/web"
mkdir -p "$WEB/.tmp"

# ---------------------------------------------------------------------------
section "web: system packages"
pkgs=()
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
[ -x /usr/bin/chromium ] || pkgs+=(chromium)
command -v psql >/dev/null 2>&1 || pkgs+=(postgresql-client)
[ "${#pkgs[@]}" -gt 0 ] && ensure_apt_packages "${pkgs[@]}"
info "node $(node --version), npm $(npm --version), $(/usr/bin/chromium --version 2>/dev/null | head -1)"

# ---------------------------------------------------------------------------
if [ -z "${SIGHTLINE_TEST_CLICKHOUSE_URL:-}" ]; then
    section "web: ClickHouse (none given: starting one on port $SL_CH_HTTP_PORT)"
    command -v clickhouse-server >/dev/null 2>&1 || ensure_apt_packages clickhouse-server
    ensure_clickhouse_installed
    rm -rf "$WEB/.tmp/clickhouse"
    start_clickhouse "$WEB/.tmp/clickhouse"
    export SIGHTLINE_TEST_CLICKHOUSE_URL="http://127.0.0.1:$SL_CH_HTTP_PORT"
fi
if [ -z "${SIGHTLINE_TEST_DATABASE_URL:-}" ]; then
    section "web: Postgres"
    ensure_postgres
    export SIGHTLINE_TEST_DATABASE_URL="$SL_PG_ADMIN_URL"
fi

# ---------------------------------------------------------------------------
section "web: npm ci"
(cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)

"$SL_ROOT/scripts/build-web.sh"

section "web: unit tests of the dashboard's pure code (host)"
unit_rc=0
cargo test -p sightline-web --lib --locked 2>&1 | tee "$WEB/.tmp/unit.log" || unit_rc=$?
unit_pass="$(sed -n 's/^test result: .* \([0-9]*\) passed; \([0-9]*\) failed.*/\1/p' "$WEB/.tmp/unit.log" | awk '{s+=$1} END {print s+0}')"
unit_fail="$(sed -n 's/^test result: .* \([0-9]*\) passed; \([0-9]*\) failed.*/\2/p' "$WEB/.tmp/unit.log" | awk '{s+=$1} END {print s+0}')"

if [ -n "${SIGHTLINE_BIN:-}" ]; then
    section "web: server binary: using SIGHTLINE_BIN=$SIGHTLINE_BIN"
    [ -x "$SIGHTLINE_BIN" ] || die "SIGHTLINE_BIN=$SIGHTLINE_BIN is not an executable"
    warn "a release SIGHTLINE_BIN serves the web/dist it embedded when it was built"
else
    section "web: server binary (target/debug/sightline)"
    build_server_debug
    export SIGHTLINE_BIN="$SL_ROOT/target/debug/sightline"
fi

section "web: end-to-end tests (Chromium → dashboard → sightline → Postgres/ClickHouse)"
rm -rf "$WEB/test-artifacts"
e2e_rc=0
(cd "$WEB" && node --test --test-concurrency=1 e2e/) 2>&1 | tee "$WEB/.tmp/e2e.log" || e2e_rc=$?
e2e_pass="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$WEB/.tmp/e2e.log" | tail -1)"
e2e_fail="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$WEB/.tmp/e2e.log" | tail -1)"
e2e_cancelled="$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$WEB/.tmp/e2e.log" | tail -1)"
e2e_pass="${e2e_pass:-0}"
e2e_fail=$(( ${e2e_fail:-1} + ${e2e_cancelled:-0} ))  # a failed before() hook cancels its tests
info "screenshots: $WEB/test-artifacts/"

passed=$((unit_pass + e2e_pass))
failed=$((unit_fail + e2e_fail))
if [ "$unit_rc" -ne 0 ] || [ "$e2e_rc" -ne 0 ]; then
    [ "$failed" -eq 0 ] && failed=1
fi
echo "web: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
