#!/usr/bin/env bash
# Replay ingest benchmark: how many replay segments per second (and MB/s of
# recording) Sightline takes into a real ClickHouse on this machine, and how
# many bytes one minute of replay costs to store.
#
#   bench/replay.sh                  # ~1 min after the release build
#   DURATION=30 CONNECTIONS=16 bench/replay.sh
#
# What it does:
#   1. cargo build --release -p sightline -p sightline-loadgen;
#   2. bench/fixtures/make-replay.py writes the envelopes (a shop page's
#      segment 0: full snapshot + 5 s of activity, ~190 KB of rrweb JSON,
#      ~20 KB zlib; and the 12 segments of one 60 s replay);
#   3. a throw-away ClickHouse (ports 38123/39000) and a fresh Postgres
#      database, sightline migrate + project create, sightline serve;
#   4. the 60 s replay is posted segment by segment: its stored bytes;
#   5. closed loop (CONNECTIONS, DURATION s) of segment-0 envelopes, each a
#      new replay; waits until ClickHouse holds every acknowledged segment;
#   6. prints a Markdown block with the figures (raw JSON in .tmp/bench-replay/).
# Everything started is stopped on exit; both bench databases are dropped.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
duration="${DURATION:-15}"
connections="${CONNECTIONS:-16}"
export SL_CH_HTTP_PORT="${SL_CH_HTTP_PORT:-38123}"
export SL_CH_TCP_PORT="${SL_CH_TCP_PORT:-39000}"
ch_dir="$root/.tmp/bench-clickhouse"
out_dir="$root/.tmp/bench-replay/$(date -u +%Y%m%dT%H%M%SZ)"
db=sightline_bench_replay
# PROFILE=debug SKIP_BUILD=1 checks the script itself quickly (figures meaningless).
target="${CARGO_TARGET_DIR:-$root/target}/${PROFILE:-release}"

# shellcheck source=scripts/lib/services.sh
source "$root/scripts/lib/services.sh"
command -v jq >/dev/null 2>&1 || ensure_apt_packages jq

server_pid=""
pg_bench_url=""
cleanup() {
    local rc=$?
    set +e
    [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null && _kill_and_wait 30 "$server_pid"
    if [ -n "$SL_CH_PID" ]; then
        curl -fsS --max-time 10 --data-binary "DROP DATABASE IF EXISTS $db" "http://127.0.0.1:$SL_CH_HTTP_PORT/" >/dev/null 2>&1
    fi
    sl_cleanup
    rm -rf "$ch_dir/data" "$ch_dir/tmp"
    if [ -n "$pg_bench_url" ] && [ -n "$SL_PG_ADMIN_URL" ]; then
        psql -X -q -d "$SL_PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
    fi
    return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ch_query() { curl -fsS --max-time 60 --data-binary "$1" "http://127.0.0.1:$SL_CH_HTTP_PORT/?database=$db"; }

mkdir -p "$out_dir"
section "building sightline and sightline-loadgen (release)"
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --quiet -p sightline -p sightline-loadgen
section "writing the replay envelopes"
minute_id="$(python3 bench/fixtures/make-replay.py "$out_dir/fixtures")"

section "ClickHouse on :$SL_CH_HTTP_PORT, Postgres on :5432"
start_clickhouse "$ch_dir"
ch_version="$(curl -fsS --data-binary 'SELECT version()' "http://127.0.0.1:$SL_CH_HTTP_PORT/")"
ensure_postgres
psql -X -q -d "$SL_PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
pg_bench_url="${SL_PG_ADMIN_URL%/*}/$db"
export SIGHTLINE_DATABASE_URL="$pg_bench_url"
export SIGHTLINE_CLICKHOUSE_URL="http://127.0.0.1:$SL_CH_HTTP_PORT"
export SIGHTLINE_CLICKHOUSE_DATABASE="$db"
export SIGHTLINE_SPOOL_DIR="$root/.tmp/bench-replay-spool"
export RUST_LOG="${RUST_LOG:-warn}"
"$target/sightline" migrate >/dev/null
dsn="$("$target/sightline" project create bench | tail -n 1)"
[[ "$dsn" =~ ^https?://([^@/]+)@[^/]+/([0-9]+)$ ]] || die "unexpected DSN line: $dsn"
key="${BASH_REMATCH[1]}"
project_id="${BASH_REMATCH[2]}"
# The default 1 GiB a day would cut a long run short; the quota is not what is measured.
psql -X -q -d "$pg_bench_url" -c "UPDATE projects SET replay_daily_quota_mb = 1000000" >/dev/null
port=38311
export SIGHTLINE_LISTEN="127.0.0.1:$port"
"$target/sightline" serve >"$out_dir/server.log" 2>&1 &
server_pid=$!
for ((i = 0; i < 300; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/readyz")" = 200 ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$out_dir/server.log" >&2; die "sightline exited during start"; }
    sleep 0.1
done
url="http://127.0.0.1:$port/api/$project_id/envelope/?sentry_key=$key&sentry_version=7"

section "one 60 s replay, segment by segment"
for f in "$out_dir"/fixtures/minute/*.bin; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$f" "$url")"
    [ "$code" = 200 ] || die "segment $f: HTTP $code"
done
for ((i = 0; i < 100; i++)); do
    [ "$(ch_query "SELECT count() FROM replay_segments WHERE replaceAll(toString(replay_id), '-', '') = '$minute_id'")" = 12 ] && break
    sleep 0.1
done
minute_blob="$(ch_query "SELECT sum(stored_bytes) FROM replay_segments WHERE replaceAll(toString(replay_id), '-', '') = '$minute_id'")"
minute_raw="$(ch_query "SELECT sum(raw_bytes) FROM replay_segments WHERE replaceAll(toString(replay_id), '-', '') = '$minute_id'")"

section "closed loop: $connections connections, ${duration}s, segment-0 envelopes (a new replay each)"
"$target/sightline-loadgen" load --url "$url" --body "$out_dir/fixtures/segment0.bin" \
    --connections "$connections" --duration "$duration" --json >"$out_dir/load.json"
ok="$(jq -r .ok_2xx "$out_dir/load.json")"
rate="$(jq -r .rate_2xx "$out_dir/load.json")"
p50="$(jq -r .p50_ms "$out_dir/load.json")"
p99="$(jq -r .p99_ms "$out_dir/load.json")"
want=$(( ok + 12 ))
for ((i = 0; i < 600; i++)); do
    stored="$(ch_query "SELECT count() FROM replay_segments")"
    [ "$stored" -ge "$want" ] && break
    sleep 0.1
done
[ "$stored" -ge "$want" ] || warn "ClickHouse holds $stored of $want acknowledged segments"
seg_sent="$(ch_query "SELECT any(stored_bytes) FROM replay_segments WHERE segment_id = 0 AND replaceAll(toString(replay_id), '-', '') != '$minute_id'")"
seg_raw="$(ch_query "SELECT any(raw_bytes) FROM replay_segments WHERE segment_id = 0 AND replaceAll(toString(replay_id), '-', '') != '$minute_id'")"
hwm_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")"
ch_query "OPTIMIZE TABLE replay_segments FINAL" >/dev/null
on_disk="$(ch_query "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '$db' AND table IN ('replays', 'replay_segments') AND active")"

awk -v rate="$rate" -v sent="$seg_sent" -v raw="$seg_raw" -v ok="$ok" -v stored="$stored" -v disk="$on_disk" \
    -v mblob="$minute_blob" -v mraw="$minute_raw" -v hwm="$hwm_kb" -v p50="$p50" -v p99="$p99" \
    -v conns="$connections" -v dur="$duration" -v chv="$ch_version" -v cpus="$(nproc)" -v day="$(date -u +%F)" 'BEGIN {
    printf "### Replay ingest (%s, %d CPUs, ClickHouse %s)\n\n", day, cpus, chv
    printf "`bench/replay.sh` (DURATION=%s CONNECTIONS=%s), closed loop of segment-0 envelopes\n", dur, conns
    printf "(%d B zlib / %d B of rrweb JSON each):\n\n", sent, raw
    printf "| figure | value |\n|---|---|\n"
    printf "| segments/s acknowledged | %.0f |\n", rate
    printf "| recording MB/s as sent (zlib) | %.2f |\n", rate * sent / 1e6
    printf "| recording MB/s inflated and checked | %.1f |\n", rate * raw / 1e6
    printf "| latency p50 / p99 (ms) | %s / %s |\n", p50, p99
    printf "| acknowledged / stored segments | %d / %d |\n", ok, stored - 12
    printf "| server peak RSS | %.0f MiB |\n", hwm / 1024
    printf "| one 60 s replay: recording stored (zlib) | %.1f KB (%.0f KB of rrweb JSON) |\n", mblob / 1000, mraw / 1000
    printf "| ClickHouse bytes on disk per stored segment-0 | %.1f KB |\n", disk / stored / 1000
}'
