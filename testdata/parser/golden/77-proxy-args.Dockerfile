FROM debian:bookworm-slim
# HTTP_PROXY and friends are predefined: RUN sees them without an ARG line,
# and they stay out of the image history.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
RUN curl -fsS --max-time 5 -o /dev/null https://deb.debian.org/ \
    || echo "proxy: ${HTTPS_PROXY:-none}, no_proxy: ${NO_PROXY:-none}"
# Declaring one makes it usable in expanding instructions too.
ARG NO_PROXY
LABEL build.no-proxy="${NO_PROXY}"
