#!/usr/bin/env bash
# scripts/build-web.sh — builds the dashboard (web/) into web/dist/.
#
#   ./scripts/build-web.sh            # → web/dist/{index.html,sightline_web.js,sightline_web_bg.wasm,app.css} (+ .gz twins)
#
# Steps, each skipped when already satisfied (a second run reuses everything):
#   1. rustup target wasm32-unknown-unknown
#   2. wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock, by
#      `cargo install` into .tmp/tools (~6 min on 2 cores the first time;
#      without --locked: the registry mirror lacked one locked dependency)
#   3. node/npm (Debian packages) and `npm ci` in web/ for wasm-opt from the npm
#      package binaryen 132 — never Debian's binaryen, whose wasm-opt 108 breaks
#      wasm-bindgen output (blank page, WebAssembly.Table.set() error)
#   4. cargo build --profile web --target wasm32-unknown-unknown -p sightline-web
#   5. wasm-bindgen --target web, wasm-opt -Oz, index.html with content hashes
#   6. the browser SDK (sdk-js/): its script-tag bundles (sightline.min.js,
#      sightline.errors.min.js, with their maps) and its npm tarball
#      (sightline-browser.tgz), which the install snippets point at
#   7. gzip twins of every text file (the server sends them to gzip clients),
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
"$WBG" --target web --no-typescript --out-dir "$STAGE" --out-name sightline_web "$RAW"
# rustc's wasm32 target enables these features by default; wasm-opt must be told.
"$WASM_OPT" -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$STAGE/sightline_web_bg.wasm" -o "$STAGE/opt.wasm"
mv "$STAGE/opt.wasm" "$STAGE/sightline_web_bg.wasm"
cp "$ROOT/web/style.css" "$STAGE/app.css"
hash() { sha256sum "$1" | cut -c1-12; }
sed -e "s/__CSS_HASH__/$(hash "$STAGE/app.css")/g" \
    -e "s/__JS_HASH__/$(hash "$STAGE/sightline_web.js")/g" \
    -e "s/__WASM_HASH__/$(hash "$STAGE/sightline_web_bg.wasm")/g" \
    "$ROOT/web/index.html" > "$STAGE/index.html"
info "browser SDK: npm ci, build, pack"
if [ ! -d "$ROOT/sdk-js/node_modules" ] || [ "$ROOT/sdk-js/package-lock.json" -nt "$ROOT/sdk-js/node_modules/.package-lock.json" ]; then
    (cd "$ROOT/sdk-js" && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd "$ROOT/sdk-js" && npm run --silent build >/dev/null && npm pack --silent --pack-destination "$STAGE" >/dev/null)
mv "$STAGE"/sightline-browser-*.tgz "$STAGE/sightline-browser.tgz"
for f in sightline.min.js sightline.min.js.map sightline.errors.min.js sightline.errors.min.js.map; do
    cp "$ROOT/sdk-js/dist/$f" "$STAGE/$f"
done
find "$STAGE" -type f \( -name '*.html' -o -name '*.js' -o -name '*.css' -o -name '*.wasm' -o -name '*.map' \) -exec pigz -11 -k -n {} +
rm -rf "$DIST"
mkdir -p "$(dirname "$DIST")"
mv "$STAGE" "$DIST"
chmod 755 "$DIST"
trap - EXIT
for f in sightline_web_bg.wasm sightline_web.js app.css index.html sightline.min.js; do
    info "$(printf '%-24s %8d bytes  %8d gzip' "$f" "$(stat -c %s "$DIST/$f")" "$(stat -c %s "$DIST/$f.gz")")"
done
