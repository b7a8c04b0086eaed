#!/usr/bin/env bash
# Measure the ceiling: sightline-loadgen against its own bare axum endpoint.
#
# Builds the load generator in release, starts `bare` on a free loopback port,
# runs a closed-loop test (as fast as possible) and then an open-loop test at
# half the closed-loop rate, prints both reports (human on stderr, one JSON
# line each on stdout) and stops the server. Knobs, all optional:
#   CONNECTIONS (32), DURATION seconds (10), BODY (bench/fixtures/envelope-error.txt)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
connections="${CONNECTIONS:-32}"
duration="${DURATION:-10}"
body="${BODY:-bench/fixtures/envelope-error.txt}"
bin="${CARGO_TARGET_DIR:-$root/target}/release/sightline-loadgen"

cargo build --release --quiet -p sightline-loadgen

log="$(mktemp)"
"$bin" bare --listen 127.0.0.1:0 >"$log" 2>&1 &
server_pid=$!
cleanup() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    rm -f "$log"
}
trap cleanup EXIT

addr=""
for _ in $(seq 1 50); do
    addr="$(sed -n 's/^listening on //p' "$log")"
    [ -n "$addr" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$addr" ] || { echo "bare server did not start" >&2; cat "$log" >&2; exit 1; }
url="http://$addr/api/1/envelope/"
echo "bare server on $addr (pid $server_pid); $(nproc) cores shared by server and load generator" >&2

run() {
    "$bin" load --url "$url" --body "$body" --connections "$connections" \
        --duration "$duration" --json "$@"
}

echo "== closed loop: $connections connections, ${duration}s" >&2
closed="$(run)"
echo "$closed"
rate="$(printf '%s' "$closed" | grep -o '"rate_2xx":[0-9.]*' | cut -d: -f2)"
half="$(awk -v r="$rate" 'BEGIN { printf "%d", r / 2 }')"
if [ "$half" -lt 1 ]; then
    echo "closed loop reached no 2xx; skipping the open-loop run" >&2
    exit 1
fi

echo "== open loop at half that rate: $half req/s, $connections connections, ${duration}s" >&2
run --rate "$half"
