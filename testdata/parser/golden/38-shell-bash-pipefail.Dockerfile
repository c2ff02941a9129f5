FROM ubuntu:22.04

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
RUN curl -fsSL https://get.helm.sh/helm-v3.14.4-linux-amd64.tar.gz | tar -xz -C /usr/local/bin --strip-components=1 linux-amd64/helm

# Stricter shell for the rest of the file.
SHELL ["/bin/bash", "-euxo", "pipefail", "-c"]
RUN helm version --short | grep -q '^v3\.'

# Back to the default, which also applies to shell-form CMD.
SHELL ["/bin/sh", "-c"]
CMD helm version
