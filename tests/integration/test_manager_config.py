"""Daemons and schedulers configured by dfmanager, with real processes (docs/manager.md, "How
daemons find their cluster"): daemons with no scheduler address find their scheduler through the
manager and download through the swarm; a seed registers as a seed peer; a cluster config changed
through the API is in effect on daemons and schedulers within one refresh; a blocklisted URL is
refused; a restart with the manager down uses the cached cluster, and with no cache and no static
address the daemon exits naming what is missing; a second scheduler that registers joins every
daemon's ring within a refresh, and one task still meets on one scheduler (one origin fetch)."""
import hashlib
import json
import os
import signal
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import configured  # noqa: E402
import manager as mg  # noqa: E402
import swarm as sw  # noqa: E402

MiB = 1 << 20
SIZE = 4 * MiB
REFRESH = "500ms"
CLUSTER = "/api/v1/scheduler-clusters/1"  # the default cluster the manager creates at first start
LIMIT_UP = 'dragonfly_dfdaemon_rate_limit_bytes{direction="upload"}'
LIMIT_DOWN = 'dragonfly_dfdaemon_rate_limit_bytes{direction="download"}'
SMALL_FILES = 6


def task_id(url):
    """The task ID a daemon computes for a plain URL (no tag, application or filter): core/ids.cpp."""
    return hashlib.sha256((url + "\ntag:0:\napplication:0:").encode()).hexdigest()


def ring_owner(addresses, key):
    """The scheduler a key belongs to on the daemons' ring (daemon/scheduler_ring.cpp): 100 points
    per address at the first 8 bytes of sha256("<address>#<i>"), the first at or after sha256(key)."""
    def position(text):
        return int(hashlib.sha256(text.encode()).hexdigest()[:16], 16)
    points = sorted((position("%s#%d" % (a, i)), a) for a in addresses for i in range(100))
    at = position(key)
    return next((a for p, a in points if p >= at), points[0][1])


class ManagerConfig(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "a.bin"), SIZE, seed=31)
        sw.write_random_file(os.path.join(root, "blocked.bin"), MiB, seed=32)
        for i in range(SMALL_FILES):
            sw.write_random_file(os.path.join(root, "s%d.bin" % i), 256 << 10, seed=40 + i)
        self.digest = sw.sha256_file(os.path.join(root, "a.bin"))
        self.s.start_origin(root)
        data = os.path.join(self.s.workdir, "manager")
        self.manager_conf = mg.write_config(os.path.join(self.s.workdir, "dfmanager.yaml"), data, keepalive="1s")
        self.m = mg.start_manager(self.s, "dfmanager", self.manager_conf)
        self.token_file = os.path.join(self.s.workdir, "manager-token")
        with open(self.token_file, "w") as f:
            f.write(mg.TOKEN + "\n")
        self.schedulers = []  # (process, port, metrics_port)

    def tearDown(self):
        self.s.stop()

    # -- starting things ---------------------------------------------------------------------

    def manager_section(self, port=None):
        return configured.manager_section(port or self.m.port, self.token_file, REFRESH)

    def start_scheduler(self, name):
        conf = "host: {hostname: %s}\n" % name + self.manager_section()
        process, port, metrics_port = configured.start_scheduler(self.s, name, config=conf, adopt=not self.schedulers)
        self.schedulers.append((process, port, metrics_port))
        sw.wait_until(lambda: any(x["port"] == port and x["state"] == "active"
                                  for x in self.m.ok("GET", "/api/v1/schedulers")), 10,
                      "%s to register with the manager and be active" % name)
        return process, port, metrics_port

    def daemon_config(self, name, manager_port=None):
        return configured.write_config(self.s, name + ".yaml", "scheduler:\n  keepalive_interval: 200ms\n"
                                       + self.manager_section(manager_port))

    def start_daemon(self, name, seed=False):
        """A daemon with no scheduler address: only the manager (or its cache) can give it one."""
        extra = ["--piece-size", "256KiB"] if seed else []
        return configured.start_managed_daemon(self.s, name, self.daemon_config(name), seed=seed, extra=extra)

    def registered(self):
        return [configured.metrics(m).get("dragonfly_scheduler_peers_registered_total", 0)
                for _, _, m in self.schedulers]

    def dfget(self, d, path, ok=True):
        out = os.path.join(self.s.workdir, "%s-%s" % (d.name, os.path.basename(path)))
        r = self.s.dfget(d, self.s.origin_url(path), out)
        if ok:
            self.assertEqual(r.returncode, 0, "%s: %s\n%s" % (d.name, r.stderr, self.s.logs()))
            self.assertEqual(sw.sha256_file(out), self.digest, d.name)
        return r

    def origin_gets(self, path):
        stats = self.s.origin_stats()
        return stats["paths"].get(path, 0) - stats["heads"].get(path, 0)

    # -- the tests -------------------------------------------------------------------------------

    def test_daemons_find_their_cluster_and_follow_its_config(self):
        _, _, sched_metrics = self.start_scheduler("sched-1")
        seed = self.start_daemon("seed", seed=True)
        peers = [self.start_daemon("p%d" % i) for i in range(2)]
        sw.wait_until(lambda: configured.metrics(sched_metrics).get("dragonfly_scheduler_hosts") == 3, 15,
                      "the seed and both peers to reach the scheduler the manager named")
        # Every host announced itself; the seed also registered as a seed peer and keeps alive.
        hosts = {h["hostname"]: h for h in self.m.ok("GET", "/api/v1/hosts")}
        self.assertEqual(set(hosts), {"seed", "p0", "p1"})
        self.assertEqual(hosts["p0"]["scheduler_cluster_id"], 1)
        sw.wait_until(lambda: [x["hostname"] for x in self.m.ok("GET", "/api/v1/seed-peers")
                               if x["state"] == "active"] == ["seed"], 10, "the seed to register as a seed peer")

        for d in peers:
            self.dfget(d, "/files/a.bin")
        self.assertEqual(self.origin_gets("/files/a.bin"), 1, self.s.origin_stats())
        for d in peers:
            self.assertEqual(d.received()["origin"], 0, d.name)

        # A limit changed through the API is in effect within a refresh, on every daemon.
        self.assertEqual(peers[0].metrics().get(LIMIT_UP), 0)
        self.m.ok("PATCH", CLUSTER, {"config": {"peer_upload_rate_limit": 3 * MiB,
                                                "peer_download_rate_limit": 5 * MiB,
                                                "candidate_parent_limit": 3}})
        for d in [seed] + peers:
            sw.wait_until(lambda: d.metrics().get(LIMIT_UP) == 3 * MiB and d.metrics().get(LIMIT_DOWN) == 5 * MiB,
                          10, "%s to apply the cluster's new rate limits" % d.name)
        sw.wait_until(lambda: configured.metrics(sched_metrics).get("dragonfly_scheduler_max_parents") == 3, 10,
                      "the scheduler to apply the cluster's candidate_parent_limit")
        # Back to 0: the daemon's own (unlimited) setting again.
        self.m.ok("PATCH", CLUSTER, {"config": {"peer_upload_rate_limit": 0}})
        # On every daemon: p1's change counter is read next, and must not move for this change.
        for d in [seed] + peers:
            sw.wait_until(lambda: d.metrics().get(LIMIT_UP) == 0, 10, "%s to lift the upload limit" % d.name)

        # A blocklisted URL is refused with a clear error, and counted; others still work.
        changes = peers[1].metrics().get("dragonfly_dfdaemon_cluster_config_changes_total", 0)
        self.m.ok("PATCH", CLUSTER, {"config": {"blocklist": {"urls": ["/blocked\\.bin$"]}}})
        sw.wait_until(lambda: peers[1].metrics().get("dragonfly_dfdaemon_cluster_config_changes_total", 0) > changes,
                      10, "p1 to take the blocklist")
        r = self.dfget(peers[1], "/files/blocked.bin", ok=False)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn("blocklisted", r.stderr)
        self.assertEqual(peers[1].metrics().get("dragonfly_dfdaemon_tasks_blocklisted_total"), 1)
        # Through the proxy it is refused too, not fetched around the swarm.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": peers[1].proxy_url()}))
        request = urllib.request.Request(self.s.origin_url("/files/blocked.bin"),
                                         headers={"X-Dragonfly-Use-P2P": "true"})
        with self.assertRaises(urllib.error.HTTPError) as refused:
            opener.open(request, timeout=30)
        self.assertEqual(refused.exception.code, 403)
        self.assertIn(b"blocklisted", refused.exception.read())
        self.assertEqual(peers[1].metrics().get("dragonfly_dfdaemon_tasks_blocklisted_total"), 2)
        # The scheduler refuses it too, for a daemon that does not ask the manager.
        sw.wait_until(lambda: configured.metrics(sched_metrics).get("dragonfly_scheduler_blocklist_entries") == 1, 10,
                      "the scheduler to take the blocklist")
        static = self.s.start_daemon("static", scheduler_port=self.schedulers[0][1])
        r = self.dfget(static, "/files/blocked.bin", ok=False)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn("refused by the scheduler", r.stderr)
        self.assertEqual(configured.metrics(sched_metrics).get("dragonfly_scheduler_tasks_blocklisted_total"), 1)
        self.assertEqual(self.origin_gets("/files/blocked.bin"), 0)

    def test_manager_down_at_restart_uses_the_cache_and_nothing_at_all_is_an_error(self):
        _, sched_port, sched_metrics = self.start_scheduler("sched-1")
        d = self.start_daemon("p0")
        sw.wait_until(lambda: d.metrics().get("dragonfly_dfdaemon_schedulers_connected") == 1, 10,
                      "p0 to connect to the scheduler the manager named")
        cache = os.path.join(d.data_dir, "manager-cluster.json")
        with open(cache) as f:
            cached = json.load(f)
        self.assertEqual([x["port"] for x in cached["schedulers"]], [sched_port])

        d.process.stop()
        self.m.process.stop()
        self.s.restart_daemon(d)
        sw.wait_until(lambda: d.metrics().get("dragonfly_dfdaemon_schedulers_connected") == 1, 10,
                      "p0 to connect to the cached cluster's scheduler with the manager down")
        self.assertIn("using the cluster cached in", d.process.tail(200))

        # No cache, no manager, no static address: a clear error, exit 1.
        conf = self.daemon_config("lost", manager_port=self.m.port)
        base = [self.s._bin("dfdaemon"), "-c", conf, "--upload-port", "0", "--no-proxy", "--ip", "127.0.0.1",
                "--hostname", "lost"]
        fresh = os.path.join(self.s.workdir, "lost")
        r = subprocess.run(base + ["--data-dir", fresh, "--socket", os.path.join(self.s.workdir, "lost.sock")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        out = r.stdout + r.stderr
        for words in ("no scheduler to use", "localhost:%d" % self.m.port, "manager-cluster.json",
                      "scheduler.addresses is empty"):
            self.assertIn(words, out)
        # The same with a static address: it starts, and uses it until the manager answers. The
        # scheduler listed under two spellings is one ring member.
        static = self.s.start_daemon("static", scheduler_port=sched_port,
                                     extra=["-c", conf, "--scheduler", "LocalHost:%d" % sched_port])
        sw.wait_until(lambda: static.metrics().get("dragonfly_dfdaemon_schedulers_connected") == 1, 10,
                      "the daemon to use scheduler.addresses while the manager is down")
        self.assertEqual(static.metrics().get("dragonfly_dfdaemon_schedulers"), 1)

    def test_a_manager_that_forgot_them_is_told_again(self):
        _, sched_port, _ = self.start_scheduler("sched-1")
        seed = self.start_daemon("seed", seed=True)
        sw.wait_until(lambda: len(self.m.ok("GET", "/api/v1/seed-peers")) == 1, 10, "the seed to register")
        # A new manager on the same address with an empty database: keepalives are answered 404.
        self.m.process.stop()
        fresh = mg.write_config(os.path.join(self.s.workdir, "dfmanager-2.yaml"),
                                os.path.join(self.s.workdir, "manager-2"), keepalive="1s")
        self.m = mg.start_manager(self.s, "dfmanager-2", fresh, port=self.m.port)
        sw.wait_until(lambda: [(x["port"], x["state"]) for x in self.m.ok("GET", "/api/v1/schedulers")]
                      == [(sched_port, "active")], 10, "the scheduler to register again")
        sw.wait_until(lambda: [(x["hostname"], x["state"]) for x in self.m.ok("GET", "/api/v1/seed-peers")]
                      == [("seed", "active")], 10, "the seed peer to register again")
        sw.wait_until(lambda: [h["hostname"] for h in self.m.ok("GET", "/api/v1/hosts")] == ["seed"], 10,
                      "the seed to announce itself to the new manager")
        self.assertEqual(seed.metrics().get("dragonfly_dfdaemon_schedulers_connected"), 1)

    def test_a_second_scheduler_joins_every_ring_and_a_task_meets_on_one(self):
        _, port_1, _ = self.start_scheduler("sched-1")
        seed = self.start_daemon("seed", seed=True)
        peers = [self.start_daemon("p%d" % i) for i in range(4)]
        everyone = [seed] + peers
        for d in everyone:
            sw.wait_until(lambda: d.metrics().get("dragonfly_dfdaemon_schedulers_connected") == 1, 10,
                          "%s to connect to the first scheduler" % d.name)
        # Small tasks held by the seed and two peers before the ring grows.
        held = ["/files/s%d.bin" % i for i in range(SMALL_FILES)]
        for path in held:
            for d in peers[:2]:
                self.assertEqual(self.dfget(d, path, ok=False).returncode, 0, d.name)
        before = self.registered()
        _, port_2, _ = self.start_scheduler("sched-2")
        for d in everyone:
            sw.wait_until(lambda: d.metrics().get("dragonfly_dfdaemon_schedulers_connected") == 2, 10,
                          "%s to add the second scheduler to its ring within a refresh" % d.name)
            self.assertEqual(d.metrics().get("dragonfly_dfdaemon_schedulers"), 2, d.name)
        # The tasks the grown ring gives the new scheduler are announced there by their three
        # holders; the others stay where they were.
        ring = ["127.0.0.1:%d" % port_1, "127.0.0.1:%d" % port_2]
        moved = sum(1 for path in held if ring_owner(ring, task_id(self.s.origin_url(path))) == ring[1])
        sw.wait_until(lambda: self.registered()[1] == 3 * moved, 10,
                      "the holders of the %d moved tasks to announce them to the new scheduler" % moved)
        self.assertEqual(self.registered(), [before[0], 3 * moved])
        before = self.registered()
        runs = []
        for d in peers:
            out = os.path.join(self.s.workdir, "%s-a.bin" % d.name)
            p = subprocess.Popen(self.s.dfget_args(d, self.s.origin_url("/files/a.bin"), out),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            runs.append((d, out, p))
        for d, out, p in runs:
            _, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, "%s: %s\n%s" % (d.name, err, self.s.logs()))
            self.assertEqual(sw.sha256_file(out), self.digest, d.name)
        self.assertEqual(self.origin_gets("/files/a.bin"), 1, self.s.origin_stats())
        grew = [after - was for was, after in zip(before, self.registered())]
        self.assertEqual(min(grew), 0, grew)  # the seed and every peer on one scheduler, none on the other
        self.assertGreaterEqual(max(grew), 1 + len(peers), grew)

        # A scheduler that dies goes inactive in the manager and leaves every ring.
        self.schedulers[1][0].stop(signal.SIGKILL)
        for d in everyone:
            sw.wait_until(lambda: d.metrics().get("dragonfly_dfdaemon_schedulers") == 1, 15,
                          "%s to drop the dead scheduler from its ring" % d.name)


if __name__ == "__main__":
    unittest.main()
