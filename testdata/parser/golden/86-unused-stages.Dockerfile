# debug-tools and docs are never referenced from the final stage.
FROM alpine:3.20 AS debug-tools
RUN apk add --no-cache strace gdb ltrace

FROM python:3.12-alpine AS docs
RUN pip install --no-cache-dir sphinx==7.3.7
COPY docs/ /docs/
RUN sphinx-build -b html /docs /out

FROM alpine:3.20 AS build
RUN apk add --no-cache build-base
COPY . /src
RUN make -C /src && install -D /src/daemon /out/daemon

FROM alpine:3.20
COPY --from=build /out/daemon /usr/sbin/daemon
STOPSIGNAL SIGTERM
CMD ["/usr/sbin/daemon", "--foreground"]
