#!/usr/bin/env bash
# Benchmarks imgbuild's layer builder (tar writer -> encoder -> store blob,
# bench/layer_build_bench) against the usual shell pipelines, in one run:
#  (a) a layer from a generated ~300 MB directory of mixed files, written
#      into a store with gzip, diff ID and digest, vs
#      tar -cf - DIR | pigz -p 2 | sha256sum;
#  (b) the same with zstd vs tar -cf - DIR | zstd -T2 | sha256sum;
#  (c) the peak RSS of our layer creation (goal < 100 MB);
#  (d) a layer from an overlay upper directory holding one changed file when
#      the lower layers hold 10 MB vs 1 GB (the times should be about equal).
# Prints wall times and ratios (ours / theirs; goal <= 1.0). Each case runs
# RUNS times, alternating ours and theirs, and the fastest run counts, since
# hosts are often shared. Needs root for the overlay mounts of (d).
#
# Usage: bench/layer_bench.sh [BUILD_DIR]   (default: build)
# Environment: RUNS (default 5), THREADS (default 2, as pigz -p 2),
#              KEEP_DATA=DIR to generate into / reuse DIR instead of a temp dir.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
builder=$build/bench/layer_build_bench
runs=${RUNS:-5}
threads=${THREADS:-2}
for tool in "$builder" tar pigz zstd python3 sha256sum /usr/bin/time mount umount; do
  command -v "$tool" >/dev/null || { echo "layer_bench: $tool is missing (build first; scripts/setup.sh installs tools)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "layer_bench: run as root (part (d) mounts overlayfs)" >&2; exit 1; }

mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
  if [ -z "${KEEP_DATA:-}" ]; then rm -rf "$work"; else rm -rf "$work/store" "$work/overlay"; fi
}
if [ -n "${KEEP_DATA:-}" ]; then
  work=$KEEP_DATA
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/layer-bench.XXXXXX")
fi
trap cleanup EXIT
data=$work/tree
store=$work/store

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
tar_stream >/dev/null  # warms the page cache
tar_bytes=$(tar_stream | wc -c)
echo "layer_bench: tree $((tar_bytes / 1000000)) MB as a tar, $runs runs each, $threads threads"

# timed COMMAND OUT: runs COMMAND (a string for bash -c) under /usr/bin/time
# with its stdout in OUT; prints "wall_seconds max_rss_kb cpu_seconds": the
# RSS of the largest process, the CPU time of all of them.
timed() {
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" bash -c "$1" >"$2"
  awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$work/time"
}

less_than() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a<b)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", a/b}'; }
field() { sed -n "s/^$1=//p" "$2"; }
mb() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }

# Checks a stored blob with the reference tools: its sha256 is the digest,
# its decompressed sha256 the diff ID, and it lists every file of the tree.
verify() {
  local format=$1 out=$2 blob decompress
  blob=$(field blob "$out")
  case $format in
    gzip) decompress="gzip -dc" ;;
    zstd) decompress="zstd -qdc" ;;
  esac
  [ "sha256:$(sha256sum <"$blob" | cut -c1-64)" = "$(field digest "$out")" ] ||
    { echo "layer_bench: $format digest differs from sha256sum of the stored blob" >&2; exit 1; }
  [ "sha256:$($decompress "$blob" | sha256sum | cut -c1-64)" = "$(field diff_id "$out")" ] ||
    { echo "layer_bench: $format diff ID differs from sha256sum of the decompressed blob" >&2; exit 1; }
  local listed expected
  listed=$($decompress "$blob" | tar -tf - | wc -l)
  expected=$(($(find "$data" | wc -l) - 1))
  [ "$listed" = "$expected" ] ||
    { echo "layer_bench: $format layer lists $listed entries, the tree has $expected" >&2; exit 1; }
}

echo
echo "(a, b) layer from a directory into the store vs tar | compressor | sha256sum; (c) peak RSS"
printf '%-6s %9s %9s %7s %12s %12s %7s %9s %9s\n' format ours_s theirs_s time× ours_bytes theirs_bytes size× ours_MB theirs_MB
for format in gzip zstd; do
  if [ "$format" = gzip ]; then
    theirs="pigz -p $threads"
  else
    theirs="zstd -q -T$threads"
  fi
  # Alternate ours and theirs so that both meet the same background load;
  # keep each side's fastest run.
  ours_best="" theirs_best="" full_best="" ours_cpu="" theirs_cpu="" full_cpu="" ours_rss=0
  for ((i = 0; i < runs; i++)); do
    read -r secs rss cpu < <(timed "'$builder' -c $format -t $threads -s '$store' '$data'" "$work/ours.out")
    if [ "$rss" -gt "$ours_rss" ]; then ours_rss=$rss; fi
    if [ -z "$ours_cpu" ] || less_than "$cpu" "$ours_cpu"; then ours_cpu=$cpu; fi
    if [ -z "$ours_best" ] || less_than "$secs" "$ours_best"; then
      ours_best=$secs
      cp "$work/ours.out" "$work/ours"
    fi
    read -r secs rss cpu < <(timed "tar --sort=name -cf - -C '$data' . | $theirs | sha256sum" /dev/null)
    if [ -z "$theirs_cpu" ] || less_than "$cpu" "$theirs_cpu"; then theirs_cpu=$cpu; fi
    if [ -z "$theirs_best" ] || less_than "$secs" "$theirs_best"; then
      theirs_best=$secs theirs_rss=$rss
    fi
    # A layer also needs the diff ID: the same pipeline hashing the tar too.
    read -r secs _ cpu < <(timed "tar --sort=name -cf - -C '$data' . | tee >(sha256sum >/dev/null) | $theirs | sha256sum" /dev/null)
    if [ -z "$full_cpu" ] || less_than "$cpu" "$full_cpu"; then full_cpu=$cpu; fi
    if [ -z "$full_best" ] || less_than "$secs" "$full_best"; then full_best=$secs; fi
  done
  verify "$format" "$work/ours"
  theirs_bytes=$(tar_stream | $theirs | wc -c)
  ours_bytes=$(field size "$work/ours")
  printf '%-6s %9.2f %9.2f %7.3f %12d %12d %7.3f %9.1f %9.1f\n' "$format" "$ours_best" "$theirs_best" \
    "$(ratio "$ours_best" "$theirs_best")" "$ours_bytes" "$theirs_bytes" "$(ratio "$ours_bytes" "$theirs_bytes")" \
    "$(mb "$ours_rss")" "$(mb "$theirs_rss")"
  echo "       CPU seconds (least of the runs): ours $ours_cpu, theirs $theirs_cpu, ratio $(ratio "$ours_cpu" "$theirs_cpu")"
  echo "       theirs with diff ID (tee | sha256sum): $full_best s, time× $(ratio "$ours_best" "$full_best"); CPU $full_cpu s, ratio $(ratio "$ours_cpu" "$full_cpu")"
  echo "       builder in our best run: $(field seconds "$work/ours") s wall, $(field user_seconds "$work/ours") s user, $(field system_seconds "$work/ours") s sys (includes writing and fsyncing the blob)"
  echo "       (c) peak RSS of our layer creation, largest of the runs: $(mb "$ours_rss") MB (goal < 100 MB)"
done
echo "layer_bench: stored blobs match sha256sum, decompress to their diff IDs and list every file"

# (d) One changed file in an overlay upper dir over lowers of 10 MB and 1 GB.
overlay=$work/overlay
make_lower() {  # make_lower DIR MEGABYTES: two lower layers, 1 MB files
  local dir=$1 megabytes=$2 half
  half=$((megabytes / 2))
  head -c 1048576 /dev/urandom >"$overlay/seed"
  for layer in a b; do
    mkdir -p "$dir/$layer/data"
    for ((n = 0; n < half; n++)); do cp "$overlay/seed" "$dir/$layer/data/$layer$n.bin"; done
  done
  mkdir -p "$dir/a/etc"
  head -c 65536 /dev/urandom | base64 >"$dir/a/etc/app.conf"
}
# upper_after_change DIR: mounts the lowers, appends to one file, unmounts;
# prints the upper dir.
upper_after_change() {
  local dir=$1
  mkdir -p "$dir/upper" "$dir/work" "$dir/merged"
  mount -t overlay overlay -o "lowerdir=$dir/b:$dir/a,upperdir=$dir/upper,workdir=$dir/work,redirect_dir=off,metacopy=off,index=off" "$dir/merged"
  mounts+=("$dir/merged")
  echo "changed=1" >>"$dir/merged/etc/app.conf"
  umount "$dir/merged"
  echo "$dir/upper"
}
echo
echo "(d) layer from an overlay upper dir with one changed file, lowers of 10 MB vs 1 GB"
mkdir -p "$overlay"
declare -A upper_best upper_wall
for megabytes in 10 1024; do
  make_lower "$overlay/$megabytes" "$megabytes"
  upper=$(upper_after_change "$overlay/$megabytes")
  sync
  for ((i = 0; i < runs; i++)); do
    read -r secs _ _ < <(timed "'$builder' --overlay-upper -c gzip -t $threads -s '$store' '$upper'" "$work/upper.out")
    inner=$(field seconds "$work/upper.out")
    if [ -z "${upper_best[$megabytes]:-}" ] || less_than "$inner" "${upper_best[$megabytes]}"; then
      upper_best[$megabytes]=$inner
    fi
    if [ -z "${upper_wall[$megabytes]:-}" ] || less_than "$secs" "${upper_wall[$megabytes]}"; then
      upper_wall[$megabytes]=$secs
    fi
  done
  lower_mb=$(du -sm "$overlay/$megabytes/a" "$overlay/$megabytes/b" | awk '{s += $1} END {print s}')
  echo "       lowers of $megabytes MB (du: $lower_mb MB): layer of $(field entries "$work/upper.out") entries, $(field uncompressed_size "$work/upper.out") tar bytes: builder ${upper_best[$megabytes]} s, whole process ${upper_wall[$megabytes]} s"
done
echo "       ratio 1 GB / 10 MB: builder $(ratio "${upper_best[1024]}" "${upper_best[10]}"), whole process $(ratio "${upper_wall[1024]}" "${upper_wall[10]}") (goal: about 1)"
