# base -> (lib-a, lib-b) -> link -> final: a diamond.
FROM alpine:3.20 AS base
RUN apk add --no-cache build-base
WORKDIR /src

FROM base AS lib-a
COPY liba/ liba/
RUN make -C liba && mkdir -p /out && cp liba/liba.a /out/

FROM base AS lib-b
COPY libb/ libb/
RUN make -C libb && mkdir -p /out && cp libb/libb.a /out/

FROM base AS link
COPY --from=lib-a /out/liba.a /usr/local/lib/
COPY --from=lib-b /out/libb.a /usr/local/lib/
COPY main.c .
RUN gcc -static -o /app main.c -L/usr/local/lib -la -lb

FROM scratch
COPY --from=link /app /app
ENTRYPOINT ["/app"]
