# syntax=docker/dockerfile:1
#
# Sightline server image: `docker compose build` (see docker-compose.yaml) or
#   docker build -t sightline .
#
# Stage 1 builds the dashboard assets and the release binary that embeds them;
# stage 2 is debian:bookworm-slim with the binary, CA certificates
# (SMTP/Resend over TLS) and a non-root user.
#
# NOT YET VERIFIED: no Docker engine exists on the machines this was written on,
# so this file has not been built; image size (target ≤ 60 MB) and build memory
# are not measured. The same `cargo build` command is what scripts/run.sh runs
# natively.

# ---------------------------------------------------------------- build
FROM rust:1.95-bookworm AS build

# Build memory: the target is a 2 GB box (issue 7). Peak RAM of a Rust build is
# roughly (parallel rustc processes) × (largest crate's memory), and thin LTO at
# the end links the whole program in one process.
#   CARGO_BUILD_JOBS=2                      at most two rustc processes at a time
#                                           (the default is one per CPU)
#   CARGO_PROFILE_RELEASE_CODEGEN_UNITS=4   as in Cargo.toml's [profile.release];
#                                           fewer units = less parallel codegen
#                                           memory per crate (1 is smallest and
#                                           slowest); raise on a big builder
#   CARGO_PROFILE_RELEASE_LTO=thin          as in Cargo.toml; "fat" needs far more RAM
#   CARGO_PROFILE_RELEASE_DEBUG=0           no debug info: smaller objects, less link RAM
#   CARGO_PROFILE_RELEASE_STRIP=symbols     smaller binary in the image
#   CARGO_INCREMENTAL=0                     no incremental caches in a one-shot build
# On a machine with more memory, override with e.g.
#   docker build --build-arg CARGO_BUILD_JOBS=8 .
ARG CARGO_BUILD_JOBS=2
ENV CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS} \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=4 \
    CARGO_PROFILE_RELEASE_LTO=thin \
    CARGO_PROFILE_RELEASE_DEBUG=0 \
    CARGO_PROFILE_RELEASE_STRIP=symbols \
    CARGO_INCREMENTAL=0 \
    CARGO_TERM_COLOR=never

# cmake + clang: aws-lc-sys (rustls' crypto provider, via lettre) builds C code;
# recent versions need only cc, older ones cmake — installed so either works.
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake clang \
 && rm -rf /var/lib/apt/lists/*

# nodejs + npm + pigz: scripts/build-web.sh takes wasm-opt from the npm package
# binaryen (Debian's binaryen breaks wasm-bindgen output).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm pigz \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .

# Cache mounts (BuildKit): the registry and target dir survive between builds,
# so an app-only redeploy recompiles only what changed. The binary is copied
# out of the cached target dir in the same step.
# The dashboard first (scripts/build-web.sh, the same command as everywhere:
# wasm32 build, wasm-bindgen-cli at the Cargo.lock version and wasm-split-cli
# cached in .tmp/tools, wasm-opt), then the server, which embeds web/dist.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    --mount=type=cache,target=/src/.tmp/tools \
    ./scripts/build-web.sh \
 && cargo build --release -p sightline --locked \
 && install -D -m 0755 target/release/sightline /out/sightline

# ---------------------------------------------------------------- runtime
FROM debian:bookworm-slim AS runtime

# ca-certificates: TLS to SMTP servers and the Resend API (rustls-platform-verifier
# reads the system store). Nothing else: the health check uses bash's /dev/tcp
# instead of curl/wget (deploy/healthcheck.sh).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 sightline \
 && useradd --system --uid 10001 --gid sightline --home-dir /var/lib/sightline \
        --shell /usr/sbin/nologin sightline \
 && mkdir -p /var/lib/sightline/spool \
 && chown -R sightline:sightline /var/lib/sightline

COPY --from=build /out/sightline /usr/local/bin/sightline
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
COPY deploy/healthcheck.sh /usr/local/bin/healthcheck.sh

# In a container the server must listen on all interfaces; the spool directory
# is a volume so batches spooled at shutdown survive a redeploy.
ENV SIGHTLINE_LISTEN=0.0.0.0:8000 \
    SIGHTLINE_SPOOL_DIR=/var/lib/sightline/spool \
    RUST_LOG=info

USER sightline:sightline
WORKDIR /var/lib/sightline
VOLUME ["/var/lib/sightline"]
EXPOSE 8000

# Liveness only (/healthz): a restart does not fix a database outage, and the
# server keeps accepting events (queue + spool) while ClickHouse is down.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/healthcheck.sh"]

# Runs `sightline migrate`, then execs `sightline serve` (PID 1 gets SIGTERM and
# drains). Other arguments run the CLI: `docker compose run --rm sightline project create Shop`.
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["serve"]
