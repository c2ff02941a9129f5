# syntax=docker/dockerfile:1
FROM alpine:3.20
ARG VERSION=1.2.3
ARG BRANCH=feature/login-page

# All occurrences, then only the first.
ENV VERSION_UNDERSCORE=${VERSION//./_} FIRST_DOT=${VERSION/./-}
# An escaped slash inside the pattern.
ENV SAFE_BRANCH=${BRANCH//\//-}
ENV SHORT_BRANCH=${BRANCH/feature/feat}
# Wildcards in the pattern; empty replacement.
ENV NO_PREFIX=${BRANCH/*\//} NO_PAGE=${BRANCH/-page/}

LABEL branch.slug=${BRANCH//\//-} version.tag=v${VERSION//./-}
WORKDIR /builds/${BRANCH/\//-}
COPY dist/app-${VERSION//./_}.tar.gz /tmp/
