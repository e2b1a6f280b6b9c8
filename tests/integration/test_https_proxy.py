"""The HTTPS proxy end to end: an https registry (Debian's docker-registry with a certificate from a
test "public" CA) pulled with skopeo and ctr through dfdaemon's proxy port as HTTPS_PROXY; the
daemon terminates TLS for the registry with a leaf its hijack CA minted, and layers travel the
swarm. Other CONNECTs are tunnelled or refused; hostile CONNECTs are answered and counted."""
import hashlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import registry as reg  # noqa: E402
import swarm as sw  # noqa: E402

MiB = 1 << 20
PROXY_USER, PROXY_PASSWORD = "puller", "pr0xy-s3cret"
TOOLS = ("docker-registry", "skopeo", "umoci", "openssl", "curl")


def openssl(*args):
    reg.run(["openssl"] + list(args))


def make_ca(directory, name):
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", cert, "-days", "2", "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
    return cert, key


def make_server_cert(directory, ca, name, ip):
    """A certificate for `ip` signed by `ca` (a server's own, from the "public" CA)."""
    cert, key, csr = (os.path.join(directory, name + ext) for ext in (".pem", ".key", ".csr"))
    ext = os.path.join(directory, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n" % ip)
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", csr, "-subj", "/CN=" + name)
    openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial", "-out", cert, "-days", "2",
            "-extfile", ext)
    return cert, key


def outward_ip():
    """A non-loopback IPv4 address of this host: Go clients never use a proxy for loopback."""
    r = subprocess.run(["hostname", "-I"], capture_output=True, text=True)
    for a in r.stdout.split():
        if "." in a and not a.startswith("127."):
            return a
    return None


def closed_by_peer(sock):
    """True once the other side has closed (a TLS alert may come first; unread bytes make it a reset)."""
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def read_to_close(tls):
    """Everything the server sends until it closes the TLS connection."""
    data = b""
    while True:
        try:
            chunk = tls.recv(65536)
        except (ssl.SSLEOFError, ConnectionResetError):
            return data
        if not chunk:
            return data
        data += chunk


def sha256_file(path):
    return "sha256:" + sw.sha256_file(path)


class HttpsProxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = [t for t in TOOLS if shutil.which(t) is None]
        if missing:
            raise RuntimeError("missing %s: run scripts/setup.sh" % ", ".join(missing))
        cls.ip = outward_ip()
        if cls.ip is None:
            raise unittest.SkipTest("no non-loopback IPv4 address: Go clients bypass proxies for loopback")
        cls.s = sw.Swarm()
        cls.addClassCleanup(cls.s.stop)  # also when the set-up fails half way
        cls._set_up()

    @classmethod
    def _set_up(cls):
        s, w = cls.s, cls.s.workdir
        cls.public_ca = make_ca(w, "public-ca")
        cls.hijack_ca = make_ca(w, "hijack-ca")
        # skopeo / containerd read CA files named *.crt from a directory.
        cls.hijack_cert_dir = os.path.join(w, "hijack-certs")
        os.makedirs(cls.hijack_cert_dir)
        shutil.copy(cls.hijack_ca[0], os.path.join(cls.hijack_cert_dir, "ca.crt"))
        cls.layout = os.path.join(w, "layout")
        reg.build_image(cls.layout, "v1", [("/etc/hello", 4096, 51), ("/data/blob.bin", 6 * MiB, 52)])
        cls.registry = reg.Registry(s, "registry", tls=make_server_cert(w, cls.public_ca, "registry", cls.ip),
                                    addr=cls.ip)
        # An https file server on loopback that no daemon hijacks: CONNECTs to it are tunnelled.
        cls.www = os.path.join(w, "www")
        os.makedirs(cls.www)
        sw.write_random_file(os.path.join(cls.www, "f.bin"), 2 * MiB, seed=53)
        cls.tls_origin_port = s.start_origin(cls.www, name="origin-tls",
                                             tls=make_server_cert(w, cls.public_ca, "origin", "127.0.0.1"))
        cls.registry.push(cls.layout, "v1", "test/app:v1")

        hijacked = "^%s:%d$" % (cls.ip.replace(".", "\\."), cls.registry.port)
        s.start_scheduler()
        cls.seed = s.start_daemon("seed", seed=True, origin_allow=("127.0.0.0/8", cls.ip),
                                  extra=["-c", cls.config("seed", hijacked)])
        cls.a = s.start_daemon("a", extra=["-c", cls.config("a", hijacked)])
        # b: proxy basic auth, and CONNECTs to hosts it does not hijack are refused.
        cls.b = s.start_daemon("b", extra=["-c", cls.config("b", hijacked, tunnel=False, auth=True)])
        s.wait_hosts(3)

    @classmethod
    def config(cls, name, hijacked, tunnel=True, auth=False):
        path = os.path.join(cls.s.workdir, name + ".yaml")
        lines = ["origin_tls:", "  ca_file: %s" % cls.public_ca[0], "proxy:",
                 "  connect_tunnel: %s" % ("true" if tunnel else "false"), "  hijack_https:",
                 "    cert: %s" % cls.hijack_ca[0], "    key: %s" % cls.hijack_ca[1],
                 "    hosts: ['%s']" % hijacked, "    handshake_timeout: 1s"]
        if auth:
            lines += ["  basic_auth:", "    username: %s" % PROXY_USER, "    password: %s" % PROXY_PASSWORD]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def proxy_env(self, daemon, creds=None):
        env = dict(os.environ)
        for k in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "https_proxy"):
            env.pop(k, None)
        userinfo = "%s:%s@" % creds if creds else ""
        env["HTTPS_PROXY"] = "http://%s127.0.0.1:%d" % (userinfo, daemon.proxy_port)
        return env

    def layers(self):
        desc, manifest = reg.manifest_of(self.layout, "v1")
        return desc["digest"], [(l["digest"], l["size"]) for l in manifest["layers"]]

    def skopeo_pull(self, daemon, out, creds=None, cert_dir=None):
        args = ["skopeo", "copy", "-q", "--src-cert-dir", cert_dir or self.hijack_cert_dir,
                "docker://%s/test/app:v1" % self.registry.host, "dir:" + out]
        return subprocess.run(args, capture_output=True, text=True, env=self.proxy_env(daemon, creds), timeout=300)

    def check_dir_image(self, out):
        manifest_digest, layers = self.layers()
        with open(os.path.join(out, "manifest.json"), "rb") as f:
            self.assertEqual("sha256:" + hashlib.sha256(f.read()).hexdigest(), manifest_digest)
        for digest, size in layers:
            path = os.path.join(out, digest.split(":", 1)[1])
            self.assertEqual(os.path.getsize(path), size)
            self.assertEqual(sha256_file(path), digest)

    def curl(self, daemon, url, *extra):
        args = ["curl", "-sS", "-o", os.devnull, "-w", "%{http_code}", "-x", daemon.proxy_url(), url] + list(extra)
        return subprocess.run(args, capture_output=True, text=True, timeout=60)

    def metric(self, daemon, name):
        return daemon.metrics().get(name, 0)

    def test_1_skopeo_pulls_through_the_https_proxy_and_layers_go_through_the_swarm(self):
        out = os.path.join(self.s.workdir, "pull-a")
        r = self.skopeo_pull(self.a, out)
        self.assertEqual(r.returncode, 0, r.stderr + self.s.logs())
        self.check_dir_image(out)
        _, layers = self.layers()
        m = self.a.metrics()
        self.assertGreaterEqual(m['dragonfly_dfdaemon_proxy_connect_total{action="hijack"}'], 1)
        self.assertGreaterEqual(m["dragonfly_dfdaemon_proxy_certs_minted_total"], 1)
        self.assertGreaterEqual(m["dragonfly_dfdaemon_proxy_p2p_requests_total"], len(layers))
        self.assertEqual(self.a.received()["origin"], 0, "daemon a fetched layers from the registry itself")
        # A second host (with proxy auth) gets every layer from the swarm, not from the registry.
        out_b = os.path.join(self.s.workdir, "pull-b")
        r = self.skopeo_pull(self.b, out_b, creds=(PROXY_USER, PROXY_PASSWORD))
        self.assertEqual(r.returncode, 0, r.stderr + self.s.logs())
        self.check_dir_image(out_b)
        received = self.b.received()
        self.assertEqual(received["origin"], 0)
        self.assertGreaterEqual(received["peer"] + received["seed"], sum(size for _, size in layers))
        sent = self.registry.wait_blob_bytes_sent([d for d, _ in layers])
        for digest, size in layers:
            self.assertEqual(sent[digest], size, "the registry sent %s more than once" % digest)
        self.assertNotIn(PROXY_PASSWORD, open(self.b.process.log_path, errors="replace").read())

    def test_2_ctr_pulls_through_the_https_proxy(self):
        if shutil.which("containerd") is None or shutil.which("ctr") is None:
            self.skipTest("containerd / ctr not installed")
        c = reg.Containerd(self.s, "containerd-https")
        hosts = os.path.join(c.hosts_dir, self.registry.host)
        os.makedirs(hosts, exist_ok=True)
        with open(os.path.join(hosts, "hosts.toml"), "w") as f:
            f.write('server = "https://%s"\n\n[host."https://%s"]\n  capabilities = ["pull", "resolve"]\n'
                    '  ca = "%s"\n' % (self.registry.host, self.registry.host, self.hijack_ca[0]))
        ref = "%s/test/app:v1" % self.registry.host
        before = self.metric(self.a, 'dragonfly_dfdaemon_proxy_connect_total{action="hijack"}')
        r = subprocess.run(["ctr", "--address", c.address, "-n", "test", "images", "pull", "--hosts-dir",
                            c.hosts_dir, ref], capture_output=True, text=True, timeout=300,
                           env=self.proxy_env(self.a))
        self.assertEqual(r.returncode, 0, r.stderr + self.s.logs())
        manifest_digest, layers = self.layers()
        self.assertEqual(c.image_digest(ref), manifest_digest)
        for digest, _ in layers:
            self.assertEqual(c.content_digest(digest), digest)
        self.assertGreater(self.metric(self.a, 'dragonfly_dfdaemon_proxy_connect_total{action="hijack"}'), before)
        sent = self.registry.wait_blob_bytes_sent([d for d, _ in layers])
        for digest, size in layers:
            self.assertEqual(sent[digest], size, "the registry sent %s more than once" % digest)

    def test_clients_see_the_hijack_ca_not_the_registry_certificate(self):
        url = "https://%s/v2/" % self.registry.host
        r = self.curl(self.a, url, "--cacert", self.hijack_ca[0])
        self.assertEqual(r.stdout, "200", r.stderr)
        # The public CA does not vouch for what the proxy presents: TLS really ends at the daemon.
        r = self.curl(self.a, url, "--cacert", self.public_ca[0])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("certificate", r.stderr.lower())

    def test_other_hosts_are_tunnelled_or_refused_per_policy(self):
        # Not in proxy.hijack_https.hosts: a byte tunnel, so the client checks the server's own
        # certificate (from the public CA) and gets the file unchanged.
        url = "https://127.0.0.1:%d/files/f.bin" % self.tls_origin_port
        name = 'dragonfly_dfdaemon_proxy_connect_total{action="tunnel"}'
        before = self.metric(self.a, name)
        out = os.path.join(self.s.workdir, "tunnelled.bin")
        r = subprocess.run(["curl", "-sS", "--fail", "--cacert", self.public_ca[0], "-x", self.a.proxy_url(), "-o",
                            out, url], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sw.sha256_file(out), sw.sha256_file(os.path.join(self.www, "f.bin")))
        self.assertEqual(self.metric(self.a, name), before + 1)
        # A target that cannot be reached: 502, counted.
        r = self.curl(self.a, "https://127.0.0.1:%d/" % sw.free_port(), "-k")
        self.assertIn("502", r.stderr)
        self.assertGreaterEqual(self.metric(self.a, 'dragonfly_dfdaemon_proxy_connect_rejected_total{reason="upstream"}'), 1)
        # b refuses CONNECTs to hosts it does not hijack.
        r = self.curl(self.b, url, "-U", "%s:%s" % (PROXY_USER, PROXY_PASSWORD), "--cacert", self.public_ca[0])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("403", r.stderr)
        self.assertGreaterEqual(self.metric(self.b, 'dragonfly_dfdaemon_proxy_connect_rejected_total{reason="policy"}'), 1)

    def test_proxy_basic_auth(self):
        before = self.metric(self.b, "dragonfly_dfdaemon_proxy_auth_failures_total")
        url = "https://%s/v2/" % self.registry.host
        r = self.curl(self.b, url, "--cacert", self.hijack_ca[0])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("407", r.stderr)
        r = self.curl(self.b, url, "--cacert", self.hijack_ca[0], "-U", "%s:wrong" % PROXY_USER)
        self.assertIn("407", r.stderr)
        r = self.curl(self.b, url, "--cacert", self.hijack_ca[0], "-U", "%s:%s" % (PROXY_USER, PROXY_PASSWORD))
        self.assertEqual(r.stdout, "200", r.stderr)
        # Plain proxy requests need it too, and the 407 says how to authenticate.
        r = subprocess.run(["curl", "-sS", "-D", "-", "-o", os.devnull, "-x", self.b.proxy_url(),
                            "http://%s/v2/" % self.registry.host], capture_output=True, text=True, timeout=60)
        self.assertIn(" 407 ", r.stdout)
        self.assertIn('Proxy-Authenticate: Basic realm="dragonfly"', r.stdout)
        self.assertEqual(self.metric(self.b, "dragonfly_dfdaemon_proxy_auth_failures_total"), before + 3)
        self.assertNotIn(PROXY_PASSWORD, open(self.b.process.log_path, errors="replace").read())

    def raw_connect(self, daemon, target, then=b""):
        """Sends CONNECT `target` (bytes) and `then`; returns (socket, first response bytes)."""
        sock = socket.create_connection(("127.0.0.1", daemon.proxy_port), timeout=10)
        sock.sendall(b"CONNECT " + target + b" HTTP/1.1\r\nHost: " + target[:100] + b"\r\n\r\n" + then)
        return sock, sock.recv(4096)

    def test_hostile_connects_get_an_error_and_the_daemon_keeps_serving(self):
        name = 'dragonfly_dfdaemon_proxy_connect_rejected_total{reason="%s"}'
        bad_before = self.metric(self.a, name % "bad_target")
        for target in (b"a" * 5000 + b":443", b"a,DNS:evil.test:443", b"registry.test:99999", b"registry.test",
                       b"[registry.test]:443", b"-bad-.test:443"):
            sock, head = self.raw_connect(self.a, target)
            sock.close()
            self.assertTrue(head.startswith(b"HTTP/1.1 400"), (target[:40], head[:200]))
        self.assertEqual(self.metric(self.a, name % "bad_target"), bad_before + 6)

        hijacked = ("%s:%d" % (self.ip, self.registry.port)).encode()
        handshake_before = self.metric(self.a, name % "handshake")
        # Garbage instead of a TLS ClientHello, and a client that never says anything (1s limit).
        sock, head = self.raw_connect(self.a, hijacked)
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head)
        sock.sendall(b"GET / HTTP/1.1\r\n\r\n" * 10)
        sock.settimeout(10)
        sw.wait_until(lambda: closed_by_peer(sock), 10, "the daemon to close a garbage handshake")
        sock.close()
        silent, head = self.raw_connect(self.a, hijacked)
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head)
        silent.settimeout(10)
        self.assertEqual(silent.recv(1), b"", "a silent client was not closed by the handshake timeout")
        silent.close()
        sw.wait_until(lambda: self.metric(self.a, name % "handshake") >= handshake_before + 2, 10,
                      "both failed handshakes to be counted")

        # A malformed request inside a good TLS connection: 400, counted.
        bad_request_before = self.metric(self.a, name % "bad_request")
        sock, head = self.raw_connect(self.a, hijacked)
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head)
        context = ssl.create_default_context(cafile=self.hijack_ca[0])
        with context.wrap_socket(sock, server_hostname=self.ip) as tls:
            tls.sendall(b"NOT HTTP AT ALL\x00\r\n\r\n")
            self.assertTrue(read_to_close(tls).startswith(b"HTTP/1.1 400"))
        # A push (a request with a body) would reach the registry without its body: refused up front.
        sock, head = self.raw_connect(self.a, hijacked)
        with context.wrap_socket(sock, server_hostname=self.ip) as tls:
            tls.sendall(b"POST /v2/test/app/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
            answer = read_to_close(tls)
            self.assertTrue(answer.startswith(b"HTTP/1.1 501"), answer[:200])
            self.assertIn(b"GET and HEAD only", answer)
        self.assertEqual(self.metric(self.a, name % "bad_request"), bad_request_before + 2)

        # Still serving: a pull through the hijack works and the process is alive.
        r = self.curl(self.a, "https://%s/v2/" % self.registry.host, "--cacert", self.hijack_ca[0])
        self.assertEqual(r.stdout, "200", r.stderr)
        self.assertTrue(self.a.process.alive())


if __name__ == "__main__":
    unittest.main(verbosity=2)
