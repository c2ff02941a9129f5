#!/usr/bin/python3
"""Runs Debian's docker-registry (the reference OCI distribution registry) for tests and benchmarks.

The registry listens on a free 127.0.0.1 port that the kernel picks. It keeps everything under
--dir: its blobs in DIR/storage, its configuration, its PID in DIR/registry.pid and its log
DIR/registry.log (one Apache-style access line per request, plus its own lines). Once it
answers GET /v2/, this prints one line, "ready 127.0.0.1:PORT", and stays in the foreground
until SIGTERM, SIGINT or SIGHUP, or until its parent dies; then it stops the registry and waits
for it, so no registry process outlives the caller.

  registry_server.py --dir DIR [--htpasswd USER:PASSWORD ...]

With --htpasswd every request needs HTTP Basic credentials of one of those users (bcrypt hashes,
as the registry requires, are made here with crypt(3)).
"""

import argparse
import ctypes
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore", DeprecationWarning)
    import crypt  # bcrypt through glibc's libxcrypt; no Python bcrypt package needed

PR_SET_PDEATHSIG = 1
READY_TIMEOUT_SECONDS = 20


def die_with_parent(signum):
    """Asks the kernel to send `signum` to this process when its parent exits."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")


class Stopped(Exception):
    """Raised by the signal handler to leave whatever main() is waiting in."""


def stop(signum, frame):
    raise Stopped()


def write_config(directory, storage, htpasswd_file):
    auth = ""
    if htpasswd_file:
        auth = f"auth:\n  htpasswd:\n    realm: imgbuild-test\n    path: {htpasswd_file}\n"
    config = os.path.join(directory, "config.yml")
    with open(config, "w", encoding="utf-8") as out:
        out.write(f"""version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:0
  secret: imgbuild-test-secret
{auth}""")
    return config


def write_htpasswd(directory, users):
    path = os.path.join(directory, "htpasswd")
    with open(path, "w", encoding="utf-8") as out:
        for entry in users:
            user, sep, password = entry.partition(":")
            if not sep or not user:
                sys.exit(f"registry_server: --htpasswd wants USER:PASSWORD, got {entry!r}")
            # The registry checks the hash on every request: cost 4 (16 rounds), not
            # the default 12, keeps a test's dozens of requests fast.
            salt = crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)
            out.write(f"{user}:{crypt.crypt(password, salt)}\n")
    return path


def wait_until_listening(process, log_path):
    """Returns "127.0.0.1:PORT" once the registry logged its address and answers /v2/."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    address = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"registry_server: docker-registry exited with {process.returncode}; "
                     f"its log is {log_path}:\n{open(log_path, encoding='utf-8').read()}")
        if address is None:
            found = re.search(r"listening on (127\.0\.0\.1:\d+)", open(log_path, encoding="utf-8").read())
            address = found and found.group(1)
        if address:
            try:
                urllib.request.urlopen(f"http://{address}/v2/", timeout=2).close()
                return address
            except urllib.error.HTTPError:
                return address  # 401 in htpasswd mode: it is up
            except OSError:
                pass
        time.sleep(0.02)
    process.kill()
    sys.exit(f"registry_server: docker-registry did not come up in {READY_TIMEOUT_SECONDS} s; "
             f"see {log_path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="directory for the registry's files")
    parser.add_argument("--htpasswd", action="append", default=[], metavar="USER:PASSWORD",
                        help="require Basic auth with these users (repeatable)")
    args = parser.parse_args()

    # The caller may be killed without a chance to stop us: follow it.
    die_with_parent(signal.SIGTERM)
    state_dir = os.path.abspath(args.dir)
    storage = os.path.join(state_dir, "storage")
    os.makedirs(storage, exist_ok=True)
    log_path = os.path.join(state_dir, "registry.log")
    htpasswd_file = write_htpasswd(state_dir, args.htpasswd) if args.htpasswd else None
    config = write_config(state_dir, storage, htpasswd_file)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)

    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            ["docker-registry", "serve", config], stdin=subprocess.DEVNULL, stdout=log,
            stderr=log, preexec_fn=lambda: die_with_parent(signal.SIGKILL))
    try:
        with open(os.path.join(state_dir, "registry.pid"), "w", encoding="utf-8") as pid_file:
            pid_file.write(f"{process.pid}\n")
        address = wait_until_listening(process, log_path)
        print(f"ready {address}", flush=True)
        process.wait()
        sys.exit(f"registry_server: docker-registry exited with {process.returncode}; "
                 f"see {log_path}")
    except Stopped:
        pass
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
