"""Origins a seed may fetch, and where credentials go (docs/security.md): a seed refuses its own
loopback and link-local addresses unless allowed; Authorization never follows a redirect to
another origin; a URL's user:password becomes Basic authorization and never reaches a log."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import swarm as sw  # noqa: E402

SIZE = 1 << 20


class SwarmWithOrigin(unittest.TestCase):
    seed_allow = ("127.0.0.0/8",)

    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        cls.root = os.path.join(cls.s.workdir, "www")
        os.makedirs(cls.root)
        sw.write_random_file(os.path.join(cls.root, "f.bin"), SIZE, seed=21)
        cls.expected = sw.sha256_file(os.path.join(cls.root, "f.bin"))
        cls.s.start_origin(cls.root)
        cls.s.start_scheduler()
        cls.seed = cls.s.start_daemon("seed", seed=True, origin_allow=cls.seed_allow)
        cls.peer = cls.s.start_daemon("peer")
        cls.s.wait_hosts(2)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def dfget(self, url, *extra):
        out = os.path.join(self.s.workdir, "out-%d" % time.monotonic_ns())
        return self.s.dfget(self.peer, url, out, *extra), out


class OriginPolicyTest(SwarmWithOrigin):
    seed_allow = ()  # the default policy

    def test_a_seed_refuses_to_fetch_its_own_loopback(self):
        r, out = self.dfget(self.s.origin_url("/files/f.bin"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("origin refused by policy", r.stderr)
        self.assertIn("loopback", r.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertNotIn("/files/f.bin", self.s.origin_stats()["paths"])  # never asked
        self.assertGreaterEqual(self.seed.metrics().get("dragonfly_dfdaemon_origins_refused_total", 0), 1)

    def test_a_seed_refuses_a_link_local_metadata_address_without_connecting(self):
        started = time.monotonic()
        r, _ = self.dfget("http://169.254.169.254/latest/meta-data/iam")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("link-local", r.stderr)
        # Refused before any connection attempt (one would wait for origin_timeout, 30 s).
        self.assertLess(time.monotonic() - started, 20)


class CredentialsTest(SwarmWithOrigin):
    def test_authorization_does_not_follow_a_redirect_to_another_origin(self):
        other = self.s.start_origin(self.root, name="storage")
        url = self.s.origin_url("/redirect/%d/f.bin" % other)
        r, out = self.dfget(url, "-H", "Authorization: Bearer secret", "-H", "Cookie: session=secret")
        self.assertEqual(r.returncode, 0, r.stderr + self.s.logs())
        self.assertEqual(sw.sha256_file(out), self.expected)
        storage = sw.json.loads(sw.get("http://127.0.0.1:%d/stats" % other))
        self.assertEqual(storage["paths"].get("/files/f.bin"), 1)  # the redirect was followed once
        self.assertEqual(storage["authorized"], {})                # with no credentials
        first = self.s.origin_stats()
        self.assertEqual(first["authorized"].get("/redirect/%d/f.bin" % other), 1)  # the first origin had them

    def test_a_urls_password_becomes_basic_auth_and_stays_out_of_every_log(self):
        url = self.s.origin_url("/basic/f.bin").replace("http://", "http://user:s3cret@")
        r, out = self.dfget(url)
        self.assertEqual(r.returncode, 0, r.stderr + self.s.logs())
        self.assertEqual(sw.sha256_file(out), self.expected)
        for p in self.s.processes:
            with open(p.log_path, errors="replace") as f:
                self.assertNotIn("s3cret", f.read(), "%s logged the password" % p.name)
        self.assertNotIn("s3cret", r.stderr)


if __name__ == "__main__":
    unittest.main()
