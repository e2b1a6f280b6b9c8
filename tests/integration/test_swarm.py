"""A real swarm on loopback: dfscheduler, one seed peer (upload-limited) and 4 peers."""
import concurrent.futures
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import swarm as sw  # noqa: E402

FILE_SIZE = 256 << 20
SEED_UPLOAD_LIMIT = "30MB"


class SwarmTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        root = os.path.join(cls.s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "big.bin"), FILE_SIZE, seed=7)
        cls.expected = sw.sha256_file(os.path.join(root, "big.bin"))
        cls.s.start_origin(root)
        cls.s.start_scheduler()
        cls.seed = cls.s.start_daemon("seed", seed=True, upload_rate_limit=SEED_UPLOAD_LIMIT)
        cls.peers = [cls.s.start_daemon("peer%d" % i) for i in range(4)]
        cls.s.wait_hosts(5)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def fail_with_logs(self, msg):
        self.fail(msg + "\n" + self.s.logs())

    def test_1_four_concurrent_downloads_one_origin_fetch(self):
        url = self.s.origin_url("/files/big.bin")
        outputs = [os.path.join(self.s.workdir, "out%d.bin" % i) for i in range(4)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            runs = list(pool.map(lambda i: self.s.dfget(self.peers[i], url, outputs[i]), range(4)))
        for i, r in enumerate(runs):
            if r.returncode != 0:
                self.fail_with_logs("dfget %d failed (%d): %s" % (i, r.returncode, r.stderr))
        for out in outputs:
            self.assertEqual(sw.sha256_file(out), self.expected, out)

        stats = self.s.origin_stats()
        self.assertLessEqual(stats["body_bytes"], 1.01 * FILE_SIZE, stats)
        self.assertEqual(stats["paths"].get("/files/big.bin"), 1, stats)

        received = [p.received() for p in self.peers]
        from_peers = sum(r["peer"] for r in received)
        total = sum(r["peer"] + r["seed"] + r["origin"] for r in received)
        self.assertGreaterEqual(total, 4 * FILE_SIZE)
        self.assertGreaterEqual(from_peers / total, 0.5,
                                "only %.0f%% came from non-seed peers: %s" % (100 * from_peers / total, received))
        print("\n4 peers received %.0f%% from other peers, %.0f%% from the seed" %
              (100 * from_peers / total, 100 * sum(r["seed"] for r in received) / total))

    def test_2_later_download_needs_no_origin(self):
        url = self.s.origin_url("/files/big.bin")
        late = self.s.start_daemon("late")
        self.s.wait_hosts(6)
        before = self.s.origin_stats()["requests"]
        out = os.path.join(self.s.workdir, "late.bin")
        r = self.s.dfget(late, url, out)
        if r.returncode != 0:
            self.fail_with_logs("late dfget failed: " + r.stderr)
        self.assertEqual(sw.sha256_file(out), self.expected)
        self.assertEqual(self.s.origin_stats()["requests"], before)
        self.assertEqual(late.received()["origin"], 0)
        # The same daemon again: served from its cache.
        r = self.s.dfget(late, url, out + ".again")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sw.sha256_file(out + ".again"), self.expected)
        self.assertEqual(late.metrics()["dragonfly_dfdaemon_cache_hits_total"], 1)
        self.assertEqual(self.s.origin_stats()["requests"], before)


if __name__ == "__main__":
    unittest.main()
