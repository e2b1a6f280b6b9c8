"""Which hosts and peers the scheduler counts, with real processes: a daemon that stops sending
keepalives is dropped, daemons fail over to the next scheduler address, and a task the daemon's GC
evicted is no longer offered by the scheduler."""
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import configured  # noqa: E402
import swarm as sw  # noqa: E402

MiB = 1 << 20
FAST_KEEPALIVE = "scheduler:\n  keepalive_interval: 200ms\n"


class SchedulerMembership(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        path = os.path.join(root, "f.bin")
        sw.write_random_file(path, 4 * MiB, seed=5)
        self.digest = sw.sha256_file(path)
        self.s.start_origin(root)
        self.url = self.s.origin_url("/files/f.bin")
        self.stopped = []

    def tearDown(self):
        for d in self.stopped:  # a stopped process would ignore SIGTERM until continued
            d.process.proc.send_signal(signal.SIGCONT)
        self.s.stop()

    def daemon(self, name, *extra, seed=False, config=FAST_KEEPALIVE):
        conf = configured.write_config(self.s, name + ".yaml", config)
        return self.s.start_daemon(name, seed=seed, extra=["-c", conf] + list(extra))

    def download(self, d):
        out = os.path.join(self.s.workdir, d.name + ".out")
        r = self.s.dfget(d, self.url, out, timeout=60)
        self.assertEqual(r.returncode, 0, "%s\n%s" % (r.stderr, self.s.logs()))
        self.assertEqual(sw.sha256_file(out), self.digest)

    def test_a_host_that_stops_sending_keepalives_is_dropped(self):
        configured.start_scheduler(self.s, config="keepalive_timeout: 2s\n")
        self.daemon("seed", seed=True)
        a, b = self.daemon("a"), self.daemon("b")
        self.s.wait_hosts(3)
        self.download(a)  # a holds the whole task: the best parent b could be given
        a.process.proc.send_signal(signal.SIGSTOP)  # still connected, silent
        self.stopped.append(a)
        self.s.wait_hosts(2, timeout=10)
        self.download(b)
        self.assertEqual(b.received()["peer"], 0)  # nothing from a: it was not offered as a parent
        self.assertGreater(b.received()["seed"], 0)
        self.assertEqual(self.s.scheduler_metrics().get("dragonfly_scheduler_parent_failures_total", 0), 0)
        a.process.proc.send_signal(signal.SIGCONT)
        self.s.wait_hosts(3, timeout=10)  # it comes back on its own

    def test_daemons_fail_over_to_the_next_scheduler_address(self):
        first, _, first_metrics = configured.start_scheduler(self.s, "dfscheduler-1")
        _, second_port, second_metrics = configured.start_scheduler(self.s, "dfscheduler-2", adopt=False)
        second = ["--scheduler", "127.0.0.1:%d" % second_port]  # after the swarm's (the first)
        seed = self.daemon("seed", *second, seed=True)
        a = self.daemon("a", *second)
        self.s.wait_hosts(2)
        # Daemons keep a connection to every listed scheduler (tasks are spread by consistent hashing).
        sw.wait_until(lambda: configured.metrics(second_metrics).get("dragonfly_scheduler_hosts") == 2, 15,
                      "both daemons to join the second scheduler too")
        first.stop(signal.SIGKILL)
        for d in (seed, a):
            sw.wait_until(lambda: d.metrics().get("dragonfly_dfdaemon_schedulers_connected") == 1, 15,
                          "%s to notice the lost scheduler" % d.name)
        self.download(a)
        got = a.received()
        self.assertGreater(got["seed"], 0, got)  # through the swarm, scheduled by the second
        self.assertEqual(got["origin"], 0, got)
        self.assertGreaterEqual(configured.metrics(second_metrics)["dragonfly_scheduler_seed_triggers_total"], 1)
        self.assertEqual(self.s.origin_stats()["body_bytes"], 4 * MiB)

    def test_a_task_evicted_by_the_gc_leaves_the_scheduler(self):
        # No seed: a fetches the task from the origin itself and is its only holder.
        configured.start_scheduler(self.s, config="scheduling:\n  source_election_delay: 100ms\n")
        a = self.daemon("a", config="gc:\n  interval: 200ms\n  task_ttl: 2s\n")
        self.s.wait_hosts(1)
        self.download(a)
        self.assertEqual(self.s.scheduler_metrics()["dragonfly_scheduler_tasks"], 1)
        sw.wait_until(lambda: a.metrics().get('dragonfly_dfdaemon_gc_evictions_total{reason="ttl"}') == 1, 15,
                      "the GC to evict the task")
        sw.wait_until(lambda: self.s.scheduler_metrics()["dragonfly_scheduler_tasks"] == 0, 5,
                      "the scheduler to forget the evicted task")
        self.assertEqual(self.s.scheduler_metrics()["dragonfly_scheduler_hosts"], 1)  # a itself is still there


if __name__ == "__main__":
    unittest.main()
