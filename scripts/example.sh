#!/usr/bin/env bash
# The README's main job, after the build: loads the project's busybox base
# image (scripts/make-fixtures.sh, made offline from busybox-static) into the
# store as busybox:latest, builds the bundled example (examples/hello, a
# two-stage recipe with RUN steps) with `imgbuild build -t hello` and prints
# the image's digests. The store is imgbuild's default ($IMGBUILD_ROOT, else
# /var/lib/imgbuild). RUN needs root: without it the script runs itself with sudo.
# Usage: scripts/example.sh [BUILD_DIR]   (default: build)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
if [ "$(id -u)" -ne 0 ]; then
  exec sudo --preserve-env=IMGBUILD_ROOT,SOURCE_DATE_EPOCH "$0" "$build"
fi
imgbuild=$build/builder/imgbuild
[ -x "$imgbuild" ] || { echo "example: $imgbuild is missing; build first (cmake --build build)" >&2; exit 1; }

"$here/scripts/make-fixtures.sh" "$build/fixtures"
"$imgbuild" load -t busybox:latest "$build/fixtures/busybox-oci"
metadata=$(mktemp)
trap 'rm -f "$metadata"' EXIT
"$imgbuild" build --metadata-file "$metadata" -t hello -f "$here/examples/hello/Buildfile" \
  "$here/examples/hello"
echo "hello: manifest $(jq -r '."containerimage.digest"' "$metadata")," \
  "config (image ID) $(jq -r '."containerimage.config.digest"' "$metadata")"
