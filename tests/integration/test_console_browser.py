"""The web console served by a real dfmanager (SQLite) and driven in Debian's headless Chromium
(docs/console.md): the files come with their types, caching and security headers, nothing outside
console.dir is reachable, app routes fall back to index.html; then console/tests/console_browser.mjs
(playwright-core) signs in as root with DF_MANAGER_ROOT_PASSWORD, creates clusters (a bad CIDR is
refused inline), follows a preheat job, searches and deletes a task (bad input refused inline),
checks keyboard navigation and runs axe-core on every page, makes a guest user, checks that the
guest's create/edit/delete controls are absent and a forced API write refused, and reads the audit
page. A second test gives the manager a real swarm (a scheduler cluster made through the API, a
dfscheduler, a seed and two daemons found through the manager, a local origin): in the browser the
hosts, schedulers and seed peers appear, a file preheat to every peer ends SUCCESS with one row per
host, a preheat held by the origin is stopped from the job's page (CANCELED), and the audit page
lists both; Analytics shows the manager's answer (charts, or the message of a manager without
analytics), then sample answers routed in the browser as charts with their numbers; and node's
test runner checks the page's data shaping (console/tests/analytics_shape.test.mjs). Screenshots (1280x800) land in <build>/console-screenshots, or with
DOCS_SCREENSHOTS=docs/console in docs/console/ (the ones docs/console.md shows).

Needs node, chromium and console/dist (scripts/build.sh builds it; scripts/setup.sh installs the
rest); skips otherwise (a failure under DF_REQUIRE_ALL=1)."""
import gzip
import os
import shutil
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import configured  # noqa: E402
import manager as mg  # noqa: E402
import swarm as sw  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CONSOLE = os.path.join(REPO, "console")
DIST = os.path.join(CONSOLE, "dist")
SCRIPT = os.path.join(CONSOLE, "tests", "console_browser.mjs")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT_PASSWORD = "root-password-for-tests-1"
JOBS_TOKEN = "jobs-token-for-console-tests-0123"
SWARM_HOSTS = ["p0", "p1", "seed"]  # sorted


def missing():
    if not shutil.which("node"):
        return "node is not installed (scripts/setup.sh)"
    if not os.path.exists(CHROMIUM):
        return "chromium is not installed (scripts/setup.sh)"
    if not os.path.exists(os.path.join(DIST, "index.html")):
        return "console/dist is not built (scripts/console.sh)"
    if not os.path.isdir(os.path.join(CONSOLE, "node_modules", "playwright-core")):
        return "console/node_modules lacks playwright-core (scripts/console.sh)"
    return None


def screenshot_dir(bin_dir):
    """Where the pages' screenshots go: DOCS_SCREENSHOTS (relative to the source tree, e.g.
    docs/console, to refresh the ones docs/console.md shows), else <build>/console-screenshots."""
    docs = os.environ.get("DOCS_SCREENSHOTS", "")
    if docs:
        return os.path.join(REPO, docs)
    return os.path.join(os.path.dirname(os.path.abspath(bin_dir)), "console-screenshots")


@unittest.skipIf(missing(), missing())
class ConsoleBrowser(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.s.env = dict(os.environ, DF_MANAGER_ROOT_PASSWORD=ROOT_PASSWORD)
        data = os.path.join(self.s.workdir, "manager")
        self.jobs_token = configured.write_config(self.s, "jobs-token", JOBS_TOKEN + "\n")
        conf = mg.write_config(os.path.join(self.s.workdir, "dfmanager.yaml"), data, keepalive="1s",
                               extra="console:\n  dir: %s\njobs:\n  scheduler_token_file: %s\n"
                               "  poll_interval: 100ms\n" % (DIST, self.jobs_token))
        self.m = mg.start_manager(self.s, "dfmanager", conf)
        self.base = "http://127.0.0.1:%d" % self.m.port

    def tearDown(self):
        self.s.stop()

    def browser(self, scenario, **more):
        env = dict(os.environ, CONSOLE_URL=self.base, ROOT_PASSWORD=ROOT_PASSWORD, CHROMIUM=CHROMIUM,
                   SCREENSHOT_DIR=screenshot_dir(self.s.bin_dir), **more)
        r = subprocess.run(["node", SCRIPT, scenario], env=env, capture_output=True, text=True, timeout=300,
                           cwd=CONSOLE)
        print(r.stdout, r.stderr, sep="\n")
        self.assertEqual(r.returncode, 0, "console_browser.mjs %s failed:\n%s%s\nmanager log:\n%s"
                         % (scenario, r.stdout, r.stderr, self.m.process.tail(30)))

    def test_files_are_served_safely(self):
        status, headers, body = sw.fetch(self.base + "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        self.assertEqual(headers["Cache-Control"], "no-cache")
        self.assertIn("default-src 'self'", headers["Content-Security-Policy"])
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(headers["X-Frame-Options"], "DENY")
        self.assertEqual(headers["Referrer-Policy"], "no-referrer")
        index = body.decode()
        self.assertNotIn("http://", index.replace('xmlns="http://', ""))  # no CDN: everything is ours
        script = index.split('src="', 1)[1].split('"', 1)[0]
        self.assertTrue(script.startswith("/assets/"), script)
        status, headers, js = sw.fetch(self.base + script)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/javascript; charset=utf-8")
        self.assertEqual(headers["Cache-Control"], "public, max-age=31536000, immutable")
        self.assertEqual(int(headers["Content-Length"]), len(js))
        self.assertLess(len(gzip.compress(js)), 300 * 1024, "the first load is over 300 KB of compressed JavaScript")
        status, headers, body = sw.fetch(self.base + script, "HEAD")
        self.assertEqual((status, body), (200, b""))
        # App routes are the app; a missing asset, a way out of the directory and a write are not.
        status, _, body = sw.fetch(self.base + "/jobs/12")
        self.assertEqual((status, body.decode()), (200, index))
        self.assertEqual(sw.fetch(self.base + "/assets/missing-0000.js")[0], 404)
        for sneaky in ("/%2e%2e/%2e%2e/etc/passwd", "/assets/%2e%2e/%2e%2e/x", "/a%00b"):
            self.assertEqual(sw.fetch(self.base + sneaky)[0], 404, sneaky)
        status, headers, _ = sw.fetch(self.base + "/index.html", "POST")
        self.assertEqual((status, headers["Allow"]), (405, "GET, HEAD"))
        # The API is still the API.
        self.assertEqual(sw.fetch(self.base + "/api/v1/scheduler-clusters")[0], 401)
        self.assertEqual(sw.fetch(self.base + "/healthy")[0], 200)

    def test_analytics_data_shaping(self):
        # The Analytics page's pure functions (console/src/analytics.ts) under node's test runner.
        r = subprocess.run(["node", "--test", os.path.join("tests", "analytics_shape.test.mjs")], capture_output=True,
                           text=True, timeout=120, cwd=CONSOLE)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("# pass 4", r.stdout)

    def test_sign_in_page_refuses_a_wrong_password(self):
        self.browser("signin")

    def test_root_guest_and_audit_in_the_browser(self):
        self.browser("full")

    def start_swarm(self):
        """A scheduler cluster made through the API (the default one, so every host lands in it), a
        dfscheduler registered into it and a seed and two daemons that found it through the manager;
        returns the cluster's name."""
        cluster = self.m.ok("POST", "/api/v1/scheduler-clusters",
                            {"name": "swarm-1", "is_default": True, "scopes": {"cidrs": ["127.0.0.0/8"]}},
                            expected=201)
        token = configured.write_config(self.s, "manager-token", mg.TOKEN + "\n")
        section = configured.manager_section(self.m.port, token, "500ms")
        configured.start_scheduler(self.s, "sched", config="host: {hostname: sched}\n" + section
                                   + "  scheduler_cluster_id: %d\njobs:\n  token_file: %s\n"
                                   % (cluster["id"], self.jobs_token))
        sw.wait_until(lambda: [(x["state"], x["scheduler_cluster_id"]) for x in self.m.ok("GET", "/api/v1/schedulers")]
                      == [("active", cluster["id"])], 15, "the scheduler to register into swarm-1")
        path = configured.write_config(self.s, "daemon.yaml", section)
        for name in SWARM_HOSTS:
            configured.start_managed_daemon(self.s, name, path, seed=name == "seed")
        try:
            sw.wait_until(lambda: sorted(h["hostname"] for h in self.m.ok("GET", "/api/v1/hosts")) == SWARM_HOSTS, 20,
                          "every host to announce itself")
        except TimeoutError:
            raise AssertionError("hosts: %s\n%s" % (self.m.ok("GET", "/api/v1/hosts"), self.s.logs()[-3000:]))
        return cluster["name"]

    def test_a_real_swarm_in_the_browser(self):
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "f.bin"), 1 << 20, seed=13)
        self.s.start_origin(root)
        cluster = self.start_swarm()
        try:
            self.browser("swarm", CLUSTER=cluster, HOSTS=",".join(SWARM_HOSTS),
                         FILE_URL=self.s.origin_url("/files/f.bin"), HELD_URL=self.s.origin_url("/hold/f.bin"))
        finally:
            self.s.release_origin()  # the held preheat's origin answer ends before the swarm stops
        jobs = self.m.ok("GET", "/api/v1/jobs")  # a list, newest first
        self.assertEqual(sorted(j["state"] for j in jobs), ["CANCELED", "SUCCESS"], jobs)
        self.assertGreaterEqual(self.s.origin_stats()["body_bytes"], 1 << 20, "the origin sent the file")


if __name__ == "__main__":
    unittest.main()
