ARG GO_VERSION=1.21
ARG ALPINE_VERSION=3.19

FROM golang:${GO_VERSION}-alpine${ALPINE_VERSION} AS build
ARG GOFLAGS
ARG VERSION=0.0.0-dev
ARG COMMIT=unknown
ENV GOFLAGS=${GOFLAGS}
WORKDIR /src
COPY . .
RUN go build -ldflags "-X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/tool ./cmd/tool

FROM alpine:${ALPINE_VERSION}
ARG VERSION=0.0.0-dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.version=$VERSION org.opencontainers.image.revision=$COMMIT
COPY --from=build /out/tool /usr/local/bin/tool
ENTRYPOINT ["tool"]
