# syntax=docker/dockerfile:1
FROM alpine:3.20 AS seed
RUN mkdir -p /cache/ccache && echo "max_size = 2G" > /cache/ccache/ccache.conf

FROM debian:bookworm-slim
RUN rm -f /etc/apt/apt.conf.d/docker-clean
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    apt-get update && apt-get install -y --no-install-recommends ccache gcc libc6-dev make

RUN useradd --uid 1000 --create-home builder
USER builder
WORKDIR /home/builder/src
COPY --chown=1000:1000 . .

ARG TARGETARCH
# Per-architecture id, owned by the build user, private to one build at a time.
RUN --mount=type=cache,id=ccache-${TARGETARCH},target=/home/builder/.ccache,uid=1000,gid=1000,mode=0700,sharing=private \
    CCACHE_DIR=/home/builder/.ccache make -j"$(nproc)" CC="ccache gcc"

# Shared between concurrent builds (the default sharing mode, spelled out).
RUN --mount=type=cache,id=downloads,target=/home/builder/downloads,sharing=shared,uid=1000,gid=1000,mode=0755 \
    make fetch DOWNLOAD_DIR=/home/builder/downloads

# Seeded from another stage's directory on first use.
RUN --mount=type=cache,target=/home/builder/.ccache,from=seed,source=/cache/ccache,uid=1000 \
    ccache --show-config

# Read-only view of an existing cache.
RUN --mount=type=cache,id=downloads,target=/home/builder/downloads,ro \
    ls /home/builder/downloads
RUN --mount=type=cache,id=downloads,target=/home/builder/downloads,readonly=false \
    make verify-downloads DOWNLOAD_DIR=/home/builder/downloads
