"""HTTP proxy mode, CONNECT tunnels, https origins and content digests, with real processes."""
import hashlib
import os
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import swarm as sw  # noqa: E402

MiB = 1 << 20


def via_proxy(proxy_url, url, headers=None, timeout=60):
    """GET `url` through an HTTP proxy: (status, headers, body), never raising on an HTTP status."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy_url}))
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class HttpProxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = cls.s = sw.Swarm()
        cls.root = os.path.join(s.workdir, "www")
        os.makedirs(cls.root)
        for name, size, seed in (("a.bin", 9 * MiB, 1), ("b.bin", 6 * MiB, 2), ("c.bin", 3 * MiB, 3),
                                 ("lying.blob", 5 * MiB, 4)):
            sw.write_random_file(os.path.join(cls.root, name), size, seed=seed)
        # A certificate for 127.0.0.1, and an https origin that uses it.
        cls.cert, cls.key = os.path.join(s.workdir, "cert.pem"), os.path.join(s.workdir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", cls.key, "-out",
                        cls.cert, "-days", "2", "-subj", "/CN=test-origin",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
        s.start_origin(cls.root)
        cls.tls_port = s.start_origin(cls.root, name="origin-tls", tls=(cls.cert, cls.key))
        s.start_scheduler()
        cls.seed = s.start_daemon("seed", seed=True, extra=["--ca-file", cls.cert])
        cls.a = s.start_daemon("a", extra=["--ca-file", cls.cert])
        cls.b = s.start_daemon("b")  # trusts only the system CAs
        cls.c = s.start_daemon("c", extra=["--insecure-registry", "127.0.0.1:%d" % cls.tls_port])
        s.wait_hosts(4)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def expected(self, name):
        with open(os.path.join(self.root, name), "rb") as f:
            return f.read()

    def test_plain_requests_pass_through_unchanged(self):
        status, headers, body = via_proxy(self.a.proxy_url(), self.s.origin_url("/files/c.bin"))
        self.assertEqual(status, 200)
        self.assertEqual(body, self.expected("c.bin"))
        self.assertIsNone(headers.get("X-Dragonfly-Task-ID"), "a plain request went through the swarm")
        status, _, _ = via_proxy(self.a.proxy_url(), self.s.origin_url("/status/418"))
        self.assertEqual(status, 418)
        status, headers, _ = via_proxy(self.a.proxy_url(), self.s.origin_url("/auth/c.bin"))
        self.assertEqual(status, 401)
        self.assertEqual(headers.get("WWW-Authenticate"), 'Bearer realm="test"')

    def test_use_p2p_header_sends_a_url_through_the_swarm(self):
        url = self.s.origin_url("/files/b.bin")
        for d in (self.a, self.c):
            status, headers, body = via_proxy(d.proxy_url(), url, {"X-Dragonfly-Use-P2P": "true"})
            self.assertEqual(status, 200)
            self.assertTrue(headers.get("X-Dragonfly-Task-ID"))
            self.assertEqual(hashlib.sha256(body).hexdigest(), hashlib.sha256(self.expected("b.bin")).hexdigest())
        stats = self.s.origin_stats()
        heads = stats["heads"].get("/files/b.bin", 0)
        self.assertEqual(heads, 2, "each daemon asks the origin whether its requester may read the file")
        self.assertEqual(stats["paths"].get("/files/b.bin") - heads, 1, "the origin was read more than once")
        self.assertEqual(self.a.received()["origin"] + self.c.received()["origin"], 0)

    def test_dragonfly_request_and_answer_headers(self):
        url = self.s.origin_url("/files/c.bin")
        p2p = {"X-Dragonfly-Use-P2P": "true"}
        status, first, body = via_proxy(self.b.proxy_url(), url, p2p)
        self.assertEqual((status, body), (200, self.expected("c.bin")))
        self.assertEqual(first.get("X-Dragonfly-Server-IP"), "127.0.0.1")
        self.assertIsNone(first.get("X-Dragonfly-Task-Download-Finished"), "a first download counted as a cache hit")
        sw.wait_until(lambda: sw.task_meta(self.b.data_dir, lambda m: m.get("url") == url).get("complete"), 10,
                      "b to hold the whole task")
        # Dragonfly's comma-separated filter list: other values of those parameters, the same task,
        # and now from this host's cache.
        status, again, body = via_proxy(self.b.proxy_url(), url + "?sig=1&v=&exp=2",
                                        dict(p2p, **{"X-Dragonfly-Filtered-Query-Params": "sig, exp ,v"}))
        self.assertEqual((status, body), (200, self.expected("c.bin")))
        self.assertEqual(again.get("X-Dragonfly-Task-ID"), first.get("X-Dragonfly-Task-ID"))
        self.assertEqual(again.get("X-Dragonfly-Task-Download-Finished"), "true")

    def test_content_read_with_a_presigned_url_is_not_public(self):
        # The seed reads it itself (from its own proxy), with a signature the task ID leaves out.
        unsigned = self.s.origin_url("/signed/a.bin")
        status, _, body = via_proxy(self.seed.proxy_url(), unsigned + "?Expires=9999999999&Signature=good",
                                    {"X-Dragonfly-Use-P2P": "true"})
        self.assertEqual((status, body), (200, self.expected("a.bin")))
        sw.wait_until(lambda: self.seed_meta(unsigned).get("complete"), 10, "the seed to complete the task")
        self.assertIs(self.seed_meta(unsigned)["public"], False)
        # Same task ID without the signature: the origin is asked, and refuses.
        before = self.seed.metrics()
        status, _, body = via_proxy(self.seed.proxy_url(), unsigned, {"X-Dragonfly-Use-P2P": "true"})
        self.assertEqual((status, body), (403, b""))
        key = 'dragonfly_dfdaemon_access_checks_total{result="%s"}'
        after = self.seed.metrics()
        self.assertEqual(after.get(key % "denied", 0) - before.get(key % "denied", 0), 1)
        self.assertEqual(after.get(key % "public", 0), before.get(key % "public", 0))

    def seed_meta(self, url):
        """The seed's meta.json of the task whose URL starts with `url` ({} while there is none)."""
        return sw.task_meta(self.seed.data_dir, lambda m: m.get("url", "").startswith(url))

    def test_connect_tunnel(self):
        out = os.path.join(self.s.workdir, "tunnel.out")
        r = subprocess.run(["curl", "-sS", "--fail", "-p", "-x", self.a.proxy_url(), "-o", out,
                            self.s.origin_url("/files/c.bin")], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), self.expected("c.bin"))
        # https through the tunnel: the proxy never sees inside; curl checks the certificate itself.
        r = subprocess.run(["curl", "-sS", "--fail", "--cacert", self.cert, "-x", self.a.proxy_url(), "-o", out,
                            "https://127.0.0.1:%d/files/c.bin" % self.tls_port],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), self.expected("c.bin"))
        r = subprocess.run(["curl", "-sS", "-p", "-x", self.a.proxy_url(), "-o", out,
                            "http://127.0.0.1:%d/" % sw.free_port()], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("502", r.stderr)

    def test_https_origin_with_configured_ca_system_cas_and_insecure(self):
        url = "https://127.0.0.1:%d/files/a.bin" % self.tls_port
        out = os.path.join(self.s.workdir, "https-a.out")
        r = self.s.dfget(self.a, url, out, "--no-progress")
        self.assertEqual(r.returncode, 0, r.stderr + self.s.logs())
        self.assertEqual(sw.sha256_file(out), sw.sha256_file(os.path.join(self.root, "a.bin")))
        # b trusts only the system CAs: going to the origin itself fails, and says why.
        out_b = os.path.join(self.s.workdir, "https-b.out")
        r = self.s.dfget(self.b, "https://127.0.0.1:%d/files/c.bin" % self.tls_port, out_b, "--no-progress")
        self.assertEqual(r.returncode, 0, "the seed (which trusts the CA) fetches it for b: " + r.stderr)
        status, headers, body = urllib_get_direct(self.b.proxy_url() + "/v2/",
                                                  {"X-Dragonfly-Registry": "https://127.0.0.1:%d" % self.tls_port})
        self.assertEqual(status, 502)
        self.assertEqual(headers.get("X-Dragonfly-Error-Type"), "origin")
        self.assertIn(b"certificate verify failed", body)
        status, _, _ = urllib_get_direct(self.c.proxy_url() + "/v2/",
                                         {"X-Dragonfly-Registry": "https://127.0.0.1:%d" % self.tls_port})
        self.assertEqual(status, 404, "insecure_hosts skips verification (the test origin has no /v2/)")

    def test_a_blob_that_does_not_match_its_digest_is_never_cached(self):
        wrong = "sha256:" + hashlib.sha256(b"something else").hexdigest()
        target = "%s/v2/lying/blobs/%s" % (self.a.proxy_url(), wrong)
        registry = {"X-Dragonfly-Registry": "http://127.0.0.1:%d" % self.s.origin_port}
        for attempt in range(2):
            r = subprocess.run(["curl", "-sS", "-o", os.devnull, "-H", "X-Dragonfly-Registry: " +
                                registry["X-Dragonfly-Registry"], target], capture_output=True, text=True,
                               timeout=60)
            self.assertNotEqual(r.returncode, 0, "a complete body was delivered for a wrong digest")
        metrics = self.a.metrics()
        seed_metrics = self.seed.metrics()
        mismatches = metrics.get("dragonfly_dfdaemon_content_digest_mismatches_total", 0) + \
            seed_metrics.get("dragonfly_dfdaemon_content_digest_mismatches_total", 0)
        self.assertGreaterEqual(mismatches, 2, "each attempt was checked afresh, none served from a cache")
        self.assertTrue(self.a.process.alive())

    def test_head_on_a_blob_passes_through_and_only_get_goes_p2p(self):
        size = 2 * MiB
        sw.write_random_file(os.path.join(self.root, "head.blob"), size, seed=6)
        digest = "sha256:" + sw.sha256_file(os.path.join(self.root, "head.blob"))
        path = "/v2/head/blobs/" + digest
        registry = {"X-Dragonfly-Registry": "http://127.0.0.1:%d" % self.s.origin_port}
        registered = lambda: self.s.scheduler_metrics()["dragonfly_scheduler_peers_registered_total"]  # noqa: E731
        before = registered()
        req = urllib.request.Request(self.a.proxy_url(path), headers=registry, method="HEAD")
        with urllib.request.urlopen(req, timeout=30) as r:  # containerd's existence check
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers.get("Content-Length"), str(size))
            self.assertIsNone(r.headers.get("X-Dragonfly-Task-ID"), "a HEAD became a P2P task")
        self.assertEqual(self.s.origin_stats()["paths"].get(path), 1)  # answered by the registry
        self.assertEqual(registered(), before)
        status, headers, body = urllib_get_direct(self.a.proxy_url(path), registry)
        self.assertEqual(status, 200)
        self.assertTrue(headers.get("X-Dragonfly-Task-ID"), "a blob GET did not go through the swarm")
        self.assertEqual("sha256:" + hashlib.sha256(body).hexdigest(), digest)
        self.assertGreater(registered(), before)


def urllib_get_direct(url, headers):
    return sw.fetch(url, headers=headers, timeout=60)


if __name__ == "__main__":
    unittest.main(verbosity=2)
