#!/usr/bin/env bash
# bench/fuzz.sh — runs Sightline's cargo-fuzz targets (fuzz/), each for a bounded time.
#
#   bench/fuzz.sh                    every target, 60 s each
#   bench/fuzz.sh envelope decode    only these targets
#   FUZZ_SECONDS=600 bench/fuzz.sh   longer runs
#
# Targets (fuzz/fuzz_targets/, entry points in server/src/fuzzing.rs):
#   envelope          envelope splitting + the whole ingest processing of a body
#   decode            gzip/deflate/identity under the decompressed-size cap
#   normalize         event and transaction normalisation of one JSON payload
#   store             the legacy /store/ body
#   sourcemap_upload  zips of build folders and single source-map/JS files
#
# Installs cargo-fuzz from crates.io into .tmp/tools-fuzz (once). cargo-fuzz
# passes unstable rustc flags; on a stable toolchain RUSTC_BOOTSTRAP=1 lets
# them through, so no nightly toolchain is downloaded. Builds without a
# sanitizer by default (the code under test is safe Rust; what we look for
# are panics, aborts, timeouts and memory blow-ups); FUZZ_SANITIZER=address
# turns ASan on. Everything runs under `nice -n 19`.
#
# Seeds come from fuzz/seeds/<target> (read only); what libFuzzer learns goes
# to fuzz/corpus/<target> and is reused by the next run; crashes land in
# fuzz/artifacts/<target>/. Prints, per target, executions, executions per
# second, corpus size and findings, and exits 1 when any target found one.
# A finding becomes a fix plus a regression test with its bytes inline in
# the normal cargo test suite; bench/BENCHMARKS.md records the runs.
#
# Environment: FUZZ_SECONDS (60), FUZZ_SANITIZER (none), FUZZ_RSS_MB (2048),
# FUZZ_MAX_LEN (65536), CARGO_FUZZ_VERSION (^0.13).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
SANITIZER="${FUZZ_SANITIZER:-none}"
RSS_MB="${FUZZ_RSS_MB:-2048}"
MAX_LEN="${FUZZ_MAX_LEN:-65536}"
TOOLS="$ROOT/.tmp/tools-fuzz"
ALL=(envelope decode normalize store sourcemap_upload)
TARGETS=("$@")
[ "${#TARGETS[@]}" -gt 0 ] || TARGETS=("${ALL[@]}")

if ! "$TOOLS/bin/cargo-fuzz" --version >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz ${CARGO_FUZZ_VERSION:-^0.13} into $TOOLS" >&2
    nice -n 19 cargo install --root "$TOOLS" --version "${CARGO_FUZZ_VERSION:-^0.13}" cargo-fuzz
fi
export PATH="$TOOLS/bin:$PATH"
export RUSTC_BOOTSTRAP=1

cd "$ROOT/fuzz"
echo "==> building ${TARGETS[*]} ($(cargo fuzz --version), $(rustc --version | cut -d' ' -f1-2), sanitizer $SANITIZER)" >&2
for t in "${TARGETS[@]}"; do
    nice -n 19 cargo fuzz build -O -s "$SANITIZER" "$t"
done

LOGS="$ROOT/fuzz/artifacts/logs"
mkdir -p "$LOGS"
found=0
printf '\n%-17s %8s %12s %10s %8s %s\n' target seconds executions execs/s corpus findings
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    before="$(find "artifacts/$t" -maxdepth 1 -type f | wc -l)"
    dict=()
    [ "$t" = decode ] || dict=(-dict="$ROOT/fuzz/sentry.dict")
    log="$LOGS/$t.log"
    rc=0
    nice -n 19 cargo fuzz run -O -s "$SANITIZER" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb="$RSS_MB" -max_len="$MAX_LEN" -timeout=10 \
        -print_final_stats=1 "${dict[@]}" >"$log" 2>&1 || rc=$?
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)"
    corpus="$(find "corpus/$t" -maxdepth 1 -type f | wc -l)"
    after="$(find "artifacts/$t" -maxdepth 1 -type f | wc -l)"
    new=$((after - before))
    if [ "$rc" -ne 0 ] || [ "$new" -gt 0 ]; then
        found=1
        what="$(grep -m1 -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" || echo "exit $rc")"
        printf '%-17s %8s %12s %10s %8s %s\n' "$t" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" "$corpus" \
            "$new new in fuzz/artifacts/$t: $what (log $log)"
    else
        printf '%-17s %8s %12s %10s %8s %s\n' "$t" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" "$corpus" none
    fi
done
exit "$found"
