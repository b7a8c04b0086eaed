# shellcheck shell=bash
# scripts/lib/docker-stack.sh — the shipped compose stack under a Docker Engine,
# shared by scripts/test-docker.sh (the checks) and bench/docker-stack.sh (the
# memory figures), so both run exactly the same stack.
#
# Source after scripts/lib/services.sh and scripts/lib/docker.sh, with SL_ROOT set
# and the working directory at the repository root. Provides:
#   stack_prepare          Docker Engine, local base images and stand-ins, the
#                          local-mode .env, and the image/port variables compose reads
#   stack_build [LABEL]    builds the server image (docker-compose build), records the time
#   stack_up               `--profile caddy up -d` from empty volumes, until healthy;
#                          records the time and the idle memory
#   stack_project_create   `project create Shop`: sets DSN, KEY and PROJECT
#   stack_cleanup          removes what the run started (call from an EXIT trap)
#   record, compose, cid, ch_query, mem_snapshot, verify_load, wait_healthy, now, elapsed
# Timings and sizes go to $RESULTS (.tmp/docker/results.txt).

WORK="$SL_ROOT/.tmp/docker"
RESULTS="$WORK/results.txt"
ENV_MARK="# written by scripts/test-docker.sh"
LOAD_RATE="${SL_DOCKER_LOAD_RATE:-100}"
export COMPOSE_PROJECT_NAME=sightline-dockertest
STACK_UP=0
LAYERED=0

stack_cleanup() {
    local rc=$?
    if [ "$LAYERED" -eq 1 ] && [ -z "${SL_DOCKER_KEEP:-}" ]; then
        for p in app databases; do
            "$SL_COMPOSE" --project-directory . -p "sightline-dockertest-$p" -f "deploy/compose/$p.yaml" \
                --profile caddy down -v --remove-orphans >/dev/null 2>&1 || true
        done
        "$SL_DOCKER" network rm "$SIGHTLINE_NETWORK" >/dev/null 2>&1 || true
    fi
    if [ "$STACK_UP" -eq 1 ] && [ -z "${SL_DOCKER_KEEP:-}" ]; then
        [ "$rc" -ne 0 ] && compose ps >&2 && compose logs --tail=40 >&2 2>&1
        compose --profile caddy down -v --remove-orphans >/dev/null 2>&1 || true
    fi
    if [ -z "${SL_DOCKER_KEEP:-}" ] && head -n1 .env 2>/dev/null | grep -qxF "$ENV_MARK"; then rm -f .env; fi
    stop_docker_engine
    return "$rc"
}

record() { info "$*"; printf '%s\n' "$*" >>"$RESULTS"; }
compose() { "$SL_COMPOSE" "$@"; }
cid() { compose ps -q "$1"; }
now() { date +%s.%N; }
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
# One line per container: name, memory used / limit (cgroup, includes page cache).
mem_snapshot() {
    "$SL_DOCKER" stats --no-stream --format '{{.Name}} {{.MemUsage}}' $(compose --profile caddy ps -q) \
        | sed "s/^$COMPOSE_PROJECT_NAME[_-]//; s/[_-]1 / /" | sort | sed "s|^|$1: |"
}
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Runs a query on the stack's ClickHouse (inside its container: no host port).
ch_query() {
    "$SL_DOCKER" exec "$(cid clickhouse)" wget -qO- --post-data="$1" \
        "http://127.0.0.1:8123/?user=default&password=$CH_PASSWORD&database=sightline"
}

# Checks load run TAG against ClickHouse (web/e2e-docker/load.mjs verify), for up
# to 20 s: the last batches land within the flush interval, spooled ones later.
verify_load() {
    local tag="$1" i
    for i in $(seq 1 20); do
        ch_query "SELECT lower(replaceAll(toString(event_id), '-', '')), count() FROM events WHERE project_id = $PROJECT AND exception_value = 'load $tag' GROUP BY event_id FORMAT TabSeparated" \
            >"$WORK/stored-$tag.tsv"
        node web/e2e-docker/load.mjs verify "$WORK/load-$tag.json" "$WORK/stored-$tag.tsv" "${@:2}" \
            >"$WORK/verify-$tag.out" 2>&1 && { cat "$WORK/verify-$tag.out" >&2; return 0; }
        sleep 1
    done
    cat "$WORK/verify-$tag.out" >&2
    return 1
}

# Waits until every container of the project is running and healthy.
wait_healthy() {
    local what="$1" timeout="$2" start c st bad
    start=$(date +%s)
    while :; do
        bad=""
        for c in $(compose --profile caddy ps -q); do
            st="$("$SL_DOCKER" inspect -f '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$c")"
            case "$st" in *" running healthy") ;; *) bad="$bad; $st" ;; esac
        done
        [ -z "$bad" ] && return 0
        [ $(($(date +%s) - start)) -ge "$timeout" ] && die "$what: not healthy within ${timeout}s:${bad}"
        sleep 1
    done
}


# Docker Engine, base images, .env and the variables compose reads.
stack_prepare() {
    # ---------------------------------------------------------------------------
    section "Docker Engine"
    ensure_docker_engine
    export DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1

    section "Local base images and stand-ins"
    build_local_base_images
    build_standin_images

    # ---------------------------------------------------------------------------
    section "Local-mode .env from .env.example"
    if [ -e .env ] && ! head -n1 .env | grep -qxF "$ENV_MARK"; then
        die ".env exists and was not written by this script: move it away to run the Docker tests"
    fi
    HTTP_PORT="$(free_port)"
    HTTPS_PORT="$(free_port)"
    while [ "$HTTPS_PORT" = "$HTTP_PORT" ]; do HTTPS_PORT="$(free_port)"; done
    PG_PASSWORD="pg$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    CH_PASSWORD="ch$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    PUBLIC_URL="http://127.0.0.1:$HTTP_PORT"
    {
        echo "$ENV_MARK"
        sed -e "s|^SIGHTLINE_DOMAIN=.*|SIGHTLINE_DOMAIN=:80|" \
            -e "s|^SIGHTLINE_PUBLIC_URL=.*|SIGHTLINE_PUBLIC_URL=$PUBLIC_URL|" \
            -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$PG_PASSWORD|" \
            -e "s|^SIGHTLINE_CLICKHOUSE_PASSWORD=.*|SIGHTLINE_CLICKHOUSE_PASSWORD=$CH_PASSWORD|" \
            .env.example
    } >.env
    grep -q "^SIGHTLINE_DOMAIN=:80$" .env && grep -q "^SIGHTLINE_PUBLIC_URL=$PUBLIC_URL$" .env \
        || die ".env.example no longer has the SIGHTLINE_DOMAIN / SIGHTLINE_PUBLIC_URL lines this test sets"
    info "Caddy on 127.0.0.1:$HTTP_PORT (HTTPS port 127.0.0.1:$HTTPS_PORT), SIGHTLINE_PUBLIC_URL=$PUBLIC_URL"

    # ClickHouse's nofile ulimit (262144 in docker-compose.yaml) cannot exceed the
    # engine's own hard limit (20000 on some CI sandboxes).
    dockerd_nofile="$(awk '/^Max open files/ { print $5 }' "/proc/$(pidof dockerd | awk '{print $1}')/limits" 2>/dev/null || true)"
    if [ -n "$dockerd_nofile" ] && [ "$dockerd_nofile" != unlimited ] && [ "$dockerd_nofile" -lt 262144 ]; then
        export CLICKHOUSE_NOFILE_LIMIT="$dockerd_nofile"
        info "CLICKHOUSE_NOFILE_LIMIT=$dockerd_nofile (dockerd's own limit)"
    fi
    # Image names and ports for compose, from the environment (not .env: that one is
    # the user's file as .env.example describes it).
    export SIGHTLINE_POSTGRES_IMAGE="$SL_IMG_POSTGRES" SIGHTLINE_CLICKHOUSE_IMAGE="$SL_IMG_CLICKHOUSE" \
        SIGHTLINE_CADDY_IMAGE="$SL_IMG_CADDY" SIGHTLINE_RUST_IMAGE="$SL_IMG_RUST" \
        SIGHTLINE_RUNTIME_IMAGE="$SL_IMG_DISTROLESS" SIGHTLINE_IMAGE_TAG=dockertest \
        SIGHTLINE_HTTP_PORT="127.0.0.1:$HTTP_PORT" SIGHTLINE_HTTPS_PORT="127.0.0.1:$HTTPS_PORT" \
        SIGHTLINE_IMAGE_REVISION=first
    # The machine's own certificate authorities (a TLS-inspecting proxy): the build
    # fetches crates, npm packages and the wasm32 target over HTTPS.
    SIGHTLINE_BUILD_EXTRA_CA_CERTS="$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)"
    export SIGHTLINE_BUILD_EXTRA_CA_CERTS
    IMAGE="sightline:dockertest"

}

# Builds the server image from the shipped Dockerfile (log: $WORK/build.log).
# $1: how the time is labelled in $RESULTS (default "image build").
stack_build() {
    local t0 label="${1:-image build}"
    section "Server image from the shipped Dockerfile (docker-compose build; log: $WORK/build.log)"
    t0="$(now)"
    nice -n 10 "$SL_COMPOSE" build --progress plain sightline >"$WORK/build.log" 2>&1 \
        || { tail -40 "$WORK/build.log" >&2; die "image build failed"; }
    record "$label: $(elapsed "$t0") s"
}

# Starts the whole stack from empty volumes; records the time and idle memory.
stack_up() {
    local t0 line
    section "docker-compose --profile caddy up -d"
    STACK_UP=1
    compose --profile caddy down -v --remove-orphans >/dev/null 2>&1 || true
    t0="$(now)"
    compose --profile caddy up -d
    wait_healthy "first start" 240
    record "stack up, every service healthy: $(elapsed "$t0") s (from empty volumes)"
    sleep 10
    while read -r line; do record "memory $line"; done < <(mem_snapshot "idle, 10 s after healthy")
}

# `project create Shop` in a one-off container: sets DSN, KEY and PROJECT.
stack_project_create() {
    local out
    section "docker-compose run --rm -T sightline project create Shop"
    out="$(compose run --rm -T sightline project create Shop 2>"$WORK/project-create.err")" \
        || { cat "$WORK/project-create.err" >&2; die "project create failed"; }
    DSN="$(printf '%s\n' "$out" | tail -n1)"
    [[ "$DSN" =~ ^http://([0-9a-f]{32})@127\.0\.0\.1:$HTTP_PORT/([0-9]+)$ ]] || die "no DSN in: $out"
    KEY="${BASH_REMATCH[1]}" PROJECT="${BASH_REMATCH[2]}"
    info "DSN $DSN"
}
