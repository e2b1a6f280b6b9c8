"""Jobs in dfmanager (issue 12, the manager's side): personal access tokens, the Open API that
Harbor's Dragonfly provider calls (replayed byte for byte), validation, image manifest resolution
against a real docker-registry and a Bearer-challenge registry, and the engine's claims — two
replicas on one PostgreSQL run each job once, and a replica killed mid-job loses it to the other
when its lease expires.

The scheduler side is not wired yet: every dispatch fails with "no scheduler dispatch yet", so a
job that got that far ends FAILURE with that reason, and `result.urls` shows what it would have
preheated."""
import base64
import http.client
import http.server
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import manager as mg  # noqa: E402
import postgres as pgs  # noqa: E402
import registry as reg  # noqa: E402
import swarm as sw  # noqa: E402

JOBS_SECTION = "jobs:\n  lease: 2s\n  poll_interval: 100ms\n  rate_limit: %d\n"
NO_SCHEDULER = "no active scheduler in cluster"  # no scheduler runs in these tests: the dispatch fails saying so
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
LAYER = "sha256:" + "1" * 64
CONFIG = "sha256:" + "c" * 64
MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": CONFIG,
                                  "size": 2},
                       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": LAYER,
                                   "size": 3}]}).encode()


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


class FakeRegistry:
    """A registry on 127.0.0.1 serving MANIFEST for any manifest URL, to whoever `authorized(headers)`
    lets in; otherwise 401 with `challenge(port)`. `/token` hands out "the-token" for the right
    Basic credentials. `stall` makes the first manifest request hang until released. Counts
    manifest requests."""

    def __init__(self, authorized, challenge=None, stall=False):
        self.manifest_requests = 0
        self.release = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.startswith("/token"):
                    ok = self.headers.get("Authorization") == basic("alice", "s3cret") and "scope=" in self.path
                    return self.answer(200 if ok else 401, json.dumps({"token": "the-token"}).encode() if ok else b"{}")
                outer.manifest_requests += 1
                if stall and outer.manifest_requests == 1:
                    outer.release.wait(60)
                if authorized(self.headers):
                    return self.answer(200, MANIFEST, "application/vnd.oci.image.manifest.v1+json")
                self.answer(401, b"{}", extra=[("WWW-Authenticate", challenge(outer.port) if challenge
                                                 else 'Basic realm="fake"')])

            def answer(self, status, body, content_type="application/json", extra=()):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in extra:
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the manager that asked was killed

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name="library/alpine", ref="3.19"):
        return "http://127.0.0.1:%d/v2/%s/manifests/%s" % (self.port, name, ref)

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def replay(port, raw):
    """Sends `raw` bytes as they are; → (status, headers, body bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(raw)
        r = http.client.HTTPResponse(s)
        r.begin()
        return r.status, r.headers, r.read()


def go_request(method, port, path, token, body=None):
    """The bytes Go's net/http client (Harbor's provider) puts on the wire for this request:
    Host, User-Agent, Content-Length, then the set headers in sorted order, then Accept-Encoding."""
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1:%d" % port, "User-Agent: Go-http-client/1.1"]
    if body is not None:
        lines.append("Content-Length: %d" % len(body))
    lines += ["Accept: application/json", "Authorization: Bearer " + token]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines.append("Accept-Encoding: gzip")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


class Jobs:
    """Helpers over a manager: tokens, jobs, waiting for a job to finish."""

    def token(self, m, scopes=("job",), name=None, expired_at="2099-01-01T00:00:00Z"):
        answer = m.ok("POST", "/api/v1/personal-access-tokens",
                      {"name": name or "t-%f" % time.monotonic(), "scopes": list(scopes), "expired_at": expired_at},
                      expected=201)
        return answer

    def finished(self, m, job_id, timeout=30):
        def done():
            job = m.ok("GET", "/api/v1/jobs/%d" % job_id)
            return job if job["state"] not in ("PENDING", "RUNNING") else None
        return sw.wait_until(done, timeout, "job %d to finish" % job_id)

    def total_jobs(self, m):
        status, headers, _ = m.call("GET", "/api/v1/jobs")
        return int(headers["X-Total-Count"])


class SqliteJobs(unittest.TestCase, Jobs):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        config = mg.write_config(os.path.join(cls.s.workdir, "dfmanager.yaml"), os.path.join(cls.s.workdir, "m"),
                                 extra=JOBS_SECTION % 5)
        cls.m = mg.start_manager(cls.s, "dfmanager", config)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def oapi(self, token, method, path, body=None):
        return self.m.call(method, path, body, token=token)

    def test_personal_access_token_lifecycle(self):
        created = self.token(self.m, name="lifecycle")
        token = created["token"]
        self.assertTrue(token.startswith("dfp_"))
        listed = self.m.ok("GET", "/api/v1/personal-access-tokens?per_page=100")
        self.assertNotIn(token, json.dumps(listed))  # shown once only
        self.assertNotIn("token", [k for t in listed for k in t])
        status, _, answer = self.oapi(token, "GET", "/oapi/v1/jobs")
        self.assertEqual(status, 200, answer)
        self.assertNotEqual(self.m.ok("GET", "/api/v1/personal-access-tokens/%d" % created["id"])["last_used_at"], "")
        status, _, answer = self.oapi(token, "GET", "/oapi/v1/clusters")
        self.assertEqual((status, answer["code"]), (403, "forbidden"))
        self.assertIn("'cluster' scope", answer["message"])
        self.m.ok("PATCH", "/api/v1/personal-access-tokens/%d" % created["id"], {"state": "inactive"})
        status, headers, answer = self.oapi(token, "GET", "/oapi/v1/jobs")
        self.assertEqual(status, 401)
        self.assertIn("revoked", answer["message"])
        self.assertEqual(headers["WWW-Authenticate"], "Bearer")
        self.m.ok("DELETE", "/api/v1/personal-access-tokens/%d" % created["id"])
        status, _, answer = self.oapi(token, "GET", "/oapi/v1/jobs")
        self.assertEqual((status, answer["message"]), (401, "unknown personal access token"))
        # A token that expires: refused from then on, saying so.
        soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
        short = self.token(self.m, scopes=("job", "cluster"), name="short", expired_at=soon)["token"]
        self.assertEqual(self.oapi(short, "GET", "/oapi/v1/clusters")[0], 200)
        sw.wait_until(lambda: self.oapi(short, "GET", "/oapi/v1/jobs")[0] == 401, 10, "the token to expire")
        self.assertIn("expired at " + soon, self.oapi(short, "GET", "/oapi/v1/jobs")[2]["message"])
        # The admin token is not a personal access token.
        self.assertEqual(self.oapi(mg.TOKEN, "GET", "/oapi/v1/jobs")[0], 401)
        metrics = self.m.metrics()
        self.assertGreater(metrics['dragonfly_manager_requests_rejected_total{reason="unauthorized"}'], 0)
        self.assertGreater(metrics['dragonfly_manager_requests_rejected_total{reason="forbidden"}'], 0)

    def test_harbor_provider_contract(self):
        """Replays what Harbor's Dragonfly provider sends (src/pkg/p2p/preheat/provider/dragonfly.go:
        GET /healthy, POST /oapi/v1/jobs, GET /oapi/v1/jobs/{id} until done) and checks every field it
        parses: id (an integer), created_at / updated_at (RFC 3339 for Go's time.Time), state (only
        PENDING, SUCCESS, FAILURE), result.job_states[].error and .results[] (success_tasks,
        failure_tasks, scheduler_cluster_id)."""
        harbor_auth = "Bearer harbor-robot-token"
        registry = FakeRegistry(lambda h: h.get("Authorization") == harbor_auth)
        self.addCleanup(registry.stop)
        token = self.token(self.m, name="harbor")["token"]
        port = self.m.port

        status, _, body = replay(port, go_request("GET", port, "/healthy", token))
        self.assertEqual(status // 100, 2, body)

        # Go's json.Marshal of dragonflyCreateJobRequest: struct order, zero values included,
        # scheduler_cluster_ids null when the policy names no cluster.
        for clusters in ("null", "[1]"):
            payload = ('{"type":"preheat","args":{"type":"image","url":"%s","tag":"","filtered_query_params":"",'
                       '"headers":{"Authorization":"%s"},"scope":"%s","concurrent_count":0,"timeout":0},'
                       '"scheduler_cluster_ids":%s}') % (registry.url(), harbor_auth,
                                                          "" if clusters == "null" else "all_seed_peers", clusters)
            status, _, body = replay(port, go_request("POST", port, "/oapi/v1/jobs", token, payload.encode()))
            self.assertEqual(status // 100, 2, body)
            created = json.loads(body)
            self.assertIsInstance(created["id"], int)
            for key in ("created_at", "updated_at"):
                self.assertRegex(created[key], RFC3339)
            self.assertIn(created["state"], ("PENDING", "SUCCESS", "FAILURE"))
            self.assertNotIn(harbor_auth, body.decode())  # credentials never come back

            seen = set()

            def polled():
                status, _, body = replay(port, go_request("GET", port, "/oapi/v1/jobs/%d" % created["id"], token))
                self.assertEqual(status // 100, 2, body)
                job = json.loads(body)
                seen.add(job["state"])
                return job if job["state"] != "PENDING" else None
            job = sw.wait_until(polled, 30, "the job to finish")
            self.assertTrue(seen <= {"PENDING", "SUCCESS", "FAILURE"}, seen)
            self.assertIsInstance(job["id"], int)
            for key in ("created_at", "updated_at"):
                self.assertRegex(job[key], RFC3339)
            self.assertEqual(job["state"], "FAILURE")  # the dispatch is not wired yet…
            states = job["result"]["job_states"]
            self.assertIsInstance(states, list)
            self.assertIn(NO_SCHEDULER, states[0]["error"])  # …and Harbor shows why
            for result in states[0]["results"]:
                self.assertIsInstance(result["scheduler_cluster_id"], int)
                self.assertIsInstance(result["success_tasks"], list)
                self.assertIsInstance(result["failure_tasks"], list)
            # The manifest was resolved with Harbor's header: config and layer are what it would preheat.
            base = "http://127.0.0.1:%d/v2/library/alpine/blobs/" % registry.port
            self.assertEqual(job["result"]["urls"], [base + CONFIG, base + LAYER])

    def test_bad_payloads_are_4xx_and_queue_nothing(self):
        token = self.token(self.m, name="bad")["token"]
        before = self.total_jobs(self.m)
        cases = [
            ({"type": "warm-up", "args": {"type": "file", "url": "http://a/b"}}, "type"),
            ({"type": "preheat", "args": {"type": "file"}}, "args.url"),
            ({"type": "preheat", "args": {"type": "file", "url": "not-a-url"}}, "args.urls[0]"),
            ({"type": "preheat", "args": {"type": "image", "url": "http://r/library/a:1"}}, "args.url"),
            ({"type": "preheat", "args": {"type": "file", "url": "http://a/b"}, "cron": "* * *"}, "cron"),
            ({"type": "preheat", "args": {"type": "file", "url": "http://a/b"}, "cron": "0 25 * * *"}, "cron"),
            ({"type": "preheat", "args": {"type": "file", "url": "http://a/b", "scope": "all"}}, "args.scope"),
            ({"type": "preheat", "args": {"type": "file", "url": "http://a/b"}, "scheduler_cluster_ids": [999]},
             "scheduler_cluster_ids[0]"),
        ]
        for body, field in cases:
            for path, tok in (("/api/v1/jobs", None), ("/oapi/v1/jobs", token)):
                status, _, answer = self.m.call("POST", path, body, token=tok)
                self.assertEqual(status, 400, (path, body, answer))
                self.assertTrue(answer["message"].startswith(field + ":"), (body, answer))
        status, _, answer = self.m.call("POST", "/oapi/v1/jobs", raw=b'{"type":', token=token)
        self.assertEqual((status, answer["code"]), (400, "invalid_json"))
        self.assertEqual(self.m.call("POST", "/oapi/v1/jobs", cases[0][0], token="dfp_nope")[0], 401)
        self.assertEqual(self.total_jobs(self.m), before)

    def test_per_cluster_rate_limit(self):
        body = {"type": "preheat", "args": {"type": "file", "url": "http://a/b"}, "scheduler_cluster_ids": [1]}
        statuses = [self.m.call("POST", "/api/v1/jobs", body)[0] for _ in range(12)]  # the limit is 5/s
        self.assertIn(429, statuses)
        self.assertLessEqual(statuses.count(201), 10)  # at most two one-second windows
        self.assertEqual(statuses.count(201) + statuses.count(429), 12)

    def test_stop_copy_delete(self):
        registry = FakeRegistry(lambda h: True, stall=True)  # the job hangs resolving its manifest
        self.addCleanup(registry.stop)
        job = self.m.ok("POST", "/api/v1/jobs", {"type": "preheat", "args": {"type": "image", "url": registry.url()}},
                        expected=201)
        sw.wait_until(lambda: self.m.ok("GET", "/api/v1/jobs/%d" % job["id"])["state"] == "RUNNING", 10,
                      "the job to run")
        self.assertGreaterEqual(self.m.metrics()['dragonfly_manager_jobs{state="RUNNING"}'], 1)
        canceled = self.m.ok("POST", "/api/v1/jobs/%d/cancel" % job["id"])
        self.assertEqual(canceled["state"], "CANCELED")
        registry.release.set()  # the run goes on, finds its lease gone and drops its outcome
        copy = self.m.ok("POST", "/api/v1/jobs/%d/copy" % job["id"], expected=201)
        self.assertEqual(copy["args"], job["args"])
        done = self.finished(self.m, copy["id"])
        self.assertIn(NO_SCHEDULER, done["reason"])  # resolved this time; no scheduler to run it
        self.assertEqual(self.m.ok("GET", "/api/v1/jobs/%d" % job["id"])["state"], "CANCELED")
        self.m.ok("DELETE", "/api/v1/jobs/%d" % job["id"])
        self.assertEqual(self.m.call("GET", "/api/v1/jobs/%d" % job["id"])[0], 404)

    def test_bearer_challenge_registry(self):
        challenge = lambda port: ('Bearer realm="http://127.0.0.1:%d/token",service="fake",'  # noqa: E731
                                  'scope="repository:library/alpine:pull"' % port)
        registry = FakeRegistry(lambda h: h.get("Authorization") == "Bearer the-token", challenge)
        self.addCleanup(registry.stop)

        def run(**creds):
            job = self.m.ok("POST", "/api/v1/jobs", {"type": "preheat", "args": dict(type="image", url=registry.url(),
                                                                                      **creds)}, expected=201)
            return self.finished(self.m, job["id"])
        good = run(username="alice", password="s3cret")
        self.assertIn(NO_SCHEDULER, good["reason"])
        self.assertEqual(len(good["result"]["urls"]), 2)
        self.assertEqual(good["args"]["password"], "<redacted>")
        anonymous = run()
        self.assertIn("manifest 401 from registry 127.0.0.1:%d" % registry.port, anonymous["reason"])
        harbor_style = run(headers={"Authorization": basic("alice", "s3cret")})  # Basic → the token service
        self.assertIn(NO_SCHEDULER, harbor_style["reason"])
        wrong = run(username="alice", password="wrong")
        self.assertIn("its token service http://127.0.0.1:%d/token answered 401" % registry.port, wrong["reason"])
        self.assertNotIn("wrong", self.s.logs())  # the password is never logged


class SqliteRestart(unittest.TestCase, Jobs):
    def test_a_manager_killed_mid_job_takes_it_over_after_a_restart(self):
        registry = FakeRegistry(lambda h: True, stall=True)
        self.addCleanup(registry.stop)
        s = sw.Swarm()
        self.addCleanup(s.stop)
        config = mg.write_config(os.path.join(s.workdir, "dfmanager.yaml"), os.path.join(s.workdir, "m"),
                                 extra=JOBS_SECTION % 10)
        m = mg.start_manager(s, "dfmanager", config)
        job = m.ok("POST", "/api/v1/jobs", {"type": "preheat", "args": {"type": "image", "url": registry.url()}},
                   expected=201)
        sw.wait_until(lambda: registry.manifest_requests == 1, 10, "the manager to ask for the manifest")
        m.process.stop(signal.SIGKILL)
        again = mg.start_manager(s, "dfmanager-again", config)
        done = self.finished(again, job["id"], timeout=30)
        self.assertEqual(done["attempts"], 2)
        self.assertIn(NO_SCHEDULER, done["reason"])


class RealRegistry(unittest.TestCase, Jobs):
    """Debian's docker-registry with htpasswd auth and an image pushed with skopeo."""

    @classmethod
    def setUpClass(cls):
        missing = reg.missing_tools()
        if missing:
            raise unittest.SkipTest("missing tools: " + ", ".join(missing))
        cls.s = sw.Swarm()
        cls.creds = ("alice", "alice-Pa55-4242")
        cls.registry = reg.Registry(cls.s, "registry", auth=cls.creds)
        cls.layout = os.path.join(cls.s.workdir, "layout")
        reg.build_image(cls.layout, "amd", [("/a.bin", 4096, 1), ("/b.bin", 4096, 2)])
        reg.build_image(cls.layout, "arm", [("/c.bin", 4096, 3)], arch="arm64")
        reg.add_index(cls.layout, "multi", [("amd", "linux", "amd64"), ("arm", "linux", "arm64")])
        cls.registry.push(cls.layout, "multi", "team/app:multi", all_platforms=True)
        config = mg.write_config(os.path.join(cls.s.workdir, "dfmanager.yaml"), os.path.join(cls.s.workdir, "m"),
                                 extra=JOBS_SECTION % 100)
        cls.m = mg.start_manager(cls.s, "dfmanager", config)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def preheat(self, **args):
        url = "http://%s/v2/team/app/manifests/multi" % self.registry.host
        job = self.m.ok("POST", "/api/v1/jobs", {"type": "preheat", "args": dict(type="image", url=url, **args)},
                        expected=201)
        return self.finished(self.m, job["id"])

    def expected_urls(self, tag):
        _, manifest = reg.manifest_of(self.layout, tag)
        base = "http://%s/v2/team/app/blobs/" % self.registry.host
        return [base + manifest["config"]["digest"]] + [base + layer["digest"] for layer in manifest["layers"]]

    def test_manifest_resolution_with_and_without_credentials(self):
        user, password = self.creds
        amd = self.preheat(username=user, password=password)
        self.assertIn(NO_SCHEDULER, amd["reason"])  # resolved: only the dispatch is missing
        self.assertEqual(amd["result"]["urls"], self.expected_urls("amd"))
        self.assertEqual(len(amd["result"]["urls"]), 3)  # config and two layers
        arm = self.preheat(username=user, password=password, platform="linux/arm64")
        self.assertEqual(arm["result"]["urls"], self.expected_urls("arm"))
        harbor_style = self.preheat(headers={"Authorization": basic(user, password)})
        self.assertEqual(harbor_style["result"]["urls"], self.expected_urls("amd"))
        anonymous = self.preheat()
        self.assertEqual(anonymous["state"], "FAILURE")
        self.assertIn("manifest 401 from registry %s" % self.registry.host, anonymous["reason"])
        self.assertIn("needs credentials", anonymous["reason"])
        refused = self.preheat(username=user, password="not-" + password)
        self.assertIn("manifest 401 from registry %s: the registry refused the credentials" % self.registry.host,
                      refused["reason"])
        missing = self.preheat(username=user, password=password, platform="linux/s390x")
        self.assertIn("no manifest for platform linux/s390x", missing["reason"])
        self.assertNotIn(password, self.s.logs())


class PostgresReplicas(unittest.TestCase, Jobs):
    @classmethod
    def setUpClass(cls):
        try:
            cls.pg = pgs.Postgres().start()
        except pgs.Unavailable as e:
            raise unittest.SkipTest(str(e))
        cls.s = sw.Swarm()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.s.stop()
        finally:
            cls.pg.stop()

    def replicas(self, dbname, count):
        self.pg.create_database(dbname)
        pg = ("127.0.0.1", self.pg.port, pgs.Postgres.USER, dbname)
        configs = [mg.write_config(os.path.join(self.s.workdir, "%s%d.yaml" % (dbname, i)),
                                   os.path.join(self.s.workdir, "%s%d" % (dbname, i)), postgres=pg,
                                   extra=JOBS_SECTION % 1000) for i in range(count)]
        return configs

    def test_two_replicas_twenty_jobs_each_claimed_once(self):
        configs = self.replicas("claims", 2)
        a = mg.start_manager(self.s, "claims-a", configs[0])
        b = mg.start_manager(self.s, "claims-b", configs[1])
        ids = [(a if i % 2 else b).ok("POST", "/api/v1/jobs", {"type": "preheat", "args": {
            "type": "file", "url": "http://origin.example/f%d" % i}}, expected=201)["id"] for i in range(20)]
        jobs = [self.finished(a, i) for i in ids]
        for job in jobs:
            self.assertEqual(job["attempts"], 1, job)  # claimed exactly once
            self.assertIn(NO_SCHEDULER, job["reason"])
        self.assertEqual(self.pg.psql("SELECT COUNT(*) FROM jobs WHERE attempts <> 1 OR state <> 'FAILURE'",
                                      dbname="claims"), "0")
        runners = {job["result"]["manager"] for job in jobs}
        self.assertTrue(1 <= len(runners) <= 2, runners)

    def test_a_replica_killed_mid_job_loses_it_to_the_other_after_the_lease(self):
        registry = FakeRegistry(lambda h: True, stall=True)  # the first resolution hangs
        self.addCleanup(registry.stop)
        configs = self.replicas("takeover", 2)
        a = mg.start_manager(self.s, "takeover-a", configs[0])
        job = a.ok("POST", "/api/v1/jobs", {"type": "preheat", "args": {"type": "image", "url": registry.url()}},
                   expected=201)
        running = sw.wait_until(lambda: (lambda j: j if j["state"] == "RUNNING" else None)(
            a.ok("GET", "/api/v1/jobs/%d" % job["id"])), 10, "a to run the job")
        sw.wait_until(lambda: registry.manifest_requests == 1, 10, "a to ask for the manifest")
        owner_a = running["lease_owner"]
        a.process.stop(signal.SIGKILL)
        killed_at = time.monotonic()
        b = mg.start_manager(self.s, "takeover-b", configs[1])
        done = self.finished(b, job["id"], timeout=30)
        self.assertGreaterEqual(time.monotonic() - killed_at, 1.0)  # not before a's lease (2 s) ran out
        self.assertEqual(done["attempts"], 2)
        self.assertNotEqual(done["result"]["manager"], owner_a)
        self.assertIn(NO_SCHEDULER, done["reason"])  # b resolved the manifest and went on
        self.assertEqual(registry.manifest_requests, 2)
        self.assertEqual(len(done["result"]["urls"]), 2)

    def test_a_replica_stopped_mid_job_hands_it_over_at_once(self):
        registry = FakeRegistry(lambda h: True, stall=True)
        self.addCleanup(registry.stop)
        self.pg.create_database("handover")
        pg = ("127.0.0.1", self.pg.port, pgs.Postgres.USER, "handover")
        slow = "jobs:\n  lease: 60s\n  poll_interval: 100ms\n"  # a lease no test would wait out
        configs = [mg.write_config(os.path.join(self.s.workdir, "handover%d.yaml" % i),
                                   os.path.join(self.s.workdir, "handover%d" % i), postgres=pg, extra=slow)
                   for i in range(2)]
        a = mg.start_manager(self.s, "handover-a", configs[0])
        job = a.ok("POST", "/api/v1/jobs", {"type": "preheat", "args": {"type": "image", "url": registry.url()}},
                   expected=201)
        sw.wait_until(lambda: registry.manifest_requests == 1, 10, "a to ask for the manifest")
        a.process.stop(signal.SIGTERM)  # a graceful stop gives the lease up
        b = mg.start_manager(self.s, "handover-b", configs[1])
        done = self.finished(b, job["id"], timeout=20)  # well before the 60 s lease
        self.assertEqual(done["attempts"], 2)
        self.assertIn(NO_SCHEDULER, done["reason"])


if __name__ == "__main__":
    unittest.main()
