#!/usr/bin/env bash
# Benchmarks `imgbuild build` against `buildah bud --layers` (overlay storage
# driver, private --root/--runroot) on the same recipes, in one run:
#  (a) cold build (--no-cache) of a small recipe with 3 RUN and 2 COPY
#      (goal: imgbuild <= 0.5x buildah);
#  (b) no-op rebuild (everything cached) of a recipe whose context is 200 MB
#      (goal: <= 0.1x buildah);
#  (c) what `RUN true` costs above the command itself: cold builds of 20
#      `RUN true` steps minus a build without them, per step (goal < 30 ms).
# Both tools start from the project's busybox image (scripts/make-fixtures.sh).
# Each case runs RUNS times, the tools alternating, and the medians count.
# Until imgbuild has a build command only buildah's figures are printed.
#
# Usage: bench/build_bench.sh [BUILD_DIR]   (default: build)
# Environment: RUNS (default 5), STEPS (default 20), CONTEXT_MB (default 200).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
imgbuild=$build/builder/imgbuild
runs=${RUNS:-5}
steps=${STEPS:-20}
context_mb=${CONTEXT_MB:-200}
for tool in buildah skopeo python3; do
  command -v "$tool" >/dev/null || { echo "build_bench: $tool is missing (scripts/setup.sh)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "build_bench: run as root (both tools mount overlayfs)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/var/tmp}/build-bench.XXXXXX")
buildah=(buildah --root "$work/buildah/root" --runroot "$work/buildah/run" --storage-driver overlay)
cleanup() {
  "${buildah[@]}" rm --all >/dev/null 2>&1 || true
  "${buildah[@]}" rmi --all --force >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/scripts/make-fixtures.sh" "$work/fixtures" >/dev/null
skopeo copy --quiet "oci:$work/fixtures/busybox-oci:latest" \
  "containers-storage:[overlay@$work/buildah/root+$work/buildah/run]docker.io/library/busybox:latest"
have_imgbuild=0
if [ -x "$imgbuild" ] && "$imgbuild" help build >/dev/null 2>&1; then
  have_imgbuild=1
  "$imgbuild" load --root "$work/imgbuild" -t busybox:latest "$work/fixtures/busybox-oci" >/dev/null
else
  echo "build_bench: $imgbuild has no build command yet; buildah's figures only"
fi

# --- recipes ---------------------------------------------------------------------------------
recipes=$work/recipes
mkdir -p "$recipes/small/src" "$recipes/big/data" "$recipes/run-none" "$recipes/run-true"
cat >"$recipes/small/Buildfile" <<'EOF'
FROM busybox:latest
COPY app.sh /app/
RUN sed -i 's/@NAME@/bench/' /app/app.sh && chmod 755 /app/app.sh
COPY src /app/src
RUN cat /app/src/*.txt | sort | uniq -c > /app/counts.txt
RUN /app/app.sh > /app/out.txt
CMD ["/app/app.sh"]
EOF
printf '#!/bin/sh\necho "hello @NAME@"\n' >"$recipes/small/app.sh"
for i in $(seq 1 50); do seq "$i" 100 >"$recipes/small/src/file$i.txt"; done
cat >"$recipes/big/Buildfile" <<'EOF'
FROM busybox:latest
COPY data /data
RUN ls /data | wc -l > /count.txt
EOF
for i in $(seq 1 "$((context_mb / 2))"); do
  head -c 2097152 /dev/urandom >"$recipes/big/data/blob$i.bin"
done
printf 'FROM busybox:latest\nLABEL steps=none\n' >"$recipes/run-none/Buildfile"
{ printf 'FROM busybox:latest\nLABEL steps=run-true\n'; printf 'RUN true\n%.0s' $(seq 1 "$steps"); } \
  >"$recipes/run-true/Buildfile"

# --- timing ----------------------------------------------------------------------------------
# Prints the seconds `"$@"` takes; its output goes to $work/last.log.
seconds() {
  local start end
  start=$(date +%s%N)
  if ! "$@" >"$work/last.log" 2>&1; then
    echo "build_bench: failed: $*" >&2
    tail -n 20 "$work/last.log" >&2
    exit 1
  fi
  end=$(date +%s%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", (e - s) / 1e9 }'
}
calc() { awk "BEGIN { printf \"%.6f\\n\", $1 }"; }
median() {
  sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

buildah_build() {  # RECIPE [bud flags...]
  local recipe=$1; shift
  "${buildah[@]}" bud --layers --pull=never --quiet "$@" -f "$recipes/$recipe/Buildfile" \
    -t "bench-$recipe" "$recipes/$recipe"
}
imgbuild_build() {  # RECIPE [build flags...]
  local recipe=$1; shift
  "$imgbuild" build --root "$work/imgbuild" --progress plain "$@" \
    -f "$recipes/$recipe/Buildfile" -t "bench-$recipe" "$recipes/$recipe"
}

# Times RUNS builds of RECIPE with FLAGS by each tool, alternating; sets
# $buildah_s and $imgbuild_s to the medians (imgbuild_s empty without imgbuild).
measure() {  # RECIPE [FLAGS...]
  local recipe=$1 b=() i=()
  shift
  for _ in $(seq 1 "$runs"); do
    b+=("$(seconds buildah_build "$recipe" "$@")")
    if [ "$have_imgbuild" = 1 ]; then i+=("$(seconds imgbuild_build "$recipe" "$@")"); fi
  done
  buildah_s=$(printf '%s\n' "${b[@]}" | median)
  imgbuild_s=
  if [ "$have_imgbuild" = 1 ]; then imgbuild_s=$(printf '%s\n' "${i[@]}" | median); fi
}

ratio_line() {  # LABEL GOAL
  if [ -n "$imgbuild_s" ]; then
    printf '%-44s imgbuild %7.3f s  buildah %7.3f s  ratio %5.2f (goal <= %s)\n' "$1" \
      "$imgbuild_s" "$buildah_s" "$(calc "$imgbuild_s / $buildah_s")" "$2"
  else
    printf '%-44s imgbuild       -    buildah %7.3f s\n' "$1" "$buildah_s"
  fi
}

echo "== build: imgbuild vs buildah bud --layers (overlay), medians of $runs runs," \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

measure small --no-cache
ratio_line "(a) cold build, 3 RUN + 2 COPY" 0.5

buildah_build big >/dev/null 2>&1  # warm both caches; the timed builds are no-ops
if [ "$have_imgbuild" = 1 ]; then imgbuild_build big >/dev/null 2>&1; fi
measure big
ratio_line "(b) no-op rebuild, ${context_mb} MB context" 0.1

measure run-none --no-cache
none_b=$buildah_s none_i=$imgbuild_s
measure run-true --no-cache
per_step() { calc "($2 - $1) * 1000 / $steps"; }
line=$(printf '(c) RUN true, cost per step (%d steps)' "$steps")
if [ -n "$imgbuild_s" ]; then
  printf '%-44s imgbuild %7.1f ms buildah %7.1f ms (goal imgbuild < 30 ms)\n' "$line" \
    "$(per_step "$none_i" "$imgbuild_s")" "$(per_step "$none_b" "$buildah_s")"
else
  printf '%-44s imgbuild       -    buildah %7.1f ms\n' "$line" "$(per_step "$none_b" "$buildah_s")"
fi
