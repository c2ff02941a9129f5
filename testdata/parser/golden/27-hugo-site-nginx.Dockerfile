# syntax=docker/dockerfile:1
FROM alpine:3.20 AS hugo
ARG HUGO_VERSION=0.125.4
ADD --checksum=sha256:9f6f2f0c5a53f52e3d8d8e1c2d1a4c0b7a0f8f6bd0d5f3f4e7a6b5c4d3e2f1a0 \
    https://github.com/gohugoio/hugo/releases/download/v${HUGO_VERSION}/hugo_extended_${HUGO_VERSION}_linux-amd64.tar.gz \
    /tmp/hugo.tar.gz
RUN apk add --no-cache git libc6-compat libstdc++ \
    && tar -xzf /tmp/hugo.tar.gz -C /usr/local/bin hugo \
    && rm /tmp/hugo.tar.gz \
    && hugo version
WORKDIR /site
COPY . .
RUN hugo --minify --gc --destination /public

FROM nginxinc/nginx-unprivileged:1.27-alpine
COPY --link nginx.conf /etc/nginx/conf.d/default.conf
COPY --link --from=hugo /public /usr/share/nginx/html
EXPOSE 8080
