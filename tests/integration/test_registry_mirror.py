"""The registry mirror end to end, with the real programs: Debian's docker-registry, skopeo, umoci
and containerd (ctr) pulling through dfdaemon's proxy port while layer blobs travel the swarm."""
import os
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import registry as reg  # noqa: E402
import swarm as sw  # noqa: E402

MiB = 1 << 20
CREDS = ("puller", "s3cret-pass")
http_get = reg.http_get


class RegistryMirror(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = reg.missing_tools()
        if missing:
            raise RuntimeError("missing %s: run scripts/setup.sh" % ", ".join(missing))
        cls.s = sw.Swarm()
        try:
            cls._set_up()
        except Exception:
            print(cls.s.logs(), file=sys.stderr)
            cls.s.stop()
            raise

    @classmethod
    def _set_up(cls):
        s = cls.s
        cls.layout = os.path.join(s.workdir, "layout")
        # test/app: three layers, one of 100 MiB. test/multi: an index over amd64 and arm64.
        reg.build_image(cls.layout, "v1", [("/etc/hello", 4096, 11), ("/data/big.bin", 100 * MiB, 12),
                                           ("/etc/version", 2048, 13)])
        reg.build_image(cls.layout, "arm", [("/etc/arch", 3 * MiB, 21)], arch="arm64")
        reg.build_image(cls.layout, "private", [("/etc/secret", 5 * MiB, 31), ("/etc/more", 64 * 1024, 32)])
        reg.build_image(cls.layout, "slow", [("/data/slow.bin", 64 * MiB, 41)])
        reg.add_index(cls.layout, "multi", [("v1", "linux", "amd64"), ("arm", "linux", "arm64")])
        cls.open = reg.Registry(s, "registry", auth=None)
        cls.private = reg.Registry(s, "registry-private", auth=CREDS)
        cls.open.push(cls.layout, "v1", "test/app:v1")
        cls.open.push(cls.layout, "multi", "test/multi:v1", all_platforms=True)
        cls.open.push(cls.layout, "slow", "test/slow:v1")
        cls.private.push(cls.layout, "private", "private/app:v1")

        upstreams = ["--registry", "%s=http://%s" % (cls.open.host, cls.open.host),
                     "--registry", "%s=http://%s" % (cls.private.host, cls.private.host),
                     "--default-registry", "http://%s" % cls.open.host]
        s.start_scheduler()
        cls.seed = s.start_daemon("seed", seed=True, extra=upstreams)
        cls.peers = [s.start_daemon(n, extra=upstreams) for n in ("a", "b", "c")]
        s.wait_hosts(4)
        cls.runtimes = []
        for i, d in enumerate(cls.peers):
            c = reg.Containerd(s, "containerd-%d" % i)
            for r in (cls.open, cls.private):
                c.init_mirror(s._bin("dfdaemon"), "http://" + r.host, d.proxy_url())
            cls.runtimes.append(c)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def layers(self, tag):
        _, manifest = reg.manifest_of(self.layout, tag)
        return [(l["digest"], l["size"]) for l in manifest["layers"]]

    def blob_path(self, digest):
        return os.path.join(self.layout, "blobs", "sha256", digest.split(":", 1)[1])

    def check(self, r, what):
        if r.returncode != 0:
            self.fail("%s failed (%d): %s\n%s" % (what, r.returncode, r.stderr[-2000:], self.s.logs()))

    def test_1_three_containerds_pull_concurrently_and_the_registry_sends_each_layer_once(self):
        ref = "%s/test/app:v1" % self.open.host
        results = [None] * len(self.runtimes)

        def pull(i):
            results[i] = self.runtimes[i].pull(ref)

        threads = [threading.Thread(target=pull, args=(i,)) for i in range(len(self.runtimes))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i, r in enumerate(results):
            self.check(r, "pull on containerd-%d" % i)
        digests = {c.image_digest(ref) for c in self.runtimes}
        self.assertEqual(len(digests), 1, digests)
        self.assertEqual(digests.pop(), reg.manifest_of(self.layout, "v1")[0]["digest"])
        layers = self.layers("v1")
        self.assertEqual(len(layers), 3)
        self.assertGreaterEqual(max(size for _, size in layers), 100 * MiB)
        # Every layer crossed the registry's wire once in total, not once per host.
        sent = self.open.wait_blob_bytes_sent([d for d, _ in layers])
        for digest, size in layers:
            self.assertEqual(sent[digest], size, "registry sent %s %d bytes for a %d-byte layer" %
                             (digest, sent[digest], size))
        received = [d.received() for d in self.peers]
        self.assertEqual(sum(r["origin"] for r in received), 0, "peers fetched from the registry themselves")
        # What containerd stored is what went in.
        for c in self.runtimes:
            for digest, _ in layers:
                self.assertEqual(c.content_digest(digest), digest)

    def test_2_skopeo_copies_through_the_mirror_and_digests_verify(self):
        out = os.path.join(self.s.workdir, "skopeo-dir")
        proxy = "127.0.0.1:%d" % self.peers[1].proxy_port
        r = subprocess.run(["skopeo", "copy", "-q", "--src-tls-verify=false", "docker://%s/test/app:v1" % proxy,
                            "dir:" + out], capture_output=True, text=True, timeout=300)
        self.check(r, "skopeo copy")
        for digest, size in self.layers("v1"):
            path = os.path.join(out, digest.split(":", 1)[1])
            self.assertEqual(os.path.getsize(path), size)
            self.assertEqual("sha256:" + sw.sha256_file(path), digest)

    def test_3_private_repository_needs_credentials(self):
        proxy = self.peers[2].proxy_url()
        status, headers, _ = http_get("%s/v2/private/app/manifests/v1?ns=%s" % (proxy, self.private.host),
                                      {"Accept": "application/vnd.oci.image.manifest.v1+json"})
        self.assertEqual(status, 401)
        self.assertIn("Basic", headers.get("WWW-Authenticate", ""))
        ref = "%s/private/app:v1" % self.private.host
        denied = self.runtimes[2].pull(ref, timeout=120)
        self.assertNotEqual(denied.returncode, 0)
        self.assertRegex(denied.stderr.lower(), "401|unauthorized")
        allowed = self.runtimes[2].pull(ref, "--user", "%s:%s" % CREDS)
        self.check(allowed, "pull with credentials")
        sent = self.private.wait_blob_bytes_sent([d for d, _ in self.layers("private")])
        for digest, size in self.layers("private"):
            self.assertEqual(sent.get(digest), size)
        # The layers came through the swarm: the seed read them from the registry, not the peer.
        self.assertEqual(self.peers[2].received()["origin"], 0)

    def test_4_multi_arch_index_resolves_and_the_platform_layers_come_through_p2p(self):
        ref = "%s/test/multi:v1" % self.open.host
        seed_before = self.seed.received()["origin"]
        r = self.runtimes[0].pull(ref, "--platform", "linux/arm64")
        self.check(r, "multi-arch pull")
        (arm_digest, arm_size), = self.layers("arm")
        self.assertEqual(self.open.wait_blob_bytes_sent([arm_digest])[arm_digest], arm_size)
        self.assertGreaterEqual(self.seed.received()["origin"] - seed_before, arm_size)
        self.assertEqual(self.peers[0].received()["origin"], 0)

    def test_5_range_in_the_middle_of_a_large_blob(self):
        digest, size = max(self.layers("v1"), key=lambda l: l[1])
        first, last = size // 2 - 12345, size // 2 + 3 * MiB
        status, headers, body = http_get("%s/v2/test/app/blobs/%s?ns=%s" % (self.peers[1].proxy_url(), digest,
                                                                            self.open.host),
                                         {"Range": "bytes=%d-%d" % (first, last)})
        self.assertEqual(status, 206)
        self.assertEqual(headers["Content-Range"], "bytes %d-%d/%d" % (first, last, size))
        with open(self.blob_path(digest), "rb") as f:
            f.seek(first)
            self.assertEqual(body, f.read(last - first + 1))
        self.assertTrue(headers.get("X-Dragonfly-Task-ID"))
        status, headers, _ = http_get("%s/v2/test/app/blobs/%s?ns=%s" % (self.peers[1].proxy_url(), digest,
                                                                         self.open.host),
                                      {"Range": "bytes=%d-" % size})
        self.assertEqual(status, 416)
        self.assertEqual(headers["Content-Range"], "bytes */%d" % size)

    def test_6_registry_down_mid_pull_fails_clearly_then_recovers(self):
        # A daemon without a scheduler (so it reads the registry itself) and with a slow link, so
        # the pull is still running when the registry goes away.
        solo = self.s.start_daemon("solo", scheduler_port=sw.free_port(), extra=[
            "--registry", "%s=http://%s" % (self.open.host, self.open.host), "--download-rate-limit", "16MB"])
        c = self.runtimes[1]
        hosts = os.path.join(self.s.workdir, "solo-hosts")
        d = os.path.join(hosts, self.open.host)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "hosts.toml"), "w") as f:
            f.write('server = "http://%s"\n\n[host."%s"]\n  capabilities = ["pull", "resolve"]\n' %
                    (self.open.host, solo.proxy_url()))
        ref = "%s/test/slow:v1" % self.open.host
        result = {}
        t = threading.Thread(target=lambda: result.update(
            r=c.ctr("images", "pull", "--hosts-dir", hosts, ref, timeout=180)))
        t.start()
        try:
            sw.wait_until(lambda: solo.received()["origin"] > 4 * MiB, 60, "the layer to start flowing")
            self.open.stop()
        finally:
            t.join()
        self.assertNotEqual(result["r"].returncode, 0, "the pull cannot succeed without the registry")
        self.assertTrue(result["r"].stderr.strip())
        self.assertTrue(solo.process.alive(), "the daemon died when the registry went away")
        self.assertEqual(sw.get("http://127.0.0.1:%d/healthz" % solo.upload_port).strip(), "ok")
        status, headers, _ = http_get("%s/v2/?ns=%s" % (solo.proxy_url(), self.open.host))
        self.assertEqual(status, 502)
        self.assertEqual(headers.get("X-Dragonfly-Error-Type"), "origin")
        self.open.restart()
        again = c.ctr("images", "pull", "--hosts-dir", hosts, ref, timeout=180)
        self.check(again, "pull after the registry came back")
        (digest, size), = self.layers("slow")
        self.assertEqual(c.content_digest(digest), digest)


if __name__ == "__main__":
    unittest.main(verbosity=2)
