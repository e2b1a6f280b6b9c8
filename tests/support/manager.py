"""Starts dfmanager processes (through Swarm.launch, so a lost port means a new start) and talks
to their REST API."""
import json
import os
import urllib.error
import urllib.request

import swarm as sw

TOKEN = "test-admin-token-0123456789"


class Manager:
    """One running dfmanager: its process, port and an API client with the admin token; `tls` (an
    ssl.SSLContext trusting the cluster CA) makes it speak https."""

    def __init__(self, process, port, token=TOKEN, tls=None):
        self.process, self.port, self.token, self.tls = process, port, token, tls

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % ("https" if self.tls else "http", self.port, path)

    def call(self, method, path, body=None, token=None, raw=None, timeout=10, context=None):
        """→ (status, headers, parsed JSON or text). `body` is sent as JSON, `raw` as bytes;
        `token` "" sends no Authorization; `context` replaces the client's TLS context (a client
        certificate)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url(path), data=data, method=method)
        token = self.token if token is None else token
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=context or self.tls) as r:
                status, headers, text = r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            status, headers, text = e.code, e.headers, e.read().decode()
        try:
            return status, headers, json.loads(text)
        except ValueError:
            return status, headers, text

    def ok(self, method, path, body=None, expected=200):
        status, _, answer = self.call(method, path, body)
        if status != expected:
            raise AssertionError("%s %s → %d (wanted %d): %s" % (method, path, status, expected, answer))
        return answer

    def metrics(self):
        return sw.parse_metrics(sw.get(self.url("/metrics"), context=self.tls))

    def healthy(self):
        try:
            return sw.get(self.url("/healthy"), timeout=2, context=self.tls).strip() == "OK"
        except OSError:
            return False


def write_config(path, data_dir, postgres=None, keepalive="5s", token=TOKEN, extra=""):
    """A dfmanager.yaml: SQLite in `data_dir`, or the PostgreSQL whose (host, port, user, dbname)
    is `postgres`; `extra` is appended (more sections)."""
    lines = ["data_dir: %s" % json.dumps(data_dir),
             "keepalive:", "  interval: %s" % keepalive,
             "auth:", "  admin_token: %s" % json.dumps(token)]
    if postgres:
        host, port, user, dbname = postgres
        lines += ["database:", "  type: postgres", "  postgres:", "    host: %s" % host, "    port: %d" % port,
                  "    user: %s" % user, "    dbname: %s" % dbname, "    sslmode: disable"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n" + extra)
    return path


def start_manager(s, name, config_path, port=None, tls=None):
    """Starts dfmanager `name` of Swarm `s` with a config file; waits until /healthy answers
    (over https with `tls`, an ssl.SSLContext)."""
    command = lambda ports: [os.path.join(s.bin_dir, "dfmanager"), "-c", config_path,  # noqa: E731
                             "--listen", "127.0.0.1", "--port", str(ports[0])]
    ready = lambda ports: Manager(None, ports[0], tls=tls).healthy()  # noqa: E731
    process, ports = s.launch(name, command, ready, [port], timeout=30)
    return Manager(process, ports[0], tls=tls)
