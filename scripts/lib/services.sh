# shellcheck shell=bash
# scripts/lib/services.sh — helpers sourced by scripts/test.sh and scripts/run.sh.
#
# Provides, for a Debian machine (bare or already set up):
#   section / info / warn / die      output helpers
#   ensure_apt_packages PKG...       install missing Debian packages (one apt-get update per run)
#   render_clickhouse_config DIR     copy deploy/clickhouse/*.xml into DIR with paths/ports replaced
#                                    (SL_CH_QUERY_LOG=1: plus a query log, for tests;
#                                    SL_CH_EXTRA_CONFIG=FILE: XML elements added to
#                                    config.xml, e.g. remote_servers/macros/zookeeper)
#   start_clickhouse DIR             render config, start clickhouse-server in the background,
#                                    wait for /ping (30 s); ports from SL_CH_HTTP_PORT/SL_CH_TCP_PORT
#   stop_clickhouse                  stop the server start_clickhouse started
#   ensure_postgres                  make a Postgres answer on 127.0.0.1:5432, set SL_PG_ADMIN_URL
#   stop_postgres_if_started         stop the cluster ensure_postgres started (if it did)
#   start_private_postgres DIR PORT  own Postgres instance with data in DIR (scripts/run.sh)
#   stop_private_postgres            stop it again
#   sl_cleanup                       all of the stop_* above; scripts install it with `trap`
#   build_server_debug               target/debug/sightline, built as `cargo test` builds it (--no-run)
#
# Every function is idempotent; processes left over by a killed earlier run are
# recognised by the exact config/data path in their command line and stopped.
# No `set -e` here: the sourcing script chooses its options (ours use -euo pipefail).

SL_ROOT="${SL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

SL_CH_HTTP_PORT="${SL_CH_HTTP_PORT:-18123}"
SL_CH_TCP_PORT="${SL_CH_TCP_PORT:-19000}"

# State of what this run started (consulted by the stop functions).
SL_APT_UPDATED=0
SL_CH_PID=""
SL_CH_DIR=""
SL_PG_STARTED_CLUSTER=""   # "VERSION NAME" of a Debian cluster we started
SL_PG_ADMIN_URL=""
SL_PRIV_PG_DIR=""
SL_PRIV_PG_BIN=""
SL_PRIV_PG_OWNER=""

# ---------------------------------------------------------------- output
if [ -t 2 ]; then _B=$'\033[1m' _Y=$'\033[33m' _R=$'\033[31m' _N=$'\033[0m'; else _B="" _Y="" _R="" _N=""; fi
# Each section header carries the minutes:seconds since the outermost script
# began (SL_T0 is exported, so the suites scripts/test.sh calls share it):
# the log of a whole run then shows where its time went.
SL_T0="${SL_T0:-$(date +%s)}"
export SL_T0
section() {
    local t=$(($(date +%s) - SL_T0))
    printf '\n%s==> %s%s  [%d:%02d]\n' "$_B" "$*" "$_N" $((t / 60)) $((t % 60)) >&2
}
info()    { printf '    %s\n' "$*" >&2; }
warn()    { printf '%swarning:%s %s\n' "$_Y" "$_N" "$*" >&2; }
die()     { printf '%serror:%s %s\n' "$_R" "$_N" "$*" >&2; exit 1; }

# Run a command as root (directly, or through sudo when we are not root).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# Run a command as OS user $1 (used for Postgres, which refuses to run as root).
as_user() {
    local user="$1"; shift
    if [ "$(id -un)" = "$user" ]; then
        "$@"
    elif [ "$(id -u)" -eq 0 ]; then
        runuser -u "$user" -- "$@"
    else
        sudo -u "$user" -- "$@"
    fi
}

# ---------------------------------------------------------------- apt
_apt_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# ensure_apt_packages PKG... — install the packages that are missing.
ensure_apt_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        _apt_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get"
    info "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    local log
    log="$(mktemp)"
    if [ "$SL_APT_UPDATED" -eq 0 ]; then
        as_root apt-get -q -o DPkg::Lock::Timeout=300 update >"$log" 2>&1 \
            || { cat "$log" >&2; rm -f "$log"; die "apt-get update failed"; }
        SL_APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
        install --no-install-recommends "${missing[@]}" >"$log" 2>&1 \
        || { cat "$log" >&2; rm -f "$log"; die "apt-get install ${missing[*]} failed"; }
    rm -f "$log"
}

# ---------------------------------------------------------------- processes
# Print the pids of processes whose command line contains the string $1.
_pids_with_arg() {
    local needle="$1" d pid args
    for d in /proc/[0-9]*; do
        pid="${d#/proc/}"
        [ "$pid" = "$$" ] && continue
        mapfile -d '' -t args <"$d/cmdline" 2>/dev/null || continue
        if [[ " ${args[*]} " == *"$needle"* ]]; then echo "$pid"; fi
    done
}

# _kill_and_wait SECONDS PID... — SIGTERM, wait, then SIGKILL what is left.
_kill_and_wait() {
    local secs="$1" pid i alive; shift
    [ "$#" -eq 0 ] && return 0
    kill -TERM "$@" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
        alive=0
        for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" -eq 0 ] && return 0
        sleep 0.1
    done
    kill -KILL "$@" 2>/dev/null || true
    sleep 0.2
}

# Is anything accepting TCP connections on 127.0.0.1:$1?
_port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ---------------------------------------------------------------- ClickHouse
# render_clickhouse_config DIR — write DIR/config.xml and DIR/users.xml from
# deploy/clickhouse with data, logs and ports of this instance.
render_clickhouse_config() {
    local dir="$1" src="$SL_ROOT/deploy/clickhouse"
    mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
    sed -e "s#<path>[^<]*</path>#<path>$dir/data/</path>#" \
        -e "s#<tmp_path>[^<]*</tmp_path>#<tmp_path>$dir/tmp/</tmp_path>#" \
        -e "s#<user_files_path>[^<]*</user_files_path>#<user_files_path>$dir/user_files/</user_files_path>#" \
        -e "s#<format_schema_path>[^<]*</format_schema_path>#<format_schema_path>$dir/format_schemas/</format_schema_path>#" \
        -e "s#<log>[^<]*</log>#<log>$dir/log/clickhouse-server.log</log>#" \
        -e "s#<errorlog>[^<]*</errorlog>#<errorlog>$dir/log/clickhouse-server.err.log</errorlog>#" \
        -e "s#<http_port>[^<]*</http_port>#<http_port>$SL_CH_HTTP_PORT</http_port>#" \
        -e "s#<tcp_port>[^<]*</tcp_port>#<tcp_port>$SL_CH_TCP_PORT</tcp_port>#" \
        "$src/config.xml" >"$dir/config.xml"
    cp "$src/users.xml" "$dir/users.xml"
    if [ -n "${SL_CH_EXTRA_CONFIG:-}" ]; then
        # Cluster nodes (scripts/test-cluster.sh): their own sections, before the root's end.
        awk -v f="$SL_CH_EXTRA_CONFIG" '/<\/yandex>/ { while ((getline l < f) > 0) print l } { print }' \
            "$dir/config.xml" >"$dir/config.xml.new" && mv "$dir/config.xml.new" "$dir/config.xml"
    fi
    if [ "${SL_CH_QUERY_LOG:-}" = 1 ]; then
        # Test servers only: keep every query in system.query_log so
        # scripts/check_clickhouse_modern.py can replay them on modern ClickHouse.
        sed -i -e 's#</yandex>#<query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log></yandex>#' \
            "$dir/config.xml"
        sed -i -e 's#<log_queries>0</log_queries>#<log_queries>1</log_queries>#' "$dir/users.xml"
    fi
}

# ensure_clickhouse_installed — clickhouse-server binary from Debian if missing.
ensure_clickhouse_installed() {
    command -v clickhouse-server >/dev/null 2>&1 || ensure_apt_packages clickhouse-server
    command -v clickhouse-server >/dev/null 2>&1 || die "clickhouse-server not found after install"
}

# start_clickhouse DIR — start a clickhouse-server whose config/data live in DIR.
# The data in DIR is kept (callers wanting a clean slate remove DIR first).
start_clickhouse() {
    local dir="$1" url pids i
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    url="http://127.0.0.1:$SL_CH_HTTP_PORT"
    ensure_clickhouse_installed
    command -v curl >/dev/null 2>&1 || ensure_apt_packages curl

    # A server from an earlier, killed run with this very config: stop it.
    mapfile -t pids < <(_pids_with_arg "--config-file=$dir/config.xml")
    if [ "${#pids[@]}" -gt 0 ]; then
        info "stopping leftover clickhouse-server (pid ${pids[*]})"
        _kill_and_wait 20 "${pids[@]}"
    fi
    if _port_open "$SL_CH_HTTP_PORT" || _port_open "$SL_CH_TCP_PORT"; then
        die "port $SL_CH_HTTP_PORT or $SL_CH_TCP_PORT is taken by another process; set SL_CH_HTTP_PORT/SL_CH_TCP_PORT"
    fi

    render_clickhouse_config "$dir"
    rm -f "$dir/clickhouse.pid"
    # Own session: a Ctrl-C in the terminal must not reach the server directly;
    # the calling script stops it in order.
    # shellcheck disable=SC2016  # $$, $1, $2 belong to the inner bash
    setsid bash -c 'echo $$ >"$1"; exec clickhouse-server --config-file="$2"' \
        _ "$dir/clickhouse.pid" "$dir/config.xml" \
        </dev/null >"$dir/log/stdout.log" 2>&1 &
    SL_CH_DIR="$dir"
    for ((i = 0; i < 300; i++)); do
        [ -z "$SL_CH_PID" ] && [ -s "$dir/clickhouse.pid" ] && SL_CH_PID="$(cat "$dir/clickhouse.pid")"
        if [ "$(curl -fsS --max-time 1 "$url/ping" 2>/dev/null)" = "Ok." ]; then
            info "ClickHouse $(curl -fsS --data-binary 'SELECT version()' "$url/") ready on $url (pid $SL_CH_PID)"
            return 0
        fi
        if [ -n "$SL_CH_PID" ] && ! kill -0 "$SL_CH_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    warn "clickhouse-server did not come up; last log lines:"
    tail -n 20 "$dir/log/stdout.log" "$dir/log/clickhouse-server.err.log" >&2 2>/dev/null || true
    stop_clickhouse
    die "ClickHouse failed to start (config $dir/config.xml)"
}

stop_clickhouse() {
    [ -n "$SL_CH_DIR" ] || return 0
    local pids=()
    [ -n "$SL_CH_PID" ] && kill -0 "$SL_CH_PID" 2>/dev/null && pids+=("$SL_CH_PID")
    if [ "${#pids[@]}" -gt 0 ]; then
        info "stopping ClickHouse (pid ${pids[*]})"
        _kill_and_wait 30 "${pids[@]}"
    fi
    rm -f "$SL_CH_DIR/clickhouse.pid"
    SL_CH_PID=""
    SL_CH_DIR=""
}

# ---------------------------------------------------------------- Postgres
# Newest Postgres server bin dir from Debian's packages (empty if none).
_pg_bindir() {
    local d
    d="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1)"
    if [ -n "$d" ] && [ -x "$d/postgres" ]; then echo "$d"; fi
}

# _pg_try_url URL — can we run a query with this URL (no prompt, no ~/.pgpass)?
_pg_try_url() {
    PGPASSFILE=/dev/null PGCONNECT_TIMEOUT=5 psql -w -X -q -At -d "$1" -c 'SELECT 1' >/dev/null 2>&1
}

# The Debian cluster configured for port 5432, as "VERSION NAME STATUS".
_pg_cluster_5432() {
    command -v pg_lsclusters >/dev/null 2>&1 || return 0
    pg_lsclusters -h 2>/dev/null | awk '$3 == 5432 { print $1, $2, $4; exit }'
}

_pg_wait_ready() {
    local i
    for ((i = 0; i < 300; i++)); do
        pg_isready -q -h 127.0.0.1 -p "${1:-5432}" && return 0
        sleep 0.1
    done
    return 1
}

# ensure_postgres — a Postgres server on 127.0.0.1:5432 usable as user
# `postgres` over TCP; sets SL_PG_ADMIN_URL (…/postgres database).
# Uses what is running; else starts the Debian cluster on 5432; else installs
# Postgres from Debian (then, and only then, sets the password 'postgres').
ensure_postgres() {
    local cluster ver name status we_installed=0
    if ! command -v psql >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
        if _port_open 5432; then
            ensure_apt_packages postgresql-client
        else
            ensure_apt_packages postgresql
            we_installed=1
        fi
    fi

    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        cluster="$(_pg_cluster_5432)"
        if [ -z "$cluster" ]; then
            if [ -z "$(_pg_bindir)" ]; then
                ensure_apt_packages postgresql
                we_installed=1
                cluster="$(_pg_cluster_5432)"   # Debian's postinst creates "main"
            fi
            if [ -z "$cluster" ]; then
                ver="$(basename "$(dirname "$(_pg_bindir)")")"
                info "creating Postgres $ver cluster 'sightline' on port 5432"
                as_root pg_createcluster "$ver" sightline --port 5432 >/dev/null
                we_installed=1
                cluster="$(_pg_cluster_5432)"
            fi
        fi
        read -r ver name status <<<"$cluster"
        if [ "$status" != "online" ]; then
            info "starting Postgres cluster $ver/$name"
            as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start \
                || die "could not start Postgres cluster $ver/$name"
            SL_PG_STARTED_CLUSTER="$ver $name"
        fi
        _pg_wait_ready 5432 || die "Postgres on 127.0.0.1:5432 did not become ready"
    fi

    if [ "$we_installed" -eq 1 ]; then
        # Fresh Debian install: pg_hba uses scram for 127.0.0.1; give the
        # superuser a known password instead of weakening authentication.
        as_user postgres psql -X -q -c "ALTER USER postgres PASSWORD 'postgres'" >/dev/null \
            || die "could not set the postgres password"
    fi

    local url
    for url in "postgres://postgres@127.0.0.1:5432/postgres" \
               "postgres://postgres:postgres@127.0.0.1:5432/postgres"; do
        if _pg_try_url "$url"; then
            SL_PG_ADMIN_URL="$url"
            info "Postgres $(psql -X -At -d "$url" -c 'SHOW server_version' 2>/dev/null) ready: $url"
            return 0
        fi
    done
    die "Postgres answers on 127.0.0.1:5432 but neither trust nor password 'postgres' works for user postgres; set the URL yourself (e.g. SIGHTLINE_TEST_DATABASE_URL)"
}

stop_postgres_if_started() {
    [ -n "$SL_PG_STARTED_CLUSTER" ] || return 0
    local ver name
    read -r ver name <<<"$SL_PG_STARTED_CLUSTER"
    info "stopping Postgres cluster $ver/$name (started by this run)"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" stop -m fast || true
    SL_PG_STARTED_CLUSTER=""
}

# start_private_postgres DIR PORT — own instance (data DIR, 127.0.0.1:PORT,
# no Unix socket, scram password kept in DIR.password). Reuses an instance
# still running on DIR from an earlier run. Sets SL_PG_ADMIN_URL.
start_private_postgres() {
    local dir="$1" port="$2" bin owner pwfile
    [ -n "$(_pg_bindir)" ] || ensure_apt_packages postgresql
    bin="$(_pg_bindir)"
    [ -n "$bin" ] || die "no Postgres server binaries found under /usr/lib/postgresql"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    pwfile="$dir.password"
    owner="$(id -un)"
    [ "$(id -u)" -eq 0 ] && owner=postgres   # Postgres refuses to run as root

    if [ "$owner" != "$(id -un)" ]; then
        as_root chown "$owner": "$dir"
        as_root chmod 700 "$dir"
        as_user "$owner" test -x "$dir" \
            || die "OS user $owner cannot reach $dir (a parent directory is not searchable); move the repository or run as a normal user"
    fi

    if [ ! -s "$dir/PG_VERSION" ]; then
        info "initialising private Postgres in $dir"
        [ -s "$pwfile" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$pwfile")
        local tmp_pw
        tmp_pw="$(mktemp)"
        cp "$pwfile" "$tmp_pw"
        [ "$owner" != "$(id -un)" ] && as_root chown "$owner": "$tmp_pw"
        as_user "$owner" "$bin/initdb" -D "$dir" -U postgres --pwfile="$tmp_pw" \
            --auth-host=scram-sha-256 --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null \
            || { rm -f "$tmp_pw"; die "initdb failed"; }
        rm -f "$tmp_pw"
        as_user "$owner" sh -c "cat >>'$dir/postgresql.conf'" <<'EOF'

# --- added by scripts/run.sh (Sightline private instance) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
shared_buffers = 64MB
max_connections = 50
EOF
    fi
    [ -s "$pwfile" ] || die "password file $pwfile missing (remove $dir to re-initialise)"

    SL_PRIV_PG_DIR="$dir"
    SL_PRIV_PG_BIN="$bin"
    SL_PRIV_PG_OWNER="$owner"
    if as_user "$owner" "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        info "private Postgres already running on $dir (left by an earlier run)"
    else
        info "starting private Postgres on 127.0.0.1:$port"
        # setsid: keep a terminal Ctrl-C from shutting Postgres down before the server drains.
        as_user "$owner" setsid "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" \
            -o "-p $port" -w -t 60 start </dev/null >/dev/null \
            || { tail -n 20 "$dir/server.log" >&2; die "private Postgres failed to start"; }
    fi
    _pg_wait_ready "$port" || die "private Postgres on 127.0.0.1:$port not ready"
    SL_PG_ADMIN_URL="postgres://postgres:$(cat "$pwfile")@127.0.0.1:$port/postgres"
    _pg_try_url "$SL_PG_ADMIN_URL" || die "cannot log in to private Postgres on port $port (another server on that port?)"
}

stop_private_postgres() {
    [ -n "$SL_PRIV_PG_DIR" ] || return 0
    info "stopping private Postgres"
    as_user "$SL_PRIV_PG_OWNER" "$SL_PRIV_PG_BIN/pg_ctl" -D "$SL_PRIV_PG_DIR" -m fast -w stop >/dev/null 2>&1 || true
    SL_PRIV_PG_DIR=""
}

# ---------------------------------------------------------------- build
# The debug server binary the browser suites start, as scripts/test.sh's
# `cargo test` builds it: the same packages (the workspace without the wasm
# dashboard) and test mode, in which cargo also turns on the features the
# dev-dependencies ask of shared crates (tokio, libc, ...). After that run
# this finds target/debug/sightline and every crate fresh. Both
# `cargo build -p sightline` and `cargo build --bin sightline` resolve other
# features and compile most crates, and the server, again (6 minutes on 2 cores).
SL_CARGO_PACKAGES=(--workspace --exclude sightline-web)
build_server_debug() {
    cargo test "${SL_CARGO_PACKAGES[@]}" --locked --no-run
    [ -x "$SL_ROOT/target/debug/sightline" ] || die "cargo test --no-run left no target/debug/sightline"
}

# ---------------------------------------------------------------- cleanup
sl_cleanup() {
    stop_clickhouse
    stop_private_postgres
    stop_postgres_if_started
}
