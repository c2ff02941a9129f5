#!/usr/bin/env python3
"""Compares two container images: their root filesystems and their configs.

Usage:
  compare.py [--expected FILE] [--buildah-side LABEL] LABEL=IMAGE LABEL=IMAGE
  compare.py --expected FILE --check-side LABEL LABEL=IMAGE

IMAGE is an OCI layout directory (DIR or DIR:TAG), an OCI archive or a
docker-archive (FILE or FILE:TAG), or a plain directory holding a root
filesystem (then only files are compared). Layers are applied in memory with
OCI whiteout rules; nothing is extracted to disk.

Compared: every path's type, mode (with setuid/setgid/sticky bits), owner,
content, symlink target, device numbers, xattrs and hard-link group; and the
config's Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, Volumes,
Labels, StopSignal, Healthcheck, OnBuild and Shell. Never compared: mtimes,
and on the --buildah-side the empty mount points buildah leaves behind
(/etc/hosts, /etc/resolv.conf, /etc/hostname, /run/.containerenv, /run, and
empty files or directories under /dev, /proc and /sys) and its
io.buildah.version label. Empty values (null, "", [], {}) equal absent ones.

Each difference is one line, `KEY: LEFT VALUE | RIGHT VALUE`, for example
  /etc/motd mode: imgbuild 0644 | buildah 0600
  config.Cmd: imgbuild ["sh"] | buildah null
The --expected FILE (a recipe's EXPECTED_DIFFERENCE.md) lists accepted lines
in fenced ```differences blocks; the images must differ by exactly those lines.
--check-side validates such a file against one image alone: every line's
value for LABEL must be that image's.

Exit status: 0 when the images differ exactly as expected, 1 otherwise, 2 on
bad usage or unreadable input.
"""

import argparse
import difflib
import gzip
import hashlib
import io
import json
import os
import re
import stat
import subprocess
import sys
import tarfile

CONFIG_FIELDS = ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes",
                 "Labels", "StopSignal", "Healthcheck", "OnBuild", "Shell"]
KEYED_CONFIG_FIELDS = {"ExposedPorts", "Volumes", "Labels"}  # compared key by key
PATH_FIELDS = ["mode", "owner", "content", "target", "device", "xattrs", "links"]

BUILDAH_STUB_FILES = {"/etc/hosts", "/etc/resolv.conf", "/etc/hostname", "/run/.containerenv"}
BUILDAH_STUB_DIRS = {"/run", "/dev", "/proc", "/sys"}
BUILDAH_STUB_TREES = ("/dev/", "/proc/", "/sys/")
BUILDAH_LABEL = "io.buildah.version"

SMALL_FILE = 64 * 1024  # contents kept to print text diffs


class InputError(Exception):
    pass


# --- the model: path -> Node ----------------------------------------------------------------


class Inode:
    """What hard links share: metadata and content."""

    def __init__(self, mode, uid, gid, size=0, digest="", data=None, xattrs=None):
        self.mode, self.uid, self.gid = mode, uid, gid
        self.size, self.digest, self.data = size, digest, data
        self.xattrs = xattrs or {}


class Node:
    def __init__(self, kind, inode, target="", device=(0, 0)):
        self.kind = kind  # dir, file, symlink, char, block, fifo, socket
        self.inode = inode
        self.target = target
        self.device = device


class Image:
    def __init__(self, description, files, config, stubs=frozenset()):
        self.description = description
        self.files = files  # "/path" -> Node, "/" excluded
        self.config = config  # the config's "config" object, or None for a plain directory
        self.stubs = stubs  # paths whose presence alone is no difference


def hash_stream(stream):
    sha, size, head = hashlib.sha256(), 0, bytearray()
    while chunk := stream.read(1 << 20):
        sha.update(chunk)
        size += len(chunk)
        if len(head) <= SMALL_FILE:
            head += chunk
    return size, sha.hexdigest(), bytes(head) if size <= SMALL_FILE else None


def normalize_member_path(name):
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return "/" + "/".join(parts) if parts else "/"


def tar_xattrs(member):
    xattrs = {}
    for key, value in member.pax_headers.items():
        if key.startswith("SCHILY.xattr."):
            raw = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
            xattrs[key[len("SCHILY.xattr."):]] = raw.hex()
    return xattrs


TAR_KINDS = {tarfile.DIRTYPE: "dir", tarfile.SYMTYPE: "symlink", tarfile.CHRTYPE: "char",
             tarfile.BLKTYPE: "block", tarfile.FIFOTYPE: "fifo"}


def read_layer_entries(stream):
    """Reads one (uncompressed) layer tar into (path, member, content) tuples."""
    entries = []
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            content = (0, hashlib.sha256(b"").hexdigest(), b"")
            if member.isreg():
                content = hash_stream(tar.extractfile(member))
            entries.append((normalize_member_path(member.name), member, content))
    return entries


def remove_tree(files, path):
    files.pop(path, None)
    remove_children(files, path)


def ensure_parents(files, path):
    parent = os.path.dirname(path)
    while parent != "/" and parent not in files:
        files[parent] = Node("dir", Inode(0o755, 0, 0))  # what extractors do for missing parents
        parent = os.path.dirname(parent)


def node_from_member(member, content, files):
    inode = Inode(member.mode & 0o7777, member.uid, member.gid, xattrs=tar_xattrs(member))
    if member.islnk():
        target = files.get(normalize_member_path(member.linkname))
        if target is None or target.kind != "file":
            raise InputError(f"hard link {member.name} -> {member.linkname}: no such file")
        # Like moby's extractor, the link's header metadata lands on the shared inode.
        target.inode.mode, target.inode.uid, target.inode.gid = inode.mode, inode.uid, inode.gid
        return Node("file", target.inode)
    if member.isreg():
        inode.size, inode.digest, inode.data = content
        return Node("file", inode)
    if member.type not in TAR_KINDS:
        raise InputError(f"layer entry {member.name}: unsupported tar type {member.type!r}")
    return Node(TAR_KINDS[member.type], inode, member.linkname,
                (member.devmajor, member.devminor))


def remove_children(files, directory):
    prefix = directory.rstrip("/") + "/"
    for key in [k for k in files if k.startswith(prefix)]:
        del files[key]


def apply_layer(files, entries):
    # Whiteouts only hide lower layers' files: apply them all first.
    for path, _, _ in entries:
        base = os.path.basename(path)
        if base == ".wh..wh..opq":
            remove_children(files, os.path.dirname(path))
        elif base.startswith(".wh."):
            remove_tree(files, os.path.join(os.path.dirname(path), base[4:]))
    for path, member, content in entries:
        if os.path.basename(path).startswith(".wh.") or path == "/":
            continue
        node = node_from_member(member, content, files)
        existing = files.get(path)
        if existing is not None and existing.kind == "dir" and node.kind != "dir":
            remove_children(files, path)
        ensure_parents(files, path)
        files[path] = node


def open_layer(blob):
    """Returns an uncompressed stream over `blob` (bytes of a tar, gzip or zstd layer)."""
    head = blob.read(4)
    blob.seek(0)
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=blob)
    if head == b"\x28\xb5\x2f\xfd":
        data = subprocess.run(["zstd", "-dc"], input=blob.read(), capture_output=True, check=True)
        return io.BytesIO(data.stdout)
    return blob


def files_from_layers(blobs):
    files = {}
    for blob in blobs:
        apply_layer(files, read_layer_entries(open_layer(blob)))
    return files


# --- reading images --------------------------------------------------------------------------


class LayoutReader:
    """Reads blobs of an OCI layout directory, an OCI archive or a docker-archive."""

    def __init__(self, path):
        self.path = path
        self.tar = None if os.path.isdir(path) else tarfile.open(path)

    def read(self, name):
        if self.tar is None:
            with open(os.path.join(self.path, name), "rb") as f:
                return f.read()
        member = self.tar.extractfile(name.lstrip("./"))
        if member is None:
            raise InputError(f"{self.path}: {name} is not a file")
        return member.read()

    def exists(self, name):
        if self.tar is None:
            return os.path.exists(os.path.join(self.path, name))
        return name in self.tar.getnames()

    def blob(self, digest):
        algorithm, hex_digest = digest.split(":", 1)
        return self.read(f"blobs/{algorithm}/{hex_digest}")

    def json(self, name):
        return json.loads(self.read(name))

    def close(self):
        if self.tar is not None:
            self.tar.close()


def pick(candidates, tag, describe, where):
    if tag is not None:
        candidates = [c for c in candidates if tag in describe(c)]
    if len(candidates) != 1:
        names = sorted({n for c in candidates for n in describe(c)})
        raise InputError(f"{where}: found {len(candidates)} images{' tagged ' + tag if tag else ''}"
                         f" ({', '.join(names) or 'unnamed'}); name one as PATH:TAG")
    return candidates[0]


def oci_names(descriptor):
    annotations = descriptor.get("annotations") or {}
    names = set()
    if "org.opencontainers.image.ref.name" in annotations:
        names.add(annotations["org.opencontainers.image.ref.name"])
    if "io.containerd.image.name" in annotations:
        full = annotations["io.containerd.image.name"]
        names.update({full, full.rsplit(":", 1)[-1]})
    return names


def read_oci(reader, tag):
    index = reader.json("index.json")
    descriptor = pick(index["manifests"], tag, oci_names, reader.path)
    manifest = json.loads(reader.blob(descriptor["digest"]))
    while "manifests" in manifest:  # an image index: take the only linux image
        linux = [m for m in manifest["manifests"]
                 if (m.get("platform") or {}).get("os", "linux") == "linux"]
        manifest = json.loads(reader.blob(pick(linux, None, oci_names, reader.path)["digest"]))
    config = json.loads(reader.blob(manifest["config"]["digest"]))
    layers = [io.BytesIO(reader.blob(layer["digest"])) for layer in manifest["layers"]]
    return config, layers


def docker_names(entry):
    names = set()
    for full in entry.get("RepoTags") or []:
        names.update({full, full.rsplit(":", 1)[-1]})
    return names


def read_docker_archive(reader, tag):
    entry = pick(reader.json("manifest.json"), tag, docker_names, reader.path)
    config = json.loads(reader.read(entry["Config"]))
    layers = [io.BytesIO(reader.read(name)) for name in entry["Layers"]]
    return config, layers


def split_spec(spec):
    """PATH or PATH:TAG, where PATH itself may not contain ':'."""
    if os.path.exists(spec):
        return spec, None
    path, _, tag = spec.rpartition(":")
    if path and os.path.exists(path):
        return path, tag
    raise InputError(f"{spec}: no such image (give an OCI layout, an archive or a directory)")


def load_image(spec):
    path, tag = split_spec(spec)
    if os.path.isdir(path) and not os.path.exists(os.path.join(path, "oci-layout")):
        if tag is not None:
            raise InputError(f"{spec}: {path} is a plain directory, it has no tags")
        return Image(f"directory {path}", walk_directory(path), None)
    reader = LayoutReader(path)
    try:
        if reader.exists("manifest.json"):
            config, layers = read_docker_archive(reader, tag)
        elif reader.exists("index.json"):
            config, layers = read_oci(reader, tag)
        else:
            raise InputError(f"{path}: neither an OCI layout nor a docker-archive")
    finally:
        reader.close()
    return Image(spec, files_from_layers(layers), config.get("config") or {})


def walk_directory(root):
    files, inodes = {}, {}
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in dirnames + sorted(filenames):
            full = os.path.join(directory, name)
            path = "/" + os.path.relpath(full, root)
            st = os.lstat(full)
            files[path] = node_from_stat(full, st, inodes)
    return files


def node_from_stat(full, st, inodes):
    key = (st.st_dev, st.st_ino)
    if stat.S_ISREG(st.st_mode) and key in inodes:
        return Node("file", inodes[key])
    xattrs = {n: os.getxattr(full, n, follow_symlinks=False).hex()
              for n in os.listxattr(full, follow_symlinks=False)}
    inode = Inode(stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, xattrs=xattrs)
    if stat.S_ISREG(st.st_mode):
        with open(full, "rb") as f:
            inode.size, inode.digest, inode.data = hash_stream(f)
        inodes[key] = inode
        return Node("file", inode)
    kinds = [(stat.S_ISDIR, "dir"), (stat.S_ISLNK, "symlink"), (stat.S_ISCHR, "char"),
             (stat.S_ISBLK, "block"), (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket")]
    kind = next(k for test, k in kinds if test(st.st_mode))
    target = os.readlink(full) if kind == "symlink" else ""
    return Node(kind, inode, target, (os.major(st.st_rdev), os.minor(st.st_rdev)))


# --- values: what a line compares ------------------------------------------------------------


def is_stub(files, path):
    """An empty file or a directory holding only stubs, where buildah leaves mount points."""
    node = files.get(path)
    if node is None:
        return False
    eligible = (path in BUILDAH_STUB_FILES or path in BUILDAH_STUB_DIRS
                or path.startswith(BUILDAH_STUB_TREES))
    if not eligible:
        return False
    if node.kind == "file":
        return node.inode.size == 0 and path not in BUILDAH_STUB_DIRS
    if node.kind == "dir" and (path in BUILDAH_STUB_DIRS or path.startswith(BUILDAH_STUB_TREES)):
        prefix = path + "/"
        children = [p for p in files if p.startswith(prefix) and "/" not in p[len(prefix):]]
        return all(is_stub(files, child) for child in children)
    return False


def without_buildah_artefacts(image):
    """`image` with buildah's mount points marked as stubs and its label dropped."""
    stubs = frozenset(p for p in image.files if is_stub(image.files, p))
    config = image.config
    if config is not None and BUILDAH_LABEL in (config.get("Labels") or {}):
        config = dict(config, Labels={k: v for k, v in config["Labels"].items()
                                      if k != BUILDAH_LABEL})
    return Image(image.description, image.files, config, stubs)


def hard_link_groups(files):
    groups = {}
    for path, node in files.items():
        if node.kind == "file":
            groups.setdefault(id(node.inode), []).append(path)
    return {path: sorted(group) for group in groups.values() if len(group) > 1 for path in group}


def path_value(image, links, path, field):
    node = image.files.get(path)
    if field == "":
        return node.kind if node else "absent"
    if node is None:
        return None
    inode = node.inode
    if field == "mode":
        return f"{inode.mode:04o}"
    if field == "owner":
        return f"{inode.uid}:{inode.gid}"
    if field == "content" and node.kind == "file":
        return f"{inode.size} bytes sha256:{inode.digest[:16]}"
    if field == "target" and node.kind == "symlink":
        return json.dumps(node.target)
    if field == "device" and node.kind in ("char", "block"):
        return f"{node.device[0]},{node.device[1]}"
    if field == "xattrs" and inode.xattrs:
        return json.dumps(inode.xattrs, sort_keys=True)
    if field == "links" and path in links:
        return json.dumps(links[path])
    return None


def empty_to_none(value):
    return None if value in (None, "", [], {}) else value


def config_value(config, key):
    field, _, item = key.partition("[")
    value = empty_to_none((config or {}).get(field))
    if item:
        name = json.loads(item[:-1])
        if field == "Env":
            matches = [e.partition("=")[2] for e in value or [] if e.partition("=")[0] == name]
            value = matches[-1] if matches else None
        else:
            value = (value or {}).get(name)
    return json.dumps(value, sort_keys=True)


def env_names(config):
    return [e.partition("=")[0] for e in (config or {}).get("Env") or []]


def config_keys(left, right):
    """Config keys to compare: whole fields, or one key of a map or one variable of Env."""
    keys = []
    for field in CONFIG_FIELDS:
        if field == "Env":
            names = set(env_names(left)) | set(env_names(right))
        elif field in KEYED_CONFIG_FIELDS:
            names = set((left or {}).get(field) or {}) | set((right or {}).get(field) or {})
        else:
            keys.append(field)
            continue
        keys += [f"{field}[{json.dumps(n)}]" for n in sorted(names)]
    return keys


def env_order(config):
    return json.dumps(env_names(config))


# --- differences -----------------------------------------------------------------------------


class Line:
    def __init__(self, key, left, right, detail=""):
        self.key, self.left, self.right, self.detail = key, left, right, detail

    def render(self, labels):
        return f"{self.key}: {labels[0]} {self.left} | {labels[1]} {self.right}"


def text_diff(left, right):
    try:
        a, b = left.decode().splitlines(), right.decode().splitlines()
    except UnicodeDecodeError:
        return ""
    lines = list(difflib.unified_diff(a, b, "left", "right", lineterm="", n=1))[2:]
    return "\n".join("      " + line for line in lines[:40])


def diff_paths(left, right):
    lines = []
    left_links, right_links = hard_link_groups(left.files), hard_link_groups(right.files)
    reported_missing = []
    # By components, so that a directory's subtree follows it directly.
    for path in sorted(set(left.files) | set(right.files), key=lambda p: p.split("/")):
        if any(path.startswith(p + "/") for p in reported_missing[-1:]):
            continue  # under a path already reported as absent or of another type
        kind_a, kind_b = path_value(left, None, path, ""), path_value(right, None, path, "")
        if (kind_a == "absent" and path in right.stubs) or (
                kind_b == "absent" and path in left.stubs):
            continue  # a mount point one tool leaves behind
        if kind_a != kind_b:
            lines.append(Line(path, kind_a, kind_b))
            reported_missing.append(path)
            continue
        for field in PATH_FIELDS:
            a = path_value(left, left_links, path, field)
            b = path_value(right, right_links, path, field)
            if a != b:
                detail = ""
                if field == "content":
                    data_a, data_b = left.files[path].inode.data, right.files[path].inode.data
                    if data_a is not None and data_b is not None:
                        detail = text_diff(data_a, data_b)
                lines.append(Line(f"{path} {field}", a or "none", b or "none", detail))
    return lines


def diff_configs(left, right):
    if left.config is None or right.config is None:
        return []
    lines = []
    for key in config_keys(left.config, right.config):
        a, b = config_value(left.config, key), config_value(right.config, key)
        if a != b:
            lines.append(Line(f"config.{key}", a, b))
    # The order of variables (and duplicates), once every variable agrees.
    a, b = env_order(left.config), env_order(right.config)
    if a != b and not any(line.key.startswith("config.Env[") for line in lines):
        lines.append(Line("config.Env order", a, b))
    return lines


def diff(left, right):
    return diff_paths(left, right) + diff_configs(left, right)


# --- expected differences --------------------------------------------------------------------

LINE_RE = re.compile(r"^(?P<key>.+?): (?P<la>\S+) (?P<va>.*?) \| (?P<lb>\S+) (?P<vb>.*)$")


def read_expected(path):
    """The lines of every ```differences block in `path`."""
    lines, inside = [], False
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            text = raw.strip()
            if text.startswith("```"):
                inside = text == "```differences" if not inside else False
                continue
            if inside and text and not text.startswith("#"):
                if not LINE_RE.match(text):
                    raise InputError(f"{path}:{number}: not a difference line: {text}")
                lines.append(text)
    return lines


def value_for_key(image, key):
    """The value a difference line shows for `image` under `key`."""
    if key.startswith("config."):
        if key == "config.Env order":
            return env_order(image.config)
        return config_value(image.config, key[len("config."):])
    path, _, field = key.rpartition(" ")
    if field not in PATH_FIELDS:
        path, field = key, ""
    value = path_value(image, hard_link_groups(image.files), path, field)
    return value if field == "" else (value or "none")


def check_side(expected, label, image):
    failures = []
    for text in expected:
        match = LINE_RE.match(text)
        sides = {match["la"]: match["va"], match["lb"]: match["vb"]}
        if label not in sides:
            failures.append(f"{text}\n    names no side {label}")
            continue
        actual = value_for_key(image, match["key"])
        if actual != sides[label]:
            failures.append(f"{text}\n    but {label} has {actual}")
    return failures


# --- command line ----------------------------------------------------------------------------


def parse_side(text):
    label, sep, spec = text.partition("=")
    if not sep or not label or " " in label:
        raise InputError(f"{text}: give an image as LABEL=PATH[:TAG]")
    return label, spec


def report(lines, labels, expected):
    rendered = [(line, line.render(labels)) for line in lines]
    unexpected = [(line, text) for line, text in rendered if text not in expected]
    seen = {text for _, text in rendered}
    missing = [text for text in expected if text not in seen]
    for line, text in rendered:
        mark = "accepted" if text in expected else "DIFFERS "
        print(f"  {mark} {text}")
        if line.detail and text not in expected:
            print(line.detail)
    for text in missing:
        print(f"  MISSING  {text}  (listed as expected, but the images agree here)")
    return not unexpected and not missing


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--expected", help="EXPECTED_DIFFERENCE.md with the accepted lines")
    parser.add_argument("--buildah-side", help="the label of the image buildah built")
    parser.add_argument("--check-side", help="check --expected's values for this one image")
    parser.add_argument("images", nargs="+")
    args = parser.parse_args(argv)
    try:
        expected = read_expected(args.expected) if args.expected else []
        sides = [parse_side(text) for text in args.images]
        images = {label: load_image(spec) for label, spec in sides}
        if args.buildah_side or args.check_side == "buildah":
            name = args.buildah_side or "buildah"
            if name in images:
                images[name] = without_buildah_artefacts(images[name])
        if args.check_side:
            if len(sides) != 1 or sides[0][0] != args.check_side:
                raise InputError("--check-side LABEL takes exactly one image, LABEL=PATH")
            failures = check_side(expected, args.check_side, images[args.check_side])
            for failure in failures:
                print(f"  WRONG    {failure}")
            print(f"{args.check_side}: {len(expected) - len(failures)} of {len(expected)} expected "
                  f"values match {images[args.check_side].description}")
            return 0 if not failures else 1
        if len(sides) != 2:
            raise InputError("give two images, LABEL=PATH[:TAG] LABEL=PATH[:TAG]")
    except (InputError, OSError, KeyError, ValueError, tarfile.TarError,
            subprocess.CalledProcessError) as error:
        print(f"compare.py: error: {error}", file=sys.stderr)
        return 2
    labels = [label for label, _ in sides]
    left, right = images[labels[0]], images[labels[1]]
    lines = diff(left, right)
    print(f"{labels[0]}: {left.description}\n{labels[1]}: {right.description}")
    ok = report(lines, labels, expected)
    print(f"{len(lines)} differences, {'all' if ok else 'NOT all'} as expected"
          if lines or expected else "identical")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
