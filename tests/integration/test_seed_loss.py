"""The only seed dies mid-task: the scheduler sends a peer to the origin, which keeps the pieces
it already verified from the seed when the origin's bytes match them, and every dfget completes
(docs/security.md, "Seed loss")."""
import concurrent.futures
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import swarm as sw  # noqa: E402

SIZE = 24 << 20


class SeedLossTest(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "f.bin"), SIZE, seed=31)
        self.expected = sw.sha256_file(os.path.join(root, "f.bin"))
        self.s.start_origin(root)
        self.s.start_scheduler()
        # Slow enough that the peers are mid-task when the seed dies.
        self.seed = self.s.start_daemon("seed", seed=True, upload_rate_limit="4MB")
        self.peers = [self.s.start_daemon("peer%d" % i) for i in range(2)]
        self.s.wait_hosts(3)

    def test_peers_finish_from_the_origin_when_the_only_seed_dies(self):
        url = self.s.origin_url("/files/f.bin")
        outputs = [os.path.join(self.s.workdir, "out%d" % i) for i in range(2)]
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            runs = [pool.submit(self.s.dfget, p, url, o) for p, o in zip(self.peers, outputs)]
            sw.wait_until(lambda: all(p.received()["seed"] > 0 for p in self.peers), 30,
                          "both peers to receive pieces from the seed")
            self.seed.process.stop(signal.SIGKILL)
            results = [r.result() for r in runs]
        for r, out in zip(results, outputs):
            self.assertEqual(r.returncode, 0, r.stderr + "\n" + self.s.logs())
            self.assertEqual(sw.sha256_file(out), self.expected)
        self.assertTrue(any("downloads from the origin" in r.stderr for r in results),
                        [r.stderr for r in results])
        # The new source kept what the seed had served: together the origin sent about two copies
        # at most (the seed's partial one and the rest), not one per peer.
        self.assertLessEqual(self.s.origin_stats()["body_bytes"], 2 * SIZE)
        for p in self.peers:
            self.assertEqual(p.metrics().get("dragonfly_dfdaemon_tasks_failed_total", 0), 0)


if __name__ == "__main__":
    unittest.main()
