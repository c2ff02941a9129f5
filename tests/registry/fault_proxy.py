#!/usr/bin/python3
"""A fault-injecting HTTP/1.1 proxy for registry tests.

Listens on a free 127.0.0.1 port and forwards every request to --upstream (the Host header is
passed on unchanged, so the registry's Location URLs keep pointing at the proxy). Rules make
chosen requests fail; every request is logged as one JSON line to --log:

  {"seq": 7, "method": "GET", "path": "/v2/a/blobs/sha256:..", "status": 200,
   "fault": "reset", "rule": 0, "range": "bytes=1024-"}

("fault" and "rule" are null when nothing was injected, "range" when the request had no Range
header. "status" is what the registry answered, or the proxy for a status fault; null when the
request never reached the registry and got no answer). Once listening it writes its port to
--port-file and serves until SIGTERM/SIGINT or until its parent dies.

A rule is four words, given with --fault (repeatable) or one per line in --rules FILE
('#' starts a comment):

  METHOD  PATH-REGEX  WHICH  ACTION

  METHOD      GET, HEAD, PUT, POST, PATCH, DELETE, or * for any
  PATH-REGEX  searched (re.search) in the request path with its query
  WHICH       which of the requests this rule matches get the fault: "1", "2,3", or "*"
  ACTION      500, 502, 503, ...  answer with that status (upstream never sees the request)
              429:N               answer 429 Too Many Requests with "Retry-After: N"
              reset               reset the connection (RST) mid-body: halfway through the
                                  request body when there is one (upstream never sees it),
                                  else halfway through the response body (at once when the
                                  response has none, as for HEAD)
              truncate            send the response headers and half the body, then close
              corrupt             flip every bit of the response body's first byte (same
                                  length, wrong digest)

Each rule counts the requests it matches on its own; the first rule whose count hits applies.
Example: fault_proxy.py --upstream 127.0.0.1:5000 --log faults.log --port-file port \\
             --fault 'GET /blobs/sha256: 1 503' --fault 'GET /blobs/sha256: 2 reset'
"""

import argparse
import ctypes
import http.client
import http.server
import json
import re
import signal
import socket
import struct
import sys
import threading

from free_port_server import announce

PR_SET_PDEATHSIG = 1
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade", "expect"}
COPY_CHUNK = 64 * 1024


class Rule:
    def __init__(self, text, index):
        words = text.split()
        if len(words) != 4:
            raise ValueError(f"rule {text!r}: want METHOD PATH-REGEX WHICH ACTION")
        self.index = index
        self.method = words[0].upper()
        self.path = re.compile(words[1])
        self.which = None if words[2] == "*" else {int(n) for n in words[2].split(",")}
        self.action = words[3]
        self.retry_after = None
        if self.action.startswith("429:"):
            self.retry_after = int(self.action[4:])
            self.status = 429
        elif self.action.isdigit():
            self.status = int(self.action)
        elif self.action in ("reset", "truncate", "corrupt"):
            self.status = None
        else:
            raise ValueError(f"rule {text!r}: unknown action {self.action!r}")
        self.matched = 0

    def hits(self, method, path):
        """Counts a matching request; returns whether this one gets the fault."""
        if self.method not in ("*", method) or not self.path.search(path):
            return False
        self.matched += 1
        return self.which is None or self.matched in self.which


class FaultProxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream, rules, log_file):
        super().__init__(("127.0.0.1", 0), Handler)
        self.upstream = upstream
        self.rules = rules
        self.log_file = log_file
        self.lock = threading.Lock()
        self.seq = 0

    def choose(self, method, path):
        """Returns (sequence number, the rule that applies or None)."""
        with self.lock:
            self.seq += 1
            chosen = None
            for rule in self.rules:
                if rule.hits(method, path) and chosen is None:
                    chosen = rule
            return self.seq, chosen

    def log(self, entry):
        with self.lock:
            self.log_file.write(json.dumps(entry) + "\n")
            self.log_file.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # the JSON log replaces http.server's
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionError, BrokenPipeError):
            self.close_connection = True

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.proxy
        raise AttributeError(name)

    # --- request side ---------------------------------------------------------------------

    def body_length(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return "chunked"
        return int(self.headers.get("Content-Length", "0") or 0)

    def read_body(self, limit=None):
        """The request body, decoded from chunked framing; at most `limit` bytes."""
        length = self.body_length()
        if length != "chunked":
            return self.rfile.read(length if limit is None else min(limit, length))
        body = bytearray()
        while limit is None or len(body) < limit:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                break
            body += self.rfile.read(size)
            self.rfile.readline()
        return bytes(body)

    # --- faults ---------------------------------------------------------------------------

    def reset(self):
        """Closes the client connection with RST instead of FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def answer_status(self, rule):
        body = json.dumps({"errors": [{"code": "UNAVAILABLE" if rule.status != 429
                                       else "TOOMANYREQUESTS",
                                       "message": f"fault_proxy: injected {rule.action}"}]})
        self.send_response(rule.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if rule.retry_after is not None:
            self.send_header("Retry-After", str(rule.retry_after))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body.encode())

    # --- forwarding -----------------------------------------------------------------------

    def proxy(self):
        seq, rule = self.server.choose(self.command, self.path)
        entry = {"seq": seq, "method": self.command, "path": self.path, "status": None,
                 "fault": rule and rule.action, "rule": rule and rule.index,
                 "range": self.headers.get("Range")}
        try:
            self.forward(rule, entry)
        finally:
            self.server.log(entry)

    def forward(self, rule, entry):
        has_body = self.body_length() not in (0, "")
        if rule and rule.action == "reset" and has_body:
            length = self.body_length()
            self.read_body(limit=1 if length == "chunked" else max(1, length // 2))
            self.reset()
            return
        body = self.read_body() if has_body or self.command in ("PUT", "POST", "PATCH") else None
        if rule and rule.status is not None:
            entry["status"] = rule.status
            self.answer_status(rule)
            return

        # A list, not a dict: Go clients send one Accept header per media type.
        headers = [(k, v) for k, v in self.headers.items()
                   if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
        headers.append(("Connection", "close"))
        if body is not None:
            headers.append(("Content-Length", str(len(body))))
        host, _, port = self.server.upstream.rpartition(":")
        upstream = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            upstream.putrequest(self.command, self.path, skip_host=True,
                                skip_accept_encoding=True)
            for key, value in headers:
                upstream.putheader(key, value)
            upstream.endheaders(body)
            response = upstream.getresponse()
            entry["status"] = response.status
            self.relay(response, rule)
        finally:
            upstream.close()

    def relay(self, response, rule):
        content = None if self.command == "HEAD" or response.status in (204, 304) else b""
        length = response.getheader("Content-Length")
        if content is not None and (length is None or response.chunked):
            content = response.read()  # re-framed below with a Content-Length
            length = str(len(content))
        if rule and rule.action == "reset" and (content is None or length == "0"):
            self.reset()  # no body to break off: reset instead of answering
            return
        self.send_response_only(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        if length is not None:
            self.send_header("Content-Length", length)
        if self.headers.get("Connection", "").lower() == "close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if content is None:
            return
        self.copy_body(response, content, int(length or 0), rule and rule.action)

    def copy_body(self, response, content, length, action):
        cut = length // 2 if action in ("reset", "truncate") else None
        sent = 0
        while True:
            chunk = content if content else response.read(COPY_CHUNK)
            content = b""
            if not chunk:
                break
            if action == "corrupt" and sent == 0:
                chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
            if cut is not None and sent + len(chunk) >= cut:
                self.wfile.write(chunk[:cut - sent])
                self.wfile.flush()
                if action == "reset":
                    self.reset()
                else:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_WR)
                return
            self.wfile.write(chunk)
            sent += len(chunk)
        self.wfile.flush()


def load_rules(args):
    texts = list(args.fault)
    if args.rules:
        with open(args.rules, encoding="utf-8") as rules_file:
            for line in rules_file:
                line = line.split("#", 1)[0].strip()
                if line:
                    texts.append(line)
    return [Rule(text, index) for index, text in enumerate(texts)]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, metavar="HOST:PORT")
    parser.add_argument("--log", required=True, help="JSON-lines log of every request")
    parser.add_argument("--port-file", required=True,
                        help="where to write the port once listening")
    parser.add_argument("--fault", action="append", default=[], metavar="RULE")
    parser.add_argument("--rules", metavar="FILE", help="rules, one per line")
    args = parser.parse_args()
    try:
        rules = load_rules(args)
    except (ValueError, re.error, OSError) as error:
        sys.exit(f"fault_proxy: {error}")

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    with open(args.log, "a", encoding="utf-8") as log_file:
        server = FaultProxy(args.upstream, rules, log_file)
        announce(server, args.port_file)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
