"""Several schedulers, with real processes: daemons listing the same schedulers (in any order) map
each task to one of them by consistent hashing, so one task has one swarm and one origin fetch;
when the scheduler owning a task dies mid-download, the task moves to the next scheduler on the
ring, every daemon re-announces what it holds there, and every download completes; when it comes
back, the task moves back and is announced there again."""
import os
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import configured  # noqa: E402
import swarm as sw  # noqa: E402

MiB = 1 << 20
SIZE = 8 * MiB
CONFIG = "scheduler:\n  keepalive_interval: 200ms\n"
PEERS = ["d%d" % i for i in range(6)]


class SchedulerRing(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        self.digests = {}
        for i, name in enumerate(("a.bin", "b.bin")):
            sw.write_random_file(os.path.join(root, name), SIZE, seed=20 + i)
            self.digests[name] = sw.sha256_file(os.path.join(root, name))
        self.s.start_origin(root)
        self.schedulers = []  # (process, metrics port), in start order
        for name in ("dfscheduler-1", "dfscheduler-2"):
            process, port, metrics_port = configured.start_scheduler(self.s, name, adopt=not self.schedulers)
            self.schedulers.append((process, port, metrics_port))
        ports = [port for _, port, _ in self.schedulers]
        conf = configured.write_config(self.s, "daemon.yaml", CONFIG)
        self.seed = self.daemon("seed", ports, conf, seed=True, extra=["--piece-size", "256KiB"])
        # Half of the peers list the schedulers the other way round: the ring must not care.
        self.peers = [self.daemon(name, ports if i % 2 else ports[::-1], conf) for i, name in enumerate(PEERS)]
        everyone = [self.seed] + self.peers
        for _, _, metrics_port in self.schedulers:
            sw.wait_until(lambda: self.metrics(metrics_port).get("dragonfly_scheduler_hosts") == len(everyone), 15,
                          "every daemon to join both schedulers")
        for d in everyone:
            sw.wait_until(lambda: d.metrics().get("dragonfly_dfdaemon_schedulers_connected") == 2, 10,
                          "%s to count both schedulers connected" % d.name)

    def tearDown(self):
        self.s.stop()

    def daemon(self, name, ports, conf, seed=False, extra=()):
        return self.s.start_daemon(name, seed=seed, scheduler_port=ports[0],
                                   extra=["--scheduler", "127.0.0.1:%d" % ports[1], "-c", conf] + list(extra))

    @staticmethod
    def metrics(port):
        return configured.metrics(port)

    def start_all(self, path):
        """dfget on every peer at once; returns [(daemon, output, process)]."""
        runs = []
        for d in self.peers:
            out = os.path.join(self.s.workdir, "%s-%s.out" % (d.name, os.path.basename(path)))
            args = self.s.dfget_args(d, self.s.origin_url(path), out)
            runs.append((d, out, subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        return runs

    def finish_all(self, runs, name):
        for d, out, p in runs:
            _, err = p.communicate(timeout=120)
            self.s.scan("dfget on %s" % d.name, err)
            self.assertEqual(p.returncode, 0, "%s: %s\n%s" % (d.name, err, self.s.logs()))
            self.assertEqual(sw.sha256_file(out), self.digests[name], d.name)

    def origin_gets(self, path):
        stats = self.s.origin_stats()
        return stats["paths"].get(path, 0) - stats["heads"].get(path, 0)

    def registered(self):
        return [self.metrics(m).get("dragonfly_scheduler_peers_registered_total", 0) for _, _, m in self.schedulers]

    def test_one_task_one_scheduler_and_failover_mid_download(self):
        # One file, all at once: every daemon meets on one scheduler, so the seed fetches it once.
        before = self.registered()
        self.finish_all(self.start_all("/files/a.bin"), "a.bin")
        stats = self.s.origin_stats()
        self.assertEqual(self.origin_gets("/files/a.bin"), 1, stats)
        self.assertEqual(stats["body_bytes"], SIZE, stats)
        grew = [after - was for was, after in zip(before, self.registered())]
        self.assertEqual(min(grew), 0, grew)  # the seed and every peer on one scheduler, none on the other
        self.assertGreaterEqual(max(grew), 1 + len(self.peers), grew)
        for d in self.peers:
            self.assertEqual(d.received()["origin"], 0, d.name)

        # A second file, held by the origin at half: kill its scheduler while every peer is in it.
        before = self.registered()
        runs = self.start_all("/hold/b.bin")
        try:
            sw.wait_until(lambda: max(a - b for a, b in zip(self.registered(), before)) >= 1 + len(self.peers), 20,
                          "the seed and every peer to register the second task")
            grew = [after - was for was, after in zip(before, self.registered())]
            self.assertEqual(min(grew), 0, grew)
            owner = grew.index(max(grew))
            other_metrics = self.schedulers[1 - owner][2]
            sw.wait_until(lambda: self.s.origin_stats()["body_bytes"] >= SIZE + SIZE // 2, 20,
                          "the seed to fetch the first half of the second file")
            self.schedulers[owner][0].stop(signal.SIGKILL)
            for d in [self.seed] + self.peers:
                sw.wait_until(lambda: d.metrics().get("dragonfly_dfdaemon_schedulers_connected") == 1, 10,
                              "%s to notice the lost scheduler" % d.name)
                self.assertGreaterEqual(d.metrics().get("dragonfly_dfdaemon_scheduler_tasks_moved_total", 0), 1,
                                        d.name)
            # The survivor hears of the task from everyone who held or wanted it.
            sw.wait_until(lambda: self.metrics(other_metrics).get("dragonfly_scheduler_peers_registered_total", 0)
                          - before[1 - owner] >= 1 + len(self.peers), 15,
                          "every daemon to re-announce the task to the surviving scheduler")
        finally:
            self.s.release_origin()
        self.finish_all(runs, "b.bin")
        self.assertEqual(self.origin_gets("/hold/b.bin"), 1, self.s.origin_stats())

        # The scheduler comes back on its address: its tasks move back and are announced there again.
        process, port, metrics_port = self.schedulers[owner]
        process.restart()
        sw.wait_until(lambda: sw.port_open(port) or not process.alive(), 10, "the scheduler to listen again")
        for d in [self.seed] + self.peers:
            sw.wait_until(lambda: d.metrics().get("dragonfly_dfdaemon_schedulers_connected") == 2, 15,
                          "%s to reconnect to the scheduler" % d.name)
            self.assertGreaterEqual(d.metrics().get("dragonfly_dfdaemon_scheduler_tasks_moved_total", 0), 2, d.name)
        sw.wait_until(lambda: self.metrics(metrics_port).get("dragonfly_scheduler_peers_registered_total", 0)
                      >= 1 + len(self.peers), 15, "every holder of the second task to announce it there again")


if __name__ == "__main__":
    unittest.main()
