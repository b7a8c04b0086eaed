#!/usr/bin/env bash
# scripts/test-docker.sh — the shipped Dockerfile and docker-compose.yaml, built
# and run for real under a Docker Engine (called by scripts/test.sh).
#
#   ./scripts/test-docker.sh
#
# On a Debian machine (root or sudo) it:
#   * installs docker.io, docker-compose and debootstrap when missing and starts
#     dockerd when none answers (stopping, at exit, only the one it started);
#   * makes the base images locally, since no image registry is reachable here
#     (scripts/lib/docker.sh): Debian bookworm by debootstrap, a Rust build image
#     with this machine's toolchain, a distroless-style runtime base, and
#     stand-ins for the Postgres, ClickHouse and Caddy images from Debian's
#     packages (scripts/docker-standins/, README "Docker images in the tests");
#   * builds the server image from the shipped Dockerfile with the shipped
#     docker-compose.yaml (`docker-compose build`), base images passed as build
#     arguments, this machine's extra CA certificates as EXTRA_CA_CERTS; checks
#     the image: ≤ 60 MB, non-root, no shell, health check by the binary;
#   * starts the stack in local mode (`.env` from `.env.example`, Caddy on a free
#     loopback port) and checks: every service healthy; `project create` prints
#     a DSN; an envelope through Caddy lands in ClickHouse; sign-up and the issue
#     list in Chromium through Caddy; an app-only redeploy under a steady stream
#     of envelopes loses, duplicates and refuses nothing and restarts no database;
#     `down` then `up` keeps data and DSN;
#   * removes the test stack (containers, volumes, network) and its `.env`.
#
# Environment:
#   SL_DOCKER_KEEP=1          leave the stack running at the end (debugging)
#   SL_DOCKER_LOAD_RATE       envelopes per second during the redeploy (default 100)
#   SL_DEBIAN_MIRROR          mirror for debootstrap (default http://deb.debian.org/debian)
# Timings and sizes go to .tmp/docker/results.txt (bench/BENCHMARKS.md quotes them).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SL_ROOT="$(pwd)"
# shellcheck source=scripts/lib/services.sh
source "$SL_ROOT/scripts/lib/services.sh"
# shellcheck source=scripts/lib/docker.sh
source "$SL_ROOT/scripts/lib/docker.sh"

WORK="$SL_ROOT/.tmp/docker"
RESULTS="$WORK/results.txt"
ENV_MARK="# written by scripts/test-docker.sh"
LOAD_RATE="${SL_DOCKER_LOAD_RATE:-100}"
export COMPOSE_PROJECT_NAME=sightline-dockertest
STACK_UP=0
LAYERED=0

cleanup() {
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
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$WORK"
: >"$RESULTS"
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

# ---------------------------------------------------------------------------
section "Server image from the shipped Dockerfile (docker-compose build; log: $WORK/build.log)"
t0="$(now)"
nice -n 10 "$SL_COMPOSE" build --progress plain sightline >"$WORK/build.log" 2>&1 \
    || { tail -40 "$WORK/build.log" >&2; die "image build failed"; }
record "image build: $(elapsed "$t0") s"
size="$("$SL_DOCKER" image inspect -f '{{.Size}}' "$IMAGE")"
record "image size: $((size / 1000000)) MB ($size bytes, docker image inspect)"
[ "$size" -le 60000000 ] || die "the image is $size bytes, over 60 MB"
user="$("$SL_DOCKER" image inspect -f '{{.Config.User}}' "$IMAGE")"
case "$user" in "" | 0 | 0:* | root | root:*) die "the image runs as root ($user)" ;; esac
info "runs as $user"
hc="$("$SL_DOCKER" image inspect -f '{{json .Config.Healthcheck.Test}}' "$IMAGE")"
[ "$hc" = '["CMD","/usr/local/bin/sightline","healthcheck"]' ] || die "unexpected image health check: $hc"
if "$SL_DOCKER" run --rm --entrypoint /bin/sh "$IMAGE" -c true >/dev/null 2>&1; then
    die "the image has a shell"
fi
info "no shell; health check: $hc"
"$SL_DOCKER" run --rm "$IMAGE" --version

# ---------------------------------------------------------------------------
section "docker-compose --profile caddy up -d"
STACK_UP=1
compose --profile caddy down -v --remove-orphans >/dev/null 2>&1 || true
t0="$(now)"
compose --profile caddy up -d
wait_healthy "first start" 240
record "stack up, every service healthy: $(elapsed "$t0") s (from empty volumes)"
sleep 10
while read -r line; do record "memory $line"; done < <(mem_snapshot "idle, 10 s after healthy")

section "docker-compose run --rm -T sightline project create Shop"
out="$(compose run --rm -T sightline project create Shop 2>"$WORK/project-create.err")" \
    || { cat "$WORK/project-create.err" >&2; die "project create failed"; }
DSN="$(printf '%s\n' "$out" | tail -n1)"
[[ "$DSN" =~ ^http://([0-9a-f]{32})@127\.0\.0\.1:$HTTP_PORT/([0-9]+)$ ]] || die "no DSN in: $out"
KEY="${BASH_REMATCH[1]}" PROJECT="${BASH_REMATCH[2]}"
info "DSN $DSN"

section "An envelope through Caddy lands in ClickHouse"
EVENT_ID="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
body="$(printf '{"event_id":"%s"}\n{"type":"event"}\n{"event_id":"%s","platform":"javascript","level":"error","message":"docker smoke"}\n' "$EVENT_ID" "$EVENT_ID")"
status="$(curl -s -o "$WORK/envelope.out" -w '%{http_code}' --data-binary "$body" \
    "http://127.0.0.1:$HTTP_PORT/api/$PROJECT/envelope/?sentry_key=$KEY&sentry_version=7")"
[ "$status" = 200 ] || die "envelope through Caddy: HTTP $status $(cat "$WORK/envelope.out")"
uuid="${EVENT_ID:0:8}-${EVENT_ID:8:4}-${EVENT_ID:12:4}-${EVENT_ID:16:4}-${EVENT_ID:20:12}"
n=0
for _ in $(seq 1 30); do
    n="$(ch_query "SELECT count() FROM events WHERE project_id = $PROJECT AND toString(event_id) = '$uuid'")"
    [ "$n" = 1 ] && break
    sleep 1
done
[ "$n" = 1 ] || die "event $EVENT_ID not in ClickHouse (count $n)"
info "event $EVENT_ID stored in ClickHouse"

section "Dashboard through Caddy in Chromium (web/e2e-docker/stack.mjs)"
pkgs=()
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
[ -x /usr/bin/chromium ] || pkgs+=(chromium)
[ "${#pkgs[@]}" -gt 0 ] && ensure_apt_packages "${pkgs[@]}"
if [ ! -d web/node_modules/playwright-core ]; then (cd web && npm ci --no-audit --no-fund --loglevel=error); fi
node web/e2e-docker/stack.mjs "$PUBLIC_URL"

# ---------------------------------------------------------------------------
section "App-only redeploy under a steady stream of envelopes"
db_state() { "$SL_DOCKER" inspect -f '{{.Id}} {{.State.StartedAt}}' "$(cid postgres)" "$(cid clickhouse)"; }
before_dbs="$(db_state)"
before_app="$(cid sightline)"
node web/e2e-docker/load.mjs send "$DSN" "$LOAD_RATE" 40 redeploy "$WORK/load-redeploy.json" &
load_pid=$!
sleep 5
while read -r line; do record "memory $line"; done < <(mem_snapshot "under $LOAD_RATE envelopes/s")
t0="$(now)"
SIGHTLINE_IMAGE_REVISION=second nice -n 10 "$SL_COMPOSE" up -d --no-deps --build sightline >"$WORK/redeploy.log" 2>&1 \
    || { tail -30 "$WORK/redeploy.log" >&2; die "redeploy failed"; }
wait_healthy "redeploy" 120
record "app-only redeploy (cached build + restart) until healthy: $(elapsed "$t0") s"
[ "$(cid sightline)" != "$before_app" ] || die "the sightline container was not replaced"
[ "$("$SL_DOCKER" inspect -f '{{index .Config.Labels "org.opencontainers.image.revision"}}' "$(cid sightline)")" = second ] \
    || die "the new container does not run the rebuilt image"
wait "$load_pid" || die "load generator failed"
[ "$(db_state)" = "$before_dbs" ] || die "a database container was restarted by the app deploy"
info "postgres and clickhouse kept their container ids and start times"
verify_load redeploy || die "redeploy under load lost, duplicated or refused events"

# ---------------------------------------------------------------------------
section "kill -9 of the server under a steady stream of envelopes"
before_dbs="$(db_state)"
node web/e2e-docker/load.mjs send "$DSN" "$LOAD_RATE" 30 kill "$WORK/load-kill.json" &
load_pid=$!
sleep 8
app="$(cid sightline)"
restarts="$("$SL_DOCKER" inspect -f '{{.RestartCount}}' "$app")"
# The container's main process, killed from the host as the OOM killer would:
# Docker sees it die and restarts it (restart: unless-stopped).
as_root kill -9 "$("$SL_DOCKER" inspect -f '{{.State.Pid}}' "$app")"
killed_at="$(date +%s%3N)"
for _ in $(seq 1 60); do
    [ "$("$SL_DOCKER" inspect -f '{{.RestartCount}}' "$app")" -gt "$restarts" ] && break
    sleep 0.5
done
[ "$("$SL_DOCKER" inspect -f '{{.RestartCount}}' "$app")" -gt "$restarts" ] || die "Docker did not restart the killed server"
wait_healthy "restart after kill -9" 120
record "kill -9 → restarted and healthy: $(( ($(date +%s%3N) - killed_at) / 1000 )) s"
wait "$load_pid" || die "load generator failed"
[ "$(db_state)" = "$before_dbs" ] || die "a database container was restarted"
verify_load kill "$killed_at" || die "kill -9 under load: acknowledged events missing or duplicated"
record "$(cat "$WORK/verify-kill.out")"

# ---------------------------------------------------------------------------
section "down, then up: data and DSN survive"
compose --profile caddy down
t0="$(now)"
compose --profile caddy up -d
wait_healthy "restart" 180
record "stack up again on existing volumes: $(elapsed "$t0") s"
again="$(compose run --rm -T sightline project create Shop 2>/dev/null | tail -n1)"
[ "$again" = "$DSN" ] || die "the DSN changed over down/up: $again"
n="$(ch_query "SELECT count() FROM events WHERE project_id = $PROJECT AND toString(event_id) = '$uuid'")"
[ "$n" = 1 ] || die "the first event is gone after down/up (count $n)"
status="$(curl -s -o /dev/null -w '%{http_code}' --data-binary "$body" \
    "http://127.0.0.1:$HTTP_PORT/api/$PROJECT/envelope/?sentry_key=$KEY&sentry_version=7")"
[ "$status" = 200 ] || die "the DSN's key is refused after down/up: HTTP $status"
info "same DSN, event still stored, key still accepted"

# ---------------------------------------------------------------------------
section "Layering for platforms: databases and app as two projects on one network"
compose --profile caddy down -v --remove-orphans >/dev/null 2>&1
STACK_UP=0
LAYERED=1
# app.yaml repeats docker-compose.yaml's sightline and caddy without depends_on:
# the two must not drift apart.
python3 - <<'PY' || die "deploy/compose/app.yaml differs from docker-compose.yaml beyond depends_on/networks"
import subprocess, sys, yaml
def services(*args):
    out = subprocess.run(["/usr/bin/docker-compose", "--profile", "caddy", *args, "config"],
                         check=True, capture_output=True, text=True).stdout
    return yaml.safe_load(out)["services"]
main = services()
app = services("--project-directory", ".", "-f", "deploy/compose/app.yaml")
for name in ("sightline", "caddy"):
    a, b = dict(main[name]), dict(app[name])
    for k in ("depends_on", "networks"):
        a.pop(k, None); b.pop(k, None)
    if a != b:
        print(name, a, b, sep="\n", file=sys.stderr)
        sys.exit(1)
PY
export SIGHTLINE_NETWORK=sightline-dockertest
layer() { "$SL_COMPOSE" --project-directory . -p "sightline-dockertest-$1" -f "deploy/compose/$1.yaml" --profile caddy "${@:2}"; }
"$SL_DOCKER" network create "$SIGHTLINE_NETWORK" >/dev/null
layer databases up -d
layer app up -d
for _ in $(seq 1 180); do
    bad="$(for p in databases app; do for c in $(layer "$p" ps -q); do
        "$SL_DOCKER" inspect -f '{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$c"; done; done | grep -v ' healthy$' || true)"
    [ -z "$bad" ] && break
    sleep 1
done
[ -z "$bad" ] || die "layered stack not healthy: $bad"
dbs_before="$(for c in $(layer databases ps -q); do "$SL_DOCKER" inspect -f '{{.Id}} {{.State.StartedAt}}' "$c"; done)"
out="$(layer app run --rm -T sightline project create Shop 2>/dev/null | tail -n1)"
[[ "$out" =~ ^http://([0-9a-f]{32})@127\.0\.0\.1:$HTTP_PORT/([0-9]+)$ ]] || die "layered: no DSN ($out)"
status="$(curl -s -o /dev/null -w '%{http_code}' --data-binary "$body" \
    "http://127.0.0.1:$HTTP_PORT/api/${BASH_REMATCH[2]}/envelope/?sentry_key=${BASH_REMATCH[1]}&sentry_version=7")"
[ "$status" = 200 ] || die "layered: envelope through Caddy answered $status"
SIGHTLINE_IMAGE_REVISION=third layer app up -d --build >"$WORK/layered-redeploy.log" 2>&1 \
    || { tail -20 "$WORK/layered-redeploy.log" >&2; die "layered app redeploy failed"; }
dbs_after="$(for c in $(layer databases ps -q); do "$SL_DOCKER" inspect -f '{{.Id}} {{.State.StartedAt}}' "$c"; done)"
[ "$dbs_after" = "$dbs_before" ] || die "layered: the app deploy restarted a database"
info "two projects on network $SIGHTLINE_NETWORK: DSN, envelope through Caddy, app redeploy left the databases running"
layer app down -v >/dev/null 2>&1
layer databases down -v >/dev/null 2>&1
"$SL_DOCKER" network rm "$SIGHTLINE_NETWORK" >/dev/null
LAYERED=0

section "Docker tests PASSED"
cat "$RESULTS" >&2
