#!/usr/bin/env python3
"""Writes the project's busybox base image: an OCI layout and a docker-archive.

Usage: busybox_fixture.py BUSYBOX_BINARY OCI_LAYOUT_DIR DOCKER_ARCHIVE

One gzip layer holds the static busybox, its applet symlinks (from
`busybox --list-full`), a small /etc/passwd and /etc/group and the usual
directories. Every byte is a function of the busybox binary: entries are
sorted, mtimes are 0, owners are numeric and names empty, gzip carries no
name or time. scripts/make-fixtures.sh calls this; see it for the contract.
"""

import gzip
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tarfile

PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
EPOCH = "1970-01-01T00:00:00Z"

PASSWD = """root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
"""

# `app` is also in `users`, so `id` shows a supplementary group.
GROUP = """root:x:0:
daemon:x:1:
users:x:100:app
app:x:1000:
nobody:x:65534:
"""

# (path, mode, uid, gid); /dev, /proc and /sys exist so that runtimes do not
# leave their own mount points in a build's layers.
DIRECTORIES = [
    ("bin", 0o755, 0, 0),
    ("dev", 0o755, 0, 0),
    ("etc", 0o755, 0, 0),
    ("home", 0o755, 0, 0),
    ("home/app", 0o755, 1000, 1000),
    ("proc", 0o755, 0, 0),
    ("root", 0o700, 0, 0),
    ("sbin", 0o755, 0, 0),
    ("sys", 0o755, 0, 0),
    ("tmp", 0o1777, 0, 0),
    ("usr", 0o755, 0, 0),
    ("usr/bin", 0o755, 0, 0),
    ("usr/local", 0o755, 0, 0),
    ("usr/local/bin", 0o755, 0, 0),
    ("usr/sbin", 0o755, 0, 0),
    ("var", 0o755, 0, 0),
]


def entry(name, kind, mode, uid=0, gid=0, data=b"", target=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.uid, info.gid = uid, gid
    info.uname = info.gname = ""
    info.mtime = 0
    info.linkname = target
    info.size = len(data)
    return info, data


def applet_paths(busybox):
    listing = subprocess.run([busybox, "--list-full"], check=True, capture_output=True, text=True)
    # `linuxrc` (no directory) is busybox's init alias, not a command.
    return sorted(p for p in listing.stdout.split() if "/" in p and p != "bin/busybox")


def layer_entries(busybox):
    entries = [entry(d, tarfile.DIRTYPE, mode, uid, gid) for d, mode, uid, gid in DIRECTORIES]
    with open(busybox, "rb") as f:
        entries.append(entry("bin/busybox", tarfile.REGTYPE, 0o755, data=f.read()))
    entries.append(entry("etc/group", tarfile.REGTYPE, 0o644, data=GROUP.encode()))
    entries.append(entry("etc/passwd", tarfile.REGTYPE, 0o644, data=PASSWD.encode()))
    known = {d for d, *_ in DIRECTORIES}
    for path in applet_paths(busybox):
        if os.path.dirname(path) not in known:
            sys.exit(f"busybox_fixture: applet {path} is in a directory the image lacks")
        entries.append(entry(path, tarfile.SYMTYPE, 0o777, target="/bin/busybox"))
    # Parents before children, siblings by name: sort by path components.
    return sorted(entries, key=lambda e: e[0].name.split("/"))


def layer_tar(busybox):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for info, data in layer_entries(busybox):
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buffer.getvalue()


def gzip_bytes(data):
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buffer.getvalue()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def architecture():
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def image_config(diff_id, busybox_version):
    return {
        "architecture": architecture(),
        "os": "linux",
        "created": EPOCH,
        "config": {"Env": [PATH_ENV], "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]},
        "history": [{"created": EPOCH,
                     "created_by": "scripts/make-fixtures.sh: " + busybox_version}],
    }


def write_file(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_blob(layout, data):
    digest = sha256(data)
    write_file(os.path.join(layout, "blobs", "sha256", digest), data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def write_oci_layout(layout, config, layer_gz):
    write_file(os.path.join(layout, "oci-layout"), canonical_json({"imageLayoutVersion": "1.0.0"}))
    layer = write_blob(layout, layer_gz)
    config_descriptor = write_blob(layout, canonical_json(config))
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config_descriptor},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer}],
    }
    manifest_descriptor = write_blob(layout, canonical_json(manifest))
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            **manifest_descriptor,
            "annotations": {"io.containerd.image.name": "docker.io/library/busybox:latest",
                            "org.opencontainers.image.ref.name": "latest"},
        }],
    }
    write_file(os.path.join(layout, "index.json"), canonical_json(index))


def write_docker_archive(path, config, layer):
    config_bytes = canonical_json(config)
    config_name = sha256(config_bytes) + ".json"
    layer_name = sha256(layer) + "/layer.tar"
    manifest = [{"Config": config_name, "RepoTags": ["docker.io/library/busybox:latest"],
                 "Layers": [layer_name]}]
    members = [(config_name, config_bytes), (layer_name, layer),
               ("manifest.json", canonical_json(manifest))]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members:
            info, _ = entry(name, tarfile.REGTYPE, 0o644, data=data)
            tar.addfile(info, io.BytesIO(data))
    write_file(path, buffer.getvalue())


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    busybox, layout, archive = sys.argv[1:]
    version = subprocess.run([busybox], capture_output=True, text=True).stdout.splitlines()[0]
    layer = layer_tar(busybox)
    config = image_config(sha256(layer), version.strip())
    write_oci_layout(layout, config, gzip_bytes(layer))
    write_docker_archive(archive, config, layer)


if __name__ == "__main__":
    main()
