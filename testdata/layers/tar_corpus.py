"""Helpers the corpus scripts share: deterministic tar members and output.

Imported by malicious/make_corpus.py and malicious-archives/make_corpus.py.
"""
import io
import os
import tarfile

MTIME = 1600000000


def info(name, kind=tarfile.REGTYPE, size=0, link=""):
    entry = tarfile.TarInfo(name)
    entry.type = kind
    entry.size = size
    entry.linkname = link
    entry.mtime = MTIME
    entry.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    return entry


def file(name, data):
    return info(name, size=len(data)), data


def tar_bytes(members, fmt=tarfile.PAX_FORMAT):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as archive:
        for member in members:
            entry, data = member if isinstance(member, tuple) else (member, None)
            archive.addfile(entry, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def writer(directory):
    """A function that writes bytes to a file name in `directory`."""
    def write(name, data):
        with open(os.path.join(directory, name), "wb") as out:
            out.write(data)
    return write
