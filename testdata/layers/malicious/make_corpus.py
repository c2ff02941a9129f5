#!/usr/bin/env python3
"""Writes the malicious layer corpus next to this script (or into argv[1]).

Each archive tries one way of escaping or breaking a layer apply; the test
(tests/layers/malicious_layer_test.cc) applies each into target/ with a
sentinel/ directory beside it and expects a clear error naming the entry and
nothing written outside target/. Output is deterministic: rerun after editing
and commit the regenerated files.
"""
import gzip
import os
import random
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tar_corpus import file, info, tar_bytes, writer  # noqa: E402

# Output directory: this script's directory, or the first argument.
HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
write = writer(HERE)


def gzipped(data):
    return gzip.compress(data, compresslevel=6, mtime=0)


def text(size, seed):
    words = ["layer", "tar", "whiteout", "overlay", "digest", "blob", "image", "build"]
    rng = random.Random(seed)
    out = []
    length = 0
    while length < size:
        out.append(rng.choice(words))
        length += len(out[-1]) + 1
    return " ".join(out).encode()[:size]


def main():
    write("dotdot.tar", tar_bytes([file("ok.txt", b"fine\n"), file("../escaped.txt", b"out\n")]))
    write("absolute.tar", tar_bytes([file("/imgbuild-malicious-absolute.txt", b"out\n")]))
    write("symlink_write.tar", tar_bytes([
        info("link", tarfile.SYMTYPE, link="../sentinel"),
        file("link/pwned.txt", b"through the symlink\n"),
    ]))
    write("hardlink_escape.tar", tar_bytes([
        info("stolen", tarfile.LNKTYPE, link="../sentinel/secret.txt"),
    ]))
    write("hardlink_via_symlink.tar", tar_bytes([
        info("evil", tarfile.SYMTYPE, link="../sentinel"),
        info("stolen", tarfile.LNKTYPE, link="evil/secret.txt"),
    ]))
    write("hardlink_missing.tar", tar_bytes([
        file("present.txt", b"here\n"),
        info("ghost", tarfile.LNKTYPE, link="nothere.txt"),
    ]))
    # A GNU header can declare 2**62 bytes (base-256 size); no data follows.
    write("absurd_size.tar", tar_bytes([info("huge.bin", size=2**62)], tarfile.GNU_FORMAT)[:512] +
          b"\0" * 1024)
    write("whiteout_dotdot.tar", tar_bytes([info("dir", tarfile.DIRTYPE), file("dir/.wh...", b"")]))
    # Overwriting a symlink must replace the link, not write through it.
    write("symlink_overwrite.tar", tar_bytes([
        info("victim", tarfile.SYMTYPE, link="../sentinel/secret.txt"),
        file("victim", b"replaced\n"),
    ]))

    payload = tar_bytes([file("small.txt", b"small\n"),
                         file("big.bin", random.Random(1).randbytes(1 << 20))])
    compressed = gzipped(payload)
    write("truncated.tar.gz", compressed[: len(compressed) * 6 // 10])

    payload = tar_bytes([file("first.txt", text(200000, 2)), file("second.txt", text(200000, 3))])
    compressed = bytearray(gzipped(payload))
    middle = len(compressed) * 7 // 10
    compressed[middle:middle + 64] = b"\xff" * 64
    write("corrupt.tar.gz", bytes(compressed))


if __name__ == "__main__":
    main()
