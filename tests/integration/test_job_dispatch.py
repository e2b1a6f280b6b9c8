"""The manager's jobs in the swarm (docs/jobs-dispatch.md): the manager-side dispatcher
(tests/tools/df_job_driver) sends a job_request to a real dfscheduler, which tells a seed and 8
daemons to preheat, list or delete a task. Preheated files are served from each cache; a daemon
killed mid-job fails with a reason; a daemon's connection may not send jobs."""
import json
import os
import signal
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import rogue as rg  # noqa: E402
import swarm as sw  # noqa: E402

SIZE = 4 << 20
PEERS = 8
TOKEN = "job-token-for-tests"
CACHE_HITS = "dragonfly_dfdaemon_cache_hits_total"
REFUSED = "dragonfly_scheduler_jobs_refused_total"
JOBS = "dragonfly_scheduler_jobs_total"
EVICTED = 'dragonfly_dfdaemon_gc_evictions_total{reason="job"}'


def start_scheduler_with_token(swarm, more_config=""):
    """Starts dfscheduler with jobs.token_file holding TOKEN (and `more_config` YAML)."""
    token_file = os.path.join(swarm.workdir, "job-token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    config = os.path.join(swarm.workdir, "dfscheduler.yaml")
    with open(config, "w") as f:
        f.write("jobs:\n  token_file: %s\n%s" % (token_file, more_config))
    swarm.start_scheduler(extra=["-c", config])


def find_driver(test):
    """tests/tools/df_job_driver next to the apps' build directory (the test is skipped without it)."""
    driver = os.path.join(test.s.bin_dir, "..", "tests", "df_job_driver")
    if not os.path.exists(driver):
        test.skipTest("df_job_driver not built")
    return driver


class JobDispatchTest(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        self.root = os.path.join(self.s.workdir, "www")
        os.makedirs(self.root)
        self.digests = {}
        for name, seed in (("all.bin", 1), ("one.bin", 2), ("held.bin", 3)):
            path = os.path.join(self.root, name)
            sw.write_random_file(path, SIZE, seed=seed)
            self.digests[name] = sw.sha256_file(path)
        self.s.start_origin(self.root)
        start_scheduler_with_token(self.s)
        self.seed = self.s.start_daemon("seed", seed=True)
        self.peers = [self.s.start_daemon("peer-%d" % i) for i in range(PEERS)]
        self.s.wait_hosts(PEERS + 1, timeout=30)
        self.driver = find_driver(self)

    def job(self, job_type, *args, token=TOKEN, schedulers=None):
        if schedulers is None:
            schedulers = ["127.0.0.1:%d" % self.s.scheduler_port]
        argv = [self.driver, "--type", job_type, "--token", token, "--cluster", "2"] + list(args)
        for address in schedulers:
            argv += ["--scheduler", address]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def url(self, name, kind="files"):
        return self.s.origin_url("/%s/%s" % (kind, name))

    def holders(self, name, kind="files"):
        got = self.job("get_task", "--url", self.url(name, kind))
        self.assertEqual(got["error"], "")
        return sorted(h["hostname"] for h in got["hosts"])

    def test_all_peers_preheat_serves_every_cache_then_get_and_delete(self):
        result = self.job("preheat", "--url", self.url("all.bin"), "--scope", "all_peers", "--concurrent", "4")
        self.assertEqual(result["error"], "", result)
        names = sorted(["seed"] + [p.name for p in self.peers])
        self.assertEqual(sorted(h["hostname"] for h in result["hosts"]), names)
        for h in result["hosts"]:
            self.assertEqual(h["error"], "", h)
            self.assertEqual(h["bytes"], SIZE, h)
            self.assertEqual(h["ip"], "127.0.0.1")
            if h["hostname"] == "seed":
                # The seed sources the task for the peers told first: it may hold it by its turn.
                self.assertIn(h["source"], ("origin", "cache"), h)
            else:
                self.assertEqual(h["source"], "peers", h)
                self.assertGreater(h["duration_ms"], 0, h)
        self.assertEqual(self.s.origin_stats()["body_bytes"], SIZE)  # the origin sent it once
        # Every daemon now serves it from its cache: no byte from peers, seeds or the origin.
        for p in self.peers:
            before, hits = p.received(), p.metrics().get(CACHE_HITS, 0)
            out = os.path.join(self.s.workdir, p.name + "-all.bin")
            r = self.s.dfget(p, self.url("all.bin"), out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(sw.sha256_file(out), self.digests["all.bin"])
            self.assertEqual(p.received(), before, p.name)
            self.assertEqual(p.metrics().get(CACHE_HITS, 0), hits + 1, p.name)
        self.assertEqual(self.holders("all.bin"), names)
        deleted = self.job("delete_task", "--url", self.url("all.bin"))
        self.assertEqual(deleted["error"], "")
        self.assertEqual(sorted(h["hostname"] for h in deleted["hosts"]), names)
        self.assertTrue(all(h["error"] == "" for h in deleted["hosts"]), deleted)
        self.assertEqual(self.holders("all.bin"), [])
        for d in [self.seed] + self.peers:
            self.assertEqual(d.metrics().get(EVICTED, 0), 1, d.name)

    def test_single_seed_peer_preheat_reaches_only_the_seed(self):
        result = self.job("preheat", "--url", self.url("one.bin"), "--scope", "single_seed_peer")
        self.assertEqual(result["error"], "", result)
        self.assertEqual([(h["hostname"], h["error"], h["source"], h["bytes"]) for h in result["hosts"]],
                         [("seed", "", "origin", SIZE)])
        self.assertEqual(self.holders("one.bin"), ["seed"])
        self.assertEqual(self.s.origin_stats()["body_bytes"], SIZE)
        # A later request meets the seed: the origin is not asked again.
        out = os.path.join(self.s.workdir, "one.bin")
        r = self.s.dfget(self.peers[0], self.url("one.bin"), out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sw.sha256_file(out), self.digests["one.bin"])
        self.assertEqual(self.s.origin_stats()["body_bytes"], SIZE)

    def test_a_daemon_killed_mid_job_fails_with_a_reason(self):
        result = {}
        job = threading.Thread(target=lambda: result.update(
            self.job("preheat", "--url", self.url("held.bin", "hold"), "--scope", "all_peers")))
        job.start()
        victim = self.peers[3]
        try:
            # The seed holds half of the file: the job is under way on every host.
            sw.wait_until(lambda: self.seed.received()["origin"] > 0, 30, "the seed to start the held file")
            victim.process.stop(signal.SIGKILL)
        finally:
            self.s.release_origin()
            job.join(150)
        self.assertEqual(result.get("error"), "", result)
        by_host = {h["hostname"]: h for h in result["hosts"]}
        self.assertEqual(len(by_host), PEERS + 1)
        self.assertEqual(by_host.pop(victim.name)["error"], "host left: connection closed")
        for name, h in by_host.items():
            self.assertEqual((h["error"], h["bytes"]), ("", SIZE), name)

    def test_the_dispatcher_fails_over_to_the_next_scheduler_and_names_the_unreachable(self):
        dead = "127.0.0.1:%d" % sw.free_port()
        live = "127.0.0.1:%d" % self.s.scheduler_port
        result = self.job("preheat", "--url", self.url("one.bin"), "--scope", "all_seed_peers",
                          schedulers=[dead, live])
        self.assertEqual(result["error"], "", result)
        self.assertEqual([(h["hostname"], h["error"]) for h in result["hosts"]], [("seed", "")])
        nothing = self.job("get_task", "--url", self.url("one.bin"), schedulers=[dead])
        self.assertEqual(nothing["error"], "scheduler %s unreachable: Connection refused" % dead)
        none = self.job("get_task", "--url", self.url("one.bin"), schedulers=[])
        self.assertEqual(none["error"], "no active scheduler in cluster 2")

    def test_delete_task_keeps_a_task_in_use(self):
        url = self.url("held.bin", "hold")
        result = {}
        job = threading.Thread(target=lambda: result.update(self.job("preheat", "--url", url, "--scope", "all_peers")))
        job.start()
        try:
            sw.wait_until(lambda: self.seed.received()["origin"] > 0, 30, "the seed to start the held file")
            deleted = self.job("delete_task", "--url", url)
        finally:
            self.s.release_origin()
            job.join(150)
        self.assertEqual(deleted["error"], "")
        # Every host is downloading it (the preheat holds it): each keeps it and says why.
        self.assertEqual(len(deleted["hosts"]), PEERS + 1, deleted)
        for h in deleted["hosts"]:
            self.assertEqual(h["error"], "in use (being downloaded, read or uploaded); kept", h)
        self.assertTrue(all(h["error"] == "" for h in result["hosts"]), result)
        self.assertEqual(len(self.holders("held.bin", "hold")), PEERS + 1)

    def test_a_daemon_without_the_jobs_feature_is_not_told_and_the_result_says_so(self):
        old = rg.Rogue(self.s.scheduler_port, "old-daemon")  # its hello lists no features
        self.addCleanup(old.close)
        self.s.wait_hosts(PEERS + 2)
        result = self.job("preheat", "--url", self.url("one.bin"), "--scope", "all_peers")
        by_host = {h["hostname"]: h["error"] for h in result["hosts"]}
        self.assertEqual(len(by_host), PEERS + 2)
        self.assertEqual(by_host.pop("old-daemon"),
                         "host does not run jobs (its dfdaemon does not list the jobs feature)")
        self.assertEqual(set(by_host.values()), {""})
        try:
            got = old.read_until(lambda m: m.get("type") == "preheat", timeout=1)
        except OSError:  # socket.timeout: nothing came
            got = None
        self.assertIsNone(got)

    def test_jobs_need_a_manager_connection(self):
        # A daemon's connection (it said hello) sending a job_request is closed and counted.
        rogue = rg.Rogue(self.s.scheduler_port, "rogue-host")
        self.addCleanup(rogue.close)
        jobs = self.s.scheduler_metrics().get(JOBS, 0)
        rogue.send({"type": "job_request", "job_id": 7, "job": "preheat", "urls": [self.url("all.bin")], "scope": "all_peers",
                    "token": TOKEN})
        self.assertTrue(rogue.closed())
        metrics = self.s.scheduler_metrics()
        self.assertEqual(metrics.get(REFUSED, 0), 1)
        self.assertEqual(metrics.get(JOBS, 0), jobs)
        # Without the token, a connection that is not a daemon's is refused too, with a reason.
        refused = self.job("preheat", "--url", self.url("all.bin"), "--scope", "all_peers", token="wrong")
        self.assertIn("refused: job_request with a wrong or missing token", refused["error"])
        self.assertEqual(refused["hosts"], [])
        self.assertEqual(self.s.scheduler_metrics().get(REFUSED, 0), 2)
        self.assertEqual(self.s.origin_stats()["body_bytes"], 0)


class LongJobsTest(unittest.TestCase):
    """A manager's connection, once authenticated, does not hold one of its address's slots for
    connections before hello (limits.max_unidentified_per_ip) while its job runs."""

    def setUp(self):
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "held.bin"), SIZE, seed=4)
        self.s.start_origin(root)
        start_scheduler_with_token(self.s, "limits:\n  max_unidentified_per_ip: 2\n")
        self.seed = self.s.start_daemon("seed", seed=True)
        self.s.wait_hosts(1, timeout=30)
        self.driver = find_driver(self)

    def test_three_long_jobs_from_one_address_run_at_once(self):
        argv = [self.driver, "--type", "preheat", "--url", self.s.origin_url("/hold/held.bin"), "--scope",
                "all_peers", "--token", TOKEN, "--scheduler", "127.0.0.1:%d" % self.s.scheduler_port]
        drivers = []
        try:
            for n in range(1, 4):
                drivers.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
                sw.wait_until(lambda: self.s.scheduler_metrics().get(JOBS, 0) == n or
                              self.s.scheduler_metrics().get("dragonfly_scheduler_connections_refused_total", 0),
                              30, "job %d to start" % n)
            self.assertEqual(self.s.scheduler_metrics().get("dragonfly_scheduler_connections_refused_total", 0), 0)
        finally:
            self.s.release_origin()
            outputs = [d.communicate(timeout=120)[0] for d in drivers]
        for out in outputs:
            result = json.loads(out)
            self.assertEqual(result["error"], "", result)
            self.assertEqual([(h["hostname"], h["error"]) for h in result["hosts"]], [("seed", "")])


class MtlsJobDispatchTest(unittest.TestCase):
    """Under mtls a manager certificate may send jobs (no token needed); a daemon's may not."""

    def setUp(self):
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        self.ca = self.s.use_certificates("mtls")
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "m.bin"), SIZE, seed=9)
        self.s.start_origin(root)
        self.s.start_scheduler()
        self.seed = self.s.start_daemon("seed", seed=True)
        self.peer = self.s.start_daemon("peer-0")
        self.s.wait_hosts(2, timeout=30)
        self.driver = find_driver(self)

    def job(self, role, name):
        cert, key = self.s.issue(role, name)
        argv = [self.driver, "--type", "preheat", "--url", self.s.origin_url("/files/m.bin"), "--scope", "all_peers",
                "--scheduler", "127.0.0.1:%d" % self.s.scheduler_port, "--mode", "mtls",
                "--ca", os.path.join(self.ca, "ca.pem"), "--cert", cert, "--key", key]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_only_a_manager_certificate_runs_jobs(self):
        refused = self.job("peer", "peer-9")
        self.assertEqual(refused["error"], "refused: job_request from a certificate that is not a manager's")
        self.assertEqual(self.s.scheduler_metrics().get(REFUSED, 0), 1)
        result = self.job("manager", "manager-1")
        self.assertEqual(result["error"], "", result)
        self.assertEqual(sorted((h["hostname"], h["error"], h["bytes"]) for h in result["hosts"]),
                         [("peer-0", "", SIZE), ("seed", "", SIZE)])
        self.assertEqual(self.s.scheduler_metrics().get(JOBS, 0), 1)


if __name__ == "__main__":
    unittest.main()
