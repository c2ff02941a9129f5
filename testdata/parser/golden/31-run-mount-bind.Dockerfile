# syntax=docker/dockerfile:1
FROM alpine:3.20 AS assets
RUN mkdir -p /out && echo "built" > /out/stamp

FROM python:3.12-alpine
WORKDIR /app

# The whole build context, read-only by default.
RUN --mount=type=bind,target=/ctx ls -la /ctx

# One file from the context.
RUN --mount=type=bind,source=requirements.txt,target=/tmp/requirements.txt \
    pip install --no-cache-dir -r /tmp/requirements.txt

# A directory from another stage; rw lets the step write without persisting it.
RUN --mount=type=bind,from=assets,source=/out,target=/mnt/assets,rw \
    touch /mnt/assets/scratch && cat /mnt/assets/stamp

# From an external image, with the src/dst aliases and an explicit readonly=true.
RUN --mount=type=bind,from=busybox:1.36,src=/bin/busybox,dst=/usr/local/bin/busybox,readonly=true \
    busybox --help >/dev/null

# type omitted (bind is the default), destination alias, readwrite=true.
RUN --mount=destination=/src,readwrite=true \
    python -m compileall -q /src

# ro spelled as a bare key.
RUN --mount=type=bind,source=tests,target=/app/tests,ro \
    python -m unittest discover -s /app/tests
