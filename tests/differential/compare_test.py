#!/usr/bin/env python3
"""Tests of compare.py on images written here, layer by layer, with tarfile."""

import contextlib
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def entry(name, kind="file", data=b"", mode=0o644, uid=0, gid=0, target=""):
    info = tarfile.TarInfo(name)
    info.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                 "hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE}[kind]
    info.mode, info.uid, info.gid, info.linkname = mode, uid, gid, target
    info.size = len(data) if kind == "file" else 0
    return info, data


def layer(*entries, compress=True):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    raw = buffer.getvalue()
    return gzip.compress(raw, mtime=0) if compress else raw


ONE_TWO = b"one\ntwo\n"


def short(data):
    return hashlib.sha256(data).hexdigest()[:16]


BASE = [entry("bin", "dir", mode=0o755), entry("bin/sh", data=b"shell", mode=0o755),
        entry("etc", "dir", mode=0o755), entry("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\n"),
        entry("tmp", "dir", mode=0o1777)]


def write_layout(root, layers, config, tag="latest"):
    def blob(data):
        digest = hashlib.sha256(data).hexdigest()
        os.makedirs(f"{root}/blobs/sha256", exist_ok=True)
        with open(f"{root}/blobs/sha256/{digest}", "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + digest, "size": len(data)}

    config_blob = blob(json.dumps({"architecture": "amd64", "os": "linux", "config": config,
                                   "rootfs": {"type": "layers", "diff_ids": []}}).encode())
    manifest = {"schemaVersion": 2, "config": {"mediaType": "c", **config_blob},
                "layers": [{"mediaType": "l", **blob(data)} for data in layers]}
    index = {"schemaVersion": 2, "manifests": [
        {**blob(json.dumps(manifest).encode()),
         "annotations": {"org.opencontainers.image.ref.name": tag}}]}
    with open(f"{root}/index.json", "w") as f:
        json.dump(index, f)
    with open(f"{root}/oci-layout", "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    return root


class CompareTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.count = 0

    def tearDown(self):
        self.dir.cleanup()

    def image(self, *layers, config=None):
        self.count += 1
        path = os.path.join(self.dir.name, f"image{self.count}")
        return write_layout(path, [layer(*BASE)] + list(layers), config or {"Cmd": ["sh"]})

    def lines(self, left, right, buildah_side=None):
        a, b = compare.load_image(left), compare.load_image(right)
        if buildah_side == "right":
            b = compare.without_buildah_artefacts(b)
        return [line.render(["left", "right"]) for line in compare.diff(a, b)]

    def run_main(self, *argv):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            status = compare.main(list(argv))
        return status, out.getvalue()

    def test_identical_images_have_no_differences(self):
        self.assertEqual(self.lines(self.image(), self.image()), [])

    def test_whiteouts_hide_lower_layers_only(self):
        lower = layer(entry("data", "dir"), entry("data/old", data=b"old"),
                      entry("data/keep", data=b"k"))
        # The same layer deletes data/old and adds data/new: the whiteout must
        # not hide data/new, nor a same-layer data/old.
        upper = layer(entry("data/.wh.old"), entry("data/new", data=b"n"),
                      entry("etc/.wh.passwd"))
        files = compare.load_image(self.image(lower, upper)).files
        self.assertNotIn("/data/old", files)
        self.assertNotIn("/etc/passwd", files)
        self.assertIn("/data/new", files)
        self.assertIn("/data/keep", files)

    def test_opaque_directory_drops_lower_children_but_keeps_itself(self):
        lower = layer(entry("opt", "dir"), entry("opt/a", data=b"a"), entry("opt/sub", "dir"),
                      entry("opt/sub/b", data=b"b"))
        upper = layer(entry("opt", "dir", mode=0o700), entry("opt/.wh..wh..opq"),
                      entry("opt/c", data=b"c"))
        files = compare.load_image(self.image(lower, upper)).files
        self.assertEqual(sorted(p for p in files if p.startswith("/opt")), ["/opt", "/opt/c"])
        self.assertEqual(files["/opt"].inode.mode, 0o700)

    def test_file_replacing_a_directory_removes_its_subtree(self):
        lower = layer(entry("x", "dir"), entry("x/y", data=b"y"))
        upper = layer(entry("x", data=b"now a file"))
        files = compare.load_image(self.image(lower, upper)).files
        self.assertEqual(files["/x"].kind, "file")
        self.assertNotIn("/x/y", files)

    def test_reports_each_attribute_that_differs(self):
        left = self.image(layer(entry("f", data=ONE_TWO, mode=0o644),
                                entry("l", "symlink", target="f"), entry("only-left", "dir")))
        right = self.image(layer(entry("f", data=ONE_TWO.upper(), mode=0o4755, uid=1000, gid=100),
                                 entry("l", "symlink", target="/f"),
                                 entry("only-left", data=b"")))
        self.assertEqual(self.lines(left, right), [
            '/f mode: left 0644 | right 4755',
            '/f owner: left 0:0 | right 1000:100',
            f'/f content: left 8 bytes sha256:{short(ONE_TWO)} | '
            f'right 8 bytes sha256:{short(ONE_TWO.upper())}',
            '/l target: left "f" | right "/f"',
            '/only-left: left dir | right file',
        ])

    def test_a_missing_directory_is_one_line_not_one_per_entry(self):
        left = self.image(layer(entry("tree", "dir"), entry("tree/a", data=b"a"),
                                entry("tree/b", "dir"), entry("tree/b/c", data=b"c")))
        self.assertEqual(self.lines(left, self.image()), ["/tree: left dir | right absent"])

    def test_hard_link_groups_are_compared(self):
        linked = self.image(layer(entry("a", data=b"same"), entry("b", "hardlink", target="a")))
        copied = self.image(layer(entry("a", data=b"same"), entry("b", data=b"same")))
        self.assertEqual(self.lines(linked, copied), [
            '/a links: left ["/a", "/b"] | right none',
            '/b links: left ["/a", "/b"] | right none'])
        self.assertEqual(self.lines(linked, linked), [])

    def test_config_fields_are_compared_key_by_key(self):
        left = self.image(config={"Env": ["PATH=/bin", "A=1"], "Cmd": ["sh"],
                                  "Labels": {"x": "1", "same": "s"}, "User": "app",
                                  "ExposedPorts": {"80/tcp": {}}})
        right = self.image(config={"Env": ["PATH=/bin", "A=2"], "Entrypoint": ["/bin/echo"],
                                   "Labels": {"same": "s"}, "User": "",
                                   "Healthcheck": {"Test": ["NONE"]}})
        self.assertEqual(self.lines(left, right), [
            'config.Env["A"]: left "1" | right "2"',
            'config.Cmd: left ["sh"] | right null',
            'config.Entrypoint: left null | right ["/bin/echo"]',
            'config.User: left "app" | right null',
            'config.ExposedPorts["80/tcp"]: left {} | right null',
            'config.Labels["x"]: left "1" | right null',
            'config.Healthcheck: left null | right {"Test": ["NONE"]}'])

    def test_env_order_counts_once_the_values_agree(self):
        left = self.image(config={"Env": ["A=1", "B=2"]})
        right = self.image(config={"Env": ["B=2", "A=1"]})
        self.assertEqual(self.lines(left, right),
                         ['config.Env order: left ["A", "B"] | right ["B", "A"]'])

    def test_buildah_artefacts_are_ignored_on_the_buildah_side_only(self):
        artefacts = layer(entry("etc/hosts"), entry("etc/resolv.conf"), entry("run", "dir"),
                          entry("run/.containerenv"), entry("dev", "dir"),
                          entry("dev/null"), entry("proc", "dir"))
        plain, buildah = self.image(), self.image(artefacts, config={
            "Cmd": ["sh"], "Labels": {"io.buildah.version": "1.28.2"}})
        self.assertEqual(self.lines(plain, buildah, buildah_side="right"), [])
        # The same stubs made by the other tool are differences.
        self.assertIn("/etc/hosts: left absent | right file", self.lines(plain, buildah))

    def test_a_mount_point_with_content_is_not_ignored(self):
        written = layer(entry("etc/hosts", data=b"127.0.0.1 localhost\n"))
        self.assertEqual(self.lines(self.image(), self.image(written), buildah_side="right"),
                         ["/etc/hosts: left absent | right file"])

    def test_expected_differences_must_match_exactly(self):
        left = self.image(config={"Cmd": ["a"]})
        right = self.image(config={"Cmd": ["b"]})
        expected = os.path.join(self.dir.name, "EXPECTED_DIFFERENCE.md")

        def check(lines):
            with open(expected, "w") as f:
                f.write("Why they differ.\n\n```differences\n" + "".join(
                    line + "\n" for line in lines) + "```\n")
            return self.run_main("--expected", expected, f"left={left}", f"right={right}")

        status, output = check(['config.Cmd: left ["a"] | right ["b"]'])
        self.assertEqual(status, 0, output)
        self.assertIn("accepted", output)
        status, output = check([])
        self.assertEqual(status, 1)
        self.assertIn('DIFFERS  config.Cmd: left ["a"] | right ["b"]', output)
        status, output = check(['config.Cmd: left ["a"] | right ["b"]',
                                'config.User: left "x" | right null'])
        self.assertEqual(status, 1)
        self.assertIn('MISSING  config.User', output)
        status, output = check(['config.Cmd: left ["a"] | right ["c"]'])
        self.assertEqual(status, 1)

    def test_check_side_validates_one_side_of_the_expected_lines(self):
        image = self.image(layer(entry("f", data=b"x", mode=0o600)), config={"Cmd": ["b"]})
        expected = os.path.join(self.dir.name, "EXPECTED_DIFFERENCE.md")
        with open(expected, "w") as f:
            f.write("```differences\n/f mode: imgbuild 0644 | buildah 0600\n"
                    'config.Cmd: imgbuild null | buildah ["b"]\n```\n')
        status, output = self.run_main("--expected", expected, "--check-side", "buildah",
                                       f"buildah={image}")
        self.assertEqual(status, 0, output)
        with open(expected, "w") as f:
            f.write("```differences\n/f mode: imgbuild 0644 | buildah 0644\n```\n")
        status, output = self.run_main("--expected", expected, "--check-side", "buildah",
                                       f"buildah={image}")
        self.assertEqual(status, 1)
        self.assertIn("but buildah has 0600", output)

    def test_a_layout_equals_the_directory_it_describes(self):
        uid, gid = os.getuid(), os.getgid()
        root = os.path.join(self.dir.name, "rootfs")
        os.makedirs(root + "/d")
        with open(root + "/d/f", "w") as f:
            f.write("content")
        os.chmod(root + "/d", 0o750)
        os.chmod(root + "/d/f", 0o640)
        os.link(root + "/d/f", root + "/d/g")
        os.symlink("f", root + "/d/s")
        image = write_layout(os.path.join(self.dir.name, "layout"), [layer(
            entry("d", "dir", mode=0o750, uid=uid, gid=gid),
            entry("d/f", data=b"content", mode=0o640, uid=uid, gid=gid),
            entry("d/g", "hardlink", target="d/f", mode=0o640, uid=uid, gid=gid),
            entry("d/s", "symlink", target="f", mode=0o777, uid=uid, gid=gid))], {})
        self.assertEqual(self.lines(image, root), [])

    def test_reads_docker_archives_and_uncompressed_layers(self):
        config = json.dumps({"config": {"Cmd": ["sh"]}}).encode()
        raw = layer(*BASE, compress=False)
        archive = os.path.join(self.dir.name, "docker.tar")
        with tarfile.open(archive, "w") as tar:
            for name, data in [("config.json", config), ("layer/layer.tar", raw),
                               ("manifest.json", json.dumps([{
                                   "Config": "config.json", "RepoTags": ["x/y:1"],
                                   "Layers": ["layer/layer.tar"]}]).encode())]:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        self.assertEqual(self.lines(self.image(), archive + ":1"), [])
        status, output = self.run_main(f"a={archive}:2", f"b={self.image()}")
        self.assertEqual(status, 2)
        self.assertIn("found 0 images tagged 2", output)


if __name__ == "__main__":
    unittest.main()
