#!/usr/bin/env bash
# Dashboard query benchmark: the issue list, issue pages and the performance
# page over >= 10 million events, through the real HTTP API of a release
# `sightline serve`, on a throw-away ClickHouse configured like production
# (deploy/clickhouse/*.xml: 512 MiB per query, small caches).
#
#   bench/queries.sh                      # ~5 min after the release build
#   EVENTS=20000000 ROUNDS=100 bench/queries.sh
#   KEEP=1 bench/queries.sh               # leave server, data and ClickHouse running afterwards
#
# What it does:
#   1. cargo build --release -p sightline
#   2. starts ClickHouse (data under .tmp/bench-queries-clickhouse, ports
#      28223/29200), makes sure Postgres answers on 127.0.0.1:5432 and creates
#      a fresh database sightline_bench_queries;
#   3. sightline migrate; starts the server; registers a user, creates a team
#      and a project through the API;
#   4. bulk-loads EVENTS error events and EVENTS page loads into that project
#      with INSERT ... SELECT inside ClickHouse (same tables, so the
#      materialized views fill the rollups exactly as ingest does), in
#      time-ordered batches of BATCH rows, and one Postgres issue row per
#      fingerprint;
#   5. bench/query_latency.py: ROUNDS timed GETs per request (after WARMUP
#      untimed ones), one at a time, and prints a Markdown table of
#      p50/p95/max per request.
# Everything started is stopped on exit; both databases are dropped.
#
# The data (see bench/BENCHMARKS.md, "Dashboard queries"): ISSUES
# fingerprints spread uniformly over 14 days (every issue fires every hour:
# the worst case for the rollups), 2 environments, one release per day,
# 50 000 users; page loads over 200 page names with LCP/INP sometimes absent.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

events="${EVENTS:-10000000}"
issues="${ISSUES:-2000}"
batch="${BATCH:-100000}"
rounds="${ROUNDS:-50}"
warmup="${WARMUP:-3}"
export SL_CH_HTTP_PORT="${SL_CH_HTTP_PORT:-28223}"
export SL_CH_TCP_PORT="${SL_CH_TCP_PORT:-29200}"
ch_dir="$root/.tmp/bench-queries-clickhouse"
work="$root/.tmp/bench-queries"
db=sightline_bench_queries
target="${CARGO_TARGET_DIR:-$root/target}/release"

# shellcheck source=scripts/lib/services.sh
source "$root/scripts/lib/services.sh"
# shellcheck source=bench/lib/synthetic.sh
source "$root/bench/lib/synthetic.sh"
command -v jq >/dev/null 2>&1 || ensure_apt_packages jq
command -v psql >/dev/null 2>&1 || ensure_apt_packages postgresql-client

server_pid=""
base=""
jar=""
cleanup() {
    local rc=$?
    set +e
    if [ "${KEEP:-0}" = 1 ]; then
        info "KEEP=1: server $base (cookies $jar) and ClickHouse :$SL_CH_HTTP_PORT (database $db) left running"
        return "$rc"
    fi
    [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null && _kill_and_wait 30 "$server_pid"
    [ -n "$SL_CH_PID" ] && curl -fsS --max-time 30 --data-binary "DROP DATABASE IF EXISTS $db" \
        "http://127.0.0.1:$SL_CH_HTTP_PORT/" >/dev/null 2>&1
    sl_cleanup
    rm -rf "$ch_dir"
    [ -n "$SL_PG_ADMIN_URL" ] && psql -X -q -d "$SL_PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
    return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ch() { # ch SQL — run SQL in the bench database; ClickHouse's error text on stderr when it fails
    local out
    out="$(curl -sS --fail-with-body --max-time 600 --data-binary "$1" "http://127.0.0.1:$SL_CH_HTTP_PORT/?database=$db")" \
        || { printf '%s\n' "$out" >&2; return 1; }
    printf '%s\n' "$out"
}

section "building sightline (release)"
cargo build --release --quiet -p sightline

section "ClickHouse on :$SL_CH_HTTP_PORT, Postgres on :5432"
rm -rf "$ch_dir" "$work"
mkdir -p "$work"
start_clickhouse "$ch_dir"
ensure_postgres
psql -X -q -d "$SL_PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
pg_url="${SL_PG_ADMIN_URL%/*}/$db"

section "schema, server, account and project"
export SIGHTLINE_DATABASE_URL="$pg_url"
export SIGHTLINE_CLICKHOUSE_URL="http://127.0.0.1:$SL_CH_HTTP_PORT"
export SIGHTLINE_CLICKHOUSE_DATABASE="$db"
export SIGHTLINE_SPOOL_DIR="$work/spool"
export RUST_LOG=warn
"$target/sightline" migrate >/dev/null
port=$((28300 + RANDOM % 500))
export SIGHTLINE_LISTEN="127.0.0.1:$port"
base="http://127.0.0.1:$port"
"$target/sightline" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$base/healthz" >/dev/null || { cat "$work/server.log" >&2; die "server did not start"; }
jar="$work/cookies"
api() { # api METHOD PATH [JSON]
    curl -fsS -b "$jar" -c "$jar" -H "Origin: $base" -H 'Content-Type: application/json' \
        -X "$1" "$base$2" ${3:+--data "$3"}
}
api POST /api/v1/auth/register '{"email":"bench@example.com","password":"correct horse battery","name":"Bench"}' >/dev/null
team="$(api POST /api/v1/teams '{"name":"Bench"}' | jq -r .id)"
project="$(api POST "/api/v1/teams/$team/projects" '{"name":"Shop"}' | jq -r .id)"
info "project $project of team $team"

section "bulk load: $events events and $events page loads (batches of $batch)"
t0=$(date +%s)
# Rows go in time order, so each batch covers a slice of the 14 days (as live
# ingest does); one batch spanning every hour would make the materialized
# views build hundreds of thousands of groups at once.
span=$((14 * 86400)); start=$(( t0 - span ))
for ((offset = 0; offset < events; offset += batch)); do
    n=$(( events - offset < batch ? events - offset : batch ))
    # n, h: row number and a hash of it; ts spreads rows over the last 14 days.
    ch "$(synthetic_events_sql)" >/dev/null
    ch "$(synthetic_page_loads_sql)" >/dev/null
    printf '\r    %d / %d' $(( offset + n )) "$events" >&2
done
echo >&2
psql -X -q -d "$pg_url" -c "INSERT INTO issues (project_id, fingerprint, title, culprit, level, first_seen, last_seen, times_seen)
    SELECT $project, 'fp' || i, 'TypeError: x' || i || ' is undefined', 'app.js in render', 'error',
           now() - interval '14 days' + (i % 97) * interval '1 hour', now() - (i % 89) * interval '1 minute',
           $events / $issues
    FROM generate_series(0, $issues - 1) AS i"
info "loaded in $(( $(date +%s) - t0 )) s; merging parts"
for t in events transactions issue_hourly issue_daily vitals_hourly vitals_daily; do ch "OPTIMIZE TABLE $t FINAL" >/dev/null; done
rows="$(ch "SELECT (SELECT count() FROM events), (SELECT count() FROM transactions), (SELECT count() FROM issue_hourly), (SELECT count() FROM issue_daily), (SELECT count() FROM vitals_hourly), (SELECT count() FROM vitals_daily)")"
info "rows: events, transactions, issue_hourly, issue_daily, vitals_hourly, vitals_daily = $rows"
issue="$(psql -X -qAt -d "$pg_url" -c "SELECT id FROM issues WHERE project_id = $project ORDER BY id LIMIT 1")"

section "timed requests: $rounds rounds after $warmup warm-up"
python3 "$root/bench/query_latency.py" --base "$base" --cookies "$jar" --rounds "$rounds" --warmup "$warmup" \
    "issues, 14 days, last seen=/api/v1/projects/$project/issues" \
    "issues, 14 days, by events=/api/v1/projects/$project/issues?sort=events" \
    "issues, 14 days, by users=/api/v1/projects/$project/issues?sort=users" \
    "issues, 24 hours=/api/v1/projects/$project/issues?period=24h" \
    "issues, 30 days, staging, page 3=/api/v1/projects/$project/issues?period=30d&environment=staging&page=3" \
    "issues, 14 days, search=/api/v1/projects/$project/issues?query=x19" \
    "issue detail=/api/v1/issues/$issue" \
    "issue events=/api/v1/issues/$issue/events" \
    "issue tags=/api/v1/issues/$issue/tags" \
    "performance, 24 hours=/api/v1/projects/$project/performance?period=24h" \
    "performance, 14 days=/api/v1/projects/$project/performance?period=14d" \
    "performance, 14 days, staging=/api/v1/projects/$project/performance?period=14d&environment=staging"
info "ClickHouse $(ch 'SELECT version()'), $(nproc) CPUs, $(date -u +%Y-%m-%d)"
