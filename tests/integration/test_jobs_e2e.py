"""Jobs from the manager's API to the hosts and back, with every real process: dfmanager (its
job engine and scheduler dispatcher), a dfscheduler registered with it, a seed and daemons that
found their cluster through it. A file preheat to every peer ends SUCCESS with a result per host
and leaves the file in every cache; get_task names the holders; delete_task empties them; a
scheduler that does not share the manager's jobs token refuses the job, which fails saying so.
(The dispatch itself is tested piece by piece in integration_job_dispatch.)"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import configured  # noqa: E402
import manager as mg  # noqa: E402
import swarm as sw  # noqa: E402

PEERS = 3
SIZE = 3 << 20


class JobsEndToEnd(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "f.bin"), SIZE, seed=71)
        self.digest = sw.sha256_file(os.path.join(root, "f.bin"))
        self.s.start_origin(root)
        self.jobs_token = os.path.join(self.s.workdir, "jobs-token")
        with open(self.jobs_token, "w") as f:
            f.write("jobs-token-0123456789abcdef\n")
        conf = mg.write_config(os.path.join(self.s.workdir, "dfmanager.yaml"), os.path.join(self.s.workdir, "m"),
                               keepalive="1s", extra="jobs:\n  scheduler_token_file: %s\n  poll_interval: 100ms\n"
                               % self.jobs_token)
        self.m = mg.start_manager(self.s, "dfmanager", conf)
        self.manager_token = os.path.join(self.s.workdir, "manager-token")
        with open(self.manager_token, "w") as f:
            f.write(mg.TOKEN + "\n")

    def manager_section(self):
        return configured.manager_section(self.m.port, self.manager_token, "500ms")

    def start_cluster(self, scheduler_jobs_token):
        conf = "host: {hostname: sched}\n" + self.manager_section()
        if scheduler_jobs_token:
            conf += "jobs:\n  token_file: %s\n" % scheduler_jobs_token
        configured.start_scheduler(self.s, "sched", config=conf, adopt=True)
        sw.wait_until(lambda: [x["state"] for x in self.m.ok("GET", "/api/v1/schedulers")] == ["active"], 10,
                      "the scheduler to register")
        daemons = []
        for name, seed in [("seed", True)] + [("p%d" % i, False) for i in range(PEERS)]:
            path = configured.write_config(self.s, name + ".yaml", self.manager_section())
            daemons.append(configured.start_managed_daemon(self.s, name, path, seed=seed))
        sw.wait_until(lambda: len(self.m.ok("GET", "/api/v1/hosts")) == PEERS + 1, 15, "every host to announce itself")
        return daemons

    @staticmethod
    def hosts(job, key="success_tasks"):
        """The per-host entries of a finished job's result (Dragonfly's shape: job_states[].results[])."""
        return [h for state in job["result"]["job_states"] for r in state["results"] for h in r[key]]

    def run_job(self, body):
        job = self.m.ok("POST", "/api/v1/jobs", body, expected=201)
        return sw.wait_until(lambda: (lambda j: j if j["state"] not in ("PENDING", "RUNNING") else None)(
            self.m.ok("GET", "/api/v1/jobs/%d" % job["id"])), 60, "job %d to finish" % job["id"])

    def test_preheat_get_and_delete_reach_every_host(self):
        daemons = self.start_cluster(self.jobs_token)
        url = self.s.origin_url("/files/f.bin")
        job = self.run_job({"type": "preheat", "args": {"type": "file", "url": url, "scope": "all_peers"}})
        self.assertEqual(job["state"], "SUCCESS", job)
        hosts = {h["hostname"]: h for h in self.hosts(job)}
        self.assertEqual(self.hosts(job, "failure_tasks"), [])
        self.assertEqual(set(hosts), {"seed"} | {"p%d" % i for i in range(PEERS)}, job["result"])
        for name, h in hosts.items():
            self.assertEqual(h.get("error", ""), "", name)
            self.assertEqual(h["bytes"], SIZE, name)
        self.assertEqual(self.s.origin_stats()["body_bytes"], SIZE, "the origin sends the file once")
        # Every peer serves it from its cache now.
        for d in daemons[1:]:
            out = os.path.join(self.s.workdir, d.name + ".out")
            before = d.received()
            r = self.s.dfget(d, url, out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(sw.sha256_file(out), self.digest)
            self.assertEqual(d.received(), before, "%s fetched again what was preheated" % d.name)

        found = self.run_job({"type": "get_task", "args": {"url": url}})
        self.assertEqual(found["state"], "SUCCESS", found)
        holders = {h["hostname"] for h in self.hosts(found)}
        self.assertEqual(holders, set(hosts), found["result"])

        deleted = self.run_job({"type": "delete_task", "args": {"url": url}})
        self.assertEqual(deleted["state"], "SUCCESS", deleted)
        found = self.run_job({"type": "get_task", "args": {"url": url}})
        self.assertEqual(self.hosts(found), [], found["result"])

    def test_a_scheduler_without_the_jobs_token_refuses_and_the_job_says_why(self):
        other = os.path.join(self.s.workdir, "other-token")
        with open(other, "w") as f:
            f.write("not-the-managers-token-42\n")
        self.start_cluster(other)
        job = self.run_job({"type": "preheat", "args": {"type": "file", "url": self.s.origin_url("/files/f.bin"),
                                                        "scope": "single_seed_peer"}})
        self.assertEqual(job["state"], "FAILURE", job)
        self.assertIn("token", job["reason"] + str(job["result"]), job)
        self.assertEqual(self.s.origin_stats()["body_bytes"], 0)


if __name__ == "__main__":
    unittest.main()
