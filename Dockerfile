# Sightline server image: `docker compose build` (see docker-compose.yaml) or
#   DOCKER_BUILDKIT=1 docker build -t sightline .
#
# Stage 1 builds the dashboard assets and the release binary that embeds them;
# stage 2 is a distroless base (no shell, no package manager: glibc, libgcc, CA
# certificates for SMTP/Resend over TLS) with the binary, running as non-root.
#
# BuildKit is required (cache mounts); its built-in Dockerfile frontend is
# enough, so there is no `# syntax=` line (that would pull a frontend image).
# Built and run by scripts/test-docker.sh under Debian's Docker Engine 20.10;
# size, build time and build memory: bench/BENCHMARKS.md ("Docker image").
#
# Build arguments:
#   RUST_IMAGE, RUNTIME_IMAGE  the two base images (defaults: the official ones;
#                              scripts/test-docker.sh passes locally made stand-ins)
#   EXTRA_CA_CERTS             PEM text of extra certificate authorities the build
#                              must trust to reach crates.io/npm/rustup (a TLS-
#                              inspecting proxy); empty = nothing added. Used in
#                              the build stage only, never in the runtime image.
#   IMAGE_REVISION             free text for the org.opencontainers.image.revision
#                              label (e.g. a git commit); only the runtime stage
#                              changes with it
#   CARGO_BUILD_JOBS           parallel rustc processes (build memory, see below)
ARG RUST_IMAGE=rust:1.95-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

# ---------------------------------------------------------------- build
FROM ${RUST_IMAGE} AS build

ARG EXTRA_CA_CERTS=""
# npm (node) keeps its own CA list: point it at the system bundle, which is the
# stock one unless EXTRA_CA_CERTS added to it.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
        printf '%s\n' "$EXTRA_CA_CERTS" > /usr/local/share/ca-certificates/build-extra.crt \
     && update-ca-certificates >/dev/null; \
    fi

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
# nodejs + npm + pigz: scripts/build-web.sh takes wasm-opt from the npm package
# binaryen (Debian's binaryen breaks wasm-bindgen output).
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake clang nodejs npm pigz \
 && rm -rf /var/lib/apt/lists/*

# The dashboard's target, in its own layer so source changes do not fetch it again.
RUN rustup target add wasm32-unknown-unknown

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
    --mount=type=cache,target=/root/.npm \
    ./scripts/build-web.sh \
 && cargo build --release -p sightline --locked \
 && install -D -m 0755 target/release/sightline /out/sightline \
 && mkdir -p /out/data/spool

# ---------------------------------------------------------------- runtime
FROM ${RUNTIME_IMAGE} AS runtime

# The binary needs glibc and libgcc_s only (rustls, no OpenSSL), which the
# distroless cc image has, plus its CA certificates (rustls-platform-verifier
# reads the system store for SMTP and the Resend API).
COPY --from=build /out/sightline /usr/local/bin/sightline
# The data directory (spool) owned by the image's non-root user (65532,
# distroless' `nonroot`): a new named volume takes over this ownership.
COPY --from=build --chown=65532:65532 /out/data/ /var/lib/sightline/

# In a container the server must listen on all interfaces; the spool directory
# is a volume so batches spooled at shutdown survive a redeploy.
ENV SIGHTLINE_LISTEN=0.0.0.0:8000 \
    SIGHTLINE_SPOOL_DIR=/var/lib/sightline/spool \
    RUST_LOG=info

ARG IMAGE_REVISION=""
LABEL org.opencontainers.image.title="Sightline" \
      org.opencontainers.image.revision="${IMAGE_REVISION}"

USER 65532:65532
WORKDIR /var/lib/sightline
VOLUME ["/var/lib/sightline"]
EXPOSE 8000

# Liveness only (/healthz): a restart does not fix a database outage, and the
# server keeps accepting events (queue + spool) while ClickHouse is down. The
# probe is the binary itself (`sightline healthcheck`): there is no shell.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/sightline", "healthcheck"]

# `serve --migrate` creates or upgrades the schemas (retrying while the databases
# still refuse connections), then serves; as PID 1 it gets SIGTERM and drains.
# Other arguments run the CLI: `docker compose run --rm sightline project create Shop`.
ENTRYPOINT ["/usr/local/bin/sightline"]
CMD ["serve", "--migrate"]
