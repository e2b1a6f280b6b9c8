#!/usr/bin/env python3
"""A small origin HTTP server for tests and the demo.

Serves files from a directory and counts what it sends, so tests can assert how often the origin
was hit. Paths:
  GET|HEAD /files/<name>   the file (Range, ETag and Last-Modified supported)
  GET /status/<code>       answers with that status
  GET /short/<name>        announces the file's full length, sends half, then closes
  GET /auth/<name>         the file, but only with "Authorization: Bearer secret" (401 otherwise)
  GET /basic/<name>        the file, but only with Basic authorization for user "user", password "s3cret"
  GET /signed/<name>       the file, but only with the query parameter Signature=good (403 otherwise,
                           as a pre-signed storage URL answers)
  GET /redirect/<port>/<name>  302 to http://localhost:<port>/files/<name> (another origin)
  GET /flaky/<name>        the first answer for each name breaks off halfway; later ones are whole
  GET /stall/<name>        announces the file's full length, sends half, then nothing until the client hangs up
  GET /hold/<name>         sends half the file, then the rest only after POST /release (a download
                           that cannot finish before the test says so)
  GET /v2/<name>/blobs/<digest>  the file <name>.blob, whatever the digest says (a registry that lies)
  GET /stats               JSON: {"requests": n, "range_requests": n, "body_bytes": n, "paths": {path: count},
                           "heads": {path: HEAD requests (also in paths)},
                           "authorized": {path: requests that carried Authorization or Cookie},
                           "agents": {path: sorted distinct "User-Agent | X-Dragonfly-Client-User-Agent"}}
  POST /reset              zeroes the counters
  POST /release            lets every /hold/ answer (now and later) finish
"""
import argparse
import email.utils
import hashlib
import http.server
import json
import os
import re
import select
import sys
import threading


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.requests = 0
        self.range_requests = 0
        self.range_starts = []
        self.body_bytes = 0
        self.paths = {}   # every request, HEADs included
        self.heads = {}   # HEADs only (revalidations, the proxy's access checks)
        self.authorized = {}
        self.agents = {}  # path -> set of "User-Agent | X-Dragonfly-Client-User-Agent"

    def hit(self, path, headers):
        with self.lock:
            self.requests += 1
            self.paths[path] = self.paths.get(path, 0) + 1
            agent = "%s | %s" % (headers.get("User-Agent", ""), headers.get("X-Dragonfly-Client-User-Agent", ""))
            self.agents.setdefault(path, set()).add(agent)
            if headers.get("Authorization") or headers.get("Cookie"):
                self.authorized[path] = self.authorized.get(path, 0) + 1

    def ranged(self, start):
        with self.lock:
            self.range_requests += 1
            self.range_starts.append(start)

    def sent(self, n):
        with self.lock:
            self.body_bytes += n


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "test-origin/1"

    def log_message(self, fmt, *args):  # quiet unless asked
        if self.server.verbose:
            sys.stderr.write("origin: " + fmt % args + "\n")

    def send_plain(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_POST(self):
        if self.path == "/reset":
            with self.server.counters.lock:
                self.server.counters.reset()
            return self.send_plain(200, "reset\n")
        if self.path == "/release":
            self.server.released.set()
            return self.send_plain(200, "released\n")
        self.send_plain(404, "not found\n")

    def do_HEAD(self):
        with self.server.counters.lock:
            heads = self.server.counters.heads
            path = self.path.split("?", 1)[0]
            heads[path] = heads.get(path, 0) + 1
        self.do_GET()

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/stats":
            c = self.server.counters
            with c.lock:
                body = json.dumps({"requests": c.requests, "range_requests": c.range_requests,
                                   "range_starts": c.range_starts,
                                   "body_bytes": c.body_bytes, "paths": c.paths, "heads": c.heads, "authorized": c.authorized,
                                   "agents": {p: sorted(a) for p, a in c.agents.items()}})
            return self.send_plain(200, body)
        self.server.counters.hit(path, self.headers)
        m = re.fullmatch(r"/redirect/(\d+)/([A-Za-z0-9._-]+)", path)
        if m:
            self.send_response(302)
            self.send_header("Location", "http://localhost:%s/files/%s" % (m.group(1), m.group(2)))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        m = re.fullmatch(r"/status/(\d{3})", path)
        if m:
            return self.send_plain(int(m.group(1)), "status %s\n" % m.group(1))
        m = re.fullmatch(r"/v2/([A-Za-z0-9._-]+)/blobs/sha256:[0-9a-f]{64}", path)
        if m:
            full = os.path.join(self.server.root, m.group(1) + ".blob")
            if not os.path.isfile(full):
                return self.send_plain(404, "no such blob\n")
            return self.serve_file(full, short=False)
        m = re.fullmatch(r"/(files|short|auth|basic|flaky|stall|hold|signed)/([A-Za-z0-9._-]+)", path)
        if m and m.group(1) == "signed" and "Signature=good" not in self.path.partition("?")[2].split("&"):
            return self.send_plain(403, "signature does not match\n")
        required = {"auth": "Bearer secret", "basic": "Basic dXNlcjpzM2NyZXQ="}  # user:s3cret
        if m and m.group(1) in required and self.headers.get("Authorization") != required[m.group(1)]:
            self.send_response(401)
            self.send_header("WWW-Authenticate", '%s realm="test"' % required[m.group(1)].split()[0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not m:
            return self.send_plain(404, "not found\n")
        full = os.path.join(self.server.root, m.group(2))
        if not os.path.isfile(full):
            return self.send_plain(404, "no such file\n")
        short = m.group(1) in ("short", "stall")
        if m.group(1) == "flaky":
            with self.server.counters.lock:
                short = m.group(2) not in self.server.flaked
                self.server.flaked.add(m.group(2))
        self.serve_file(full, short=short, stall=m.group(1) == "stall", hold=m.group(1) == "hold")

    def serve_file(self, full, short, stall=False, hold=False):
        st = os.stat(full)
        size = st.st_size
        etag = '"%x-%x"' % (st.st_mtime_ns, size)
        start, end, status = 0, size - 1, 200
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        last_modified = email.utils.formatdate(st.st_mtime, usegmt=True)
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if (inm and inm == etag) or (not inm and ims and ims == last_modified):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            return
        if if_range and if_range not in (etag, last_modified):
            rng = None  # the client's copy is stale: send everything
        if rng:
            m = re.fullmatch(r"bytes=(\d+)-\d*", rng.strip())
            self.server.counters.ranged(int(m.group(1)) if m else -1)
        if rng and not short:
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
            if not m or (m.group(1) == "" and m.group(2) == ""):
                return self.send_plain(416, "bad range\n")
            if m.group(1) == "":
                start, end = max(0, size - int(m.group(2))), size - 1
            else:
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            if start >= size or start > end:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        length = end - start + 1 if size else 0
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        if short:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        to_send = length // 2 if short else length
        held_at = to_send - length // 2 if hold else -1  # bytes left when the answer waits
        with open(full, "rb") as f:
            f.seek(start)
            while to_send > 0:
                if to_send == held_at:
                    self.server.released.wait(120)
                chunk = f.read(min(1 << 20, to_send - held_at if to_send > held_at > 0 else to_send))
                if not chunk:
                    break
                try:
                    self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    return
                self.server.counters.sent(len(chunk))
                to_send -= len(chunk)
        if stall:
            select.select([self.connection], [], [], 60)  # readable: the client hung up
        if short:
            self.close_connection = True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", required=True, help="directory whose files are served under /files/")
    ap.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--tls-cert", help="serve https with this PEM certificate (and --tls-key)")
    ap.add_argument("--tls-key")
    args = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.root = args.root
    server.counters = Counters()
    server.verbose = args.verbose
    server.flaked = set()
    server.released = threading.Event()
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
