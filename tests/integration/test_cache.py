"""The daemon's cache GC with real processes: TTL expiry and a quota with watermarks (LRU)."""
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import swarm as sw  # noqa: E402

MIB = 1 << 20


class CacheGc(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.root = os.path.join(self.s.workdir, "www")
        os.makedirs(self.root)
        self.digests = {}
        for name in ("a", "b", "c"):
            path = os.path.join(self.root, name + ".bin")
            sw.write_random_file(path, 8 * MIB, seed=ord(name))
            self.digests[name] = sw.sha256_file(path)
        self.s.start_origin(self.root)
        self.s.start_scheduler()
        self.s.start_daemon("seed", seed=True)

    def tearDown(self):
        self.s.stop()

    def daemon_with_gc(self, gc_yaml):
        conf = os.path.join(self.s.workdir, "gc.yaml")
        with open(conf, "w") as f:
            f.write("gc:\n" + gc_yaml)
        d = self.s.start_daemon("cached", extra=["-c", conf])
        self.s.wait_hosts(2)
        return d

    def get(self, d, name):
        out = os.path.join(self.s.workdir, "%s-%f.out" % (name, time.monotonic()))
        r = self.s.dfget(d, self.s.origin_url("/files/%s.bin" % name), out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sw.sha256_file(out), self.digests[name])

    def metric(self, d, name):
        return d.metrics().get(name, 0)

    def task_dirs(self, d):
        tasks = os.path.join(self.s.workdir, d.name, "tasks")
        return [t for shard in os.listdir(tasks) for t in os.listdir(os.path.join(tasks, shard))]

    def last_access(self, d):
        """The latest last-access time (Unix seconds) in the daemon's saved task metadata."""
        tasks = os.path.join(self.s.workdir, d.name, "tasks")
        latest = 0
        for shard in os.listdir(tasks):
            for task in os.listdir(os.path.join(tasks, shard)):
                with open(os.path.join(tasks, shard, task, "meta.json")) as f:
                    latest = max(latest, json.load(f)["last_access_unix"])
        return latest

    def test_unused_tasks_expire_after_the_ttl(self):
        d = self.daemon_with_gc("  interval: 200ms\n  task_ttl: 2s\n")
        self.get(d, "a")
        self.assertEqual(len(self.task_dirs(d)), 1)
        key = 'dragonfly_dfdaemon_gc_evictions_total{reason="ttl"}'
        sw.wait_until(lambda: self.metric(d, key) >= 1, 15, "the task to expire")
        self.assertEqual(self.task_dirs(d), [])
        self.get(d, "a")  # fetched again from the swarm, not a cache hit
        self.assertEqual(self.metric(d, "dragonfly_dfdaemon_cache_hits_total"), 0)

    def gc_rounds(self, d, count):
        """Waits until the daemon's cache GC has finished `count` more rounds."""
        start = self.metric(d, "dragonfly_dfdaemon_gc_runs_total")
        sw.wait_until(lambda: self.metric(d, "dragonfly_dfdaemon_gc_runs_total") >= start + count, 30,
                      "%d rounds of the cache GC" % count)

    def test_a_task_being_downloaded_is_never_evicted(self):
        d = self.daemon_with_gc("  interval: 200ms\n  task_ttl: 1s\n  quota: 1MiB\n")
        evictions = lambda: (self.metric(d, 'dragonfly_dfdaemon_gc_evictions_total{reason="ttl"}') +  # noqa: E731
                             self.metric(d, 'dragonfly_dfdaemon_gc_evictions_total{reason="quota"}'))
        out = os.path.join(self.s.workdir, "held.out")
        result = {}
        # The origin sends half the file and holds the rest back: the download cannot finish until
        # released, and it is over the quota the whole time.
        t = threading.Thread(target=lambda: result.update(
            r=self.s.dfget(d, self.s.origin_url("/hold/a.bin"), out)))
        t.start()
        sw.wait_until(lambda: self.s.origin_stats()["body_bytes"] >= 4 * MIB, 30, "the origin to send half")
        # Pieces are saved (and the task touched) at least every second while they arrive: 15 rounds
        # of 200 ms run well past the TTL counted from the last touch.
        self.gc_rounds(d, 15)
        self.assertTrue(t.is_alive())
        self.assertEqual(evictions(), 0)
        self.assertEqual(len(self.task_dirs(d)), 1)
        self.s.release_origin()
        t.join(60)
        self.assertEqual(result["r"].returncode, 0, result["r"].stderr)
        self.assertEqual(sw.sha256_file(out), self.digests["a"])
        sw.wait_until(lambda: evictions() >= 1, 15, "the finished, unused task to be evicted")

    def test_quota_evicts_least_recently_used_down_to_the_low_watermark(self):
        # quota 20 MiB: above 18 MiB (90 %) evict down to 10 MiB (50 %).
        d = self.daemon_with_gc("  interval: 200ms\n  quota: 20MiB\n  high_watermark: 0.9\n  low_watermark: 0.5\n")
        for name in ("a", "b"):
            self.get(d, name)
            # Last-access times are in seconds: the next task's must be a later one.
            last = self.last_access(d)
            sw.wait_until(lambda: int(time.time()) > last, 5, "the clock to pass second %d" % last)
        key = 'dragonfly_dfdaemon_gc_evictions_total{reason="quota"}'
        self.gc_rounds(d, 2)
        self.assertEqual(self.metric(d, key), 0)  # 16 < 18
        self.get(d, "c")  # 24 MiB > 18 MiB: a, then b go (oldest first) until 8 MiB <= 10 MiB
        sw.wait_until(lambda: self.metric(d, key) >= 2, 15, "two quota evictions")
        self.gc_rounds(d, 2)
        self.assertEqual(self.metric(d, key), 2)
        self.assertEqual(len(self.task_dirs(d)), 1)
        self.get(d, "c")
        self.assertEqual(self.metric(d, "dragonfly_dfdaemon_cache_hits_total"), 1)  # c stayed
        self.get(d, "a")
        self.assertEqual(self.metric(d, "dragonfly_dfdaemon_cache_hits_total"), 1)  # a was evicted


class SeedRevalidation(unittest.TestCase):
    def test_seed_checks_its_cache_with_the_origin_before_serving_it(self):
        s = sw.Swarm()
        try:
            root = os.path.join(s.workdir, "www")
            os.makedirs(root)
            path = os.path.join(root, "f.bin")
            sw.write_random_file(path, 6 * MIB, seed=1)
            s.start_origin(root)
            s.start_scheduler()
            seed = s.start_daemon("seed", seed=True)
            a = s.start_daemon("a")
            s.wait_hosts(2)
            url = s.origin_url("/files/f.bin")

            def seed_recorded_it():
                # The requester is done once its own copy is recorded; the seed's copy, which the
                # test relies on after kill -9, is on disk as complete before this counter moves.
                sw.wait_until(lambda: seed.metrics().get("dragonfly_dfdaemon_tasks_completed_total") == 1, 15,
                              "the seed to record the task complete")

            self.assertEqual(s.dfget(a, url, os.path.join(s.workdir, "a.out")).returncode, 0)
            seed_recorded_it()

            def restart_seed_alone():
                for d in (a, seed):
                    if d.process.alive():
                        d.process.stop(signal.SIGKILL)
                sw.wait_until(lambda: s.scheduler_metrics().get("dragonfly_scheduler_tasks") == 0, 10,
                              "the scheduler to forget the task")
                s.restart_daemon(seed)

            valid = 'dragonfly_dfdaemon_revalidations_total{result="valid"}'
            stale = 'dragonfly_dfdaemon_revalidations_total{result="stale"}'
            # Unchanged at the origin: a conditional HEAD (304), and the seed vouches for its copy.
            body_before = s.origin_stats()["body_bytes"]
            restart_seed_alone()
            sw.wait_until(lambda: seed.metrics().get(valid) == 1, 15, "the seed to revalidate")
            self.assertEqual(s.origin_stats()["body_bytes"], body_before)

            # Changed at the origin: the seed drops its copy; the next download gets the new bytes.
            seed.process.stop(signal.SIGKILL)
            sw.write_random_file(path, 6 * MIB, seed=2)
            new_digest = sw.sha256_file(path)
            restart_seed_alone()
            sw.wait_until(lambda: seed.metrics().get(stale) == 1, 15, "the seed to find its copy stale")
            b = s.start_daemon("b")
            s.wait_hosts(2)
            out = os.path.join(s.workdir, "b.out")
            r = s.dfget(b, url, out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(sw.sha256_file(out), new_digest)
            seed_recorded_it()

            # Gone at the origin (404): the copy is dropped, and a requester sees the origin's status.
            b.process.stop(signal.SIGKILL)
            seed.process.stop(signal.SIGKILL)
            os.remove(path)
            restart_seed_alone()
            sw.wait_until(lambda: seed.metrics().get(stale) == 1, 15, "the seed to find its copy gone")
            c = s.start_daemon("c")
            s.wait_hosts(2)
            out = os.path.join(s.workdir, "c.out")
            r = s.dfget(c, url, out)
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn("404", r.stderr)
            self.assertFalse(os.path.exists(out))
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()
