"""dfget's local socket checks access to private content this host holds: after one user fetched
a 401-protected file with a token, a dfget without it (or with a wrong one) gets a clear error and
no bytes, a dfget with it gets the file from the cache; public files cost no check."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import swarm as sw  # noqa: E402

TOKEN = "Authorization: Bearer secret"  # what tests/support/origin.py's /auth/ paths accept


class LocalAccess(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        self.s.start_origin(root)
        sw.write_random_file(os.path.join(root, "f.bin"), 3 << 20, seed=11)
        self.digest = sw.sha256_file(os.path.join(root, "f.bin"))
        self.s.start_scheduler()
        self.s.start_daemon("seed", seed=True)
        self.a = self.s.start_daemon("a")
        self.s.wait_hosts(2)

    def tearDown(self):
        self.s.stop()

    def dfget(self, url, name, *headers):
        out = os.path.join(self.s.workdir, name)
        extra = [arg for h in headers for arg in ("-H", h)]
        return self.s.dfget(self.a, url, out, *extra), out

    def test_a_private_file_held_here_goes_only_to_requesters_the_origin_would_serve(self):
        url = self.s.origin_url("/auth/f.bin")
        r, out = self.dfget(url, "owner.out", TOKEN)
        self.assertEqual(r.returncode, 0, r.stderr + self.s.logs())
        self.assertEqual(sw.sha256_file(out), self.digest)

        for name, headers in (("anonymous.out", ()), ("wrong.out", ("Authorization: Bearer guess",))):
            r, out = self.dfget(url, name, *headers)
            self.assertEqual(r.returncode, 4, r.stderr)  # an origin error
            self.assertIn("access denied", r.stderr)
            self.assertIn("401", r.stderr)
            self.assertFalse(os.path.exists(out))  # not one byte
        m = self.a.metrics()
        self.assertEqual(m['dragonfly_dfdaemon_access_checks_total{result="denied"}'], 2)
        self.assertEqual(m["dragonfly_dfdaemon_cache_hits_total"], 0)  # nothing was served from it

        r, out = self.dfget(url, "again.out", TOKEN)  # the right token: from the cache
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sw.sha256_file(out), self.digest)
        m = self.a.metrics()
        self.assertEqual(m['dragonfly_dfdaemon_access_checks_total{result="allowed"}'], 1)
        self.assertEqual(m["dragonfly_dfdaemon_cache_hits_total"], 1)
        stats = self.s.origin_stats()
        self.assertEqual(stats["paths"]["/auth/f.bin"] - stats["heads"]["/auth/f.bin"], 1)  # one fetch, by the seed

    def test_a_file_fetched_with_a_presigned_url_is_not_given_to_a_request_without_the_signature(self):
        signed = self.s.origin_url("/signed/f.bin") + "?Expires=9999999999&Signature=good"
        r, out = self.dfget(signed, "owner.out")
        self.assertEqual(r.returncode, 0, r.stderr + self.s.logs())
        self.assertEqual(sw.sha256_file(out), self.digest)

        # Same task ID (Expires and Signature are left out of it), but no signature: refused.
        for name, url in (("unsigned.out", self.s.origin_url("/signed/f.bin")),
                          ("forged.out", self.s.origin_url("/signed/f.bin") + "?Expires=9999999999&Signature=bad")):
            r, out = self.dfget(url, name)
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn("access denied", r.stderr)
            self.assertIn("403", r.stderr)
            self.assertFalse(os.path.exists(out))
        self.assertEqual(self.a.metrics()["dragonfly_dfdaemon_cache_hits_total"], 0)

        r, out = self.dfget(signed, "again.out")  # the signed URL again: from the cache
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sw.sha256_file(out), self.digest)
        self.assertEqual(self.a.metrics()["dragonfly_dfdaemon_cache_hits_total"], 1)

    def test_content_nobody_asked_for_with_credentials_is_served_without_a_check(self):
        url = self.s.origin_url("/files/f.bin")
        for name in ("first.out", "second.out"):
            r, out = self.dfget(url, name)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(sw.sha256_file(out), self.digest)
        self.assertEqual(self.s.origin_stats()["heads"].get("/files/f.bin", 0), 0)
        self.assertEqual(self.a.metrics()["dragonfly_dfdaemon_cache_hits_total"], 1)


if __name__ == "__main__":
    unittest.main()
