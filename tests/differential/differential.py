#!/usr/bin/env python3
"""The differential suite: builds every recipe with imgbuild and with buildah, compares.

Usage: differential.py [--imgbuild BIN] [--fixtures DIR] [--jobs N] [--cache DIR]
                       [--work DIR] [--buildah-only] [--keep] [RECIPE...]

Each recipe is a directory under testdata/differential/ (default: all of them):
  Buildfile                the recipe; also the build context with every other file
  Buildfile.buildah        optional: what buildah builds instead (a feature it lacks,
                           e.g. heredocs, written another way), explained in
  EXPECTED_DIFFERENCE.md   optional: where buildah differs from Docker/BuildKit and
                           why; its ```differences block lists compare.py's accepted lines
  build.flags              optional: flags for both tools (--build-arg K=V, --target S)
  prepare.sh               optional: run in a copy of the directory before building,
                           for what git cannot hold (hard links, empty dirs, tars, modes)

Both tools start from the project's busybox image (scripts/make-fixtures.sh), loaded
as busybox:latest into private stores under a temporary directory. imgbuild exports
an OCI layout (-o type=oci,dest=DIR,tar=false); buildah builds `bud --isolation
chroot --format docker` (Docker format keeps HEALTHCHECK, ONBUILD and SHELL) and
pushes a docker-archive. compare.py compares the two (--buildah-side buildah).

--buildah-only builds with buildah alone and checks that every expected difference
names buildah's actual value (compare.py --check-side buildah): the suite's own test
before imgbuild can build. --cache DIR keeps buildah's archives keyed by the recipe's
files, the base image, buildah's version and how it is invoked
(BUILDAH_CACHE_VERSION), so unchanged recipes are not rebuilt with buildah.
Needs root (both tools build as root here).
"""

import argparse
import concurrent.futures
import hashlib
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
RECIPES_DIR = os.path.join(SOURCE_DIR, "testdata", "differential")
COMPARE = os.path.join(HERE, "compare.py")
BASE_NAME = "docker.io/library/busybox:latest"
BUILD_TIMEOUT = 300  # seconds per build; a recipe that hangs fails instead of the suite
# Part of the cache key of buildah's results: change it when the way buildah
# builds or exports changes.
BUILDAH_CACHE_VERSION = "bud --isolation chroot --format docker; push docker-archive; v1"


class SuiteError(Exception):
    pass


def run(args, timeout=BUILD_TIMEOUT, cwd=None):
    """Runs `args`; returns (exit status, stdout+stderr)."""
    try:
        done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, cwd=cwd, text=True, errors="replace")
        return done.returncode, done.stdout
    except subprocess.TimeoutExpired as expired:
        return -1, f"{shlex.join(args)}: timed out after {timeout} s\n{expired.output or ''}"


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def must_run(args, what, timeout=BUILD_TIMEOUT):
    status, output = run(args, timeout)
    if status != 0:
        raise SuiteError(f"{what} failed (exit {status}): {shlex.join(args)}\n{output}")
    return output


# --- recipes and their contexts -------------------------------------------------------------


class Recipe:
    def __init__(self, name):
        self.name = name
        self.source = os.path.join(RECIPES_DIR, name)
        if not os.path.isfile(os.path.join(self.source, "Buildfile")):
            raise SuiteError(f"{self.source}: no Buildfile; recipes are "
                             f"{', '.join(all_recipe_names())}")
        flags = os.path.join(self.source, "build.flags")
        self.flags = shlex.split(read_text(flags), comments=True) if os.path.exists(flags) else []
        expected = os.path.join(self.source, "EXPECTED_DIFFERENCE.md")
        self.expected = expected if os.path.exists(expected) else None
        buildah_file = os.path.join(self.source, "Buildfile.buildah")
        self.buildah_file = "Buildfile.buildah" if os.path.exists(buildah_file) else "Buildfile"

    def fingerprint(self):
        sha = hashlib.sha256()
        for directory, dirnames, filenames in os.walk(self.source):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(directory, name)
                sha.update(os.path.relpath(path, self.source).encode() + b"\0")
                if os.path.islink(path):
                    sha.update(b"link:" + os.readlink(path).encode())
                else:
                    sha.update(b"%o\0" % (os.stat(path).st_mode & 0o111))
                    with open(path, "rb") as f:
                        sha.update(f.read())
        return sha.hexdigest()


def all_recipe_names():
    return sorted(n for n in os.listdir(RECIPES_DIR)
                  if os.path.isfile(os.path.join(RECIPES_DIR, n, "Buildfile")))


def normalize_modes(root):
    """Git keeps only the executable bit: make the copy's modes independent of the umask."""
    for directory, dirnames, filenames in os.walk(root):
        os.chmod(directory, 0o755)
        for name in filenames:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                executable = os.stat(path).st_mode & stat.S_IXUSR
                os.chmod(path, 0o755 if executable else 0o644)


def prepare_context(recipe, work):
    context = os.path.join(work, "contexts", recipe.name)
    shutil.copytree(recipe.source, context, symlinks=True)
    normalize_modes(context)
    if os.path.exists(os.path.join(context, "prepare.sh")):
        status, output = run(["sh", "-e", "prepare.sh"], cwd=context)
        if status != 0:
            raise SuiteError(f"{recipe.name}: prepare.sh failed (exit {status})\n{output}")
    return context


# --- the two builders -----------------------------------------------------------------------


class Buildah:
    def __init__(self, work, fixtures, cache):
        self.root = os.path.join(work, "buildah")
        self.base = ["buildah", "--root", f"{self.root}/root", "--runroot", f"{self.root}/run",
                     "--storage-driver", "vfs"]
        self.fixtures = fixtures
        self.cache = cache
        self.ready = False
        self.version = must_run(["buildah", "--version"], "buildah --version").strip()

    def setup(self):
        if self.ready:
            return
        storage = f"containers-storage:[vfs@{self.root}/root+{self.root}/run]{BASE_NAME}"
        must_run(["skopeo", "copy", "--quiet", f"oci:{self.fixtures}/busybox-oci:latest", storage],
                 "loading the busybox fixture into buildah's storage")
        self.ready = True

    def cache_path(self, recipe):
        if not self.cache:
            return None
        sha = hashlib.sha256()
        base = read_text(os.path.join(self.fixtures, "busybox-oci", "index.json"))
        for part in (recipe.fingerprint(), self.version, BUILDAH_CACHE_VERSION, base):
            sha.update(part.encode() + b"\0")
        return os.path.join(self.cache, f"{recipe.name}-{sha.hexdigest()[:24]}.tar")

    def build(self, recipe, context, out):
        archive = os.path.join(out, "buildah.tar")
        cached = self.cache_path(recipe)
        if cached and os.path.exists(cached):
            shutil.copyfile(cached, archive)
            return "cached", ""
        tag = f"localhost/diff-{recipe.name}:latest"
        args = self.base + ["bud", "--isolation", "chroot", "--format", "docker", "--pull=never",
                            "--quiet", "-f", os.path.join(context, recipe.buildah_file), "-t", tag,
                            *recipe.flags, context]
        status, output = run(args)
        if status != 0:
            return "failed", f"$ {shlex.join(args)}\n{output}"
        destination = f"docker-archive:{archive}:{tag}"
        status, pushed = run(self.base + ["push", "--quiet", tag, destination])
        if status != 0:
            return "failed", f"buildah push failed:\n{pushed}"
        if cached:
            os.makedirs(self.cache, exist_ok=True)
            shutil.copyfile(archive, cached + ".tmp")
            os.replace(cached + ".tmp", cached)
        return "built", output

    def cleanup(self):
        if self.ready:
            run(self.base + ["rm", "--all"])
            run(self.base + ["rmi", "--all", "--force"])


class Imgbuild:
    def __init__(self, binary, work, fixtures):
        self.binary = binary
        self.root = os.path.join(work, "imgbuild-root")
        self.fixtures = fixtures

    def setup(self):
        status, output = run([self.binary, "help", "build"])
        if status != 0:
            raise SuiteError(f"{self.binary} cannot build (`imgbuild help build` exits "
                             f"{status}); run with --buildah-only until it can\n{output}")
        must_run([self.binary, "load", "--root", self.root, "-t", "busybox:latest",
                  os.path.join(self.fixtures, "busybox-oci")], "imgbuild load of the fixture")

    def build(self, recipe, context, out):
        layout = os.path.join(out, "imgbuild")
        args = [self.binary, "build", "--root", self.root, "--progress", "plain",
                "-f", os.path.join(context, "Buildfile"), "-t", f"diff-{recipe.name}:latest",
                "--iidfile", os.path.join(out, "imgbuild.iid"),
                "-o", f"type=oci,dest={layout},tar=false", *recipe.flags, context]
        status, output = run(args)
        return ("built" if status == 0 else "failed"), f"$ {shlex.join(args)}\n{output}"


# --- one recipe -----------------------------------------------------------------------------


class Outcome:
    def __init__(self, recipe):
        self.recipe = recipe
        self.ok = False
        self.report = ""
        self.seconds = 0.0
        self.notes = []


def compare(recipe, out, buildah_only):
    args = [sys.executable, COMPARE]
    if recipe.expected:
        args += ["--expected", recipe.expected]
    if buildah_only:
        args += ["--check-side", "buildah", f"buildah={out}/buildah.tar"]
    else:
        args += ["--buildah-side", "buildah", f"imgbuild={out}/imgbuild",
                 f"buildah={out}/buildah.tar"]
    return run(args)


def run_recipe(recipe, work, buildah, imgbuild):
    outcome, started = Outcome(recipe), time.monotonic()
    try:
        context = prepare_context(recipe, work)
        out = os.path.join(work, "out", recipe.name)
        os.makedirs(out)
        builds = [("buildah", buildah)] + ([("imgbuild", imgbuild)] if imgbuild else [])
        for name, tool in builds:
            state, log = tool.build(recipe, context, out)
            outcome.notes.append(f"{name} {state}")
            if state == "failed":
                outcome.report = f"{name} could not build {recipe.name}:\n{tail(log)}"
                return outcome
        status, output = compare(recipe, out, imgbuild is None)
        outcome.ok = status == 0
        outcome.report = output
    except SuiteError as error:
        outcome.report = str(error)
    finally:
        outcome.seconds = time.monotonic() - started
    return outcome


def tail(text, lines=40):
    kept = text.rstrip("\n").split("\n")
    return "\n".join((["..."] if len(kept) > lines else []) + kept[-lines:])


def indent(text):
    return "\n".join("    " + line for line in text.rstrip("\n").split("\n"))


# --- main -----------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--imgbuild", default=os.environ.get(
        "IMGBUILD", os.path.join(SOURCE_DIR, "build", "builder", "imgbuild")))
    parser.add_argument("--fixtures", default=os.environ.get(
        "IMGBUILD_FIXTURES_DIR", os.path.join(SOURCE_DIR, "build", "fixtures")))
    parser.add_argument("--jobs", type=int, default=2, help="recipes built at once (default 2)")
    parser.add_argument("--cache", help="keep buildah's results here between runs")
    parser.add_argument("--work", help="work directory (default: a new temporary one)")
    parser.add_argument("--buildah-only", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("recipes", nargs="*")
    return parser.parse_args(argv)


def check_environment(args):
    if os.geteuid() != 0:
        raise SuiteError("the differential suite needs root (buildah and imgbuild build as "
                         "root); run it with sudo")
    for tool in ("buildah", "skopeo"):
        if shutil.which(tool) is None:
            raise SuiteError(f"{tool} is not installed; run scripts/setup.sh")
    if not os.path.exists(os.path.join(args.fixtures, "busybox-oci", "index.json")):
        raise SuiteError(f"no base image in {args.fixtures}; run scripts/make-fixtures.sh "
                         f"{args.fixtures} (the build does)")


def run_suite(args, work):
    recipes = [Recipe(name) for name in (args.recipes or all_recipe_names())]
    buildah = Buildah(work, os.path.abspath(args.fixtures), args.cache)
    imgbuild = None if args.buildah_only else Imgbuild(args.imgbuild, work, args.fixtures)
    try:
        if imgbuild:
            imgbuild.setup()
        if any(not (buildah.cache_path(r) and os.path.exists(buildah.cache_path(r)))
               for r in recipes):
            buildah.setup()
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            outcomes = list(pool.map(lambda r: run_recipe(r, work, buildah, imgbuild), recipes))
    finally:
        buildah.cleanup()
    for outcome in outcomes:
        print(f"{'PASS' if outcome.ok else 'FAIL'} {outcome.recipe.name} "
              f"({', '.join(outcome.notes)}; {outcome.seconds:.1f} s)")
        if not outcome.ok:
            print(indent(outcome.report))
    failed = [o.recipe.name for o in outcomes if not o.ok]
    mode = "buildah's side of" if args.buildah_only else "imgbuild vs buildah on"
    print(f"{mode} {len(outcomes)} recipes: {len(outcomes) - len(failed)} passed"
          + (f", failed: {' '.join(failed)}" if failed else ""))
    return 0 if not failed else 1


def main(argv):
    args = parse_args(argv)
    try:
        check_environment(args)
        if args.work and os.path.exists(args.work) and os.listdir(args.work):
            raise SuiteError(f"--work {args.work} is not empty")
        work = args.work or tempfile.mkdtemp(prefix="imgbuild-differential-")
        os.makedirs(work, exist_ok=True)
        try:
            return run_suite(args, work)
        finally:
            if args.keep:
                print(f"work directory kept: {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    except SuiteError as error:
        print(f"differential: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
