"""Shared by the test servers here: serve on a free loopback port and tell
the test which one through a file (written whole, by rename)."""
import http.server
import os


def serve(handler_class, port_file):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()
