# shellcheck shell=bash
# scripts/lib/cluster.sh — a ClickHouse cluster on one machine, for the cluster
# tests (scripts/test-cluster.sh) and the cluster benchmark (bench/ingest.sh).
# Source after scripts/lib/services.sh.
#
#   start_ch_cluster DIR   ZooKeeper (Debian's `zookeeper`, installed when missing)
#                          and four clickhouse-server 18.16 nodes, cluster
#                          `sightline` = 2 shards x 2 replicas, on free loopback
#                          ports, configs and data under DIR; sets
#                          SL_CLUSTER_NAME, SL_CLUSTER_NODES (HTTP URLs s1r1,s1r2,s2r1,s2r2)
#                          and SL_CLUSTER_CONFIGS (their config.xml paths)
#   stop_ch_cluster        stops what start_ch_cluster started (nodes by config
#                          path, so a node a test restarted is stopped too)

SL_CLUSTER_NAME=sightline
SL_CLUSTER_NODES=""
SL_CLUSTER_CONFIGS=""
SL_ZK_PID=""
SL_CLUSTER_NODE_DIRS=()

# Stops a clickhouse-server of ours by its config path.
_stop_ch_node() {
    local pids
    mapfile -t pids < <(_pids_with_arg "--config-file=$1/config.xml")
    [ "${#pids[@]}" -gt 0 ] && _kill_and_wait 30 "${pids[@]}"
    return 0
}

stop_ch_cluster() {
    local d
    for d in "${SL_CLUSTER_NODE_DIRS[@]}"; do _stop_ch_node "$d"; done
    SL_CLUSTER_NODE_DIRS=()
    if [ -n "$SL_ZK_PID" ] && kill -0 "$SL_ZK_PID" 2>/dev/null; then
        info "stopping ZooKeeper (pid $SL_ZK_PID)"
        _kill_and_wait 20 "$SL_ZK_PID"
    fi
    SL_ZK_PID=""
}

# The first free port from $1 on (nothing listening on 127.0.0.1).
_free_port_from() {
    local p="$1"
    while _port_open "$p"; do p=$((p + 1)); done
    echo "$p"
}

_zk_config() { # DIR PORT
    printf '%s\n' "tickTime=500" "initLimit=10" "syncLimit=5" "dataDir=$1/zk/data" \
        "clientPort=$2" "clientPortAddress=127.0.0.1" "admin.enableServer=false" "maxClientCnxns=200"
}

_node_config() { # INTERSERVER_PORT REMOTE_SERVERS ZK_PORT SHARD REPLICA
    printf '%s\n' \
        "<interserver_http_port>$1</interserver_http_port>" \
        "<interserver_http_host>127.0.0.1</interserver_http_host>" \
        "$2" \
        "<zookeeper><node><host>127.0.0.1</host><port>$3</port></node><session_timeout_ms>10000</session_timeout_ms></zookeeper>" \
        "<macros><shard>0$4</shard><replica>r$5</replica></macros>" \
        "<distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>"
}

start_ch_cluster() {
    local dir="$1" cluster="$SL_CLUSTER_NAME" pkgs=() d old i n kind port next shard rep got
    local zk_port remote http=() tcp=() inter=()
    command -v clickhouse-server >/dev/null 2>&1 || pkgs+=(clickhouse-server)
    [ -e /usr/share/java/zookeeper.jar ] || pkgs+=(zookeeper)
    [ "${#pkgs[@]}" -eq 0 ] || ensure_apt_packages "${pkgs[@]}"
    command -v java >/dev/null 2>&1 || die "java not found (Debian's zookeeper package depends on a JRE)"
    [ -n "$dir" ] || die "start_ch_cluster needs a directory"

    # Leftovers of a killed earlier run: their processes go by path, their data with them.
    for d in "$dir"/ch*; do [ -d "$d" ] && _stop_ch_node "$d"; done
    mapfile -t old < <(_pids_with_arg "$dir/zk/zoo.cfg")
    [ "${#old[@]}" -gt 0 ] && _kill_and_wait 20 "${old[@]}"
    rm -rf "$dir"
    mkdir -p "$dir/zk/data"

    zk_port="$(_free_port_from 22181)"
    _zk_config "$dir" "$zk_port" >"$dir/zk/zoo.cfg"
    # Debian's package: the jar and its dependencies in /usr/share/java.
    # shellcheck disable=SC2016  # $$ and $1.. belong to the inner bash
    setsid bash -c 'echo $$ >"$1"; exec java -Xmx256m -cp "$2" -Dzookeeper.log.dir="$3" org.apache.zookeeper.server.ZooKeeperServerMain "$4"' \
        _ "$dir/zk/pid" "/etc/zookeeper/conf:/usr/share/java/*" "$dir/zk" "$dir/zk/zoo.cfg" \
        </dev/null >"$dir/zk/out.log" 2>&1 &
    for ((i = 0; i < 300; i++)); do
        [ -z "$SL_ZK_PID" ] && [ -s "$dir/zk/pid" ] && SL_ZK_PID="$(cat "$dir/zk/pid")"
        _port_open "$zk_port" && break
        [ -n "$SL_ZK_PID" ] && ! kill -0 "$SL_ZK_PID" 2>/dev/null && break
        sleep 0.1
    done
    _port_open "$zk_port" || { tail -n 30 "$dir/zk/out.log" >&2; die "ZooKeeper did not start"; }
    info "ZooKeeper on 127.0.0.1:$zk_port (pid $SL_ZK_PID)"

    # Ports: HTTP, TCP and interserver per node, picked free from 28300 on.
    next=28300
    for n in 0 1 2 3; do
        for kind in http tcp inter; do
            port="$(_free_port_from "$next")"
            next=$((port + 1))
            eval "$kind+=($port)"
        done
    done
    remote="<remote_servers><$cluster>"
    for shard in 0 1; do
        remote+="<shard><internal_replication>true</internal_replication>"
        for rep in 0 1; do
            remote+="<replica><host>127.0.0.1</host><port>${tcp[$((shard * 2 + rep))]}</port></replica>"
        done
        remote+="</shard>"
    done
    remote+="</$cluster></remote_servers>"
    SL_CLUSTER_NODES="" SL_CLUSTER_CONFIGS=""
    for n in 0 1 2 3; do
        d="$dir/ch$((n + 1))"
        mkdir -p "$d"
        shard=$((n / 2 + 1)) rep=$((n % 2 + 1))
        _node_config "${inter[$n]}" "$remote" "$zk_port" "$shard" "$rep" >"$d/cluster.xml"
        SL_CH_HTTP_PORT="${http[$n]}" SL_CH_TCP_PORT="${tcp[$n]}" SL_CH_EXTRA_CONFIG="$d/cluster.xml" \
            start_clickhouse "$d"
        # Stopped by stop_ch_cluster (by config path: tests restart nodes).
        SL_CLUSTER_NODE_DIRS+=("$d")
        SL_CH_PID="" SL_CH_DIR=""
        SL_CLUSTER_NODES+="${SL_CLUSTER_NODES:+,}http://127.0.0.1:${http[$n]}"
        SL_CLUSTER_CONFIGS+="${SL_CLUSTER_CONFIGS:+,}$d/config.xml"
        info "node $((n + 1)): shard $shard replica $rep, HTTP ${http[$n]}"
    done
    got="$(curl -fsS --data-binary "SELECT count() FROM system.clusters WHERE cluster = '$cluster'" "http://127.0.0.1:${http[0]}/")"
    [ "$got" = 4 ] || die "system.clusters lists $got nodes of $cluster, want 4"
}
