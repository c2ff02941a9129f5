# Every way of naming a base image.
ARG REGISTRY=registry.example.com:5000
ARG ALPINE_DIGEST=sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b

FROM alpine:3.19.1 AS tagged
RUN echo tagged > /from.txt

FROM alpine@sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b AS pinned
RUN echo pinned > /from.txt

FROM alpine:3.19@sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b AS tagged-and-pinned
RUN echo tagged-and-pinned > /from.txt

FROM alpine@${ALPINE_DIGEST} AS digest-from-arg
RUN echo digest-from-arg > /from.txt

FROM localhost:5000/tools/builder:2024.05 AS local-registry
RUN echo local-registry > /from.txt

FROM ${REGISTRY}/platform/base:1.4.2 AS private-registry
RUN echo private-registry > /from.txt

FROM ghcr.io/acme/team/sub/image:v1.0.0-rc.1 AS deep-path

FROM --platform=linux/arm64 debian:bookworm-slim AS arm64

FROM --platform=$BUILDPLATFORM golang:1.22 AS native-builder

FROM --platform=${TARGETPLATFORM} busybox AS untagged

FROM docker.io/library/busybox:latest
COPY --from=tagged /from.txt /tagged.txt
COPY --from=pinned /from.txt /pinned.txt
COPY --from=tagged-and-pinned /from.txt /tagged-and-pinned.txt
COPY --from=digest-from-arg /from.txt /digest-from-arg.txt
COPY --from=local-registry /from.txt /local-registry.txt
COPY --from=private-registry /from.txt /private-registry.txt
CMD ["cat", "/tagged.txt", "/pinned.txt"]
