#!/usr/bin/env bash
# scripts/test-docker.sh — the shipped Dockerfile and docker-compose.yaml, built
# and run for real under a Docker Engine (called by scripts/test.sh).
#
#   ./scripts/test-docker.sh
#   ./scripts/test-docker.sh --build-only   engine, base images and the server image only;
#                                           dockerd is left running for the full run that
#                                           follows (scripts/test.sh starts this in the
#                                           background while the other suites run)
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
# shellcheck source=scripts/lib/docker-stack.sh
source "$SL_ROOT/scripts/lib/docker-stack.sh"

trap stack_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

BUILD_ONLY=0
case "${1:-}" in
    "") ;;
    --build-only) BUILD_ONLY=1 ;;
    *) die "unknown argument: $1 (usage: $0 [--build-only])" ;;
esac

mkdir -p "$WORK"
EARLY="$WORK/early-build.txt"   # what a --build-only run measured

# ---------------------------------------------------------------------------
stack_prepare

# ---------------------------------------------------------------------------
if [ "$BUILD_ONLY" -eq 1 ]; then
    : >"$RESULTS"
    stack_build "image build, in the background beside the other suites"
    cp "$RESULTS" "$EARLY"
    keep_docker_engine
    exit 0
fi
: >"$RESULTS"
if [ -s "$EARLY" ]; then
    # The image was built by the --build-only run; this build must find every
    # step cached (same context, same arguments) and only confirms that.
    cat "$EARLY" >>"$RESULTS"
    rm -f "$EARLY"
    stack_build "image build again, all cached"
else
    stack_build
fi
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
stack_up
stack_project_create

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
