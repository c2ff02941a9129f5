FROM alpine:3.20 AS build
RUN apk add --no-cache build-base
WORKDIR /src
COPY hello.c .
RUN gcc -static -Os -o hello hello.c && strip hello

# Nothing but the binary and the CA bundle.
FROM scratch
COPY --from=build /src/hello /hello
COPY --from=alpine:3.20 /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
USER 65534:65534
ENTRYPOINT ["/hello"]
