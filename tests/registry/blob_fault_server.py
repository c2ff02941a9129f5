#!/usr/bin/python3
"""Serves the blobs of an OCI layout (an imgbuild store) the way a registry
does, with scripted faults, for the client's download and retry tests.

GET /v2/ asks for Basic auth (any credentials pass). Blob requests are
GET /v2/<mode>/blobs/<digest>; <mode> chooses the fault, applied to the
first request for each digest (later ones are served correctly, honouring
Range with 206):
  plain     no fault
  truncate  announces the full Content-Length, sends half, closes
  norange   like truncate, and later requests ignore Range (200, whole blob)
  reset     sends part of the headers, then resets the connection
  status503 answers 503; status429 answers 429 with Retry-After: 1
  redirect  every request is redirected (307) to /storage/<digest> on
            "localhost" instead of 127.0.0.1, i.e. another origin
Each request is logged as one JSON line (path, mode, Range, whether an
Authorization header came) to the request log.

Usage: blob_fault_server.py LAYOUT_DIR PORT_FILE REQUEST_LOG
"""
import http.server
import json
import os
import socket
import struct
import sys

from free_port_server import serve

LAYOUT, PORT_FILE, REQUEST_LOG = sys.argv[1:4]
SEEN = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, mode):
        entry = {"path": self.path, "mode": mode, "range": self.headers.get("Range", ""),
                 "authorization": bool(self.headers.get("Authorization"))}
        with open(REQUEST_LOG, "a") as log:
            log.write(json.dumps(entry) + "\n")

    def answer(self, status, headers=(), body=b""):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_blob(self, data, honour_range, cut=None):
        start = 0
        wanted = self.headers.get("Range", "")
        if honour_range and wanted.startswith("bytes=") and wanted.endswith("-"):
            start = int(wanted[6:-1])
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        if cut is None:
            self.wfile.write(data[start:])
            return
        self.wfile.write(data[start:cut])
        self.wfile.flush()
        self.close_connection = True

    def do_GET(self):
        parts = self.path.split("/")
        if self.path == "/v2/":
            self.record("ping")
            if not self.headers.get("Authorization"):
                return self.answer(401, [("WWW-Authenticate", 'Basic realm="faults"')])
            return self.answer(200, body=b"{}")
        if len(parts) == 3 and parts[1] == "storage":
            self.record("storage")
            return self.send_blob(self.read_blob(parts[2]), honour_range=True)
        if len(parts) != 5 or parts[1] != "v2" or parts[3] != "blobs":
            return self.answer(404)
        mode, digest = parts[2], parts[4]
        self.record(mode)
        data = self.read_blob(digest)
        if data is None:
            return self.answer(404, body=b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
        first = (mode, digest) not in SEEN
        SEEN.add((mode, digest))
        if mode == "redirect":
            url = "http://localhost:%d/storage/%s" % (self.server.server_address[1], digest)
            return self.answer(307, [("Location", url)])
        if first and mode in ("truncate", "norange"):
            return self.send_blob(data, honour_range=False, cut=len(data) // 2)
        if first and mode == "reset":
            # Part of an answer, then a TCP reset (linger 0): libcurl cannot
            # mistake it for a stale keep-alive connection and resend itself.
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Le")
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if first and mode == "status503":
            return self.answer(503)
        if first and mode == "status429":
            return self.answer(429, [("Retry-After", "1")])
        self.send_blob(data, honour_range=(mode != "norange"))

    def read_blob(self, digest):
        algorithm, _, hex_digest = digest.partition(":")
        path = os.path.join(LAYOUT, "blobs", algorithm, hex_digest)
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            return f.read()


if __name__ == "__main__":
    serve(Handler, PORT_FILE)
