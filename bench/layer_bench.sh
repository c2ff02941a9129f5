#!/usr/bin/env bash
# Compares imgbuild's layer encoder with the usual shell pipelines on a
# generated ~300 MB directory of mixed files:
#   gzip: tar -cf - DIR | layer_encode_bench   vs  tar -cf - DIR | pigz -p 2 | sha256sum
#   zstd: tar -cf - DIR | layer_encode_bench -c zstd  vs  tar -cf - DIR | zstd -T2 | sha256sum
# Prints wall time, blob size and their ratios (ours / theirs; goal <= 1.0)
# and peak RSS (goal for ours < 100 MB). Each pipeline runs RUNS times,
# alternating ours and theirs, and the fastest run counts, since hosts are
# often shared.
#
# Usage: bench/layer_bench.sh [BUILD_DIR]   (default: build)
# Environment: RUNS (default 5), THREADS (default 2, as pigz -p 2),
#              KEEP_DATA=DIR to generate into / reuse DIR instead of a temp dir.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
encoder=$build/bench/layer_encode_bench
runs=${RUNS:-5}
threads=${THREADS:-2}
for tool in "$encoder" tar pigz zstd python3 sha256sum /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "layer_bench: $tool is missing (build first; scripts/setup.sh installs tools)" >&2; exit 1; }
done

if [ -n "${KEEP_DATA:-}" ]; then
  work=$KEEP_DATA
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/layer-bench.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
data=$work/tree

# Deterministic data (fixed seeds): ~100 MB source-like text, ~100 MB of
# incompressible (already compressed) files, ~20 MB of structured binary
# records and ~80 MB as 20,000 small mixed files.
if [ ! -f "$work/.complete" ]; then
  echo "layer_bench: generating test data in $data"
  rm -rf "$data"
  python3 - "$data" <<'PY'
import os, random, struct, sys
root = sys.argv[1]
rng = random.Random(20240601)
words = ["int", "return", "static", "const", "std::string", "layer", "digest", "if", "else",
         "for", "while", "void", "auto", "namespace", "struct", "class", "size_t", "error",
         "include", "0", "1", "nullptr", "=", "==", "(", ")", "{", "}", ";", "//", "path",
         "buffer", "write", "read", "open", "close", "the", "a", "of", "to", "is", "and"]
words += ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(3, 12)))
          for _ in range(3000)]
# Word frequencies follow Zipf's law, as in real source and prose.
weights = [1 / (rank + 1) for rank in range(len(words))]
lines = [" " * (2 * rng.randint(0, 4)) + " ".join(rng.choices(words, weights, k=rng.randint(1, 14)))
         for _ in range(40000)]

def text(size):
    out, total = [], 0
    while total < size:
        line = rng.choice(lines)
        out.append(line)
        total += len(line) + 1
    return ("\n".join(out) + "\n").encode()[:size]

def records(size):
    count = size // 32
    return b"".join(struct.pack("<IIQHHQI", i, rng.randrange(1 << 12), 1700000000 + i * 7,
                                rng.randrange(4), 0, rng.randrange(1 << 20), 0xfeedface)
                    for i in range(count))

def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)

for i in range(400):
    put(f"{root}/src/dir{i % 20:02d}/file{i:03d}.cc", text(rng.randint(150_000, 350_000)))
for i in range(10):
    put(f"{root}/blobs/archive{i}.gz", rng.randbytes(10_000_000))
for i in range(4):
    put(f"{root}/db/table{i}.bin", records(5_000_000))
for i in range(20_000):
    size = rng.randint(0, 8192)
    data = text(size) if i % 3 else rng.randbytes(size)
    put(f"{root}/small/d{i % 100:02d}/f{i:05d}", data)
PY
  touch "$work/.complete"
fi

tar_stream() { tar --sort=name -cf - -C "$data" .; }
export -f tar_stream
export data
tar_bytes=$(tar_stream | wc -c)  # also warms the page cache (tar skips reading for >/dev/null)
tar_sha=$(tar_stream | sha256sum | cut -c1-64)
echo "layer_bench: tar stream $((tar_bytes / 1000000)) MB, sha256 ${tar_sha:0:16}..., $runs runs each, $threads threads"

# timed PIPELINE OUT: runs PIPELINE (a string for bash -c) under /usr/bin/time
# with its stdout in OUT; prints "wall_seconds max_rss_kb cpu_seconds": the
# RSS of the pipeline's largest process, the CPU time of all of it.
timed() {
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" bash -c "$1" >"$2"
  awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$work/time"
}

less_than() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a<b)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", a/b}'; }
field() { sed -n "s/^$1=//p" "$2"; }

printf '\n%-6s %9s %9s %7s %12s %12s %7s %9s %9s\n' format ours_s theirs_s time× ours_bytes theirs_bytes size× ours_MB theirs_MB
for format in gzip zstd; do
  if [ "$format" = gzip ]; then
    theirs="pigz -p $threads"
  else
    theirs="zstd -q -T$threads"
  fi
  # Alternate ours and theirs so that both meet the same background load;
  # keep each side's fastest run.
  ours_best="" theirs_best="" full_best="" ours_cpu="" theirs_cpu="" full_cpu=""
  for ((i = 0; i < runs; i++)); do
    read -r secs _ cpu < <(timed "tar_stream | '$encoder' -c $format -t $threads" "$work/ours.out")
    if [ -z "$ours_cpu" ] || less_than "$cpu" "$ours_cpu"; then ours_cpu=$cpu; fi
    if [ -z "$ours_best" ] || less_than "$secs" "$ours_best"; then
      ours_best=$secs
      cp "$work/ours.out" "$work/ours"
    fi
    read -r secs rss cpu < <(timed "tar_stream | $theirs | sha256sum" /dev/null)
    if [ -z "$theirs_cpu" ] || less_than "$cpu" "$theirs_cpu"; then theirs_cpu=$cpu; fi
    if [ -z "$theirs_best" ] || less_than "$secs" "$theirs_best"; then
      theirs_best=$secs theirs_rss=$rss
    fi
    # A layer also needs the diff ID: the same pipeline hashing the tar too.
    read -r secs _ cpu < <(timed "tar_stream | tee >(sha256sum >/dev/null) | $theirs | sha256sum" /dev/null)
    if [ -z "$full_cpu" ] || less_than "$cpu" "$full_cpu"; then full_cpu=$cpu; fi
    if [ -z "$full_best" ] || less_than "$secs" "$full_best"; then
      full_best=$secs
    fi
  done
  theirs_bytes=$(tar_stream | $theirs | wc -c)
  ours_bytes=$(field size "$work/ours")
  ours_rss=$(field max_rss_kb "$work/ours")
  if [ "$(field diff_id "$work/ours")" != "sha256:$tar_sha" ]; then
    echo "layer_bench: $format diff_id differs from sha256 of the tar stream" >&2
    exit 1
  fi
  printf '%-6s %9.2f %9.2f %7.3f %12d %12d %7.3f %9.1f %9.1f\n' "$format" "$ours_best" "$theirs_best" \
    "$(ratio "$ours_best" "$theirs_best")" "$ours_bytes" "$theirs_bytes" "$(ratio "$ours_bytes" "$theirs_bytes")" \
    "$(awk -v k="$ours_rss" 'BEGIN{print k/1024}')" "$(awk -v k="$theirs_rss" 'BEGIN{print k/1024}')"
  echo "       CPU seconds, whole pipeline (least of the runs): ours $ours_cpu, theirs $theirs_cpu, ratio $(ratio "$ours_cpu" "$theirs_cpu")"
  echo "       theirs with diff ID (tee | sha256sum): $full_best s, time× $(ratio "$ours_best" "$full_best"); CPU $full_cpu s, ratio $(ratio "$ours_cpu" "$full_cpu")"
  echo "       encoder in our best run: $(field seconds "$work/ours") s wall, $(field user_seconds "$work/ours") s user, $(field system_seconds "$work/ours") s sys"
done

# One more run writing the blob, decompressed by the reference tools.
for format in gzip zstd; do
  tar_stream | "$encoder" -c "$format" -t "$threads" -o "$work/blob.$format" >"$work/check"
  case $format in
    gzip) got=$(gzip -dc "$work/blob.$format" | sha256sum | cut -c1-64) ;;
    zstd) got=$(zstd -qdc "$work/blob.$format" | sha256sum | cut -c1-64) ;;
  esac
  [ "$got" = "$tar_sha" ] || { echo "layer_bench: $format blob does not decompress to the tar stream" >&2; exit 1; }
  [ "sha256:$(sha256sum <"$work/blob.$format" | cut -c1-64)" = "$(field digest "$work/check")" ] ||
    { echo "layer_bench: $format digest differs from sha256sum of the blob" >&2; exit 1; }
  rm -f "$work/blob.$format"
done
echo
echo "layer_bench: blobs decompress to the tar stream and digests match sha256sum"
