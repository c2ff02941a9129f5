#!/usr/bin/python3
"""A token server for registry tests (distribution's token auth spec).

Issues RS256 JWTs that docker-registry (auth.token with a rootcertbundle)
accepts: the signing certificate travels in the x5c header. Grants come
from a JSON config: {"users": {"alice": "secret"}, "grants": [{"user":
"alice", "repository": "team/*", "actions": ["pull", "push"]}]}; user ""
is anonymous, "*" at the end of a repository matches any suffix. A wrong
password gets 401. Each token request is appended to the request log as one
JSON line (user, granted access; never a password or token).

Usage: token_server.py KEY.pem CERT.pem CONFIG.json PORT_FILE REQUEST_LOG
The server listens on 127.0.0.1 on a free port and writes it to PORT_FILE.
"""
import base64
import fnmatch
import http.server
import json
import sys
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from free_port_server import serve

ISSUER = "imgbuild-test-issuer"
LIFETIME = 300


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    def __init__(self, key_path, cert_path, config_path, request_log):
        with open(key_path, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        with open(cert_path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        self.x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        with open(config_path) as f:
            self.config = json.load(f)
        self.request_log = request_log

    def authenticate(self, header):
        """The user named by a Basic Authorization header; "" when none; None when wrong."""
        if not header:
            return ""
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user if self.config.get("users", {}).get(user) == password else None

    def granted(self, user, scope):
        kind, _, rest = scope.partition(":")
        name, _, actions = rest.rpartition(":")
        if kind != "repository" or not name:
            return None
        allowed = set()
        for grant in self.config.get("grants", []):
            if grant["user"] in (user, "") and fnmatch.fnmatchcase(name, grant["repository"]):
                allowed.update(grant["actions"])
        wanted = [a for a in actions.split(",") if a in allowed]
        return {"type": kind, "name": name, "actions": wanted}

    def token(self, user, service, scopes):
        access = [a for a in (self.granted(user, s) for s in scopes) if a]
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": ISSUER, "sub": user, "aud": service, "exp": now + LIFETIME,
                  "nbf": now - 10, "iat": now, "jti": str(time.time_ns()), "access": access}
        signing_input = ".".join(b64url(json.dumps(part).encode()) for part in (header, claims))
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        with open(self.request_log, "a") as log:
            log.write(json.dumps({"user": user, "access": access}) + "\n")
        return signing_input + "." + b64url(signature)


def make_handler(issuer):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body, extra=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            if url.path != "/token":
                return self.reply(404, {"error": "not found"})
            query = urllib.parse.parse_qs(url.query)
            user = issuer.authenticate(self.headers.get("Authorization"))
            if user is None:
                return self.reply(401, {"error": "invalid username or password"},
                                  [("WWW-Authenticate", 'Basic realm="token"')])
            token = issuer.token(user, query.get("service", [""])[0], query.get("scope", []))
            self.reply(200, {"token": token, "access_token": token, "expires_in": LIFETIME})

    return Handler


def main():
    key, cert, config, port_file, request_log = sys.argv[1:6]
    serve(make_handler(Issuer(key, cert, config, request_log)), port_file)


if __name__ == "__main__":
    main()
