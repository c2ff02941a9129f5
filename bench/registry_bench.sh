#!/usr/bin/env bash
# Benchmarks `imgbuild push` against `buildah push` and `skopeo copy`, all
# pushing the same image to Debian's docker-registry on loopback, in one run:
#  (a) a fresh push of a ~300 MB image (3 gzip layers) to an empty registry
#      (goal: ours / theirs <= 0.7);
#  (b) a re-push of the unchanged image to the same repository (goal: under
#      100 ms, HEAD requests only; the registry's access log is counted).
# Every measurement gets a new registry on a new port and storage directory,
# so no blob is already there and no client's cache knows one. Each case
# runs RUNS times, alternating the tools, and the fastest run counts, since
# hosts are often shared.
#
# buildah pushes from its own storage (overlay, a private --root), which
# keeps layers uncompressed, so it compresses them again on every push;
# skopeo copies the OCI layout's gzip blobs as they are, as we do from our
# store.
#
# Usage: bench/registry_bench.sh [BUILD_DIR]   (default: build)
# Environment: RUNS (default 3), IMAGE_MB (default 300),
#              KEEP_DATA=DIR to generate into / reuse DIR instead of a temp dir.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
imgbuild=$build/builder/imgbuild
runs=${RUNS:-3}
image_mb=${IMAGE_MB:-300}
for tool in "$imgbuild" skopeo buildah docker-registry curl tar pigz sha256sum jq; do
  command -v "$tool" >/dev/null || { echo "registry_bench: $tool is missing (build first; scripts/setup.sh installs tools)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "registry_bench: run as root (buildah's overlay storage)" >&2; exit 1; }

registry_pid=""
stop_registry() {
  if [ -n "$registry_pid" ]; then
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
    registry_pid=""
  fi
}
cleanup() {
  stop_registry
  buildah --root "$work/buildah-root" --runroot "$work/buildah-run" --storage-driver overlay \
    rmi --all --force >/dev/null 2>&1 || true
  umount "$work/buildah-root/overlay" 2>/dev/null || true
  if [ -z "${KEEP_DATA:-}" ]; then rm -rf "$work"; else rm -rf "$work/store" "$work/buildah-root" "$work/buildah-run" "$work/registry"; fi
}
if [ -n "${KEEP_DATA:-}" ]; then
  work=$KEEP_DATA
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/registry-bench.XXXXXX")
fi
trap cleanup EXIT
layout=$work/layout

# --- the image: an OCI layout of three gzip layers, made once --------------------------------
# Deterministic data (fixed seed): 40% incompressible files (already
# compressed media), 35% in many 100 KB random files, 25% text-like data
# that gzip halves; about IMAGE_MB MB once compressed.
if [ ! -f "$layout/.complete" ]; then
  echo "registry_bench: generating a ${image_mb} MB image in $layout"
  rm -rf "$work/trees" "$layout"
  /usr/bin/python3 - "$work/trees" "$image_mb" <<'PY'
import os, random, sys
root, total = sys.argv[1], int(sys.argv[2]) * 1_000_000
rng = random.Random(20241129)
def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
big = int(total * 0.40) // 10
for i in range(10):
    put(f"{root}/1/media/video{i}.mp4", rng.randbytes(big))
small = 100_000
for i in range(int(total * 0.35) // small):
    put(f"{root}/2/lib/d{i % 50:02d}/lib{i:05d}.so", rng.randbytes(small))
alphabet = bytes(range(32, 48))  # 16 symbols: 4 bits of entropy per byte
text = int(total * 0.25) * 2 // 20
for i in range(20):
    put(f"{root}/3/share/doc{i:02d}.txt", bytes(rng.choices(alphabet, k=text)))
PY
  mkdir -p "$layout/blobs/sha256"
  layers_json="" diff_ids=""
  for n in 1 2 3; do
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/trees/$n" -cf "$work/layer$n.tar" .
    diff_id=$(sha256sum <"$work/layer$n.tar" | cut -c1-64)
    pigz -n -p 2 -c "$work/layer$n.tar" >"$work/layer$n.tar.gz"
    digest=$(sha256sum <"$work/layer$n.tar.gz" | cut -c1-64)
    size=$(stat -c %s "$work/layer$n.tar.gz")
    mv "$work/layer$n.tar.gz" "$layout/blobs/sha256/$digest"
    rm "$work/layer$n.tar"
    layers_json+="${layers_json:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$digest\",\"size\":$size}"
    diff_ids+="${diff_ids:+,}\"sha256:$diff_id\""
  done
  rm -rf "$work/trees"
  put_blob() {  # put_blob JSON: stores it, prints "DIGEST SIZE"
    local digest
    digest=$(printf '%s' "$1" | sha256sum | cut -c1-64)
    printf '%s' "$1" >"$layout/blobs/sha256/$digest"
    echo "$digest ${#1}"
  }
  read -r config_digest config_size < <(put_blob "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diff_ids]}}")
  read -r manifest_digest manifest_size < <(put_blob "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config_digest\",\"size\":$config_size},\"layers\":[$layers_json]}")
  echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  echo "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_digest\",\"size\":$manifest_size,\"annotations\":{\"org.opencontainers.image.ref.name\":\"bench\"}}]}" >"$layout/index.json"
  touch "$layout/.complete"
fi
manifest_digest=$(jq -r '.manifests[0].digest' "$layout/index.json")
image_bytes=$(du -sb "$layout/blobs" | cut -f1)
echo "registry_bench: image $manifest_digest, $((image_bytes / 1000000)) MB of blobs, $runs runs each"

# --- each tool's copy of the image ----------------------------------------------------------
store=$work/store
buildah=(buildah --root "$work/buildah-root" --runroot "$work/buildah-run" --storage-driver overlay)
ours_ready=1
if ! "$imgbuild" load --root "$store" -t bench:1 "$layout" >"$work/load.out" 2>&1; then
  echo "registry_bench: imgbuild load failed: $(cat "$work/load.out")"
  ours_ready=0
fi
# skopeo names the image itself: buildah pull would derive a name from the layout's path,
# which mktemp may give capital letters that a reference cannot have.
skopeo copy --quiet "oci:$layout:bench" \
  "containers-storage:[overlay@$work/buildah-root+$work/buildah-run]localhost/bench:1"
sync

# --- measurements ---------------------------------------------------------------------------
start_registry() {  # a new registry in a new directory; sets registry, registry_dir
  registry_dir=$work/registry/$1
  rm -rf "$registry_dir"
  mkdir -p "$registry_dir/storage"
  cat >"$registry_dir/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $registry_dir/storage
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:0
  secret: imgbuild-bench-secret
EOF
  docker-registry serve "$registry_dir/config.yml" </dev/null >"$registry_dir/registry.log" 2>&1 &
  registry_pid=$!
  registry=""
  for _ in $(seq 300); do
    kill -0 "$registry_pid" 2>/dev/null || { cat "$registry_dir/registry.log" >&2; exit 1; }
    registry=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$registry_dir/registry.log" |
               head -1 | cut -d' ' -f3) || true
    [ -n "$registry" ] && curl -s -o /dev/null "http://$registry/v2/" && break
    registry=""
    sleep 0.05
  done
  [ -n "$registry" ] || { echo "registry_bench: the registry did not start" >&2; exit 1; }
}
requests() { grep -c '^127\.0\.0\.1 - ' "$registry_dir/registry.log" || true; }
# methods FROM: "HEAD=3 GET=1" for the access log lines after line FROM.
methods() {
  grep '^127\.0\.0\.1 - ' "$registry_dir/registry.log" | tail -n +"$(($1 + 1))" |
    awk -F'"' '{split($2, r, " "); n[r[1]]++} END {for (m in n) printf "%s=%d ", m, n[m]}'
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# push TOOL DEST: pushes the image with TOOL to docker://DEST; output in $work/push.out.
push() {
  case $1 in
    ours) "$imgbuild" push --quiet --root "$store" bench:1 "$2" ;;
    buildah) "${buildah[@]}" push --quiet --tls-verify=false localhost/bench:1 "docker://$2" ;;
    skopeo) skopeo copy --quiet --dest-tls-verify=false "oci:$layout:bench" "docker://$2" ;;
  esac >"$work/push.out" 2>&1
}

declare -A fresh_best repush_best repush_methods failed
tools=(ours buildah skopeo)
[ "$ours_ready" = 1 ] || { tools=(buildah skopeo); failed[ours]="imgbuild load failed"; }
for ((i = 0; i < runs; i++)); do
  for tool in "${tools[@]}"; do
    [ -z "${failed[$tool]:-}" ] || continue
    start_registry "$tool-$i"
    dest=$registry/bench/$tool:1
    t0=$(now_ms)
    if ! push "$tool" "$dest"; then
      failed[$tool]=$(tail -3 "$work/push.out")
      stop_registry
      continue
    fi
    t1=$(now_ms)
    pushed=$(skopeo inspect --tls-verify=false "docker://$dest" | jq -r .Digest)
    before=$(requests)
    t2=$(now_ms)
    push "$tool" "$dest" || { failed[$tool]="re-push: $(tail -3 "$work/push.out")"; stop_registry; continue; }
    t3=$(now_ms)
    sleep 0.2  # the access log is written after the response
    mix=$(methods "$before")
    stop_registry
    rm -rf "$registry_dir/storage"
    if [ "$tool" != buildah ] && [ "$pushed" != "$manifest_digest" ]; then
      echo "registry_bench: $tool pushed $pushed, not the local $manifest_digest" >&2
    fi
    if [ -z "${fresh_best[$tool]:-}" ] || [ $((t1 - t0)) -lt "${fresh_best[$tool]}" ]; then
      fresh_best[$tool]=$((t1 - t0))
    fi
    if [ -z "${repush_best[$tool]:-}" ] || [ $((t3 - t2)) -lt "${repush_best[$tool]}" ]; then
      repush_best[$tool]=$((t3 - t2)) repush_methods[$tool]=$mix
    fi
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", a/b}'; }
echo
printf '%-8s %12s %12s  %s\n' tool push_ms repush_ms "re-push requests"
for tool in ours buildah skopeo; do
  if [ -n "${failed[$tool]:-}" ]; then
    printf '%-8s failed: %s\n' "$tool" "${failed[$tool]}"
  else
    printf '%-8s %12d %12d  %s\n' "$tool" "${fresh_best[$tool]}" "${repush_best[$tool]}" "${repush_methods[$tool]}"
  fi
done
echo
if [ -n "${fresh_best[ours]:-}" ]; then
  for theirs in buildah skopeo; do
    [ -n "${fresh_best[$theirs]:-}" ] || continue
    echo "(a) push of $((image_bytes / 1000000)) MB: ours / $theirs = $(ratio "${fresh_best[ours]}" "${fresh_best[$theirs]}") (goal <= 0.7)"
  done
  echo "(b) re-push of the unchanged image: ${repush_best[ours]} ms (goal < 100 ms), requests: ${repush_methods[ours]}(goal: HEAD only)"
  for theirs in buildah skopeo; do
    [ -n "${repush_best[$theirs]:-}" ] || continue
    echo "    ours / $theirs = $(ratio "${repush_best[ours]}" "${repush_best[$theirs]}")"
  done
else
  echo "(a), (b): no figures for imgbuild: ${failed[ours]:-}"
  exit 1
fi
