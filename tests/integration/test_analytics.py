"""Download analytics end to end (docs/manager.md, "Analytics"): dfmanager, a dfscheduler
registered with it, a seed and two daemons that found their cluster through it. Two dfget
downloads of one file and one of a missing file become download records the scheduler sends after
its keepalives; GET /api/v1/analytics/downloads then shows them (the seed's fetch from the origin
is a download too: the origin's bytes once, the peers' bytes for both daemons), and batches that
are hostile (another cluster's), oversize or garbage are refused with a counter."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import configured  # noqa: E402
import manager as mg  # noqa: E402
import swarm as sw  # noqa: E402

SIZE = 3 << 20


class Analytics(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "f.bin"), SIZE, seed=13)
        self.s.start_origin(root)
        conf = mg.write_config(os.path.join(self.s.workdir, "dfmanager.yaml"), os.path.join(self.s.workdir, "m"),
                               keepalive="1s")
        self.m = mg.start_manager(self.s, "dfmanager", conf)
        token = os.path.join(self.s.workdir, "manager-token")
        with open(token, "w") as f:
            f.write(mg.TOKEN + "\n")
        section = configured.manager_section(self.m.port, token, "500ms")
        configured.start_scheduler(self.s, "sched", config="host: {hostname: sched}\n" + section, adopt=True)
        sw.wait_until(lambda: [x["state"] for x in self.m.ok("GET", "/api/v1/schedulers")] == ["active"], 10,
                      "the scheduler to register")
        self.daemons = []
        for name, seed in [("seed", True), ("p0", False), ("p1", False)]:
            path = configured.write_config(self.s, name + ".yaml", section)
            self.daemons.append(configured.start_managed_daemon(self.s, name, path, seed=seed))
        sw.wait_until(lambda: len(self.m.ok("GET", "/api/v1/hosts")) == 3, 15, "every host to announce itself")

    def totals(self):
        return self.m.ok("GET", "/api/v1/analytics/downloads")["totals"]

    def test_downloads_are_recorded_and_hostile_batches_refused(self):
        url = self.s.origin_url("/files/f.bin")
        for d in self.daemons[1:]:
            r = self.s.dfget(d, url, os.path.join(self.s.workdir, d.name + ".out"))
            self.assertEqual(r.returncode, 0, r.stderr)
        # seed (from the origin), p0 and p1 (from peers): three successful downloads.
        t = sw.wait_until(lambda: (lambda t: t if t["succeeded"] >= 3 else None)(self.totals()), 20,
                          "the scheduler to report three downloads")
        self.assertEqual(t["succeeded"], 3, t)
        self.assertEqual(t["failed"], 0, t)
        self.assertEqual(t["bytes_from_origin"], SIZE, "the origin's bytes once: %s" % t)
        self.assertEqual(t["bytes_from_peers"], 2 * SIZE, "both daemons from peers: %s" % t)
        self.assertEqual(t["bytes_total"], 3 * SIZE, t)
        self.assertGreater(t["p95_ms"], 0, t)

        # A missing file: the origin answers 404, the download fails and is counted as failed.
        r = self.s.dfget(self.daemons[1], self.s.origin_url("/files/missing.bin"),
                         os.path.join(self.s.workdir, "missing.out"))
        self.assertNotEqual(r.returncode, 0)
        t = sw.wait_until(lambda: (lambda t: t if t["failed"] >= 1 else None)(self.totals()), 20,
                          "the failed download to be reported")
        self.assertEqual(t["succeeded"], 3, t)
        self.assertEqual(t["count"], t["succeeded"] + t["failed"], t)

        answer = self.m.ok("GET", "/api/v1/analytics/downloads?bucket=600")
        self.assertEqual(answer["bucket"], 600)
        self.assertIn(len(answer["buckets"]), (144, 145))  # the last 24 hours, aligned to 10 minutes
        self.assertEqual(sum(b["count"] for b in answer["buckets"]), t["count"])
        self.assertEqual([c["count"] for c in answer["clusters"]], [t["count"]])
        scheduler_metrics = configured.metrics(self.s.scheduler_metrics_port)
        self.assertGreaterEqual(scheduler_metrics.get('dragonfly_scheduler_manager_download_reports_total{result="sent"}', 0),
                                t["count"])

        # Hostile and broken batches: refused, nothing stored, counted.
        sched = self.m.ok("GET", "/api/v1/schedulers")[0]
        other = self.m.ok("POST", "/api/v1/scheduler-clusters", {"name": "other"}, expected=201)["id"]
        path = "/api/v1/schedulers/%d/downloads" % sched["id"]
        record = {"finished_at": int(time.time() * 1000), "duration_ms": 5, "success": True, "bytes_from_peers": 1}
        status, _, body = self.m.call("POST", path, {"downloads": [dict(record, cluster_id=other)]})
        self.assertEqual(status, 403, body)
        status, _, body = self.m.call("POST", path, {"downloads": [record] * 501})
        self.assertEqual(status, 400, body)
        status, _, body = self.m.call("POST", path, raw=b"\x00garbage")
        self.assertEqual(status, 400, body)
        status, _, body = self.m.call("POST", path, {"downloads": [dict(record, duration_ms="soon")]})
        self.assertEqual(status, 400, body)
        self.assertEqual(self.totals()["count"], t["count"], "nothing of the refused batches is stored")
        self.assertEqual(self.m.metrics().get("dragonfly_manager_download_batches_refused_total"), 4)
        # Without credentials: nothing.
        status, _, _ = self.m.call("GET", "/api/v1/analytics/downloads", token="")
        self.assertEqual(status, 401)


if __name__ == "__main__":
    unittest.main()
