FROM debian:bookworm-slim
COPY --from=docker.io/library/busybox:1.36.1-musl /bin/busybox /usr/local/bin/busybox
COPY --from=composer:2.7 /usr/bin/composer /usr/local/bin/composer
COPY --from=hashicorp/terraform:1.8 /bin/terraform /usr/local/bin/
COPY --from=docker/buildx-bin:0.14 /buildx /usr/libexec/docker/cli-plugins/docker-buildx
COPY --from=ghcr.io/astral-sh/uv:0.4.20 /uv /usr/local/bin/uv
COPY --from=gcr.io/distroless/base-debian12@sha256:3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d \
    /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=localhost:5000/tools/linters:2024.05 /usr/local/bin/ /usr/local/bin/
RUN busybox --list | head -n 3 && terraform version && uv --version
