# shellcheck shell=bash
# scripts/lib/docker.sh — Docker Engine helpers for scripts/test-docker.sh.
#
# Provides (after scripts/lib/services.sh is sourced):
#   ensure_docker_engine        install docker.io, docker-compose and debootstrap
#                               when missing; start dockerd when none answers
#   stop_docker_engine          stop the dockerd ensure_docker_engine started (only that one)
#   docker_missing_packages     the Debian packages ensure_docker_engine would install
#   stop_kept_docker_engine     stop a dockerd kept (below) that nothing adopted
#   keep_docker_engine          leave that dockerd running past this script's exit: a later
#                               ensure_docker_engine (scripts/test-docker.sh after its
#                               --build-only run in the background) adopts and stops it
#   build_standin_images        local Postgres, ClickHouse and Caddy images from Debian packages
#   build_local_base_images     the base images the shipped Dockerfile and the stand-ins
#                               build from, made locally (no image registry is reachable):
#                               SL_IMG_DEBIAN, SL_IMG_RUST, SL_IMG_DISTROLESS
#
# Debian's client and daemon are used throughout (/usr/bin/docker, /usr/sbin/dockerd):
# a newer `docker` elsewhere on PATH (e.g. /usr/local/bin) would build with buildx,
# which Debian's engine does not ship. SL_DOCKER_BIN is a directory holding only a
# `docker` link to Debian's client; it goes first on PATH so docker-compose 1.29
# (which runs `docker build` for BuildKit builds) finds the same client.

SL_DOCKER=/usr/bin/docker
SL_DOCKERD=/usr/sbin/dockerd
SL_COMPOSE=/usr/bin/docker-compose
SL_DOCKERD_PID=""
# dockerd runs niced, and with it every build step and container: 10 by
# default; scripts/test.sh's background image build uses 19 so the suites
# running beside it keep the CPU whenever they want it.
SL_DOCKERD_NICE="${SL_DOCKERD_NICE:-10}"
_DOCKERD_PIDFILE="$SL_ROOT/.tmp/docker/dockerd.pid"
SL_DEBIAN_MIRROR="${SL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# The Debian packages the Docker suite needs and this machine lacks, one a line.
docker_missing_packages() {
    [ -x "$SL_DOCKER" ] && [ -x "$SL_DOCKERD" ] || echo docker.io
    [ -x "$SL_COMPOSE" ] || echo docker-compose
    command -v debootstrap >/dev/null 2>&1 || echo debootstrap
}

# The pid of the dockerd keep_docker_engine left running, if it still runs.
_kept_dockerd_pid() {
    local kept
    kept="$(cat "$_DOCKERD_PIDFILE" 2>/dev/null || true)"
    [ -n "$kept" ] && [[ "$(cat "/proc/$kept/comm" 2>/dev/null)" =~ ^(dockerd|sudo)$ ]] && echo "$kept"
    return 0
}

ensure_docker_engine() {
    local pkgs state="$SL_ROOT/.tmp/docker"
    mapfile -t pkgs < <(docker_missing_packages)
    [ "${#pkgs[@]}" -gt 0 ] && ensure_apt_packages "${pkgs[@]}"
    mkdir -p "$state/bin"
    ln -sfn "$SL_DOCKER" "$state/bin/docker"
    export PATH="$state/bin:$PATH"
    # A dockerd an earlier script of this run started and kept (keep_docker_engine):
    # ours to stop now.
    local kept
    kept="$(_kept_dockerd_pid)"
    if [ -n "$kept" ] && "$SL_DOCKER" info >/dev/null 2>&1; then
        SL_DOCKERD_PID="$kept"
        info "using the dockerd this run started earlier (pid $kept)"
        return 0
    fi
    rm -f "$_DOCKERD_PIDFILE"
    if "$SL_DOCKER" info >/dev/null 2>&1; then
        info "using the running Docker Engine ($("$SL_DOCKER" version -f '{{.Server.Version}}'))"
        return 0
    fi
    info "starting dockerd (log: $state/dockerd.log)"
    # nice: image builds run inside dockerd and must not starve the machine
    # (SL_DOCKERD_NICE above).
    # A plain command in the background (not the as_root function, which would
    # fork a subshell): $! is then dockerd itself (nice execs it), so
    # stop_docker_engine stops the daemon and not just its parent.
    if [ "$(id -u)" -eq 0 ]; then
        nice -n "$SL_DOCKERD_NICE" "$SL_DOCKERD" >"$state/dockerd.log" 2>&1 &
    else
        command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to start dockerd"
        sudo nice -n "$SL_DOCKERD_NICE" "$SL_DOCKERD" >"$state/dockerd.log" 2>&1 &
    fi
    SL_DOCKERD_PID=$!
    echo "$SL_DOCKERD_PID" >"$_DOCKERD_PIDFILE"
    local i
    for i in $(seq 1 60); do
        "$SL_DOCKER" info >/dev/null 2>&1 && { info "dockerd ready (pid $SL_DOCKERD_PID)"; return 0; }
        kill -0 "$SL_DOCKERD_PID" 2>/dev/null || { tail -20 "$state/dockerd.log" >&2; die "dockerd exited"; }
        sleep 0.5
    done
    tail -20 "$state/dockerd.log" >&2
    die "dockerd did not answer within 30 s"
}

stop_docker_engine() {
    [ -n "$SL_DOCKERD_PID" ] || return 0
    info "stopping the dockerd this run started (pid $SL_DOCKERD_PID)"
    _kill_and_wait 60 "$SL_DOCKERD_PID"
    SL_DOCKERD_PID=""
    rm -f "$_DOCKERD_PIDFILE"
}

# Stops a dockerd keep_docker_engine left running that no later script adopted
# (scripts/test.sh's exit trap: a run interrupted before the Docker suite).
stop_kept_docker_engine() {
    local kept
    kept="$(_kept_dockerd_pid)"
    [ -n "$kept" ] || return 0
    SL_DOCKERD_PID="$kept"
    stop_docker_engine
}

keep_docker_engine() {
    [ -n "$SL_DOCKERD_PID" ] && info "leaving dockerd (pid $SL_DOCKERD_PID) running for the Docker suite"
    SL_DOCKERD_PID=""
}

_image_exists() { "$SL_DOCKER" image inspect "$1" >/dev/null 2>&1; }

# Content key of a set of strings/files: the first 12 hex digits of their sha256.
_content_key() { cat "$@" | sha256sum | cut -c1-12; }

# apt settings that official Debian-based images carry (/etc/apt/apt.conf.d/docker-clean
# in debian:bookworm-slim): downloaded .deb files are deleted after install, so image
# sizes measured here compare with official ones.
_DOCKER_CLEAN='DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";'

# Debian bookworm, minbase, imported as SL_IMG_DEBIAN (tagged by content key, so a
# rerun with the same recipe reuses it).
_build_debian_image() {
    local key rootfs
    key="$(printf '%s\n' v1 bookworm minbase "$SL_DEBIAN_MIRROR" "$_DOCKER_CLEAN" | _content_key)"
    SL_IMG_DEBIAN="sightline-local/debian:bookworm-$key"
    if _image_exists "$SL_IMG_DEBIAN"; then info "$SL_IMG_DEBIAN (cached)"; return 0; fi
    info "debootstrap bookworm minbase → $SL_IMG_DEBIAN (about a minute)"
    rootfs="$SL_ROOT/.tmp/docker/rootfs-debian"
    as_root rm -rf "$rootfs"
    as_root debootstrap --variant=minbase bookworm "$rootfs" "$SL_DEBIAN_MIRROR" \
        >"$SL_ROOT/.tmp/docker/debootstrap.log" 2>&1 \
        || { tail -20 "$SL_ROOT/.tmp/docker/debootstrap.log" >&2; die "debootstrap failed"; }
    printf '%s\n' "$_DOCKER_CLEAN" | as_root tee "$rootfs/etc/apt/apt.conf.d/docker-clean" >/dev/null
    as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
    as_root tar -C "$rootfs" -c . | "$SL_DOCKER" import \
        --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - "$SL_IMG_DEBIAN" >/dev/null
    as_root rm -rf "$rootfs"
}

# The Rust build image (stand-in for rust:1.95-bookworm): the Debian image plus
# what the official one has that our build uses (gcc, make, git, curl, CA
# certificates) and this machine's rustup toolchain, laid out as the official
# image does (RUSTUP_HOME=/usr/local/rustup, CARGO_HOME=/usr/local/cargo).
_build_rust_image() {
    local toolchain ctx key ver
    toolchain="$(rustc --print sysroot)"
    ver="$(rustc --version | awk '{print $2}')"
    ctx="$SL_ROOT/scripts/docker-standins/rust"
    key="$( { echo "$SL_IMG_DEBIAN"; rustc -vV; cat "$ctx/Dockerfile"; } | _content_key)"
    SL_IMG_RUST="sightline-local/rust:$ver-bookworm-$key"
    if _image_exists "$SL_IMG_RUST"; then info "$SL_IMG_RUST (cached)"; return 0; fi
    info "rust build image with the toolchain at $toolchain → $SL_IMG_RUST"
    # The context is streamed as a tar: the Dockerfile, the toolchain (as
    # toolchain/) and rustup (the proxies cargo/rustc are links to it).
    tar -c -C "$ctx" Dockerfile \
        -C "$(dirname "$toolchain")" --transform "s|^$(basename "$toolchain")|toolchain|" "$(basename "$toolchain")" \
        -C "$(dirname "$(command -v rustup)")" rustup \
        | "$SL_DOCKER" build --build-arg BASE="$SL_IMG_DEBIAN" --build-arg TOOLCHAIN="$ver-x86_64-unknown-linux-gnu" \
            -t "$SL_IMG_RUST" - >"$SL_ROOT/.tmp/docker/build-rust.log" 2>&1 \
        || { tail -30 "$SL_ROOT/.tmp/docker/build-rust.log" >&2; die "rust image build failed"; }
}

# A distroless-style runtime base (stand-in for gcr.io/distroless/cc-debian12:nonroot):
# no shell, no package manager; glibc, libgcc, CA certificates, tzdata and a
# `nonroot` user (65532), copied out of the Debian image.
_build_distroless_image() {
    local ctx="$SL_ROOT/scripts/docker-standins/distroless" key
    key="$( { echo "$SL_IMG_DEBIAN"; cat "$ctx"/*; } | _content_key)"
    SL_IMG_DISTROLESS="sightline-local/distroless-cc:nonroot-$key"
    if _image_exists "$SL_IMG_DISTROLESS"; then info "$SL_IMG_DISTROLESS (cached)"; return 0; fi
    info "distroless-style runtime base → $SL_IMG_DISTROLESS"
    "$SL_DOCKER" build --build-arg BASE="$SL_IMG_DEBIAN" -t "$SL_IMG_DISTROLESS" "$ctx" \
        >"$SL_ROOT/.tmp/docker/build-distroless.log" 2>&1 \
        || { tail -30 "$SL_ROOT/.tmp/docker/build-distroless.log" >&2; die "distroless image build failed"; }
}

build_local_base_images() {
    mkdir -p "$SL_ROOT/.tmp/docker"
    export DOCKER_BUILDKIT=1
    _build_debian_image
    _build_rust_image
    _build_distroless_image
}

# Stand-ins for the official Postgres, ClickHouse and Caddy images, from Debian's
# packages (scripts/docker-standins/*/Dockerfile say what each reproduces).
# BuildKit's cache makes a rerun a matter of seconds. Sets SL_IMG_POSTGRES,
# SL_IMG_CLICKHOUSE, SL_IMG_CADDY.
build_standin_images() {
    local name var
    for name in postgres clickhouse caddy; do
        var="SL_IMG_${name^^}"
        printf -v "$var" '%s' "sightline-local/$name-standin:bookworm"
        info "${!var} (scripts/docker-standins/$name)"
        "$SL_DOCKER" build --build-arg BASE="$SL_IMG_DEBIAN" -t "${!var}" "$SL_ROOT/scripts/docker-standins/$name" \
            >"$SL_ROOT/.tmp/docker/build-$name.log" 2>&1 \
            || { tail -30 "$SL_ROOT/.tmp/docker/build-$name.log" >&2; die "$name stand-in build failed"; }
    done
}
