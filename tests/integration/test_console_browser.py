"""The web console served by a real dfmanager (SQLite) and driven in Debian's headless Chromium
(docs/console.md): the files come with their types, caching and security headers, nothing outside
console.dir is reachable, app routes fall back to index.html; then console/tests/console_browser.mjs
(playwright-core) signs in as root with DF_MANAGER_ROOT_PASSWORD, creates clusters (a bad CIDR is
refused inline), follows a preheat job, searches and deletes a task (bad input refused inline),
checks keyboard navigation and runs axe-core on every page, makes a guest user, checks that the
guest's create/edit/delete controls are absent and a forced API write refused, and reads the audit
page. Screenshots (1280x800) land in <build>/console-screenshots, or with
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
import manager as mg  # noqa: E402
import swarm as sw  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CONSOLE = os.path.join(REPO, "console")
DIST = os.path.join(CONSOLE, "dist")
SCRIPT = os.path.join(CONSOLE, "tests", "console_browser.mjs")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT_PASSWORD = "root-password-for-tests-1"


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
        conf = mg.write_config(os.path.join(self.s.workdir, "dfmanager.yaml"), data,
                               extra="console:\n  dir: %s\n" % DIST)
        self.m = mg.start_manager(self.s, "dfmanager", conf)
        self.base = "http://127.0.0.1:%d" % self.m.port

    def tearDown(self):
        self.s.stop()

    def browser(self, scenario):
        env = dict(os.environ, CONSOLE_URL=self.base, ROOT_PASSWORD=ROOT_PASSWORD, CHROMIUM=CHROMIUM,
                   SCREENSHOT_DIR=screenshot_dir(self.s.bin_dir))
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

    def test_sign_in_page_refuses_a_wrong_password(self):
        self.browser("signin")

    def test_root_guest_and_audit_in_the_browser(self):
        self.browser("full")


if __name__ == "__main__":
    unittest.main()
