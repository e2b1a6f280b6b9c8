"""Faults with real processes: a parent killed mid-transfer, a peer serving flipped bytes, a full
disk, the scheduler restarted mid-swarm. Every output is checked against the origin's sha256."""
import os
import signal
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import swarm as sw  # noqa: E402


class Faults(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.root = os.path.join(self.s.workdir, "www")
        os.makedirs(self.root)
        self.s.start_origin(self.root)  # serves whatever files the test writes into root

    def tearDown(self):
        self.s.stop()

    def file(self, name, size):
        sw.write_random_file(os.path.join(self.root, name), size, seed=size)
        return self.s.origin_url("/files/" + name), sw.sha256_file(os.path.join(self.root, name))

    def ok(self, r):
        if r.returncode != 0:
            self.fail("dfget failed (%d): %s\n%s" % (r.returncode, r.stderr, self.s.logs()))

    def dfget_in_background(self, daemon, url, out):
        result = {}
        t = threading.Thread(target=lambda: result.update(r=self.s.dfget(daemon, url, out)))
        t.start()
        return t, result

    def test_parent_killed_mid_transfer(self):
        url, digest = self.file("f.bin", 48 << 20)
        self.s.start_scheduler()
        self.s.start_daemon("seed", seed=True, upload_rate_limit="16MB")
        parent = self.s.start_daemon("parent", upload_rate_limit="8MB")
        self.s.wait_hosts(2)
        self.ok(self.s.dfget(parent, url, os.path.join(self.s.workdir, "parent.out")))
        child = self.s.start_daemon("child")
        self.s.wait_hosts(3)
        out = os.path.join(self.s.workdir, "child.out")
        t, result = self.dfget_in_background(child, url, out)
        sw.wait_until(lambda: child.received()["peer"] > 0, 20, "the child to get bytes from its parent")
        parent.process.stop(signal.SIGKILL)
        t.join(120)
        self.ok(result["r"])
        self.assertEqual(sw.sha256_file(out), digest)
        got = child.received()
        self.assertGreater(got["seed"], 0, got)  # the rest came from the seed
        self.assertEqual(got["origin"], 0, got)

    def test_peer_serving_flipped_bytes_is_rejected_and_reported(self):
        url, digest = self.file("f.bin", 24 << 20)
        self.s.start_scheduler()
        self.s.start_daemon("seed", seed=True)
        liar = self.s.start_daemon("liar", extra=["--test-corrupt-uploads"])
        self.s.wait_hosts(2)
        self.ok(self.s.dfget(liar, url, os.path.join(self.s.workdir, "liar.out")))
        honest = self.s.start_daemon("honest")
        self.s.wait_hosts(3)
        out = os.path.join(self.s.workdir, "honest.out")
        self.ok(self.s.dfget(honest, url, out))
        self.assertEqual(sw.sha256_file(out), digest)
        m = honest.metrics()
        failures = m["dragonfly_dfdaemon_piece_digest_failures_total"]
        self.assertGreaterEqual(failures, 1)  # the liar was tried (it is preferred over the seed) ...
        self.assertLessEqual(failures, 4)     # ... and dropped after its requests in flight failed
        self.assertEqual(honest.received()["peer"], 0)  # not one byte from the liar was accepted
        self.assertGreaterEqual(self.s.scheduler_metrics()["dragonfly_scheduler_parent_failures_total"], 1)

    def test_full_disk_fails_clearly_and_harms_nothing_else(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a small tmpfs needs root")
        small = os.path.join(self.s.workdir, "small")
        os.makedirs(small)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", small]).returncode != 0:
            self.skipTest("cannot mount tmpfs here")
        try:
            big_url, _ = self.file("big.bin", 32 << 20)
            small_url, small_digest = self.file("small.bin", 1 << 20)
            self.s.start_origin(self.root)
            self.s.start_scheduler()
            self.s.start_daemon("seed", seed=True)
            tiny = self.s.start_daemon("tiny", data_dir=os.path.join(small, "data"))
            self.s.wait_hosts(2)
            first = os.path.join(self.s.workdir, "first.out")
            self.ok(self.s.dfget(tiny, small_url, first))

            out = os.path.join(self.s.workdir, "big.out")
            r = self.s.dfget(tiny, big_url, out)
            self.assertEqual(r.returncode, 9, r.stderr)
            self.assertIn("no space left", r.stderr)
            self.assertFalse(os.path.exists(out))
            self.assertTrue(tiny.process.alive())
            # The failed task's partial data is gone and the earlier task is intact (a cache hit).
            again = os.path.join(self.s.workdir, "again.out")
            self.ok(self.s.dfget(tiny, small_url, again))
            self.assertEqual(sw.sha256_file(again), small_digest)
            self.assertEqual(tiny.metrics()["dragonfly_dfdaemon_cache_hits_total"], 1)
        finally:
            self.s.stop()
            subprocess.run(["umount", "-l", small])

    def test_scheduler_restarted_mid_swarm(self):
        size = 40 << 20
        url, digest = self.file("f.bin", size)
        self.s.start_scheduler()
        # The seed reads the origin slowly, so the restart lands in the middle of the task.
        self.s.start_daemon("seed", seed=True, extra=["--download-rate-limit", "8MB"])
        peer = self.s.start_daemon("peer")
        self.s.wait_hosts(2)
        out = os.path.join(self.s.workdir, "peer.out")
        t, result = self.dfget_in_background(peer, url, out)
        sw.wait_until(lambda: peer.received()["seed"] > 0, 20, "the peer to get its first piece")
        self.s.scheduler.stop(signal.SIGKILL)
        self.s.start_scheduler()  # same ports
        t.join(120)
        self.ok(result["r"])
        self.assertEqual(sw.sha256_file(out), digest)
        self.assertLessEqual(self.s.origin_stats()["body_bytes"], 1.05 * size)  # no second copy


    def test_peer_killed_and_restarted_resumes_from_its_parents(self):
        size = 40 << 20
        url, digest = self.file("f.bin", size)
        self.s.start_scheduler()
        self.s.start_daemon("seed", seed=True, upload_rate_limit="8MB")
        peer = self.s.start_daemon("peer")
        self.s.wait_hosts(2)
        out = os.path.join(self.s.workdir, "peer.out")
        t, result = self.dfget_in_background(peer, url, out)
        sw.wait_until(lambda: peer.saved_bytes() >= 16 << 20, 30, "the peer to record 16 MiB on disk")
        peer.process.stop(signal.SIGKILL)
        kept = peer.saved_bytes()
        t.join(30)
        self.assertNotEqual(result["r"].returncode, 0)  # that dfget lost its daemon ...
        self.assertFalse(os.path.exists(out))           # ... and left nothing behind
        self.s.restart_daemon(peer)
        self.s.wait_hosts(2)
        self.ok(self.s.dfget(peer, url, out))
        self.assertEqual(sw.sha256_file(out), digest)
        got = peer.received()  # counters restart with the process: only what was fetched again
        self.assertLessEqual(got["seed"] + got["peer"], size - kept, (got, kept))

    def test_back_to_source_killed_and_restarted_resumes_with_a_range(self):
        size = 40 << 20
        url, digest = self.file("f.bin", size)
        lonely = self.s.start_daemon("lonely", extra=["--download-rate-limit", "8MB"])  # no scheduler
        out = os.path.join(self.s.workdir, "lonely.out")
        t, result = self.dfget_in_background(lonely, url, out)
        sw.wait_until(lambda: lonely.saved_bytes() >= 16 << 20, 30, "16 MiB from the origin recorded on disk")
        lonely.process.stop(signal.SIGKILL)
        kept = lonely.saved_bytes()
        t.join(30)
        self.s.restart_daemon(lonely)
        self.ok(self.s.dfget(lonely, url, out))
        self.assertEqual(sw.sha256_file(out), digest)
        stats = self.s.origin_stats()
        self.assertEqual(stats["range_requests"], 1, stats)
        self.assertGreaterEqual(stats["range_starts"][0], kept, (stats, kept))  # only the rest was asked for


    def test_seed_killed_mid_back_to_source_with_a_second_seed(self):
        size = 40 << 20
        url, digest = self.file("f.bin", size)
        self.s.start_scheduler()
        first = self.s.start_daemon("seed1", seed=True, extra=["--download-rate-limit", "8MB"])
        peers = [self.s.start_daemon("p%d" % i) for i in range(2)]
        self.s.wait_hosts(3)
        outs = [os.path.join(self.s.workdir, "p%d.out" % i) for i in range(2)]
        runs = [self.dfget_in_background(p, url, o) for p, o in zip(peers, outs)]
        sw.wait_until(lambda: first.received()["origin"] >= 8 << 20, 30, "the first seed to be mid-fetch")
        self.s.start_daemon("seed2", seed=True)  # joins while the first is still fetching
        self.s.wait_hosts(4)
        first.process.stop(signal.SIGKILL)
        for (t, result), out in zip(runs, outs):
            t.join(120)
            self.ok(result["r"])
            self.assertEqual(sw.sha256_file(out), digest)
        self.assertLessEqual(self.s.origin_stats()["body_bytes"], 2 * size + (8 << 20))  # at most one extra copy


if __name__ == "__main__":
    unittest.main()
