#!/usr/bin/env bash
# scripts/build-web.sh — builds the dashboard (web/) into web/dist/.
#
#   ./scripts/build-web.sh            # → web/dist/{index.html,sightline_web.js,sightline_web_bg.wasm,app.css} (+ .gz twins)
#   ./scripts/build-web.sh --tools-only   # steps 1 to 3 only: the Rust tools, built once
#                                         # (scripts/test.sh runs this in the background early)
#
# Steps, each skipped when already satisfied (a second run reuses everything):
#   1. rustup target wasm32-unknown-unknown
#   2. wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock, by
#      `cargo install` into .tmp/tools (~6 min on 2 cores the first time;
#      without --locked: the registry mirror lacked one locked dependency)
#   3. wasm-split-cli (crate wasm_split_cli_support, pinned below) by
#      `cargo install` into .tmp/tools (~1 min once)
#   4. node/npm (Debian packages) and `npm ci` in web/ for wasm-opt from the npm
#      package binaryen 132 — never Debian's binaryen, whose wasm-opt 108 breaks
#      wasm-bindgen output (blank page, WebAssembly.Table.set() error)
#   5. cargo build --profile web --target wasm32-unknown-unknown -p sightline-web
#   6. wasm-split-cli: the pages loaded on demand (web/src/lazy.rs) move out
#      of the main module into pages-<build hash>/: split_*.wasm (one per
#      page), chunk_*.wasm (code two or more pages share) and the loader
#      __wasm_split.js
#   7. wasm-bindgen --target web on the main module, wasm-opt -Oz on every
#      module, index.html with content hashes
#   8. the browser SDK (sdk-js/): its script-tag bundles (sightline.min.js,
#      sightline.errors.min.js, with their maps) and its npm tarball
#      (sightline-browser.tgz), which the install snippets point at
#   8b. the session replay player (web/player/, rrweb bundled by esbuild) as
#      replay-player.js, which only the replay page imports
#   9. gzip twins of every text file (the server sends them to gzip clients),
#      compressed by pigz -11 (zopfli): 4–5 % smaller than gzip -9, still
#      plain gzip for browsers; a few seconds per build
# Nothing is downloaded except crates and npm packages from their registries.
#
# Environment: SIGHTLINE_WEB_DIST (default web/dist).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
SL_ROOT="$ROOT"
# shellcheck source=scripts/lib/services.sh
source "$ROOT/scripts/lib/services.sh"

TOOLS_ONLY=0
case "${1:-}" in
    "") ;;
    --tools-only) TOOLS_ONLY=1 ;;
    *) die "unknown argument: $1 (usage: $0 [--tools-only])" ;;
esac
DIST="${SIGHTLINE_WEB_DIST:-$ROOT/web/dist}"
TOOLS="$ROOT/.tmp/tools"
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps 2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
TARGET_DIR="${TARGET_DIR:-$ROOT/target}"

section "web: wasm32 target"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi

section "web: wasm-bindgen-cli"
WBG_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[ -n "$WBG_VERSION" ] || die "wasm-bindgen is not in Cargo.lock"
WBG="$TOOLS/bin/wasm-bindgen"
if [ ! -x "$WBG" ] || [ "$("$WBG" --version | awk '{print $2}')" != "$WBG_VERSION" ]; then
    info "installing wasm-bindgen-cli $WBG_VERSION into $TOOLS (takes minutes once)"
    cargo install wasm-bindgen-cli --version "=$WBG_VERSION" --root "$TOOLS" --force
fi
info "$("$WBG" --version)"

section "web: wasm-split-cli"
# The splitter must understand the split points wasm_split_helpers (a Leptos
# dependency, see Cargo.lock) emits; 0.2.4 is the release that matches 0.2.x.
SPLIT_VERSION="0.2.4"
SPLIT="$TOOLS/bin/wasm-split-cli"
SPLIT_STAMP="$TOOLS/wasm-split-cli.version"
if [ ! -x "$SPLIT" ] || [ "$(cat "$SPLIT_STAMP" 2>/dev/null)" != "$SPLIT_VERSION" ]; then
    info "installing wasm-split-cli $SPLIT_VERSION into $TOOLS"
    cargo install wasm_split_cli_support --version "=$SPLIT_VERSION" --features build-binary --locked \
        --root "$TOOLS" --force
    echo "$SPLIT_VERSION" > "$SPLIT_STAMP"
fi
info "wasm-split-cli $(cat "$SPLIT_STAMP")"
# The Rust tools are built (minutes, once); the rest needs node and the
# dashboard's own code.
[ "$TOOLS_ONLY" -eq 1 ] && exit 0

section "web: wasm-opt (npm binaryen)"
pkgs=()
command -v pigz >/dev/null 2>&1 || pkgs+=(pigz)
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
[ "${#pkgs[@]}" -gt 0 ] && ensure_apt_packages "${pkgs[@]}"
if [ ! -x "$ROOT/web/node_modules/.bin/wasm-opt" ] || [ "$ROOT/web/package-lock.json" -nt "$ROOT/web/node_modules/.package-lock.json" ]; then
    (cd "$ROOT/web" && npm ci --no-audit --no-fund --loglevel=error)
fi
WASM_OPT="$ROOT/web/node_modules/.bin/wasm-opt"
info "$("$WASM_OPT" --version)"

section "web: cargo build (wasm32, profile web)"
cargo build -p sightline-web --lib --target wasm32-unknown-unknown --profile web --locked
RAW="$TARGET_DIR/wasm32-unknown-unknown/web/sightline_web.wasm"

section "web: bind, optimise, assemble $DIST"
STAGE="$(mktemp -d "$ROOT/.tmp/web-stage.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
# Split first (it reads the linker's relocations, which wasm-bindgen drops),
# then bind the main module. --keep-lld-exports keeps the function table
# export the chunks link against.
"$SPLIT" --target web --out-name sightline_web "$RAW" "$STAGE/split" >/dev/null
"$WBG" --target web --no-typescript --keep-lld-exports --out-dir "$STAGE" --out-name sightline_web \
    "$STAGE/split/sightline_web.wasm"
rm "$STAGE/split/sightline_web.wasm"
# rustc's wasm32 target enables these features by default; wasm-opt must be told.
# (The chunks' name sections make wasm-opt warn; its output shows on failure.)
optimise() {
    local out
    out="$("$WASM_OPT" -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue "$1" -o "$1.opt" 2>&1)" \
        || { echo "wasm-opt $1: $out" >&2; return 1; }
    mv "$1.opt" "$1"
}
export -f optimise
export WASM_OPT
find "$STAGE" -name '*.wasm' -print0 | xargs -0 -P "$(nproc)" -I{} bash -c 'optimise "$1"' _ {}
hash() { sha256sum "$1" | cut -c1-12; }
# The on-demand pages go to a folder named after this build's wasm, so a tab
# opened before a redeploy never links its main module with newer chunks:
# their old folder is gone (404), and the page offers a reload (lazy.rs).
BUILD="$(find "$STAGE" -name '*.wasm' -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-12)"
PAGES="pages-$BUILD"
mv "$STAGE/split" "$STAGE/$PAGES"
sed -i "s|from \"./__wasm_split.js\"|from \"./$PAGES/__wasm_split.js\"|" "$STAGE/sightline_web.js"
grep -q "$PAGES/__wasm_split.js" "$STAGE/sightline_web.js" || die "sightline_web.js: the import of __wasm_split.js was not found"
cp "$ROOT/web/style.css" "$STAGE/app.css"
sed -e "s/__CSS_HASH__/$(hash "$STAGE/app.css")/g" \
    -e "s/__JS_HASH__/$(hash "$STAGE/sightline_web.js")/g" \
    -e "s/__WASM_HASH__/$(hash "$STAGE/sightline_web_bg.wasm")/g" \
    "$ROOT/web/index.html" > "$STAGE/index.html"
# The chunk loader must import the very module URL index.html loaded, or the
# browser would evaluate the glue a second time, without the wasm instance.
sed -i "s|from \"./sightline_web.js\"|from \"/sightline_web.js?v=$(hash "$STAGE/sightline_web.js")\"|" \
    "$STAGE/$PAGES/__wasm_split.js"
grep -q "sightline_web.js?v=" "$STAGE/$PAGES/__wasm_split.js" \
    || die "__wasm_split.js: the import of sightline_web.js was not found"
info "browser SDK: npm ci, build, pack"
if [ ! -d "$ROOT/sdk-js/node_modules" ] || [ "$ROOT/sdk-js/package-lock.json" -nt "$ROOT/sdk-js/node_modules/.package-lock.json" ]; then
    (cd "$ROOT/sdk-js" && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd "$ROOT/sdk-js" && npm run --silent build >/dev/null && npm pack --silent --pack-destination "$STAGE" >/dev/null)
mv "$STAGE"/sightline-browser-*.tgz "$STAGE/sightline-browser.tgz"
for f in sightline.min.js sightline.min.js.map sightline.errors.min.js sightline.errors.min.js.map sightline.feedback.min.js sightline.feedback.min.js.map sightline.replay.min.js sightline.replay.min.js.map; do
    cp "$ROOT/sdk-js/dist/$f" "$STAGE/$f"
done
info "replay player: esbuild"
(cd "$ROOT/web" && node player/build.mjs "$STAGE/replay-player.js")
find "$STAGE" -type f \( -name '*.html' -o -name '*.js' -o -name '*.css' -o -name '*.wasm' -o -name '*.map' \) -exec pigz -11 -k -n {} +
rm -rf "$DIST"
mkdir -p "$(dirname "$DIST")"
mv "$STAGE" "$DIST"
chmod 755 "$DIST"
trap - EXIT
first=0
for f in sightline_web_bg.wasm sightline_web.js "$PAGES/__wasm_split.js" app.css index.html sightline.min.js; do
    info "$(printf '%-24s %8d bytes  %8d gzip' "$f" "$(stat -c %s "$DIST/$f")" "$(stat -c %s "$DIST/$f.gz")")"
    [ "$f" = sightline.min.js ] || first=$((first + $(stat -c %s "$DIST/$f.gz")))
done
info "$(printf '%-24s %8s bytes  %8d gzip' "first load" "" "$first")"
lazy=("$DIST/$PAGES"/*.wasm.gz)
info "$(printf '%-24s %8s        %8d gzip in %d files' "pages loaded on demand" "" "$(cat "${lazy[@]}" | wc -c)" "${#lazy[@]}")"
