"""Automatic preheat on push: Debian's docker-registry, configured to notify dfmanager, is pushed
an image with skopeo; the manager turns the notification into one preheat job for the image (the
rules in webhooks.rules decide), and refuses what is not a notification or lacks the token.
The jobs' run in the swarm is tested in integration_job_dispatch; docs/preheat.md."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import manager as mg  # noqa: E402
import registry as reg  # noqa: E402
import swarm as sw  # noqa: E402


@unittest.skipIf(reg.missing_tools(), "needs %s" % ", ".join(reg.missing_tools()))
class RegistryWebhook(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        rules = ("webhooks:\n  rules:\n"
                 "    - {repository: \"apps/*\", tags: [\"v*\"], scope: all_peers}\n"
                 "    - {repository: \"base/*\", tags: [\"*\"], scope: single_seed_peer}\n")
        config = mg.write_config(os.path.join(self.s.workdir, "manager.yaml"),
                                 os.path.join(self.s.workdir, "manager-data"), extra=rules)
        self.m = mg.start_manager(self.s, "manager", config)
        self.pat = self.m.ok("POST", "/api/v1/personal-access-tokens",
                             {"name": "registry", "scopes": ["job"], "expired_at": "2099-01-01T00:00:00Z"},
                             expected=201)["token"]
        self.layout = os.path.join(self.s.workdir, "layout")
        reg.build_image(self.layout, "v1", [("/a.bin", 4096, 1)])

    def preheat_jobs(self):
        return [j for j in self.m.ok("GET", "/api/v1/jobs?per_page=100") if j["type"] == "preheat"]

    def test_a_push_queues_one_preheat_job_per_matching_image(self):
        hook = self.m.url("/api/v1/webhooks/registry")
        registry = reg.Registry(self.s, "registry", notify=(hook, "Bearer " + self.pat))
        registry.push(self.layout, "v1", "apps/web:v1")
        jobs = sw.wait_until(self.preheat_jobs, 30, "the push notification to queue a preheat job")
        self.assertEqual(len(jobs), 1, jobs)
        args = jobs[0]["args"]
        self.assertEqual(args["type"], "image")
        self.assertEqual(args["scope"], "all_peers")
        self.assertTrue(args["url"].startswith("http://%s/v2/apps/web/manifests/sha256:" % registry.host), args)
        # The same image under a tag no rule takes, and a repository no rule names: nothing more.
        registry.push(self.layout, "v1", "apps/web:latest")
        registry.push(self.layout, "v1", "other/web:v1")
        registry.push(self.layout, "v1", "base/os:12")  # …but this one matches the second rule
        jobs = sw.wait_until(lambda: [j for j in self.preheat_jobs() if j["args"]["scope"] == "single_seed_peer"],
                             30, "the base image's job")
        self.assertEqual(len(self.preheat_jobs()), 2, self.preheat_jobs())
        self.assertIn("/v2/base/os/manifests/", jobs[0]["args"]["url"])

    def test_bad_notifications_and_credentials_are_refused_and_nothing_is_queued(self):
        path = "/api/v1/webhooks/registry"
        status, _, body = self.m.call("POST", path, {"events": [{"action": "push"}]}, token=self.pat)
        self.assertEqual((status, body["code"]), (400, "invalid_value"), body)
        self.assertIn("events[0].target", body["message"])
        status, _, body = self.m.call("POST", path, raw=b"not json", token=self.pat)
        self.assertEqual(status, 400, body)
        status, _, body = self.m.call("POST", path, {"events": []}, token="dfp_wrong")
        self.assertEqual(status, 401, body)
        no_job_scope = self.m.ok("POST", "/api/v1/personal-access-tokens",
                                 {"name": "clusters", "scopes": ["cluster"], "expired_at": "2099-01-01T00:00:00Z"},
                                 expected=201)["token"]
        status, _, body = self.m.call("POST", path, {"events": []}, token=no_job_scope)
        self.assertEqual(status, 403, body)
        status, _, body = self.m.call("GET", path, token=self.pat)
        self.assertEqual(status, 405, body)
        # A well-formed envelope with nothing to preheat is accepted, with nothing queued.
        status, _, body = self.m.call("POST", path, {"events": []}, token=self.pat)
        self.assertEqual((status, body), (202, {"jobs": [], "ignored": 0}))
        self.assertEqual(self.preheat_jobs(), [])
        self.assertGreaterEqual(self.m.metrics().get('dragonfly_manager_requests_rejected_total{reason="invalid"}', 0), 2)


if __name__ == "__main__":
    unittest.main()
