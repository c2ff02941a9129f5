# syntax=docker/dockerfile:1
FROM golang:1.22-alpine AS build
RUN apk add --no-cache git openssh-client ca-certificates
RUN mkdir -p -m 0700 ~/.ssh && ssh-keyscan github.com >> ~/.ssh/known_hosts
ENV GOPRIVATE=github.com/acme/* \
    CGO_ENABLED=0
RUN git config --global url."git@github.com:".insteadOf "https://github.com/"
WORKDIR /src
COPY go.mod go.sum ./
# Private modules come over the forwarded SSH agent; the proxy token is a secret.
RUN --mount=type=ssh \
    --mount=type=secret,id=goproxy_netrc,target=/root/.netrc \
    --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -o /out/acmectl ./cmd/acmectl

FROM alpine:3.20
RUN apk add --no-cache ca-certificates
COPY --from=build /out/acmectl /usr/local/bin/acmectl
ENTRYPOINT ["acmectl"]
