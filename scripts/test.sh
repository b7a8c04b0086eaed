#!/usr/bin/env bash
# scripts/test.sh — THE test command of Sightline.
#
#   ./scripts/test.sh                  run the whole workspace test suite
#   ./scripts/test.sh -- some_filter   extra arguments go to `cargo test` unchanged
#
# On a Debian machine that has only the Rust toolchain it installs what the
# tests need (clickhouse-server, Postgres, curl, python3-venv), then:
#   * creates .tmp/venv with the Python Sentry SDK (a real foreign client) and
#     chdb (ClickHouse 26.x in-process, PyPI `chdb-core`, ~180 MB wheel) and
#     aiosmtpd (the real SMTP server the mail tests start) and
#     openapi-spec-validator (checks the API's OpenAPI document),
#   * starts a throw-away ClickHouse (data in .tmp/test-clickhouse, HTTP 18123),
#   * makes sure Postgres answers on 127.0.0.1:5432 and drops leftover
#     `sightline_test_*` databases of earlier runs,
#   * exports SIGHTLINE_TEST_DATABASE_URL, SIGHTLINE_TEST_CLICKHOUSE_URL and
#     SIGHTLINE_TEST_PYTHON, runs `cargo test --workspace --locked`,
#   * runs scripts/check_clickhouse_modern.py: our ClickHouse SQL on chdb
#     (modern ClickHouse) and on the test ClickHouse (18.16), identically,
#     and every query the tests ran on 18.16 replayed on chdb (from the
#     query log our test ClickHouse keeps),
#   * stops what it started and exits with cargo's exit code (or, if cargo
#     passed, the check's).
#
# Optional environment:
#   SIGHTLINE_TEST_DATABASE_URL / SIGHTLINE_TEST_CLICKHOUSE_URL  use these servers
#                                   instead of starting/finding our own
#   SL_CH_HTTP_PORT / SL_CH_TCP_PORT  ports of the test ClickHouse (18123 / 19000)
#   SIGHTLINE_SKIP_SDK=1            skip the browser SDK, dashboard, deployment, API
#                                   fuzz and Docker tests (scripts/test-sdk.sh,
#                                   test-web.sh, test-deploy.sh, test-api-fuzz.sh,
#                                   test-docker.sh)
#   SIGHTLINE_SKIP_CLUSTER=1        skip the ClickHouse cluster suite (scripts/test-cluster.sh)
#   SIGHTLINE_SKIP_DOCKER=1         skip only the Docker image and compose stack tests
#                                   (scripts/test-docker.sh; needs root or sudo)
#   SIGHTLINE_TEST_CMD              run this shell command instead of cargo test
#                                   (debugging the script itself)
#   CHDB_SPEC                       pip requirement for chdb (default chdb-core>=26)
#   AIOSMTPD_SPEC                   pip requirement for aiosmtpd (default aiosmtpd>=1.4,<2)
#   OPENAPI_VALIDATOR_SPEC          pip requirement for openapi-spec-validator (default >=0.7,<1)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SL_ROOT="$(pwd)"
# shellcheck source=scripts/lib/services.sh
source "$SL_ROOT/scripts/lib/services.sh"
# shellcheck source=scripts/lib/docker.sh
source "$SL_ROOT/scripts/lib/docker.sh"

# The suites after `cargo test` run only without a filter; the Docker one
# also needs neither SKIP variable.
RUN_SUITES=0
if [ $# -eq 0 ] && [ -z "${SIGHTLINE_TEST_CMD:-}" ] && [ -z "${SIGHTLINE_SKIP_SDK:-}" ]; then RUN_SUITES=1; fi
RUN_DOCKER=0
if [ "$RUN_SUITES" -eq 1 ] && [ -z "${SIGHTLINE_SKIP_DOCKER:-}" ]; then RUN_DOCKER=1; fi
EARLY_DOCKER_PID=""
WEB_TOOLS_PID=""

test_cleanup() {
    if [ -n "$WEB_TOOLS_PID" ]; then
        kill -TERM -- "-$WEB_TOOLS_PID" 2>/dev/null || true
        wait "$WEB_TOOLS_PID" 2>/dev/null || true
    fi
    # The background image build (its own process group: the client it waits
    # for gets the signal too), then a dockerd it kept for the Docker suite.
    if [ -n "$EARLY_DOCKER_PID" ]; then
        kill -TERM -- "-$EARLY_DOCKER_PID" 2>/dev/null || true
        wait "$EARLY_DOCKER_PID" 2>/dev/null || true
    fi
    stop_kept_docker_engine
    sl_cleanup
}
trap test_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TMP_DIR="$SL_ROOT/.tmp"
VENV="$TMP_DIR/venv"
SENTRY_SDK_SPEC="${SENTRY_SDK_SPEC:-sentry-sdk>=2,<3}"
CHDB_SPEC="${CHDB_SPEC:-chdb-core>=26}"
AIOSMTPD_SPEC="${AIOSMTPD_SPEC:-aiosmtpd>=1.4,<2}"
OPENAPI_VALIDATOR_SPEC="${OPENAPI_VALIDATOR_SPEC:-openapi-spec-validator>=0.7,<1}"
mkdir -p "$TMP_DIR"

# ---------------------------------------------------------------------------
section "System packages"
# One apt-get run for everything missing (Postgres is handled further down).
pkgs=(curl)
PYTHON=python3
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    pkgs+=(python3 python3-venv)
    PYTHON=/usr/bin/python3
fi
command -v clickhouse-server >/dev/null 2>&1 || pkgs+=(clickhouse-server)
# Caddy: the restart test (server/tests/api/restart.rs) runs it in front of the server.
command -v caddy >/dev/null 2>&1 || pkgs+=(caddy)
# The Docker suite's packages now: its image build starts in the background
# below, and must not wait on apt's lock while another suite installs.
if [ "$RUN_DOCKER" -eq 1 ]; then mapfile -t -O "${#pkgs[@]}" pkgs < <(docker_missing_packages); fi
ensure_apt_packages "${pkgs[@]}"
ensure_clickhouse_installed
info "ok"

# ---------------------------------------------------------------------------
section "Python venv with the Sentry SDK, chdb, aiosmtpd and openapi-spec-validator ($VENV)"
if ! "$VENV/bin/python" -c 'import sentry_sdk' >/dev/null 2>&1; then
    if ! "$VENV/bin/python" -c 'pass' >/dev/null 2>&1; then
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$SENTRY_SDK_SPEC"
fi
info "sentry-sdk $("$VENV/bin/python" -c 'import sentry_sdk; print(sentry_sdk.VERSION)')"
if ! "$VENV/bin/python" -c 'import chdb' >/dev/null 2>&1; then
    info "installing $CHDB_SPEC (~180 MB download, once)"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$CHDB_SPEC"
fi
info "chdb $("$VENV/bin/python" -c 'import chdb; print(chdb.__version__)')"
if ! "$VENV/bin/python" -c 'import aiosmtpd' >/dev/null 2>&1; then
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$AIOSMTPD_SPEC"
fi
info "aiosmtpd $("$VENV/bin/python" -c 'import aiosmtpd; print(aiosmtpd.__version__)') (the real SMTP server of the mail tests)"
if ! "$VENV/bin/python" -c 'import openapi_spec_validator' >/dev/null 2>&1; then
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$OPENAPI_VALIDATOR_SPEC"
fi
info "openapi-spec-validator $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("openapi-spec-validator"))') (checks /api/v1/openapi.json)"

# ---------------------------------------------------------------------------
section "ClickHouse"
REPLAY=()
if [ -n "${SIGHTLINE_TEST_CLICKHOUSE_URL:-}" ]; then
    info "using SIGHTLINE_TEST_CLICKHOUSE_URL=$SIGHTLINE_TEST_CLICKHOUSE_URL"
else
    CH_DIR="$TMP_DIR/test-clickhouse"
    # Stop a server left running by a killed run, then start from empty data.
    for pid in $(_pids_with_arg "--config-file=$CH_DIR/config.xml"); do
        info "stopping leftover clickhouse-server (pid $pid)"
        _kill_and_wait 20 "$pid"
    done
    rm -rf "$CH_DIR"
    SL_CH_QUERY_LOG=1 start_clickhouse "$CH_DIR"
    REPLAY=(--replay-query-log)  # our server logs queries: replay them on chdb
    SIGHTLINE_TEST_CLICKHOUSE_URL="http://127.0.0.1:$SL_CH_HTTP_PORT"
fi

# ---------------------------------------------------------------------------
section "Postgres"
if [ -n "${SIGHTLINE_TEST_DATABASE_URL:-}" ]; then
    info "using SIGHTLINE_TEST_DATABASE_URL=$SIGHTLINE_TEST_DATABASE_URL"
    command -v psql >/dev/null 2>&1 || ensure_apt_packages postgresql-client
else
    ensure_postgres
    SIGHTLINE_TEST_DATABASE_URL="$SL_PG_ADMIN_URL"
fi
# Databases of earlier (killed) runs. Databases still in use, e.g. by a
# concurrent run, are left alone: no FORCE.
leftovers="$(PGCONNECT_TIMEOUT=5 psql -X -w -At -d "$SIGHTLINE_TEST_DATABASE_URL" \
    -c "SELECT datname FROM pg_database WHERE datname LIKE 'sightline\\_test\\_%'")"
n_dropped=0
for db in $leftovers; do
    if psql -X -w -q -d "$SIGHTLINE_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1; then
        n_dropped=$((n_dropped + 1))
    else
        info "left $db alone (in use)"
    fi
done
info "dropped $n_dropped leftover test database(s)"

# ---------------------------------------------------------------------------
export SIGHTLINE_TEST_DATABASE_URL SIGHTLINE_TEST_CLICKHOUSE_URL
export SIGHTLINE_TEST_PYTHON="$VENV/bin/python"
section "Environment"
info "SIGHTLINE_TEST_DATABASE_URL=$SIGHTLINE_TEST_DATABASE_URL"
info "SIGHTLINE_TEST_CLICKHOUSE_URL=$SIGHTLINE_TEST_CLICKHOUSE_URL"
info "SIGHTLINE_TEST_PYTHON=$SIGHTLINE_TEST_PYTHON"

# ---------------------------------------------------------------------------
# What the run adds to the Rust toolchain, first: the image build below
# copies this toolchain into its Rust image with tar, which fails on files
# that change while it reads them.
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
if [ "$RUN_SUITES" -eq 1 ] && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi

# The dashboard's Rust tools (wasm-bindgen-cli, wasm-split-cli: about 7
# minutes of compiling, once) in the background, for the dashboard suite.
if [ "$RUN_SUITES" -eq 1 ]; then
    section "Dashboard build tools: in the background, at nice 19 (log: .tmp/web-tools.log)"
    setsid nice -n 19 "$SL_ROOT/scripts/build-web.sh" --tools-only >"$TMP_DIR/web-tools.log" 2>&1 </dev/null &
    WEB_TOOLS_PID=$!
    info "pid $WEB_TOOLS_PID"
fi

# The Docker image build takes 10-20 minutes of CPU on 2 cores, but the suites
# below spend much of their time waiting (on ClickHouse, browsers, restarts).
# So the build starts now, at the lowest priority (dockerd and every build
# step at nice 19), and uses the CPU they leave; the Docker suite at the end
# finds the image built and every step cached.
if [ "$RUN_DOCKER" -eq 1 ]; then
    mkdir -p "$TMP_DIR/docker"
    section "Docker image build: in the background, at nice 19 (log: .tmp/docker/early.log)"
    SL_DOCKERD_NICE=19 setsid nice -n 19 "$SL_ROOT/scripts/test-docker.sh" --build-only \
        >"$TMP_DIR/docker/early.log" 2>&1 </dev/null &
    EARLY_DOCKER_PID=$!
    info "pid $EARLY_DOCKER_PID"
fi

rc=0
if [ -n "${SIGHTLINE_TEST_CMD:-}" ]; then
    section "Tests: $SIGHTLINE_TEST_CMD"
    bash -c "$SIGHTLINE_TEST_CMD" || rc=$?
else
    # Formatting (rustfmt.toml) first: a few seconds, and it names the files.
    section "Format: cargo fmt --all -- --check"
    cargo fmt --all -- --check -l || { rc=1; info "run \`cargo fmt --all\` to format these files"; }
    # The dashboard crate (web/) is tested by scripts/test-web.sh, for the
    # target it ships on; a host build of Leptos here would only cost minutes.
    section "Tests: cargo test ${SL_CARGO_PACKAGES[*]} --locked $*"
    cargo test "${SL_CARGO_PACKAGES[@]}" --locked "$@" || rc=$?
fi

# The ClickHouse cluster suite (scripts/test-cluster.sh): ZooKeeper, 2 shards
# x 2 replicas of ClickHouse, two servers behind Caddy. Skipped when cargo
# test gets a filter.
if [ $# -eq 0 ] && [ -z "${SIGHTLINE_TEST_CMD:-}" ] && [ -z "${SIGHTLINE_SKIP_CLUSTER:-}" ]; then
    section "ClickHouse cluster: 2 shards x 2 replicas, two servers"
    cluster_rc=0
    "$SL_ROOT/scripts/test-cluster.sh" || cluster_rc=$?
    if [ "$rc" -eq 0 ]; then rc="$cluster_rc"; fi
fi

section "ClickHouse SQL on modern ClickHouse (chdb) and on $SIGHTLINE_TEST_CLICKHOUSE_URL"
check_rc=0
"$VENV/bin/python" scripts/check_clickhouse_modern.py \
    --clickhouse-url "$SIGHTLINE_TEST_CLICKHOUSE_URL" "${REPLAY[@]}" || check_rc=$?
if [ "$rc" -eq 0 ]; then rc="$check_rc"; fi

# The browser SDK's unit and end-to-end tests (real Chromium, real server,
# same ClickHouse and Postgres). Skipped when cargo test gets a filter.
if [ "$RUN_SUITES" -eq 1 ]; then
    section "Browser SDK (sdk-js): unit and end-to-end tests"
    sdk_rc=0
    "$SL_ROOT/scripts/test-sdk.sh" || sdk_rc=$?
    if [ "$rc" -eq 0 ]; then rc="$sdk_rc"; fi

    # The dashboard: wasm build (scripts/build-web.sh), its unit tests, and
    # end-to-end tests in Chromium against the real server.
    section "Dashboard (web): build, unit and end-to-end tests"
    # The tools must be in place before build-web.sh looks for them (else it
    # would start a second `cargo install` of each).
    tools_rc=0
    wait "$WEB_TOOLS_PID" || tools_rc=$?
    WEB_TOOLS_PID=""
    info "the background tool build ended with exit code $tools_rc (log: .tmp/web-tools.log)"
    [ "$tools_rc" -eq 0 ] || sed 's/^/    | /' "$TMP_DIR/web-tools.log" >&2
    web_rc=0
    "$SL_ROOT/scripts/test-web.sh" || web_rc=$?
    if [ "$rc" -eq 0 ]; then rc="$web_rc"; fi

    # docker-compose.yaml and Caddyfile validation, and real Caddy in front
    # of the real server (no Docker engine exists on these machines).
    section "Deployment files and Caddy in front of the server"
    deploy_rc=0
    "$SL_ROOT/scripts/test-deploy.sh" || deploy_rc=$?
    if [ "$rc" -eq 0 ]; then rc="$deploy_rc"; fi

    # The dashboard API under schemathesis (its OpenAPI document against the
    # real server), with a session cookie and with an API token.
    section "Dashboard API fuzzing (schemathesis)"
    api_fuzz_rc=0
    "$SL_ROOT/scripts/test-api-fuzz.sh" || api_fuzz_rc=$?
    if [ "$rc" -eq 0 ]; then rc="$api_fuzz_rc"; fi

    # The image from the shipped Dockerfile and the shipped compose stack under
    # a real Docker Engine (local base images: no registry is reachable here).
    if [ "$RUN_DOCKER" -eq 1 ]; then
        section "Docker image and compose stack"
        if [ -n "$EARLY_DOCKER_PID" ]; then
            early_rc=0
            wait "$EARLY_DOCKER_PID" || early_rc=$?
            EARLY_DOCKER_PID=""
            info "the background image build ended with exit code $early_rc; its log:"
            sed 's/^/    | /' "$TMP_DIR/docker/early.log" >&2
        fi
        docker_rc=0
        "$SL_ROOT/scripts/test-docker.sh" || docker_rc=$?
        if [ "$rc" -eq 0 ]; then rc="$docker_rc"; fi
    fi
fi

section "Cleanup"
sl_cleanup
if [ "$rc" -eq 0 ]; then
    section "PASSED"
else
    section "FAILED (exit code $rc)"
fi
exit "$rc"
