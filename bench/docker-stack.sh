#!/usr/bin/env bash
# Memory of the shipped compose stack, container by container (issue 14): idle,
# under RATE (1000) events/s for DURATION (60) s through Caddy, and ClickHouse's
# under the dashboard's 30-day queries over EVENTS error events and as many page
# loads spread over 30 days.
#
#   sudo bench/docker-stack.sh                 # ~10 min with a warm BuildKit cache
#   RATE=1000 DURATION=60 EVENTS=2000000 bench/docker-stack.sh
#
# The stack is exactly scripts/test-docker.sh's (scripts/lib/docker-stack.sh):
# the image from the shipped Dockerfile, docker-compose.yaml with `.env` from
# `.env.example` and its default `mem_limit`s, the local stand-in images (Debian's
# ClickHouse 18.16 for the 25.3 image: README, "Docker images in the tests").
# Everything is removed at the end (SL_DOCKER_KEEP=1 keeps it).
#
# Per phase and container it prints the peak of the container's memory cgroup
# (cgroup v1 `memory.max_usage_in_bytes`, reset at the start of the phase: page
# cache included, the figure the kernel holds against `mem_limit`) and the
# largest `docker stats` figure sampled each second (usage without the inactive
# page cache). Phases:
#   idle      SAMPLE_SECS (20) after the stack is healthy;
#   load      RATE envelopes/s (one error event each) for DURATION s through
#             Caddy (web/e2e-docker/load.mjs), then every acknowledged event is
#             checked stored exactly once;
#   30 days   EVENTS (2,000,000) error events over ISSUES (500) issues and as many
#             page loads, spread over the last 30 days, bulk-loaded with
#             INSERT … SELECT (the rollups fill as in ingest), then the
#             dashboard's 30-day requests (issue list by last seen, events and
#             users; performance; usage) through Caddy, ROUNDS (3) times.
# A line of the summary goes to .tmp/docker/results.txt as in the test.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SL_ROOT="$(pwd)"
# shellcheck source=scripts/lib/services.sh
source "$SL_ROOT/scripts/lib/services.sh"
# shellcheck source=scripts/lib/docker.sh
source "$SL_ROOT/scripts/lib/docker.sh"
# shellcheck source=scripts/lib/docker-stack.sh
source "$SL_ROOT/scripts/lib/docker-stack.sh"
# shellcheck source=bench/lib/synthetic.sh
source "$SL_ROOT/bench/lib/synthetic.sh"

rate="${RATE:-1000}"
duration="${DURATION:-60}"
events="${EVENTS:-2000000}"
issues="${ISSUES:-500}"
batch="${BATCH:-200000}"
rounds="${ROUNDS:-3}"
sample_secs="${SAMPLE_SECS:-20}"
sampler_pid=""

bench_cleanup() {
    local rc=$?
    [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null
    (exit "$rc")
    stack_cleanup
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$WORK"
: >"$RESULTS"
command -v jq >/dev/null 2>&1 || ensure_apt_packages jq

stack_prepare
stack_build
stack_up
stack_project_create

services=(postgres clickhouse sightline caddy)
cgroup_dir() { echo "/sys/fs/cgroup/memory/docker/$("$SL_DOCKER" inspect -f '{{.Id}}' "$(cid "$1")")"; }
[ -e "$(cgroup_dir sightline)/memory.max_usage_in_bytes" ] \
    || die "no cgroup v1 memory controller for the containers here ($(cgroup_dir sightline)): this bench reads memory.max_usage_in_bytes"
limit_mib() { echo $(( $(cat "$(cgroup_dir "$1")/memory.limit_in_bytes") / 1048576 )); }

# phase_start: resets every container's cgroup peak and starts sampling `docker stats`.
phase_start() {
    local s
    for s in "${services[@]}"; do echo 0 | as_root tee "$(cgroup_dir "$s")/memory.max_usage_in_bytes" >/dev/null; done
    : >"$WORK/stats-samples.txt"
    (
        while :; do
            "$SL_DOCKER" stats --no-stream --format '{{.Name}} {{.MemUsage}}' $(compose ps -q) >>"$WORK/stats-samples.txt" 2>/dev/null
            sleep 1
        done
    ) &
    sampler_pid=$!
}
# phase_end NAME: one table row per container for phase NAME.
phase_end() {
    local s peak stats
    kill "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=""
    for s in "${services[@]}"; do
        peak=$(( $(cat "$(cgroup_dir "$s")/memory.max_usage_in_bytes") / 1048576 ))
        # `docker stats` prints e.g. "sightline-dockertest_caddy_1 12.5MiB / 96MiB".
        stats="$(awk -v s="_${s}_" 'index($1, s) { v = $2; m = 1;
                   if (v ~ /GiB$/) m = 1024; else if (v ~ /KiB$/) m = 1 / 1024; else if (v ~ /[0-9]B$/ && v !~ /iB$/) m = 1 / 1048576;
                   sub(/[A-Za-z]+$/, "", v); if (v * m > max) max = v * m } END { printf "%.0f", max }' "$WORK/stats-samples.txt")"
        printf '| %s | %s | %s MiB | %s MiB | %s MiB |\n' "$1" "$s" "$peak" "$stats" "$(limit_mib "$s")" | tee -a "$WORK/bench-rows.md"
    done
}
: >"$WORK/bench-rows.md"

section "idle: $sample_secs s"
phase_start
sleep "$sample_secs"
phase_end "idle"

section "load: $rate events/s for $duration s through Caddy"
phase_start
node web/e2e-docker/load.mjs send "$DSN" "$rate" "$duration" bench "$WORK/load-bench.json" | tee "$WORK/load-bench.out"
# The generator keeps at most 200 requests in flight: on a busy machine the stream takes longer than
# DURATION, and this line says so (sent / seconds is the rate achieved).
record "load generator: $(cat "$WORK/load-bench.out")"
sleep 5
phase_end "$rate events/s for $duration s"
verify_load bench || die "load: acknowledged events missing or duplicated"
record "load $rate/s × $duration s: $(cat "$WORK/verify-bench.out")"

section "30 days: $events error events and $events page loads over $issues issues"
jar="$WORK/bench-cookies"
rm -f "$jar"
api() { # api METHOD PATH [JSON] — the dashboard API through Caddy, as the browser calls it
    curl -fsS -b "$jar" -c "$jar" -H "Origin: $PUBLIC_URL" -H 'Content-Type: application/json' \
        -X "$1" "$PUBLIC_URL$2" ${3:+--data "$3"}
}
api POST /api/v1/auth/register '{"email":"bench@example.com","password":"correct horse battery","name":"Bench"}' >/dev/null
team="$(api POST /api/v1/teams '{"name":"Bench"}' | jq -r .id)"
project="$(api POST "/api/v1/teams/$team/projects" '{"name":"Thirty days"}' | jq -r .id)"
t0="$(now)"
span=$((30 * 86400)); start=$(( $(date +%s) - span ))
for ((offset = 0; offset < events; offset += batch)); do
    n=$(( events - offset < batch ? events - offset : batch ))
    # Rows in time order (as live ingest writes them), so each batch covers a slice of the 30 days.
    ch_query "$(synthetic_events_sql)" >/dev/null
    ch_query "$(synthetic_page_loads_sql)" >/dev/null
    printf '\r    %d / %d' $(( offset + n )) "$events" >&2
done
echo >&2
"$SL_DOCKER" exec -i "$(cid postgres)" psql -q -U sightline -d sightline -v ON_ERROR_STOP=1 <<SQL
INSERT INTO issues (project_id, fingerprint, title, culprit, level, first_seen, last_seen, times_seen)
SELECT $project, 'fp' || i, 'TypeError: x' || i || ' is undefined', 'app.js in render', 'error',
       now() - interval '30 days' + (i % 97) * interval '1 hour', now() - (i % 89) * interval '1 minute',
       $events / $issues
FROM generate_series(0, $issues - 1) AS i;
SQL
record "30 days: $events events + $events page loads loaded in $(elapsed "$t0") s"

phase_start
for _ in $(seq 1 "$rounds"); do
    for path in "issues?period=30d" "issues?period=30d&sort=events" "issues?period=30d&sort=users" \
        "performance?period=30d" "usage?period=30d"; do
        t1="$(now)"
        api GET "/api/v1/projects/$project/$path" >/dev/null || die "GET $path failed"
        info "GET …/$path: $(elapsed "$t1") s"
    done
done
sleep 2
phase_end "30-day queries"

section "Summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs)"
{
    echo "| phase | container | cgroup peak (incl. page cache) | \`docker stats\` max | mem_limit |"
    echo "| --- | --- | ---: | ---: | ---: |"
    cat "$WORK/bench-rows.md"
} | tee "$WORK/bench-summary.md"
while read -r line; do record "bench $line"; done <"$WORK/bench-rows.md"
