"""Issue 12's headline, every program real: Debian's docker-registry notifies dfmanager of a push
(skopeo copy); the manager resolves the image and has the cluster's scheduler tell every seed peer
to fetch each blob; before anyone pulls, every seed holds every layer; then three containerd
instances pull through their daemons and the registry sends no blob bytes at all."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import configured  # noqa: E402
import manager as mg  # noqa: E402
import registry as reg  # noqa: E402
import swarm as sw  # noqa: E402

MiB = 1 << 20
SEEDS = 2
PEERS = 3


class PushPreheat(unittest.TestCase):
    def setUp(self):
        missing = reg.missing_tools()
        if missing:
            self.fail("missing %s: run scripts/setup.sh" % ", ".join(missing))
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        s = self.s
        jobs_token = configured.write_config(s, "jobs-token", "push-preheat-jobs-token-42\n")
        rules = ("jobs:\n  scheduler_token_file: %s\n  poll_interval: 100ms\n"
                 "webhooks:\n  rules:\n    - {repository: \"apps/*\", tags: [\"*\"], scope: all_seed_peers}\n"
                 % jobs_token)
        conf = mg.write_config(os.path.join(s.workdir, "dfmanager.yaml"), os.path.join(s.workdir, "m"),
                               keepalive="1s", extra=rules)
        self.m = mg.start_manager(s, "dfmanager", conf)
        manager_token = configured.write_config(s, "manager-token", mg.TOKEN + "\n")
        section = configured.manager_section(self.m.port, manager_token, "500ms")
        configured.start_scheduler(s, "sched", config="host: {hostname: sched}\n" + section +
                                   "jobs:\n  token_file: %s\n" % jobs_token)
        sw.wait_until(lambda: [x["state"] for x in self.m.ok("GET", "/api/v1/schedulers")] == ["active"], 10,
                      "the scheduler to register")
        self.pat = self.m.ok("POST", "/api/v1/personal-access-tokens",
                             {"name": "registry", "scopes": ["job"], "expired_at": "2099-01-01T00:00:00Z"},
                             expected=201)["token"]
        self.registry = reg.Registry(s, "registry", notify=(self.m.url("/api/v1/webhooks/registry"),
                                                            "Bearer " + self.pat))
        upstream = ["--registry", "%s=http://%s" % (self.registry.host, self.registry.host)]
        config = configured.write_config(s, "daemon.yaml", section)
        self.seeds = [configured.start_managed_daemon(s, "seed%d" % i, config, seed=True, extra=upstream)
                      for i in range(SEEDS)]
        self.peers = [configured.start_managed_daemon(s, "peer%d" % i, config, extra=upstream) for i in range(PEERS)]
        sw.wait_until(lambda: len(self.m.ok("GET", "/api/v1/hosts")) == SEEDS + PEERS, 15,
                      "every host to announce itself")
        sw.wait_until(lambda: len([x for x in self.m.ok("GET", "/api/v1/seed-peers") if x["state"] == "active"])
                      == SEEDS, 15, "both seeds to register")
        self.layout = os.path.join(s.workdir, "layout")
        reg.build_image(self.layout, "v1", [("/etc/app", 4096, 51), ("/data/app.bin", 3 * MiB, 52),
                                            ("/data/more.bin", 1 * MiB, 53)])

    def test_a_pushed_image_is_on_every_seed_before_anyone_pulls_it(self):
        self.registry.push(self.layout, "v1", "apps/web:v1")
        job = sw.wait_until(lambda: next((j for j in self.m.ok("GET", "/api/v1/jobs")
                                          if j["type"] == "preheat" and j["state"] not in ("PENDING", "RUNNING")),
                                         None), 60, "the push's preheat job to finish")
        self.assertEqual(job["state"], "SUCCESS", job)
        _, manifest = reg.manifest_of(self.layout, "v1")
        blobs = [manifest["config"]["digest"]] + [l["digest"] for l in manifest["layers"]]
        done = [t for st in job["result"]["job_states"] for r in st["results"] for t in r["success_tasks"]]
        for seed in self.seeds:
            held = {t["url"].rsplit("/", 1)[1] for t in done if t["hostname"] == seed.name}
            self.assertEqual(held, set(blobs), "%s should hold every blob: %s" % (seed.name, job["result"]))
        sent = self.registry.wait_blob_bytes_sent(blobs)
        # Each blob left the registry once: one seed fetched it, the other got it from the swarm.
        sizes = {manifest["config"]["digest"]: manifest["config"]["size"]}
        sizes.update({l["digest"]: l["size"] for l in manifest["layers"]})
        self.assertEqual(sent, sizes, "the registry should send each blob once")

        ref = "%s/apps/web:v1" % self.registry.host
        for i, d in enumerate(self.peers):
            c = reg.Containerd(self.s, "containerd-%d" % i)
            c.init_mirror(self.s._bin("dfdaemon"), "http://" + self.registry.host, d.proxy_url())
            r = c.pull(ref)
            self.assertEqual(r.returncode, 0, "%s: %s\n%s" % (c.name, r.stderr[-2000:], self.s.logs()))
            for digest in blobs[1:]:
                self.assertEqual(c.content_digest(digest), digest, c.name)
        self.assertEqual(self.registry.blob_bytes_sent(), sent, "pulls after the preheat cost the registry blob bytes")
        for d in self.peers:
            self.assertEqual(d.received().get("origin", 0), 0, d.name)


if __name__ == "__main__":
    unittest.main()
