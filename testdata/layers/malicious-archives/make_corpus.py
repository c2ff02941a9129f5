#!/usr/bin/env python3
"""Writes the hostile image-archive corpus next to this script (or into argv[1]).

Each archive breaks `imgbuild load` one way: names leaving the archive,
missing blobs, bad digests, size mismatches, invalid JSON, manifest.json
paths pointing outside, diff IDs that do not match, absurd sizes, truncated
streams. tests/layers/image_import_test.cc loads each into an empty store
and expects an error naming the member, field or digest, and the store left
unchanged. Output is deterministic: rerun after editing and commit the
regenerated files.
"""
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tar_corpus import file, info, tar_bytes, writer  # noqa: E402

HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
write = writer(HERE)
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_name(data):
    return "blobs/sha256/" + hashlib.sha256(data).hexdigest()


def canonical(value):
    return json.dumps(value, separators=(",", ":")).encode()


def descriptor(media_type, data, **extra):
    return dict(mediaType=media_type, digest=sha(data), size=len(data), **extra)


# A real, tiny image: one layer holding hello.txt.
LAYER = tar_bytes([file("hello.txt", b"hello from the corpus\n")])
CONFIG = canonical({"architecture": "amd64", "os": "linux",
                    "rootfs": {"type": "layers", "diff_ids": [sha(LAYER)]}})
MANIFEST = canonical({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                      "config": descriptor(OCI_CONFIG, CONFIG),
                      "layers": [descriptor(OCI_LAYER, LAYER)]})
LAYOUT = canonical({"imageLayoutVersion": "1.0.0"})
NAMED = {"io.containerd.image.name": "docker.io/library/corpus:1.0",
         "org.opencontainers.image.ref.name": "1.0"}


def index(manifest=MANIFEST, **extra):
    entry = descriptor(OCI_MANIFEST, manifest, annotations=NAMED)
    entry.update(extra)
    return canonical({"schemaVersion": 2, "manifests": [entry]})


def oci_archive(extra=(), index_json=None, blobs=(LAYER, CONFIG, MANIFEST)):
    members = [file(blob_name(data), data) for data in blobs]
    members += [file("index.json", index_json or index()), file("oci-layout", LAYOUT)]
    return tar_bytes(members + list(extra))


def docker_archive(config="config.json", layers=("layer.tar",), extra=(), config_data=CONFIG,
                   layer_data=LAYER):
    manifest = canonical([{"Config": config, "RepoTags": ["corpus:1.0"], "Layers": list(layers)}])
    members = [file("config.json", config_data), file("layer.tar", layer_data)]
    return tar_bytes(members + list(extra) + [file("manifest.json", manifest)])


def main():
    # Names that leave the archive.
    write("traversal.tar", oci_archive(extra=[file("../evil.txt", b"out\n")]))
    write("absolute.tar", oci_archive(extra=[file("/tmp/imgbuild-evil.txt", b"out\n")]))
    write("device.tar", oci_archive(extra=[info("dev/null", tarfile.CHRTYPE)]))
    write("duplicate.tar", oci_archive(extra=[file("index.json", index())]))

    # Blobs and descriptors that do not agree.
    write("missing_blob.tar", oci_archive(blobs=(LAYER, MANIFEST)))
    bad = bytearray(LAYER)
    bad[600] ^= 0xFF
    members = [file(blob_name(LAYER), bytes(bad)), file(blob_name(CONFIG), CONFIG),
               file(blob_name(MANIFEST), MANIFEST), file("index.json", index()),
               file("oci-layout", LAYOUT)]
    write("bad_digest.tar", tar_bytes(members))
    write("size_mismatch.tar", oci_archive(index_json=index(size=len(MANIFEST) + 1)))
    write("invalid_index_json.tar", oci_archive(index_json=b'{"schemaVersion":2,"manifests":['))
    not_manifest = canonical({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": "no"})
    write("invalid_manifest.tar", oci_archive(index_json=index(not_manifest),
                                              blobs=(LAYER, CONFIG, not_manifest)))
    write("bad_layout_version.tar",
          tar_bytes([file(blob_name(d), d) for d in (LAYER, CONFIG, MANIFEST)] +
                    [file("index.json", index()),
                     file("oci-layout", canonical({"imageLayoutVersion": "9.9.9"}))]))
    write("not_an_image.tar", tar_bytes([file("README", b"just a tar\n")]))

    # docker-archive manifest.json pointing outside or at nothing.
    write("docker_config_outside.tar", docker_archive(config="../config.json"))
    write("docker_layer_absolute.tar", docker_archive(layers=("/etc/passwd",)))
    write("docker_symlink_outside.tar", docker_archive(
        layers=("evil/layer.tar",), extra=[info("evil/layer.tar", tarfile.SYMTYPE,
                                                link="../../../etc/passwd")]))
    write("docker_missing_layer.tar", docker_archive(layers=("nothere.tar",)))
    write("docker_invalid_manifest.tar", tar_bytes([
        file("config.json", CONFIG), file("layer.tar", LAYER),
        file("manifest.json", b'[{"Config": 42}]')]))
    write("docker_diffid_mismatch.tar",
          docker_archive(layer_data=tar_bytes([file("other.txt", b"not the layer\n")])))
    write("docker_layer_count.tar", docker_archive(layers=("layer.tar", "layer.tar")))
    write("docker_invalid_config.tar", docker_archive(config_data=b'{"rootfs": '))

    # Sizes and streams that end early.
    write("absurd_size.tar", tar_bytes([info("blobs/sha256/" + "0" * 64, size=2**62)],
                                       tarfile.GNU_FORMAT)[:512] + b"\0" * 1024)
    whole = oci_archive(blobs=(LAYER, CONFIG, MANIFEST, b"x" * 300000))
    write("truncated.tar", whole[: len(whole) // 2])
    noise = random.Random(1).randbytes(300000)
    compressed = gzip.compress(oci_archive(blobs=(LAYER, CONFIG, MANIFEST, noise)), mtime=0)
    write("truncated.tar.gz", compressed[: len(compressed) * 6 // 10])


if __name__ == "__main__":
    main()
