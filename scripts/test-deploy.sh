#!/usr/bin/env bash
# scripts/test-deploy.sh — checks of the deployment files (issue 7) without a
# Docker engine:
#
#   1. `docker-compose -f docker-compose.yaml config -q` (Debian's docker-compose 1.29,
#      and `docker compose` v2 too when present) with a throw-away .env made from
#      .env.example; the caddy profile is off by default and on with --profile caddy.
#   2. `caddy validate` of the Caddyfile (Debian's Caddy) in local and domain mode.
#   3. End to end, run natively the way the compose file runs the stack: ClickHouse
#      with the same deploy/clickhouse config (ports 48123/49000, or
#      SIGHTLINE_TEST_CLICKHOUSE_URL), a fresh Postgres database on
#      SIGHTLINE_TEST_DATABASE_URL (admin URL; default
#      postgres://postgres@127.0.0.1:5432/postgres), the server started through
#      deploy/docker-entrypoint.sh (migrate, then serve) with the settings of
#      .env.example, and the real Caddy with the repo's Caddyfile in local mode in
#      front of it. Through Caddy: an envelope lands in ClickHouse, CORS preflights
#      keep the server's headers, > 20 MiB bodies get 413 from Caddy, the dashboard
#      API answers, /healthz, security headers; plus the image's health-check script
#      and a graceful SIGTERM.
#   4. The README's run command, scripts/run.sh, with its private Postgres and
#      ClickHouse (fresh data dir, free ports) and SIGHTLINE_BIN set to the debug
#      binary: it comes up, prints a DSN that accepts an envelope, stops cleanly
#      on SIGTERM with its databases, and a second start prints the same DSN.
#
# Prints `ok <check>` / `FAIL <check>` per check and, last, `N passed, M failed`;
# exits 1 when a check failed. Everything it starts is stopped on exit.
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
# check NAME CMD... — run CMD; ok/FAIL by its exit status.
check() {
    local name="$1"; shift
    if "$@"; then ok "$name"; else fail "$name"; fi
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/sightline-deploy.XXXXXX")"
SERVER_PID=""
CADDY_PID=""
PG_DB=""
PG_ADMIN_URL=""

cleanup() {
    local rc=$?
    set +e
    if [ -n "$CADDY_PID" ] && kill -0 "$CADDY_PID" 2>/dev/null; then
        _kill_and_wait 10 "$CADDY_PID"
    fi
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        _kill_and_wait 30 "$SERVER_PID"
    fi
    if [ -n "${RUN_PID:-}" ] && kill -0 "$RUN_PID" 2>/dev/null; then
        _kill_and_wait 60 "$RUN_PID"
    fi
    if [ -n "$PG_DB" ]; then
        psql -X -q -d "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1
    fi
    if [ -n "${CH_URL:-}" ] && [ -n "${CH_DB:-}" ]; then
        curl -fsS --max-time 10 --data-binary "DROP DATABASE IF EXISTS $CH_DB" "$CH_URL/" >/dev/null 2>&1
    fi
    sl_cleanup
    if [ "$FAILED" -gt 0 ] || [ "$rc" -ne 0 ]; then
        info "logs kept in $WORK"
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

wait_http() {   # wait_http URL SECONDS — until the URL answers 200
    local url="$1" secs="$2" i
    for ((i = 0; i < secs * 10; i++)); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null)" = "200" ] && return 0
        sleep 0.1
    done
    return 1
}

# ------------------------------------------------------------------ tools
section "tools"
ensure_apt_packages docker-compose caddy curl python3 postgresql-client
info "$(docker-compose version --short 2>/dev/null || docker-compose --version) / caddy $(caddy version | cut -d' ' -f1)"

# ------------------------------------------------------------------ compose
section "docker-compose.yaml"
CDIR="$WORK/compose"
mkdir -p "$CDIR"
cp docker-compose.yaml Dockerfile Caddyfile "$CDIR/"
cp .env.example "$CDIR/.env"
ln -s "$ROOT/deploy" "$CDIR/deploy"

compose_services() {   # compose_services CMD... — service names, sorted, one line
    (cd "$CDIR" && "$@" config --services 2>"$WORK/compose.err") | sort | tr '\n' ' ' | sed 's/ $//'
}
check "docker-compose config -q" \
    bash -c "cd '$CDIR' && docker-compose -f docker-compose.yaml config -q"
cfg="$(cd "$CDIR" && docker-compose -f docker-compose.yaml config 2>/dev/null || true)"
# Compose 1.29's `config --services` lists profiled services too, so read the profile
# from the resolved file: only caddy has one, and it is `caddy`.
check "docker-compose: caddy is in profile caddy (off by default), nothing else has a profile" \
    test "$(printf '%s\n' "$cfg" | grep -A1 '^    profiles:' | tr -d ' \n')" = "profiles:-caddy"
if docker compose version >/dev/null 2>&1; then
    check "docker compose v2: caddy profile off by default" \
        test "$(compose_services docker compose -f docker-compose.yaml)" = "clickhouse postgres sightline"
fi
cfg="$(cd "$CDIR" && docker-compose -f docker-compose.yaml --profile caddy config 2>/dev/null || true)"
# Only Caddy publishes host ports; no container_name; every service has a health check and a memory limit.
check "docker-compose: only caddy publishes ports" \
    test "$(printf '%s\n' "$cfg" | grep -c '^    ports:')" = "1"
check "docker-compose: no container_name" \
    bash -c "! grep -q '^    container_name:' <<<\"\$1\"" _ "$cfg"
check "docker-compose: 4 health checks, 4 memory limits" \
    test "$(printf '%s\n' "$cfg" | grep -c '^    healthcheck:') $(printf '%s\n' "$cfg" | grep -c '^    mem_limit:')" = "4 4"
mem_total_mib="$(printf '%s\n' "$cfg" | awk '/^    mem_limit:/ { v=$2; gsub(/["'\'']/, "", v); n=v+0;
    if (v ~ /[gG]$/) n*=1024; else if (v ~ /[kK]$/) n/=1024; else if (v !~ /[mM]$/) n/=1048576; s+=n } END { print int(s) }')"
check "docker-compose: memory limits sum to ${mem_total_mib} MiB (≤ 1800 of 2048)" test "$mem_total_mib" -le 1800
check "docker-compose: an empty required .env value is an error" \
    bash -c "cd '$CDIR' && ! POSTGRES_PASSWORD= docker-compose -f docker-compose.yaml config -q 2>/dev/null"
mv "$CDIR/.env" "$CDIR/.env.off"
check "docker-compose: no .env is an error" \
    bash -c "cd '$CDIR' && ! env -u POSTGRES_PASSWORD docker-compose -f docker-compose.yaml config -q 2>/dev/null"
mv "$CDIR/.env.off" "$CDIR/.env"
if docker compose version >/dev/null 2>&1; then
    check "docker compose (v2) config -q" bash -c "cd '$CDIR' && docker compose -f docker-compose.yaml --profile caddy config -q"
else
    info "docker compose v2 not installed: only Debian's docker-compose checked"
fi

# ------------------------------------------------------------------ Caddyfile
section "Caddyfile"
check "caddy validate (local mode :80)" \
    env SIGHTLINE_DOMAIN=:80 SIGHTLINE_UPSTREAM=sightline:8000 \
    caddy validate --config Caddyfile --adapter caddyfile
check "caddy validate (domain mode)" \
    env SIGHTLINE_DOMAIN=sightline.example.com XDG_DATA_HOME="$WORK/xdg-data" XDG_CONFIG_HOME="$WORK/xdg-config" \
    caddy validate --config Caddyfile --adapter caddyfile
check "caddy fmt: Caddyfile is formatted" \
    bash -c "caddy fmt Caddyfile 2>/dev/null | diff -q Caddyfile - >/dev/null"

# ------------------------------------------------------------------ databases
section "ClickHouse and Postgres"
if [ -n "${SIGHTLINE_TEST_CLICKHOUSE_URL:-}" ]; then
    CH_URL="${SIGHTLINE_TEST_CLICKHOUSE_URL%/}"
    info "using ClickHouse at $CH_URL"
else
    SL_CH_HTTP_PORT="${SL_CH_HTTP_PORT_DEPLOY:-48123}"
    # shellcheck disable=SC2034  # read by start_clickhouse (services.sh)
    SL_CH_TCP_PORT="${SL_CH_TCP_PORT_DEPLOY:-49000}"
    start_clickhouse "$WORK/clickhouse"
    CH_URL="http://127.0.0.1:$SL_CH_HTTP_PORT"
fi
HEX="$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
CH_DB="sightline_deploy_$HEX"

if [ -n "${SIGHTLINE_TEST_DATABASE_URL:-}" ]; then
    PG_ADMIN_URL="$SIGHTLINE_TEST_DATABASE_URL"
else
    ensure_postgres
    PG_ADMIN_URL="$SL_PG_ADMIN_URL"
fi
PG_DB="sightline_test_$HEX"
psql -X -q -d "$PG_ADMIN_URL" -c "CREATE DATABASE \"$PG_DB\"" >/dev/null \
    || die "cannot create database $PG_DB with $PG_ADMIN_URL"
# Same URL, other database (strip any query string, replace the path).
PG_URL="$(python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$PG_ADMIN_URL" "$PG_DB")"
info "Postgres database $PG_DB, ClickHouse database $CH_DB"

# ------------------------------------------------------------------ server
section "server (through deploy/docker-entrypoint.sh)"
if [ ! -x target/debug/sightline ]; then
    info "building target/debug/sightline"
    cargo build -p sightline
fi
BIN_DIR="$ROOT/target/debug"
SP="$(free_port)"; CP="$(free_port)"; AP="$(free_port)"
while [ "$CP" = "$SP" ]; do CP="$(free_port)"; done
while [ "$AP" = "$SP" ] || [ "$AP" = "$CP" ]; do AP="$(free_port)"; done

# The settings the container gets: .env.example (env_file), then docker-compose.yaml's
# `environment`, with this machine's addresses in place of the compose network's.
server_env() {
    set -a
    # shellcheck disable=SC1091
    . "$ROOT/.env.example"
    set +a
    export SIGHTLINE_LISTEN="127.0.0.1:$SP"
    export SIGHTLINE_PUBLIC_URL="http://127.0.0.1:$CP"
    export SIGHTLINE_DATABASE_URL="$PG_URL"
    export SIGHTLINE_CLICKHOUSE_URL="$CH_URL"
    export SIGHTLINE_CLICKHOUSE_DATABASE="$CH_DB"
    export SIGHTLINE_CLICKHOUSE_USER=default
    unset SIGHTLINE_CLICKHOUSE_PASSWORD   # the native test ClickHouse has none
    export SIGHTLINE_SPOOL_DIR="$WORK/spool"
    export SIGHTLINE_BCRYPT_COST=4
    export PATH="$BIN_DIR:$PATH"
}
(
    server_env
    exec setsid "$ROOT/deploy/docker-entrypoint.sh"
) </dev/null >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
if wait_http "http://127.0.0.1:$SP/healthz" 120; then
    ok "entrypoint: migrate, then serve (healthz 200 on :$SP)"
else
    fail "entrypoint: migrate, then serve"
    tail -n 30 "$WORK/server.log" >&2
    exit 1
fi
check "entrypoint: exec'd, the server is the entrypoint's pid" \
    bash -c "tr '\0' ' ' </proc/$SERVER_PID/cmdline | grep -q 'sightline serve'"
check "readyz 200 (Postgres, ClickHouse, keys)" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SP/readyz")" = "200"
check "healthcheck.sh: 0 against the server" \
    env SIGHTLINE_LISTEN="0.0.0.0:$SP" "$ROOT/deploy/healthcheck.sh"
check "healthcheck.sh: 1 against a closed port" \
    bash -c "! SIGHTLINE_LISTEN=0.0.0.0:$(free_port) '$ROOT/deploy/healthcheck.sh' 2>/dev/null"

DSN="$( (server_env; "$ROOT/deploy/docker-entrypoint.sh" project create deploy-e2e) 2>>"$WORK/server.log" | tail -n1)"
KEY="$(printf '%s' "$DSN" | sed -E 's#^https?://([^@]+)@.*#\1#')"
PROJECT="${DSN##*/}"
check "entrypoint: CLI passthrough (project create → DSN $DSN)" \
    bash -c "[[ '$DSN' == http://*@127.0.0.1:$CP/* ]] && [ -n '$KEY' ] && [ -n '$PROJECT' ]"

# ------------------------------------------------------------------ Caddy
section "Caddy (local mode) in front of the server"
(
    export SIGHTLINE_DOMAIN=":$CP" SIGHTLINE_UPSTREAM="127.0.0.1:$SP" SIGHTLINE_CADDY_ADMIN="127.0.0.1:$AP"
    export XDG_DATA_HOME="$WORK/xdg-data" XDG_CONFIG_HOME="$WORK/xdg-config" HOME="$WORK"
    exec setsid caddy run --config "$ROOT/Caddyfile" --adapter caddyfile
) </dev/null >"$WORK/caddy.log" 2>"$WORK/caddy.err" &
CADDY_PID=$!
C="http://127.0.0.1:$CP"
if wait_http "$C/healthz" 30; then
    ok "caddy run (local mode :$CP) → /healthz 200"
else
    fail "caddy run → /healthz 200"
    tail -n 20 "$WORK/caddy.err" >&2
    exit 1
fi
check "caddy admin API answers (compose health check)" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AP/config/")" = "200"

# Envelope through Caddy → 200 → row in ClickHouse.
EVENT_ID="$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
printf '{"event_id":"%s"}\n{"type":"event"}\n{"event_id":"%s","message":"hello through caddy","level":"error","platform":"javascript"}\n' \
    "$EVENT_ID" "$EVENT_ID" >"$WORK/envelope"
code="$(curl -s -o "$WORK/envelope.out" -w '%{http_code}' -H 'Content-Type: application/x-sentry-envelope' \
    --data-binary @"$WORK/envelope" "$C/api/$PROJECT/envelope/?sentry_key=$KEY")"
check "POST envelope through caddy → 200 $(cat "$WORK/envelope.out" 2>/dev/null)" test "$code" = "200"
landed=""
for ((i = 0; i < 100; i++)); do
    landed="$(curl -s --data-binary "SELECT count() FROM $CH_DB.events WHERE event_id = toUUID('$(python3 -c "import uuid,sys; print(uuid.UUID('$EVENT_ID'))")')" "$CH_URL/" || true)"
    [ "$landed" = "1" ] && break
    sleep 0.1
done
check "event $EVENT_ID is in ClickHouse ($CH_DB.events)" test "$landed" = "1"

# CORS: the preflight answer through Caddy carries the same Access-Control-* as the server's.
preflight() {
    curl -s -o /dev/null -D - -X OPTIONS \
        -H 'Origin: https://shop.example.org' \
        -H 'Access-Control-Request-Method: POST' \
        -H 'Access-Control-Request-Headers: content-type, x-sentry-auth' \
        "$1/api/$PROJECT/envelope/" | tr -d '\r' | grep -i '^access-control-' | tr 'A-Z' 'a-z' | sort
}
direct="$(preflight "http://127.0.0.1:$SP")"
proxied="$(preflight "$C")"
check "CORS preflight through caddy keeps the server's headers" \
    bash -c "[ -n \"\$1\" ] && [ \"\$1\" = \"\$2\" ] && grep -q 'access-control-allow-origin' <<<\"\$1\"" _ "$direct" "$proxied"
hdrs="$(curl -s -o /dev/null -D - -H 'Origin: https://shop.example.org' --data-binary @"$WORK/envelope" \
    "$C/api/$PROJECT/envelope/?sentry_key=$KEY" | tr -d '\r' | tr 'A-Z' 'a-z')"
check "ingest POST through caddy: CORS header, no page security headers" \
    bash -c "grep -q '^access-control-allow-origin:' <<<\"\$1\" && ! grep -q '^x-frame-options:' <<<\"\$1\"" _ "$hdrs"

# Body limits: > 20 MiB refused by Caddy (413 without the server's X-Sentry-Error);
# just under 20 MiB passes Caddy and reaches the server.
head -c $((20 * 1024 * 1024 + 4096)) /dev/zero >"$WORK/big"
big="$(curl -s -o /dev/null -D - --data-binary @"$WORK/big" "$C/api/$PROJECT/envelope/?sentry_key=$KEY" | tr -d '\r' | tr 'A-Z' 'a-z')"
check "oversize body (20 MiB + 4 KiB) → 413 from caddy, readable by browsers (CORS)" \
    bash -c "grep -q '^http/[0-9.]* 413' <<<\"\$1\" && ! grep -q '^x-sentry-error:' <<<\"\$1\" && grep -q '^access-control-allow-origin: \*' <<<\"\$1\"" _ "$big"
big_chunked="$(head -c $((21 * 1024 * 1024)) /dev/zero | curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
    --data-binary @- "$C/api/$PROJECT/store/?sentry_key=$KEY")"
check "oversize chunked body on /store/ → 413 ($big_chunked)" test "$big_chunked" = "413"
head -c $((20 * 1024 * 1024 - 4096)) /dev/zero >"$WORK/under"
under="$(curl -s -o /dev/null -D - --data-binary @"$WORK/under" "$C/api/$PROJECT/envelope/?sentry_key=$KEY" | tr -d '\r' | tr 'A-Z' 'a-z')"
check "body just under 20 MiB passes caddy (server answers with x-sentry-error)" \
    bash -c "grep -q '^x-sentry-error:' <<<\"\$1\" && ! grep -q '^http/[0-9.]* 413' <<<\"\$1\"" _ "$under"

# Dashboard API through Caddy.
me_code="$(curl -s -o "$WORK/me.json" -D "$WORK/me.hdr" -w '%{http_code}' "$C/api/v1/auth/me")"
check "GET /api/v1/auth/me through caddy → 401 JSON error from the server ($(cat "$WORK/me.json"))" \
    bash -c "[ '$me_code' = 401 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"error\"][\"code\"]' '$WORK/me.json'"
check "dashboard responses carry security headers (X-Frame-Options, nosniff, HSTS), no Server" \
    bash -c "tr -d '\r' <'$WORK/me.hdr' | tr 'A-Z' 'a-z' | grep -q '^x-frame-options: deny' \
        && tr -d '\r' <'$WORK/me.hdr' | tr 'A-Z' 'a-z' | grep -q '^x-content-type-options: nosniff' \
        && tr -d '\r' <'$WORK/me.hdr' | tr 'A-Z' 'a-z' | grep -q '^strict-transport-security:' \
        && ! tr -d '\r' <'$WORK/me.hdr' | tr 'A-Z' 'a-z' | grep -q '^server:'"
check "caddy access log is JSON on stdout" \
    bash -c "grep -q '\"uri\":\"/api/v1/auth/me\"' '$WORK/caddy.log'"

# ------------------------------------------------------------------ shutdown
section "graceful stop"
kill -TERM "$SERVER_PID"
stopped=1
for ((i = 0; i < 300; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || { stopped=0; break; }
    sleep 0.1
done
rc=1
if [ "$stopped" -eq 0 ]; then wait "$SERVER_PID"; rc=$?; fi
SERVER_PID=""
check "server exits 0 on SIGTERM within 30 s (compose stop_grace_period 45 s)" test "$rc" = "0"

# Redeploy: an envelope sent while the server is down is held by Caddy
# (lb_try_duration) and delivered once the server is back.
R_ID="$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
printf '{"event_id":"%s"}\n{"type":"event"}\n{"event_id":"%s","message":"sent during a restart"}\n' \
    "$R_ID" "$R_ID" >"$WORK/envelope2"
curl -s -o "$WORK/restart.out" -w '%{http_code}' --max-time 40 --data-binary @"$WORK/envelope2" \
    "$C/api/$PROJECT/envelope/?sentry_key=$KEY" >"$WORK/restart.code" 2>/dev/null &
CURL_PID=$!
sleep 2
(
    server_env
    exec setsid "$ROOT/deploy/docker-entrypoint.sh"
) </dev/null >>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait "$CURL_PID" || true
landed=""
for ((i = 0; i < 100; i++)); do
    landed="$(curl -s --data-binary "SELECT count() FROM $CH_DB.events WHERE event_id = toUUID('$(python3 -c "import uuid; print(uuid.UUID('$R_ID'))")')" "$CH_URL/" || true)"
    [ "$landed" = "1" ] && break
    sleep 0.1
done
check "envelope sent while the server restarts: held by caddy, 200, in ClickHouse" \
    test "$(cat "$WORK/restart.code")/$landed" = "200/1"

# ------------------------------------------------------------------ run command
# The README's run command, on its own private Postgres and ClickHouse (data
# under $WORK/run, free ports), serving the debug binary (SIGHTLINE_BIN)
# instead of building a release one. Started twice on the same data: the
# second start must print the same DSN (the project is created only once).
section "the run command (scripts/run.sh)"
_kill_and_wait 30 "$SERVER_PID"
SERVER_PID=""
chmod 755 "$WORK"   # Postgres runs as the postgres user and must reach its data
mkdir -p "$WORK/run"
RUN_PORT="$(free_port)"
RUN_PG="$(free_port)"
RUN_CH="$(free_port)"
RUN_CH_TCP="$(free_port)"
RUN_PID=""
start_run() {   # start_run LOG — run.sh in the background, its own process group
    env -u SIGHTLINE_DATABASE_URL -u SIGHTLINE_CLICKHOUSE_URL \
        SIGHTLINE_BIN="$BIN_DIR/sightline" SIGHTLINE_RUN_DATA_DIR="$WORK/run" \
        SIGHTLINE_RUN_PG_PORT="$RUN_PG" SIGHTLINE_RUN_CH_HTTP_PORT="$RUN_CH" SIGHTLINE_RUN_CH_TCP_PORT="$RUN_CH_TCP" \
        SIGHTLINE_LISTEN="127.0.0.1:$RUN_PORT" RUST_LOG=warn \
        setsid "$ROOT/scripts/run.sh" </dev/null >"$1" 2>&1 &
    RUN_PID=$!
}
stop_run() {   # stop_run — SIGTERM as Ctrl-C would; sets RUN_RC to run.sh's exit code (124: hung)
    local i
    RUN_RC=124
    kill -TERM "$RUN_PID" 2>/dev/null
    for ((i = 0; i < 600; i++)); do
        if ! kill -0 "$RUN_PID" 2>/dev/null; then
            RUN_RC=0
            wait "$RUN_PID" || RUN_RC=$?
            break
        fi
        sleep 0.1
    done
    [ "$RUN_RC" = 124 ] && kill -KILL -- "-$RUN_PID" 2>/dev/null
    RUN_PID=""
}
run_count() {   # run_count — events of the run.sh test in its ClickHouse
    curl -s --data-binary "SELECT count() FROM sightline.events WHERE message = 'hello from run.sh'" \
        "http://127.0.0.1:$RUN_CH/" || true
}
dsn_of() { sed -n 's/^ *DSN: *//p' "$1" | tail -n 1; }

start_run "$WORK/run1.log"
if wait_http "http://127.0.0.1:$RUN_PORT/readyz" 180; then
    ok "run.sh: private Postgres and ClickHouse, migrate, serve (readyz 200 on :$RUN_PORT)"
else
    fail "run.sh did not come up; log: $(tail -n 5 "$WORK/run1.log" | tr '\n' ' ')"
fi
RUN_DSN="$(dsn_of "$WORK/run1.log")"
check "run.sh prints the DSN of project 'default' ($RUN_DSN)" \
    bash -c "[[ '$RUN_DSN' =~ ^http://[0-9a-f]{32}@127\.0\.0\.1:$RUN_PORT/[0-9]+$ ]]"
RUN_KEY="${RUN_DSN#http://}"; RUN_KEY="${RUN_KEY%%@*}"
RUN_PROJECT="${RUN_DSN##*/}"
RUN_ID="$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
printf '{"event_id":"%s"}\n{"type":"event"}\n{"event_id":"%s","message":"hello from run.sh"}\n' \
    "$RUN_ID" "$RUN_ID" >"$WORK/envelope3"
run_code="$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$WORK/envelope3" \
    "http://127.0.0.1:$RUN_PORT/api/$RUN_PROJECT/envelope/?sentry_key=$RUN_KEY")"
run_landed=""
for ((i = 0; i < 100; i++)); do
    run_landed="$(run_count)"
    [ "$run_landed" = "1" ] && break
    sleep 0.1
done
check "run.sh: an envelope to that DSN → $run_code, stored in its ClickHouse" test "$run_code/$run_landed" = "200/1"
stop_run
check "run.sh exits 0 on SIGTERM (Ctrl-C) after the server drained (exit $RUN_RC)" test "$RUN_RC" = "0"
if ! _port_open "$RUN_PG" && ! _port_open "$RUN_CH"; then
    ok "run.sh stopped its Postgres and ClickHouse"
else
    fail "run.sh left its Postgres (:$RUN_PG) or ClickHouse (:$RUN_CH) running"
fi

start_run "$WORK/run2.log"
wait_http "http://127.0.0.1:$RUN_PORT/readyz" 180 || true
check "run.sh again on the same data: the same DSN, the event still stored" \
    test "$(dsn_of "$WORK/run2.log")/$(run_count)" = "$RUN_DSN/1"
stop_run
check "run.sh exits 0 on SIGTERM the second time too (exit $RUN_RC)" test "$RUN_RC" = "0"

[ "$FAILED" -eq 0 ]
