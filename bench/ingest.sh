#!/usr/bin/env bash
# Ingest benchmark: the bare axum ceiling and Sightline (envelope endpoint →
# queue → batch writer → a real ClickHouse), in one run on this machine.
#
#   bench/ingest.sh                 # ~2 min after the release build
#   DURATION=30 bench/ingest.sh
#   SIGHTLINE_BATCH_SIZE=50000 bench/ingest.sh   # any SIGHTLINE_* setting passes through
#
# What it does:
#   1. cargo build --release -p sightline -p sightline-loadgen
#   2. starts a throw-away ClickHouse (scripts/lib/services.sh, data under
#      .tmp/bench-clickhouse, ports 38123/39000), makes sure Postgres answers
#      on 127.0.0.1:5432 and creates a fresh database sightline_bench;
#   3. sightline migrate + project create bench (key and project id from the DSN);
#   4. bare: closed loop (CONNECTIONS, DURATION s) against `sightline-loadgen bare`;
#   5. Sightline: closed loop, wait until ClickHouse holds every acknowledged
#      row, open loop at half of Sightline's own closed-loop rate, read the
#      server's VmHWM, SIGTERM it and time its drain, count the rows;
#   6. bare again, open loop at that same rate (latency floor of loopback +
#      load generator at that load);
#   7. cluster (CLUSTER=1, the default; CLUSTER=0 skips it): ZooKeeper and
#      four ClickHouse nodes, 2 shards x 2 replicas (scripts/lib/cluster.sh),
#      `sightline migrate` in cluster mode, two servers (each on replica 1 of
#      its shard), closed loop with half the connections on each server;
#      rows counted through the Distributed table;
#   8. prints a Markdown block with the figures on stdout (progress and the
#      load generator's own reports go to stderr); raw JSON in .tmp/bench-ingest/.
# Everything started is stopped on exit; both bench databases are dropped.
#
# Knobs (all optional):
#   DURATION seconds per load phase (15), CONNECTIONS (32),
#   BODY (bench/fixtures/envelope-error.txt),
#   PIN=1 (default): taskset server side (bare, or sightline + ClickHouse) on
#     CPU SERVER_CPU (0) and the load generator on CPU LOADGEN_CPU (1); PIN=0 runs unpinned.
#   SL_CH_HTTP_PORT / SL_CH_TCP_PORT (38123 / 39000).
#   SIGHTLINE_BATCH_SIZE, SIGHTLINE_FLUSH_INTERVAL_MS, SIGHTLINE_QUEUE_CAPACITY, …
#     are passed to the server unchanged (defaults 20000 / 1000 / 100000).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

duration="${DURATION:-15}"
connections="${CONNECTIONS:-32}"
body="${BODY:-bench/fixtures/envelope-error.txt}"
pin="${PIN:-1}"
server_cpu="${SERVER_CPU:-0}"
loadgen_cpu="${LOADGEN_CPU:-1}"
export SL_CH_HTTP_PORT="${SL_CH_HTTP_PORT:-38123}"
export SL_CH_TCP_PORT="${SL_CH_TCP_PORT:-39000}"
ch_dir="$root/.tmp/bench-clickhouse"
spool_dir="$root/.tmp/bench-spool"
out_dir="$root/.tmp/bench-ingest/$(date -u +%Y%m%dT%H%M%SZ)"
db=sightline_bench
target="${CARGO_TARGET_DIR:-$root/target}/release"
clk_tck="$(getconf CLK_TCK)"

# shellcheck source=scripts/lib/services.sh
source "$root/scripts/lib/services.sh"
# shellcheck source=scripts/lib/cluster.sh
source "$root/scripts/lib/cluster.sh"
cluster="${CLUSTER:-1}"
cluster_pids=()

command -v jq >/dev/null 2>&1 || ensure_apt_packages jq
if [ "$pin" = 1 ] && [ "$(nproc)" -lt 2 ]; then
    warn "fewer than 2 CPUs: running unpinned"
    pin=0
fi

# ---------------------------------------------------------------- state + cleanup
bare_pid=""
server_pid=""
pg_bench_url=""
cleanup() {
    local rc=$?
    set +e
    for pid in "$server_pid" "$bare_pid" "${cluster_pids[@]}"; do
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && _kill_and_wait 30 "$pid"
    done
    stop_ch_cluster
    if [ -n "$SL_CH_PID" ]; then
        curl -fsS --max-time 10 --data-binary "DROP DATABASE IF EXISTS $db" \
            "http://127.0.0.1:$SL_CH_HTTP_PORT/" >/dev/null 2>&1
    fi
    sl_cleanup
    rm -rf "$ch_dir/data" "$ch_dir/tmp"
    if [ -n "$pg_bench_url" ] && [ -n "$SL_PG_ADMIN_URL" ]; then
        psql -X -q -d "$SL_PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS ${db}_cluster" \
            >/dev/null 2>&1 || warn "could not drop Postgres database $db"
    fi
    rm -rf "$root/.tmp/bench-cluster"
    return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
now() { date +%s.%N; }
sec() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# Command prefixes that pin to one CPU when PIN=1. Arrays, not a function:
# a backgrounded function would run in a subshell, and $! would be its pid
# instead of the server's (taskset execs, so with the prefix $! is the server).
on_server=(); on_loadgen=()
if [ "$pin" = 1 ]; then
    on_server=(taskset -c "$server_cpu")
    on_loadgen=(taskset -c "$loadgen_cpu")
fi
# A free loopback TCP port.
free_port() {
    local p
    for ((p = 38200 + RANDOM % 500; p < 39000; p++)); do
        _port_open "$p" || { echo "$p"; return 0; }
    done
    die "no free port found"
}
# CPU ticks (user + system, all threads) of process $1; 0 once it is gone.
proc_ticks() {
    local s
    s="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
    s="${s##*) }"              # drop "pid (comm) "; fields now start at 3 (state)
    # shellcheck disable=SC2086
    set -- $s
    echo $(( ${12} + ${13} ))  # utime, stime (fields 14 and 15)
}
# CPU ticks of all Postgres processes (backends that exit mid-phase are missed).
pg_ticks() {
    local d c sum=0
    for d in /proc/[0-9]*; do
        { read -r c <"$d/comm"; } 2>/dev/null || continue
        [ "$c" = postgres ] && sum=$(( sum + $(proc_ticks "${d#/proc/}") ))
    done
    echo "$sum"
}
# Busy ticks of the whole machine (all CPUs) from /proc/stat.
machine_ticks() {
    local _cpu user nice system _idle _iowait irq softirq steal _rest
    read -r _cpu user nice system _idle _iowait irq softirq steal _rest </proc/stat
    echo $(( user + nice + system + irq + softirq + steal ))
}
ch_query() {
    curl -fsS --max-time 30 --data-binary "$1" "http://127.0.0.1:$SL_CH_HTTP_PORT/"
}
ch_rows() { ch_query "SELECT count() FROM $db.events"; }

# load NAME URL [ARGS...] — one sightline-loadgen run on the load-generator
# CPU; JSON to $out_dir/NAME.json, human report to stderr. Also samples CPU
# ticks of the server ($cpu_pids) and the load generator into NAME.cpu.
cpu_pids=()
load() {
    local name="$1" url="$2"; shift 2
    local t0 t1 m0 m1 p i lg pg0 pg1
    local -a before=()
    for p in "${cpu_pids[@]}"; do before+=("$(proc_ticks "$p")"); done
    pg0="$(pg_ticks)"; m0="$(machine_ticks)"; t0="$(now)"
    # The inner bash reports its children's CPU (the load generator) after wait.
    # shellcheck disable=SC2016
    "${on_loadgen[@]}" env OUT="$out_dir/$name" \
        bash -c '"$@" >"$OUT.json"; rc=$?; read -r -a s </proc/$$/stat; echo $((s[15] + s[16])) >"$OUT.lgcpu"; exit $rc' \
        _ "$target/sightline-loadgen" load --url "$url" --body "$body" \
        --connections "$connections" --duration "$duration" --json "$@" \
        2>&1 >/dev/null | sed 's/^/    /' >&2 || true
    t1="$(now)"; m1="$(machine_ticks)"; pg1="$(pg_ticks)"
    lg="$(cat "$out_dir/$name.lgcpu")"
    {
        # % of one CPU over the phase: server-side processes, load generator, rest of machine.
        local wall ticks_total=0 d
        wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
        i=0
        for p in "${cpu_pids[@]}"; do
            d=$(( $(proc_ticks "$p") - before[i] ))
            ticks_total=$(( ticks_total + d ))
            printf '%s %s\n' "${cpu_names[i]}" "$(awk -v t="$d" -v w="$wall" -v h="$clk_tck" 'BEGIN { printf "%.0f", 100 * t / h / w }')"
            i=$((i + 1))
        done
        printf 'loadgen %s\n' "$(awk -v t="$lg" -v w="$wall" -v h="$clk_tck" 'BEGIN { printf "%.0f", 100 * t / h / w }')"
        printf 'postgres %s\n' "$(awk -v t="$(( pg1 - pg0 ))" -v w="$wall" -v h="$clk_tck" 'BEGIN { printf "%.0f", 100 * t / h / w }')"
        printf 'other %s\n' "$(awk -v t="$(( m1 - m0 - ticks_total - lg - (pg1 - pg0) ))" -v w="$wall" -v h="$clk_tck" 'BEGIN { v = 100 * t / h / w; if (v < 0) v = 0; printf "%.0f", v }')"
    } >"$out_dir/$name.cpu"
    jq -e . "$out_dir/$name.json" >/dev/null || die "load generator produced no report for $name"
    [ "$(j "$name" errors)" -eq 0 ] || warn "$name: $(j "$name" errors) transport errors, first: $(j "$name" first_error)"
}
# j NAME FIELD — a field of a load report.
j() { jq -r ".$2" "$out_dir/$1.json"; }
# cpu NAME — "server 95 % · clickhouse 3 % · …" for the summary.
cpu() { awk '{ printf "%s%s %s %%", (NR > 1 ? " · " : ""), $1, $2 }' "$out_dir/$1.cpu"; }

start_bare() {
    local log="$out_dir/bare-$1.log" addr="" i
    : >"$log"   # exists (empty) before the server writes to it
    "${on_server[@]}" "$target/sightline-loadgen" bare --listen 127.0.0.1:0 >"$log" 2>&1 &
    bare_pid=$!
    for ((i = 0; i < 50; i++)); do
        addr="$(sed -n 's/^listening on //p' "$log")"
        [ -n "$addr" ] && break
        kill -0 "$bare_pid" 2>/dev/null || { cat "$log" >&2; die "bare server exited"; }
        sleep 0.1
    done
    [ -n "$addr" ] || die "bare server did not start"
    bare_url="http://$addr/api/1/envelope/"
    cpu_pids=("$bare_pid"); cpu_names=(bare)
}
stop_bare() {
    _kill_and_wait 10 "$bare_pid"
    bare_pid=""
}

# ---------------------------------------------------------------- 1. build
mkdir -p "$out_dir"
section "building sightline and sightline-loadgen (release)"
cargo build --release --quiet -p sightline -p sightline-loadgen

# Anything else running skews the figures: measure the machine while idle.
m0="$(machine_ticks)"; sleep 2; m1="$(machine_ticks)"
background="$(awk -v t="$(( m1 - m0 ))" -v h="$clk_tck" 'BEGIN { printf "%.0f", 100 * t / h / 2 }')"
[ "$background" -le 10 ] || warn "the machine is busy before the benchmark ($background % of one CPU); figures will be low"

# ---------------------------------------------------------------- 2. databases
section "ClickHouse on :$SL_CH_HTTP_PORT, Postgres on :5432"
start_clickhouse "$ch_dir"
ch_version="$(ch_query 'SELECT version()')"
ch_query "DROP DATABASE IF EXISTS $db" >/dev/null
if [ "$pin" = 1 ]; then
    # The database is part of the system under test: it shares the server's CPU.
    taskset -a -cp "$server_cpu" "$SL_CH_PID" >/dev/null
fi
ensure_postgres
psql -X -q -d "$SL_PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
pg_bench_url="${SL_PG_ADMIN_URL%/*}/$db"

# ---------------------------------------------------------------- 3. schema + project
export SIGHTLINE_DATABASE_URL="$pg_bench_url"
export SIGHTLINE_CLICKHOUSE_URL="http://127.0.0.1:$SL_CH_HTTP_PORT"
export SIGHTLINE_CLICKHOUSE_DATABASE="$db"
export SIGHTLINE_SPOOL_DIR="$spool_dir"
export RUST_LOG="${RUST_LOG:-warn}"
section "migrating and creating the bench project"
"$target/sightline" migrate | sed 's/^/    /' >&2
dsn="$("$target/sightline" project create bench | tail -n 1)"
[[ "$dsn" =~ ^https?://([^@/]+)@[^/]+/([0-9]+)$ ]] || die "unexpected DSN line: $dsn"
key="${BASH_REMATCH[1]}"
project_id="${BASH_REMATCH[2]}"
info "DSN $dsn"

pin_note="unpinned"
[ "$pin" = 1 ] && pin_note="server side on CPU $server_cpu, load generator on CPU $loadgen_cpu"
info "$(nproc) CPUs; $pin_note; $connections connections; ${duration}s per phase"

# ---------------------------------------------------------------- 4. bare ceiling
section "bare axum handler: closed loop"
start_bare closed
load bare_closed "$bare_url"
stop_bare

# ---------------------------------------------------------------- 5. Sightline
section "Sightline: closed loop"
rm -rf "$spool_dir"
port="$(free_port)"
export SIGHTLINE_LISTEN="127.0.0.1:$port"
"${on_server[@]}" "$target/sightline" serve >"$out_dir/server.log" 2>&1 &
server_pid=$!
for ((i = 0; i < 300; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/readyz")" = 200 ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$out_dir/server.log" >&2; die "sightline exited during start"; }
    sleep 0.1
done
[ "$i" -lt 300 ] || die "sightline not ready after 30 s"
info "sightline on 127.0.0.1:$port (pid $server_pid)"
sl_url="http://127.0.0.1:$port/api/$project_id/envelope/?sentry_key=$key&sentry_version=7"
cpu_pids=("$server_pid" "$SL_CH_PID"); cpu_names=(sightline clickhouse)

t_load_start="$(now)"
load sl_closed "$sl_url"
closed_ok="$(j sl_closed ok_2xx)"
# Time until ClickHouse holds every row acknowledged so far (max 60 s).
rows_now=0
for ((i = 0; i < 600; i++)); do
    rows_now="$(ch_rows)"
    [ "$rows_now" -ge "$closed_ok" ] && break
    sleep 0.1
done
t_closed_landed="$(now)"
[ "$rows_now" -ge "$closed_ok" ] || warn "after 60 s ClickHouse holds $rows_now of $closed_ok acknowledged rows"
closed_rows="$rows_now"

half="$(awk -v r="$(j sl_closed rate_2xx)" 'BEGIN { printf "%d", r / 2 }')"
[ "$half" -ge 1 ] || die "Sightline acknowledged nothing in the closed loop"
section "Sightline: open loop at half its closed-loop rate ($half req/s)"
load sl_open "$sl_url" --rate "$half"

hwm_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")"
ch_rss_kb="$(awk '/^VmRSS:/ { print $2 }' "/proc/$SL_CH_PID/status")"
section "SIGTERM to sightline; waiting for the drain"
t_term="$(now)"
kill -TERM "$server_pid"
server_rc=0
wait "$server_pid" || server_rc=$?
t_drained="$(now)"
server_pid=""
rows="$(ch_rows)"
spooled=0
[ -d "$spool_dir" ] && spooled="$(find "$spool_dir" -type f | wc -l)"

# ---------------------------------------------------------------- 6. bare at the same rate
section "bare axum handler: open loop at the same $half req/s"
start_bare open
load bare_open "$bare_url" --rate "$half"
stop_bare

# ---------------------------------------------------------------- 7. cluster
cluster_md=""
if [ "$cluster" = 1 ]; then
    section "cluster: ZooKeeper + ClickHouse 2 shards x 2 replicas, two servers"
    start_ch_cluster "$root/.tmp/bench-cluster"
    IFS=, read -r -a nodes <<<"$SL_CLUSTER_NODES"
    cluster_ch_pids=()
    for d in "$root"/.tmp/bench-cluster/ch*; do
        cluster_ch_pids+=("$(cat "$d/clickhouse.pid")")
    done
    zk_pid="$SL_ZK_PID"
    if [ "$pin" = 1 ]; then
        for p in "${cluster_ch_pids[@]}" "$zk_pid"; do taskset -a -cp "$server_cpu" "$p" >/dev/null; done
    fi
    psql -X -q -d "$SL_PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS ${db}_cluster" -c "CREATE DATABASE ${db}_cluster" >/dev/null
    (
        export SIGHTLINE_DATABASE_URL="${SL_PG_ADMIN_URL%/*}/${db}_cluster" SIGHTLINE_CLICKHOUSE_URL="${nodes[0]}"
        export SIGHTLINE_CLICKHOUSE_CLUSTER="$SL_CLUSTER_NAME"
        t0="$(now)"
        "$target/sightline" migrate | sed 's/^/    /' >&2
        info "cluster migrate took $(sec "$t0" "$(now)") s"
        "$target/sightline" project create bench | tail -n 1 >"$out_dir/cluster.dsn"
    )
    cdsn="$(cat "$out_dir/cluster.dsn")"
    [[ "$cdsn" =~ ^https?://([^@/]+)@[^/]+/([0-9]+)$ ]] || die "unexpected DSN line: $cdsn"
    ckey="${BASH_REMATCH[1]}" cproject="${BASH_REMATCH[2]}"
    curls=()
    for n in 0 2; do
        cport="$(free_port)"
        rm -rf "$spool_dir-$n"
        SIGHTLINE_DATABASE_URL="${SL_PG_ADMIN_URL%/*}/${db}_cluster" SIGHTLINE_CLICKHOUSE_URL="${nodes[$n]}" \
            SIGHTLINE_CLICKHOUSE_CLUSTER="$SL_CLUSTER_NAME" SIGHTLINE_LISTEN="127.0.0.1:$cport" \
            SIGHTLINE_SPOOL_DIR="$spool_dir-$n" \
            "${on_server[@]}" "$target/sightline" serve >"$out_dir/cluster-server-$n.log" 2>&1 &
        cluster_pids+=($!)
        for ((i = 0; i < 300; i++)); do
            [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$cport/readyz")" = 200 ] && break
            sleep 0.1
        done
        curls+=("http://127.0.0.1:$cport/api/$cproject/envelope/?sentry_key=$ckey&sentry_version=7")
    done
    # Half the connections on each server, at once; CPU of both servers, the
    # four nodes and ZooKeeper, all on the server CPU when pinned.
    connections_all="$connections"
    connections=$(( connections_all / 2 ))
    cpu_pids=("${cluster_pids[@]}" "${cluster_ch_pids[@]}" "$zk_pid")
    cpu_names=(sightline-1 sightline-2 ch-s1r1 ch-s1r2 ch-s2r1 ch-s2r2 zookeeper)
    load cl_a "${curls[0]}" &
    la=$!
    # The second load generator's CPU is in "other" of the first's sample.
    load_quiet() {
        "${on_loadgen[@]}" "$target/sightline-loadgen" load --url "$1" --body "$body" \
            --connections "$connections" --duration "$duration" --json >"$out_dir/cl_b.json" 2>/dev/null
    }
    load_quiet "${curls[1]}"
    wait "$la"
    connections="$connections_all"
    cl_ok=$(( $(j cl_a ok_2xx) + $(j cl_b ok_2xx) ))
    cl_rate="$(awk -v a="$(j cl_a rate_2xx)" -v b="$(j cl_b rate_2xx)" 'BEGIN { printf "%.0f", a + b }')"
    cl_rows=0
    for ((i = 0; i < 600; i++)); do
        cl_rows="$(curl -fsS --data-binary "SELECT count() FROM $db.events" "${nodes[0]}/")"
        [ "$cl_rows" -ge "$cl_ok" ] && break
        sleep 0.1
    done
    for p in "${cluster_pids[@]}"; do kill -TERM "$p"; wait "$p" || true; done
    cl_rows="$(curl -fsS --data-binary "SELECT count() FROM $db.events" "${nodes[0]}/")"
    cl_uniq="$(curl -fsS --data-binary "SELECT uniqExact(event_id) FROM $db.events" "${nodes[0]}/")"
    cluster_pids=()
    cl_server_cpu="$(awk '$1 ~ /^sightline/ { s += $2 } END { print s }' "$out_dir/cl_a.cpu")"
    cl_ch_cpu="$(awk '$1 ~ /^ch-|^zookeeper/ { s += $2 } END { print s }' "$out_dir/cl_a.cpu")"
    sl_rate="$(j sl_closed rate_2xx)"
    sl_server_cpu="$(awk '$1 == "sightline" { print $2 }' "$out_dir/sl_closed.cpu")"
    sl_ch_cpu="$(awk '$1 == "clickhouse" { print $2 }' "$out_dir/sl_closed.cpu")"
    per_k() { awk -v c="$1" -v r="$2" 'BEGIN { if (r > 0) printf "%.1f", 1000 * c / r; else print "–" }'; }
    cluster_md="
| closed loop, $connections connections | events/s acknowledged | p50 / p99 ms | servers, % of a CPU | ClickHouse (+ ZooKeeper), % of a CPU | server CPU per 1,000 events/s | ClickHouse CPU per 1,000 events/s | rows stored = acknowledged |
|---|---:|---:|---:|---:|---:|---:|---|
| single node, 1 server | $(printf '%.0f' "$sl_rate") | $(j sl_closed p50_ms) / $(j sl_closed p99_ms) | $sl_server_cpu | $sl_ch_cpu | $(per_k "$sl_server_cpu" "$sl_rate") % | $(per_k "$sl_ch_cpu" "$sl_rate") % | yes ($rows) |
| 2 shards × 2 replicas, 2 servers | $cl_rate | $(j cl_a p50_ms) / $(j cl_a p99_ms) (server 1) | $cl_server_cpu | $cl_ch_cpu | $(per_k "$cl_server_cpu" "$cl_rate") % | $(per_k "$cl_ch_cpu" "$cl_rate") % | $cl_rows stored, $cl_uniq distinct, $cl_ok acknowledged |

Cluster CPU breakdown (closed loop, % of one CPU): $(cpu cl_a)
"
fi

# ---------------------------------------------------------------- 8. summary
acked=$(( $(j sl_closed ok_2xx) + $(j sl_open ok_2xx) ))
landed_s="$(sec "$t_load_start" "$t_drained")"
closed_landed_s="$(sec "$t_load_start" "$t_closed_landed")"
drain_s="$(sec "$t_term" "$t_drained")"
landed_rate="$(awk -v r="$rows" -v s="$landed_s" 'BEGIN { printf "%.0f", r / s }')"
closed_landed_rate="$(awk -v r="$closed_rows" -v s="$closed_landed_s" 'BEGIN { printf "%.0f", r / s }')"
bare_rate="$(j bare_closed rate_2xx)"
sl_rate="$(j sl_closed rate_2xx)"
ratio="$(awk -v a="$sl_rate" -v b="$bare_rate" 'BEGIN { printf "%.0f", 100 * a / b }')"
rss_mb="$(awk -v k="$hwm_kb" 'BEGIN { printf "%.1f", k / 1024 }')"
ch_rss_mb="$(awk -v k="$ch_rss_kb" 'BEGIN { printf "%.0f", k / 1024 }')"
sl_p99_half="$(j sl_open p99_ms)"
non2xx() { jq -r '[.non_2xx | to_entries[] | "\(.key)×\(.value)"] | join(" ") | if . == "" then "0" else . end' "$out_dir/$1.json"; }
row() {
    printf '| %s | %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(j "$2" mode)" \
        "$(j "$2" target_rate | sed 's/null/–/')" "$(j "$2" rate_2xx)" "$(j "$2" ok_2xx)" \
        "$(non2xx "$2")" "$(( $(j "$2" errors) + $(j "$2" unsent) ))" \
        "$(j "$2" p50_ms)" "$(j "$2" p90_ms)" "$(j "$2" p99_ms)" "$(j "$2" max_ms)"
}
verdict() { if awk -v a="$1" -v b="$2" "BEGIN { exit !(a $3 b) }"; then echo met; else echo "**missed**"; fi; }
match="yes"
[ "$rows" -eq "$acked" ] || match="**NO** (difference $(( rows - acked )))"

cat <<EOF

### Ingest benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')

- Command: \`DURATION=$duration CONNECTIONS=$connections PIN=$pin bench/ingest.sh\`
- Machine: $(nproc) CPUs ($(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)
- Placement: $pin_note; Postgres unpinned; background load before start: $background % of one CPU
- ClickHouse $ch_version; server settings: batch size ${SIGHTLINE_BATCH_SIZE:-20000 (default)}, flush interval ${SIGHTLINE_FLUSH_INTERVAL_MS:-1000 (default)} ms, queue capacity ${SIGHTLINE_QUEUE_CAPACITY:-100000 (default)}
- Body: \`$body\` ($(wc -c <"$body") bytes before placeholders)

| run | loop | target/s | 2xx/s | 2xx | non-2xx | errors+unsent | p50 ms | p90 ms | p99 ms | max ms |
|---|---|---|---|---|---|---|---|---|---|---|
$(row "bare" bare_closed)
$(row "Sightline" sl_closed)
$(row "Sightline, half load" sl_open)
$(row "bare, same rate" bare_open)

| Sightline | value |
|---|---|
| events/s acknowledged (closed loop) | $(printf '%.0f' "$sl_rate") |
| events/s landed, closed loop (${closed_rows} rows by ${closed_landed_s} s after load start) | $closed_landed_rate |
| events/s landed, whole run ($rows rows / ${landed_s} s, load start → drain done) | $landed_rate |
| rows in ClickHouse = 2xx acknowledged | $rows vs $acked: $match |
| drain after SIGTERM | ${drain_s} s (exit status $server_rc, spool files left: $spooled) |
| peak RSS (VmHWM before SIGTERM) | $rss_mb MB (ClickHouse RSS then: $ch_rss_mb MB) |
| CPU, closed loop (% of one CPU) | $(cpu sl_closed) |
| CPU, half load | $(cpu sl_open) |
| CPU, bare closed loop | $(cpu bare_closed) |

| target | goal | measured | verdict |
|---|---|---|---|
| throughput vs bare | ≥ 50 % | $ratio % ($(printf '%.0f' "$sl_rate") / $(printf '%.0f' "$bare_rate")) | $(verdict "$ratio" 50 ">=") |
| p99 at half load | ≤ 5 ms | $sl_p99_half ms | $(verdict "$sl_p99_half" 5 "<=") |
| peak RSS | ≤ 150 MB | $rss_mb MB | $(verdict "$rss_mb" 150 "<=") |
$cluster_md
EOF

if [ "$match" != yes ] || [ "$server_rc" -ne 0 ] || [ "$spooled" -ne 0 ]; then
    warn "anomaly: rows=$rows acked=$acked server exit=$server_rc spool files=$spooled (see $out_dir/server.log)"
fi
if grep -qiE 'warn|error' "$out_dir/server.log"; then
    warn "the server logged warnings/errors:"; grep -iE 'warn|error' "$out_dir/server.log" | head -n 10 >&2
fi
info "raw reports: $out_dir"
