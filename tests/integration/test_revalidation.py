"""A seed's cached copy and the origin's content, with real processes: the `seed.revalidate`
policies (never, max_age), and a download streaming old pieces while the content changes."""
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import configured  # noqa: E402
import swarm as sw  # noqa: E402

MiB = 1 << 20
VALID = 'dragonfly_dfdaemon_revalidations_total{result="valid"}'
STALE = 'dragonfly_dfdaemon_revalidations_total{result="stale"}'


class Revalidation(unittest.TestCase):
    """The seed revalidates a cached task when it vouches for it again: here, when the scheduler
    restarts and every daemon re-announces what it holds."""

    def setUp(self):
        self.s = sw.Swarm()
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        self.path = os.path.join(root, "f.bin")
        self.old = self.write_content(seed=1)
        self.s.start_origin(root)
        self.s.start_scheduler()
        self.url = self.s.origin_url("/files/f.bin")

    def tearDown(self):
        self.s.stop()

    def write_content(self, seed):
        sw.write_random_file(self.path, 4 * MiB, seed=seed)
        return sw.sha256_file(self.path)

    def origin_requests(self):
        return self.s.origin_stats()["paths"].get("/files/f.bin", 0)

    def dfget(self, d, *extra):
        out = os.path.join(self.s.workdir, "%s-%f.out" % (d.name, time.monotonic()))
        return self.s.dfget(d, self.url, out, *extra, timeout=60), out

    def fetch(self, d):
        r, out = self.dfget(d)
        self.assertEqual(r.returncode, 0, "%s\n%s" % (r.stderr, self.s.logs()))
        return sw.sha256_file(out)

    def seed_holding_the_task(self, policy):
        """A seed with `policy` that fetched the task once (through a peer that is then killed, so
        only the seed holds it). Returns the seed."""
        conf = configured.write_config(self.s, "seed.yaml", "seed:\n" + policy)
        seed = self.s.start_daemon("seed", seed=True, extra=["-c", conf])
        a = self.s.start_daemon("a")
        self.s.wait_hosts(2)
        self.assertEqual(self.fetch(a), self.old)
        a.process.stop(signal.SIGKILL)
        self.s.wait_hosts(1)
        self.assertEqual(self.origin_requests(), 1)
        return seed

    def restart_scheduler(self, hosts=1, reannounced=True):
        """Restarts the scheduler; returns once `hosts` daemons are back (and, if `reannounced`, the
        task is known there again)."""
        self.s.scheduler.stop(signal.SIGKILL)
        self.s.scheduler.restart()
        sw.wait_until(lambda: sw.port_open(self.s.scheduler_port), 10, "the scheduler to listen again")
        self.s.wait_hosts(hosts)
        if reannounced:
            sw.wait_until(lambda: self.s.scheduler_metrics().get("dragonfly_scheduler_tasks") == 1, 15,
                          "the task to be re-announced")

    def test_never_serves_the_cached_copy_without_asking_the_origin(self):
        seed = self.seed_holding_the_task("  revalidate: never\n")
        self.write_content(seed=2)  # changed at the origin: with `always` the seed would drop its copy
        self.restart_scheduler()
        b = self.s.start_daemon("b")
        self.s.wait_hosts(2)
        self.assertEqual(self.fetch(b), self.old)
        self.assertEqual(self.origin_requests(), 1)  # not even a HEAD
        self.assertEqual((seed.metrics().get(VALID), seed.metrics().get(STALE)), (0, 0))

    def test_max_age_revalidates_only_once_the_age_has_passed(self):
        started = time.monotonic()
        seed = self.seed_holding_the_task("  revalidate: max_age\n  max_age: 5s\n")
        fetched = time.monotonic()  # the seed's last check (its fetch) was before this
        self.restart_scheduler()
        if time.monotonic() - started >= 5:
            self.skipTest("the machine is too slow to re-announce within max_age")
        self.assertEqual((seed.metrics().get(VALID), seed.metrics().get(STALE)), (0, 0))
        self.assertEqual(self.origin_requests(), 1)  # vouched for without a HEAD: checked < 5 s ago
        # Once the last check (the fetch itself) is older than max_age, the next vouching asks the origin.
        sw.wait_until(lambda: time.monotonic() - fetched > 5, 10, "max_age to pass")
        self.restart_scheduler()
        sw.wait_until(lambda: seed.metrics().get(VALID) == 1, 10, "the seed to revalidate")
        self.assertEqual(self.origin_requests(), 2)  # the conditional HEAD, answered 304
        self.assertEqual(seed.metrics().get(STALE), 0)

    def test_content_changed_while_a_dfget_streams_old_pieces(self):
        seed = self.seed_holding_the_task("  revalidate: always\n")
        new = self.write_content(seed=2)
        b = self.s.start_daemon("b")
        self.s.wait_hosts(2)
        result = {}
        slow = threading.Thread(target=lambda: result.update(r=self.dfget(b, "--ratelimit", "1MB")))
        slow.start()
        sw.wait_until(lambda: b.received()["seed"] > 0, 10, "b to receive old pieces from the seed's cache")
        # The seed vouches again (scheduler restart), finds its copy stale and fetches the new content;
        # its digests reach b, which holds old pieces.
        self.restart_scheduler(hosts=2, reannounced=False)
        slow.join(60)
        r, out = result["r"]
        self.assertEqual(r.returncode, 4, r.stderr)  # fails rather than mix old and new bytes
        self.assertIn("changed", r.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(seed.metrics().get(STALE), 1)

        def retry():  # as the message says; a retry while b still drops old pieces fails the same way
            r, out = self.dfget(b)
            if r.returncode == 4 and "changed" in r.stderr:
                return None
            self.assertEqual(r.returncode, 0, "%s\n%s" % (r.stderr, self.s.logs()))
            return sw.sha256_file(out)
        self.assertEqual(sw.wait_until(retry, 30, "a download of the new content"), new)  # never a mix


if __name__ == "__main__":
    unittest.main()
