#!/bin/bash
# Entrypoint of the ClickHouse stand-in: volumes owned by clickhouse, then the
# server in the foreground with the config compose mounted.
set -euo pipefail
chown clickhouse:clickhouse /var/lib/clickhouse /var/log/clickhouse-server
exec gosu clickhouse clickhouse-server --config-file=/etc/clickhouse-server/config.xml "$@"
