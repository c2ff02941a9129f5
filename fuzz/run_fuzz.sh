#!/usr/bin/env bash
# Runs a libFuzzer target for a while on the parser corpora.
# Usage: fuzz/run_fuzz.sh FUZZER SECONDS
set -euo pipefail
fuzzer=$1
seconds=${2:-30}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
# New inputs go to the first (scratch) corpus; the checked-in ones are seeds.
"$fuzzer" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -max_len=16384 \
  -dict="$source_dir/fuzz/dockerfile.dict" -print_final_stats=1 \
  "$corpus" "$source_dir/testdata/parser/golden" "$source_dir/testdata/parser/errors"
