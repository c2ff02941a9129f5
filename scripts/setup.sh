#!/usr/bin/env bash
# Installs every Debian package that imgbuild, its tests and its benchmarks need.
# Idempotent and non-interactive: safe to run on a fresh Debian 12 machine or again later.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang
  # libraries imgbuild links against
  libarchive-dev libssl-dev nlohmann-json3-dev libcurl4-openssl-dev libfmt-dev
  libcli11-dev libzstd-dev libdeflate-dev zlib1g-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # peer tools for interop tests and benchmarks
  skopeo umoci oci-image-tool docker-registry buildah podman runc busybox-static
  pigz zstd jq attr python3 time
  # registry auth tests: bcrypt htpasswd files, and the token server's RS256 JWTs
  apache2-utils openssl python3-cryptography
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: all packages present"
