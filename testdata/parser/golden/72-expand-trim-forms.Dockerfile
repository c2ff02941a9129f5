# syntax=docker/dockerfile:1
FROM alpine:3.20
ARG ARCHIVE=node-v20.12.2-linux-x64.tar.gz
ARG IMAGE_REF=registry.example.com:5000/team/app:1.4.2

# Shortest and longest suffix.
ENV BASENAME=${ARCHIVE%.tar.gz} NO_EXT=${ARCHIVE%%.*}
# Shortest and longest prefix.
ENV AFTER_V=${ARCHIVE#node-v} LAST_PART=${ARCHIVE##*-}
# Splitting an image reference.
ENV TAG=${IMAGE_REF##*:} REPO=${IMAGE_REF%:*} HOST=${IMAGE_REF%%/*} PATH_PART=${IMAGE_REF#*/}
# Single-character wildcard.
ENV MAJOR_DOT=${ARCHIVE#node-v??}

WORKDIR /opt/${ARCHIVE%.tar.gz}
COPY ${ARCHIVE} /tmp/
LABEL org.opencontainers.image.version=${IMAGE_REF##*:}
RUN tar -xzf /tmp/${ARCHIVE} -C /opt && rm /tmp/${ARCHIVE}
