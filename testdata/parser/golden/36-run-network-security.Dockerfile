# syntax=docker/dockerfile:1
FROM debian:bookworm-slim

RUN --network=default apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

# Prove the tests do not reach out.
RUN --network=none curl --version

# Talk to a service on the build host (needs the network.host entitlement).
RUN --network=host curl -fsS http://127.0.0.1:8080/health || true

RUN --security=sandbox uname -a

# Needs the security.insecure entitlement.
RUN --security=insecure mount -t tmpfs none /mnt && umount /mnt

RUN --network=none --security=insecure --mount=type=tmpfs,target=/scratch \
    dd if=/dev/zero of=/scratch/blob bs=1M count=4
