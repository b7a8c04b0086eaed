#!/usr/bin/env bash
# scripts/test-cluster.sh — the ClickHouse cluster suite (issue 18, "Past one machine").
#
# Starts, on loopback ports of this machine:
#   * one ZooKeeper (Debian's `zookeeper` package, installed when missing),
#   * four ClickHouse servers (Debian's 18.16): cluster `sightline`, 2 shards
#     × 2 replicas, each with its own config under .tmp/test-cluster/chN
#     (scripts/lib/services.sh's start_clickhouse plus remote_servers,
#     macros, zookeeper and an interserver port),
# then runs the `cluster::` tests of server/tests/api (server/tests/api/cluster.rs),
# which start two `sightline serve` processes behind the real Caddy, stop
# and restart replicas and a server, and compare with a single-node run.
# Stops everything it started, also on failure or Ctrl-C.
#
# Needs what scripts/test.sh needs (Postgres on 127.0.0.1:5432, Caddy; the
# single-node comparison uses SIGHTLINE_TEST_CLICKHOUSE_URL, which test.sh sets).
# Environment passed to the tests:
#   SIGHTLINE_TEST_CLUSTER_NAME     the cluster's name in remote_servers
#   SIGHTLINE_TEST_CLUSTER_NODES    HTTP URLs, shard 1 replica 1, s1r2, s2r1, s2r2
#   SIGHTLINE_TEST_CLUSTER_CONFIGS  their config.xml paths (to stop and restart a node)
# Optional: SL_CLUSTER_TEST_CMD runs this command instead of the tests
# (e.g. `sleep infinity` to keep the cluster up while debugging).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SL_ROOT="$(pwd)"
# shellcheck source=scripts/lib/services.sh
source "$SL_ROOT/scripts/lib/services.sh"

DIR="$SL_ROOT/.tmp/test-cluster"
CLUSTER=sightline
ZK_PID=""
NODE_DIRS=()

# Stops a clickhouse-server of ours by its config path (a test may have restarted it).
stop_node() {
    local pids
    mapfile -t pids < <(_pids_with_arg "--config-file=$1/config.xml")
    [ "${#pids[@]}" -gt 0 ] && _kill_and_wait 30 "${pids[@]}"
    return 0
}

cluster_cleanup() {
    local d
    for d in "${NODE_DIRS[@]}"; do stop_node "$d"; done
    if [ -n "$ZK_PID" ] && kill -0 "$ZK_PID" 2>/dev/null; then
        info "stopping ZooKeeper (pid $ZK_PID)"
        _kill_and_wait 20 "$ZK_PID"
    fi
    sl_cleanup
}
trap cluster_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The first free port from $1 on (nothing listening on 127.0.0.1).
free_port_from() {
    local p="$1"
    while _port_open "$p"; do p=$((p + 1)); done
    echo "$p"
}

section "Cluster packages (zookeeper, clickhouse-server, caddy)"
pkgs=()
[ -e /usr/share/java/zookeeper.jar ] || pkgs+=(zookeeper)
command -v clickhouse-server >/dev/null 2>&1 || pkgs+=(clickhouse-server)
command -v caddy >/dev/null 2>&1 || pkgs+=(caddy)
[ "${#pkgs[@]}" -eq 0 ] || ensure_apt_packages "${pkgs[@]}"
command -v java >/dev/null 2>&1 || die "java not found (Debian's zookeeper package depends on a JRE)"
info "ok"

# Leftovers of a killed earlier run: their processes go by path, their data with them.
for d in "$DIR"/ch*; do [ -d "$d" ] && stop_node "$d"; done
mapfile -t old < <(_pids_with_arg "$DIR/zk/zoo.cfg")
[ "${#old[@]}" -gt 0 ] && _kill_and_wait 20 "${old[@]}"
rm -rf "$DIR"
mkdir -p "$DIR/zk/data"

section "ZooKeeper"
ZK_PORT="$(free_port_from 22181)"
cat >"$DIR/zk/zoo.cfg" <<EOF
tickTime=500
initLimit=10
syncLimit=5
dataDir=$DIR/zk/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
admin.enableServer=false
maxClientCnxns=200
EOF
# Debian's package: the jar and its dependencies in /usr/share/java.
ZK_CP="/etc/zookeeper/conf:/usr/share/java/*"
setsid bash -c 'echo $$ >"$1"; exec java -Xmx256m -cp "$2" -Dzookeeper.log.dir="$3" \
    org.apache.zookeeper.server.ZooKeeperServerMain "$4"' \
    _ "$DIR/zk/pid" "$ZK_CP" "$DIR/zk" "$DIR/zk/zoo.cfg" </dev/null >"$DIR/zk/out.log" 2>&1 &
for ((i = 0; i < 300; i++)); do
    [ -z "$ZK_PID" ] && [ -s "$DIR/zk/pid" ] && ZK_PID="$(cat "$DIR/zk/pid")"
    _port_open "$ZK_PORT" && break
    [ -n "$ZK_PID" ] && ! kill -0 "$ZK_PID" 2>/dev/null && break
    sleep 0.1
done
_port_open "$ZK_PORT" || { tail -n 30 "$DIR/zk/out.log" >&2; die "ZooKeeper did not start"; }
info "ZooKeeper on 127.0.0.1:$ZK_PORT (pid $ZK_PID)"

section "ClickHouse: 2 shards x 2 replicas"
# Ports: HTTP, TCP and interserver per node, picked free from 28300 on.
HTTP=() TCP=() INTER=()
next=28300
for n in 1 2 3 4; do
    for kind in HTTP TCP INTER; do
        port="$(free_port_from "$next")"
        next=$((port + 1))
        eval "$kind+=($port)"
    done
done
replica() { # $1 = node index 0..3
    printf '<replica><host>127.0.0.1</host><port>%s</port></replica>' "${TCP[$1]}"
}
REMOTE="<remote_servers><$CLUSTER>\
<shard><internal_replication>true</internal_replication>$(replica 0)$(replica 1)</shard>\
<shard><internal_replication>true</internal_replication>$(replica 2)$(replica 3)</shard>\
</$CLUSTER></remote_servers>"
NODES="" CONFIGS=""
for n in 0 1 2 3; do
    d="$DIR/ch$((n + 1))"
    mkdir -p "$d"
    shard=$((n / 2 + 1)) rep=$((n % 2 + 1))
    cat >"$d/cluster.xml" <<EOF
    <interserver_http_port>${INTER[$n]}</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    $REMOTE
    <zookeeper><node><host>127.0.0.1</host><port>$ZK_PORT</port></node><session_timeout_ms>10000</session_timeout_ms></zookeeper>
    <macros><shard>0$shard</shard><replica>r$rep</replica></macros>
    <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
EOF
    SL_CH_HTTP_PORT="${HTTP[$n]}" SL_CH_TCP_PORT="${TCP[$n]}" SL_CH_EXTRA_CONFIG="$d/cluster.xml" \
        start_clickhouse "$d"
    # This script stops the nodes itself (by config path: tests restart them).
    NODE_DIRS+=("$d")
    SL_CH_PID="" SL_CH_DIR=""
    NODES+="${NODES:+,}http://127.0.0.1:${HTTP[$n]}"
    CONFIGS+="${CONFIGS:+,}$d/config.xml"
    info "node $((n + 1)): shard $shard replica $rep, HTTP ${HTTP[$n]}"
done
got="$(curl -fsS --data-binary "SELECT count() FROM system.clusters WHERE cluster = '$CLUSTER'" "http://127.0.0.1:${HTTP[0]}/")"
[ "$got" = 4 ] || die "system.clusters lists $got nodes of $CLUSTER, want 4"

section "Cluster tests (server/tests/api/cluster.rs)"
export SIGHTLINE_TEST_CLUSTER_NAME="$CLUSTER"
export SIGHTLINE_TEST_CLUSTER_NODES="$NODES"
export SIGHTLINE_TEST_CLUSTER_CONFIGS="$CONFIGS"
start=$SECONDS
status=0
if [ -n "${SL_CLUSTER_TEST_CMD:-}" ]; then
    bash -c "$SL_CLUSTER_TEST_CMD" || status=$?
else
    cargo test -p sightline --locked --test api -- cluster:: --test-threads=1 || status=$?
fi
info "cluster tests took $((SECONDS - start)) s (exit $status)"
exit "$status"
