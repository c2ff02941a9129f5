#!/usr/bin/env bash
# Benchmarks the part of COPY that runs on every build: selecting and
# hashing a ~290 MB context for the cache key (bench/copy_prepare_bench,
# cold and with a warm stat cache) against buildah's no-op rebuild of
# `FROM scratch` + `COPY . /ctx/` (which hashes the context every time).
# Goal: our warm time <= 0.1x buildah's. The fastest of RUNS counts.
#
# Usage: bench/copy_bench.sh [BUILD_DIR]   (default: build)
# Environment: RUNS (default 5), KEEP_DATA=DIR to generate into / reuse DIR.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
bench=$build/bench/copy_prepare_bench
runs=${RUNS:-5}
for tool in "$bench" buildah python3; do
  command -v "$tool" >/dev/null || { echo "copy_bench: $tool is missing (build first; scripts/setup.sh installs tools)" >&2; exit 1; }
done

if [ -n "${KEEP_DATA:-}" ]; then work=$KEEP_DATA; mkdir -p "$work"; else work=$(mktemp -d "${TMPDIR:-/tmp}/copy-bench.XXXXXX"); fi
cleanup() {
  buildah rmi -f copy-bench:latest >/dev/null 2>&1 || true
  if [ -z "${KEEP_DATA:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
context=$work/context

# ~290 MB in 10,000 files over 200 directories (sizes 1 KB to 64 KB, a few
# of 4 MB), deterministic, with a .dockerignore excluding one file kind.
if [ ! -f "$work/.complete" ]; then
  echo "copy_bench: generating the context in $context"
  rm -rf "$context"
  python3 - "$context" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(4242)
for d in range(200):
    path = os.path.join(root, "pkg%03d" % (d // 20), "mod%03d" % d)
    os.makedirs(path, exist_ok=True)
    for f in range(50):
        size = rng.choice([1024, 4096, 16384, 65536]) if f else 4 << 20 if d % 10 == 0 else 8192
        with open(os.path.join(path, "file%02d.%s" % (f, rng.choice(["c", "h", "txt", "log"]))), "wb") as out:
            out.write(rng.randbytes(size))
with open(os.path.join(root, ".dockerignore"), "w") as out:
    out.write("**/*.log\n")
with open(os.path.join(root, "Dockerfile"), "w") as out:
    out.write("FROM scratch\nCOPY . /ctx/\n")
PY
  touch -d '2020-01-01' "$context" && find "$context" -exec touch -h -d '2020-01-01' {} +
  touch "$work/.complete"
fi
echo "copy_bench: context $(du -sh "$context" | cut -f1), $(find "$context" -type f | wc -l) files"

echo "== imgbuild PrepareCopy (cold, then warm stat cache)"
ours=$("$bench" "$context" -c "$work/statcache" -r "$runs")
echo "$ours"
warm=$(echo "$ours" | sed -n 's/^warm_seconds=//p')

echo "== buildah no-op rebuild (FROM scratch; COPY . /ctx/)"
buildah build --layers -q -t copy-bench "$context" >/dev/null
best=""
for _ in $(seq "$runs"); do
  start=$(date +%s.%N)
  buildah build --layers -q -t copy-bench "$context" >/dev/null
  took=$(echo "$(date +%s.%N) - $start" | bc)
  if [ -z "$best" ] || [ "$(echo "$took < $best" | bc)" = 1 ]; then best=$took; fi
done
echo "buildah_noop_seconds=$best"
echo "ratio_warm_over_buildah=$(echo "scale=3; $warm / $best" | bc)"
