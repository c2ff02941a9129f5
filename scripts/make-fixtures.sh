#!/usr/bin/env bash
# Builds the project's base image from the busybox-static package, offline and
# deterministically (the same busybox gives the same bytes):
#   OUTDIR/busybox-oci   OCI layout, tag `latest` (io.containerd.image.name
#                        docker.io/library/busybox:latest)
#   OUTDIR/busybox.tar   the same image as a docker-archive (docker.io/library/busybox:latest)
# One layer: /bin/busybox, its applet symlinks, /etc/passwd and /etc/group
# (root, daemon, nobody and `app` 1000:1000, also in group `users` 100),
# /tmp (1777), /root, /home/app, /var, /usr/local/bin. Config: Env PATH, Cmd sh.
# Idempotent: does nothing when OUTDIR already holds what these inputs give.
# Usage: scripts/make-fixtures.sh OUTDIR
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox
generator=$here/busybox_fixture.py

if [ ! -x "$busybox" ] || readelf -l "$busybox" 2>/dev/null | grep -q 'interpreter'; then
  echo "make-fixtures: $busybox is missing or not static; install busybox-static" \
       "(scripts/setup.sh)" >&2
  exit 1
fi

mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

stamp=$(sha256sum "$busybox" "$generator" "$0" | sha256sum | cut -d' ' -f1)
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ] &&
   [ -f "$out/busybox-oci/index.json" ] && [ -f "$out/busybox.tar" ]; then
  touch "$out/.stamp"  # newer than the inputs, so build systems see it up to date
  exit 0
fi

staging=$(mktemp -d "$out/.staging.XXXXXX")
trap 'rm -rf "$staging"' EXIT
python3 "$generator" "$busybox" "$staging/busybox-oci" "$staging/busybox.tar"
rm -f "$out/.stamp"
rm -rf "$out/busybox-oci" "$out/busybox.tar"
mv "$staging/busybox-oci" "$staging/busybox.tar" "$out/"
echo "$stamp" >"$out/.stamp"
echo "make-fixtures: wrote $out/busybox-oci and $out/busybox.tar"
