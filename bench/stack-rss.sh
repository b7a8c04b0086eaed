#!/usr/bin/env bash
# Memory of the whole stack (issue 7): runs Postgres, ClickHouse, the release
# server and Caddy natively the way docker-compose.yaml runs them, and prints
# the summed RSS of the four at idle and under an open-loop load.
#
#   bench/stack-rss.sh                     # ~3 min after the release build
#   RATE=1000 DURATION=60 bench/stack-rss.sh
#   NO_BUILD=1 bench/stack-rss.sh          # binaries in target/release already built
#
# What it starts (all stopped again on exit, all data under .tmp/stack-rss/):
#   * Postgres: a private cluster (initdb/pg_ctl of Debian's newest Postgres, as
#     scripts/run.sh does) with the compose file's settings shared_buffers=64MB,
#     max_connections=50;
#   * ClickHouse: Debian's clickhouse-server with deploy/clickhouse/config.xml and
#     users.xml (paths and ports rendered by scripts/lib/services.sh; ports
#     SL_CH_HTTP_PORT/SL_CH_TCP_PORT, default 48124/49001);
#   * the server: target/release/sightline through deploy/docker-entrypoint.sh
#     (migrate, then serve) with .env.example's settings and the compose file's
#     `environment` (addresses replaced by this machine's);
#   * Caddy: Debian's caddy with the repo's Caddyfile in local mode (:PORT), the
#     admin API on as in compose (its health check uses it).
# Then: IDLE_SECS (20) of settling, SAMPLE_SECS (20) of idle samples, an open
# loop of RATE (1000) envelopes/s for DURATION (60) s with bench/loadgen through
# Caddy, sampled every second; then it waits until ClickHouse holds every
# acknowledged row and prints a Markdown table on stdout (progress on stderr).
#
# RSS per component is the sum of VmRSS over all its processes (Postgres: the
# postmaster and all its children; ClickHouse, server, Caddy: one process each),
# read from /proc. Shared pages (Postgres' shared_buffers) count once per
# process that touched them, as `ps` shows them; the PSS column (smaps_rollup)
# counts them once in total.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export SL_ROOT="$root"

rate="${RATE:-1000}"
duration="${DURATION:-60}"
idle_secs="${IDLE_SECS:-20}"
sample_secs="${SAMPLE_SECS:-20}"
connections="${CONNECTIONS:-16}"
body="${BODY:-bench/fixtures/envelope-error.txt}"
export SL_CH_HTTP_PORT="${SL_CH_HTTP_PORT:-48124}"
export SL_CH_TCP_PORT="${SL_CH_TCP_PORT:-49001}"
work="$root/.tmp/stack-rss"
target="${CARGO_TARGET_DIR:-$root/target}/release"

# shellcheck source=scripts/lib/services.sh
source "$root/scripts/lib/services.sh"

server_pid=""
caddy_pid=""
sampler_pid=""
cleanup() {
    local rc=$?
    set +e
    [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null
    for pid in "$caddy_pid" "$server_pid"; do
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && _kill_and_wait 30 "$pid"
    done
    sl_cleanup
    return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    local p
    for ((p = 47000 + RANDOM % 900; p < 48000; p++)); do
        _port_open "$p" || { echo "$p"; return 0; }
    done
    die "no free port found"
}
wait_http() {   # wait_http URL SECONDS — until the URL answers 200
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" 2>/dev/null)" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- RSS sampling
# kB of field $1 (VmRSS from status, Pss from smaps_rollup) summed over pids $2...
sum_kb() {
    local field="$1" file pid sum=0 v; shift
    [ "$field" = Pss ] && file=smaps_rollup || file=status
    for pid in "$@"; do
        v="$(awk -v f="$field:" '$1 == f { print $2; exit }' "/proc/$pid/$file" 2>/dev/null)"
        sum=$((sum + ${v:-0}))
    done
    echo "$sum"
}
# The postmaster and its children (backends, checkpointer, walwriter, ...).
pg_pids() { echo "$pg_master"; pgrep -P "$pg_master" || true; }
# One line: epoch postgres_rss clickhouse_rss server_rss caddy_rss postgres_pss (kB).
sample() {
    local pg
    mapfile -t pg < <(pg_pids)
    printf '%s %s %s %s %s %s\n' "$(date +%s)" "$(sum_kb VmRSS "${pg[@]}")" "$(sum_kb VmRSS "$SL_CH_PID")" \
        "$(sum_kb VmRSS "$server_pid")" "$(sum_kb VmRSS "$caddy_pid")" "$(sum_kb Pss "${pg[@]}")"
}
# sample_for SECONDS FILE — one sample a second.
sample_for() {
    local i
    for ((i = 0; i < $1; i++)); do sample >>"$2"; sleep 1; done
}

# ---------------------------------------------------------------- tools, build
section "tools and release build"
pkgs=()
command -v caddy >/dev/null 2>&1 || pkgs+=(caddy)
command -v curl >/dev/null 2>&1 || pkgs+=(curl)
command -v jq >/dev/null 2>&1 || pkgs+=(jq)
command -v psql >/dev/null 2>&1 || pkgs+=(postgresql-client)
command -v pgrep >/dev/null 2>&1 || pkgs+=(procps)
[ "${#pkgs[@]}" -gt 0 ] && ensure_apt_packages "${pkgs[@]}"
[ "${NO_BUILD:-0}" = 1 ] || cargo build --release --quiet -p sightline -p sightline-loadgen
[ -x "$target/sightline" ] && [ -x "$target/sightline-loadgen" ] || die "no release binaries in $target"
rm -rf "$work"
mkdir -p "$work"

# ---------------------------------------------------------------- databases
section "Postgres (private cluster, compose settings)"
pg_port="$(free_port)"
start_private_postgres "$work/postgres" "$pg_port"
pg_master="$(head -n1 "$work/postgres/postmaster.pid")"
psql -X -w -q -d "$SL_PG_ADMIN_URL" -c 'CREATE DATABASE sightline' >/dev/null
pg_version="$(psql -X -w -At -d "$SL_PG_ADMIN_URL" -c 'SHOW server_version')"

section "ClickHouse (deploy/clickhouse config)"
start_clickhouse "$work/clickhouse"
ch_url="http://127.0.0.1:$SL_CH_HTTP_PORT"
ch_version="$(curl -fsS --data-binary 'SELECT version()' "$ch_url/")"

# ---------------------------------------------------------------- server, Caddy
section "server (release, through deploy/docker-entrypoint.sh)"
sp="$(free_port)"
cp_="$(free_port)"
while [ "$cp_" = "$sp" ]; do cp_="$(free_port)"; done
ap="$(free_port)"
while [ "$ap" = "$sp" ] || [ "$ap" = "$cp_" ]; do ap="$(free_port)"; done
server_env() {
    set -a
    # shellcheck disable=SC1091
    . "$root/.env.example"
    set +a
    export SIGHTLINE_LISTEN="127.0.0.1:$sp"
    export SIGHTLINE_PUBLIC_URL="http://127.0.0.1:$cp_"
    export SIGHTLINE_DATABASE_URL="${SL_PG_ADMIN_URL%/postgres}/sightline"
    export SIGHTLINE_CLICKHOUSE_URL="$ch_url"
    export SIGHTLINE_CLICKHOUSE_USER=default
    unset SIGHTLINE_CLICKHOUSE_PASSWORD   # the native ClickHouse's default user has none
    export SIGHTLINE_SPOOL_DIR="$work/spool"
    export PATH="$target:$PATH"
}
(
    server_env
    exec "$root/deploy/docker-entrypoint.sh"
) </dev/null >"$work/server.log" 2>&1 &
server_pid=$!
wait_http "http://127.0.0.1:$sp/readyz" 120 || { tail -n 30 "$work/server.log" >&2; die "server not ready"; }
dsn="$( (server_env; "$root/deploy/docker-entrypoint.sh" project create rss) 2>>"$work/server.log" | tail -n1)"
[[ "$dsn" =~ ^https?://([^@/]+)@[^/]+/([0-9]+)$ ]] || die "unexpected DSN line: $dsn"
key="${BASH_REMATCH[1]}"
project="${BASH_REMATCH[2]}"
# The server refreshes its key cache every SIGHTLINE_KEY_REFRESH_SECS (30): wait for the new key.

section "Caddy (repo Caddyfile, local mode :$cp_)"
(
    export SIGHTLINE_DOMAIN=":$cp_" SIGHTLINE_UPSTREAM="127.0.0.1:$sp" SIGHTLINE_CADDY_ADMIN="127.0.0.1:$ap"
    export XDG_DATA_HOME="$work/caddy/data" XDG_CONFIG_HOME="$work/caddy/config" HOME="$work/caddy"
    exec caddy run --config "$root/Caddyfile" --adapter caddyfile
) </dev/null >"$work/caddy.log" 2>"$work/caddy.err" &
caddy_pid=$!
wait_http "http://127.0.0.1:$cp_/healthz" 30 || { tail -n 20 "$work/caddy.err" >&2; die "caddy not ready"; }
url="http://127.0.0.1:$cp_/api/$project/envelope/?sentry_key=$key&sentry_version=7"
for ((i = 0; i < 600; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @<(sed "s/{uuid}/$(head -c16 /dev/urandom | od -An -tx1 | tr -d ' \n')/g; s/{timestamp}/$(date +%s)/g; s/{sent_at}/$(date -u +%FT%TZ)/g" "$body") "$url")" = 200 ] && break
    sleep 0.1
done
[ "$i" -lt 600 ] || die "the new project's key was not accepted within 60 s"

# ---------------------------------------------------------------- idle
section "idle: ${idle_secs}s settling, ${sample_secs}s of samples"
sleep "$idle_secs"
sample_for "$sample_secs" "$work/idle.samples"

# ---------------------------------------------------------------- load
section "load: open loop, $rate envelopes/s for ${duration}s through Caddy"
sample_for $((duration + 5)) "$work/load.samples" &
sampler_pid=$!
"$target/sightline-loadgen" load --url "$url" --body "$body" --connections "$connections" \
    --duration "$duration" --rate "$rate" --json >"$work/load.json" 2> >(sed 's/^/    /' >&2)
wait "$sampler_pid" || true
sampler_pid=""
acked="$(jq -r .ok_2xx "$work/load.json")"
expected=$((acked + 1))   # + the envelope that checked the key
rows=0
for ((i = 0; i < 600; i++)); do
    rows="$(curl -fsS --data-binary 'SELECT count() FROM sightline.events' "$ch_url/")"
    [ "$rows" -ge "$expected" ] && break
    sleep 0.1
done
after_load="$(sample)"

section "stopping"
_kill_and_wait 10 "$caddy_pid"; caddy_pid=""
t0="$(date +%s.%N)"
_kill_and_wait 45 "$server_pid"; server_pid=""
drain_s="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"

# ---------------------------------------------------------------- report
# stats FILE COLUMN — "mean peak" in MiB of one column (2..6) of a sample file.
stats() { awk -v c="$2" '{ s += $c; if ($c > m) m = $c; n++ } END { printf "%.0f %.0f", s / n / 1024, m / 1024 }' "$1"; }
# total FILE — "mean peak" in MiB of the per-sample sum of RSS columns 2..5.
total() { awk '{ t = $2 + $3 + $4 + $5; s += t; if (t > m) m = t; n++ } END { printf "%.0f %.0f", s / n / 1024, m / 1024 }' "$1"; }
line() {   # line NAME COLUMN
    local im ip lm lp
    read -r im ip <<<"$(stats "$work/idle.samples" "$2")"
    read -r lm lp <<<"$(stats "$work/load.samples" "$2")"
    printf '| %s | %s | %s | %s |\n' "$1" "$im" "$lm" "$lp"
}
read -r ti _ <<<"$(total "$work/idle.samples")"
read -r tm tp <<<"$(total "$work/load.samples")"
verdict=met
[ "$tp" -le 1228 ] || verdict="**missed**"
non2xx="$(jq -r '[.non_2xx | to_entries[] | "\(.key)×\(.value)"] | join(" ") | if . == "" then "0" else . end' "$work/load.json")"

cat <<EOF

### Stack memory (issue 7), $(date -u '+%Y-%m-%d %H:%M UTC')

- Command: \`RATE=$rate DURATION=$duration CONNECTIONS=$connections bench/stack-rss.sh\`
- Machine: $(nproc) CPUs ($(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)
- Versions: Postgres $pg_version, ClickHouse $ch_version, $(caddy version | cut -d' ' -f1 | sed 's/^/Caddy /'), sightline release build
- Load through Caddy: $(jq -r .sent "$work/load.json") sent, $acked acknowledged ($(jq -r .rate_2xx "$work/load.json")/s), non-2xx $non2xx, $(jq -r .errors "$work/load.json") transport errors, $(jq -r .unsent "$work/load.json") unsent; p50/p99 $(jq -r .p50_ms "$work/load.json")/$(jq -r .p99_ms "$work/load.json") ms
- Rows: ClickHouse holds $rows of $expected acknowledged envelopes; server drained and exited in $drain_s s after SIGTERM

| RSS, MiB | idle (mean of ${sample_secs} s) | under load (mean) | under load (peak) |
|---|---|---|---|
$(line Postgres 2)
$(line ClickHouse 3)
$(line "sightline serve" 4)
$(line Caddy 5)
| **sum** | **$ti** | **$tm** | **$tp** |

Target ≤ 1.2 GB (1,228 MiB) summed: $verdict. Postgres PSS (shared buffers counted once): idle $(stats "$work/idle.samples" 6 | cut -d' ' -f1) MiB, load peak $(stats "$work/load.samples" 6 | cut -d' ' -f2) MiB. After the load (rows landed): $(awk '{ printf "%.0f MiB summed", ($2 + $3 + $4 + $5) / 1024 }' <<<"$after_load").
EOF
[ "$rows" -ge "$expected" ] || die "ClickHouse holds $rows rows, expected $expected"
