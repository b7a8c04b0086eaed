#!/usr/bin/env bash
# scripts/test-cluster.sh — the ClickHouse cluster suite (issue 18, "Past one machine").
#
# Starts, on loopback ports of this machine (scripts/lib/cluster.sh):
#   * one ZooKeeper (Debian's `zookeeper` package, installed when missing),
#   * four ClickHouse servers (Debian's 18.16): cluster `sightline`, 2 shards
#     × 2 replicas, each with its own config under .tmp/test-cluster/chN
#     (scripts/lib/services.sh's start_clickhouse plus remote_servers,
#     macros, zookeeper and an interserver port),
# then runs the `cluster::` tests of server/tests/api (server/tests/api/cluster/),
# which start two `sightline serve` processes behind the real Caddy, stop
# and restart replicas and a server, and compare with a single-node run.
# Stops everything it started, also on failure or Ctrl-C.
#
# Needs what scripts/test.sh provides (Postgres on 127.0.0.1:5432 and
# SIGHTLINE_TEST_DATABASE_URL / SIGHTLINE_TEST_CLICKHOUSE_URL for the
# single-node comparison). Environment passed to the tests:
#   SIGHTLINE_TEST_CLUSTER_NAME     the cluster's name in remote_servers
#   SIGHTLINE_TEST_CLUSTER_NODES    HTTP URLs: shard 1 replica 1, s1r2, s2r1, s2r2
#   SIGHTLINE_TEST_CLUSTER_CONFIGS  their config.xml paths (to stop and restart a node)
# Optional: SL_CLUSTER_TEST_CMD runs this command instead of the tests
# (e.g. `sleep 600` to keep the cluster up while debugging).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SL_ROOT="$(pwd)"
# shellcheck source=scripts/lib/services.sh
source "$SL_ROOT/scripts/lib/services.sh"
# shellcheck source=scripts/lib/cluster.sh
source "$SL_ROOT/scripts/lib/cluster.sh"

cluster_cleanup() {
    stop_ch_cluster
    sl_cleanup
}
trap cluster_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$SECONDS
section "Packages (caddy; zookeeper and clickhouse-server come with the cluster)"
command -v caddy >/dev/null 2>&1 || ensure_apt_packages caddy
command -v curl >/dev/null 2>&1 || ensure_apt_packages curl
info "ok"

section "ZooKeeper and ClickHouse: 2 shards x 2 replicas"
start_ch_cluster "$SL_ROOT/.tmp/test-cluster"

section "Cluster tests (server/tests/api/cluster/)"
export SIGHTLINE_TEST_CLUSTER_NAME="$SL_CLUSTER_NAME"
export SIGHTLINE_TEST_CLUSTER_NODES="$SL_CLUSTER_NODES"
export SIGHTLINE_TEST_CLUSTER_CONFIGS="$SL_CLUSTER_CONFIGS"
status=0
if [ -n "${SL_CLUSTER_TEST_CMD:-}" ]; then
    bash -c "$SL_CLUSTER_TEST_CMD" || status=$?
else
    # The packages of scripts/test.sh's run (SL_CARGO_PACKAGES): the test
    # binary it built is reused, not compiled again with other features.
    cargo test "${SL_CARGO_PACKAGES[@]}" --locked --test api -- cluster:: --test-threads=1 || status=$?
fi
info "cluster suite took $((SECONDS - started)) s, services included (exit $status)"
exit "$status"
