"""The console's accounts on a real dfmanager (docs/console.md): the root account from the
environment (or generated and printed once), sign-in and sign-out with the cookie's flags, CSRF,
401 and the 429 lockout, roles enforced by the server (a guest cannot write, a cluster admin of
cluster A cannot change cluster B), a password change ending the other sessions, the audit rows
of every write and their CSV export; and two PostgreSQL replicas sharing one session."""
import csv
import http.client
import io
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import manager as mg  # noqa: E402
import postgres as pgs  # noqa: E402
import swarm as sw  # noqa: E402

ROOT_PASSWORD = "root password for the tests"
CLUSTERS = "/api/v1/scheduler-clusters"


def request(port, method, path, body=None, cookie=None, csrf=None, token=None):
    """→ (status, headers (lower-case names → value; Set-Cookie as a list), parsed JSON or text)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if cookie:
        headers["Cookie"] = "df_session=" + cookie
    if csrf:
        headers["X-CSRF-Token"] = csrf
    if token:
        headers["Authorization"] = "Bearer " + token
    try:
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        text = r.read().decode()
        got = {k.lower(): v for k, v in r.getheaders()}
        got["set-cookie"] = r.msg.get_all("Set-Cookie") or []
    finally:
        c.close()
    try:
        return r.status, got, json.loads(text)
    except ValueError:
        return r.status, got, text


class Session:
    """A signed-in browser: its cookie and CSRF token."""

    def __init__(self, port, name, password):
        self.port = port
        status, headers, answer = request(port, "POST", "/api/v1/users/signin", {"name": name, "password": password})
        if status != 200:
            raise AssertionError("sign-in as %s → %d %s" % (name, status, answer))
        self.set_cookie = headers["set-cookie"][0]
        self.cookie = re.match(r"df_session=([A-Za-z0-9_-]{43});", self.set_cookie).group(1)
        self.csrf = answer["csrf_token"]
        self.user = answer["user"]

    def call(self, method, path, body=None, csrf=True):
        return request(self.port, method, path, body, cookie=self.cookie, csrf=self.csrf if csrf else None)

    def ok(self, method, path, body=None, expected=200):
        status, _, answer = self.call(method, path, body)
        if status != expected:
            raise AssertionError("%s %s → %d (wanted %d): %s" % (method, path, status, expected, answer))
        return answer


def start(s, name, extra="", env_password=ROOT_PASSWORD, postgres=None):
    s.env = dict(os.environ)
    s.env.pop("DF_MANAGER_ROOT_PASSWORD", None)
    if env_password:
        s.env["DF_MANAGER_ROOT_PASSWORD"] = env_password
    config = mg.write_config(os.path.join(s.workdir, name + ".yaml"), os.path.join(s.workdir, name),
                             postgres=postgres, extra=extra)
    return mg.start_manager(s, name, config)


class ConsoleAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        cls.m = start(cls.s, "dfmanager")
        cls.root = Session(cls.m.port, "root", ROOT_PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def audits(self, **filters):
        query = "&".join("%s=%s" % kv for kv in filters.items())
        return self.root.ok("GET", "/api/v1/audits?per_page=100&" + query)

    def make_user(self, name, roles, clusters=()):
        password = "password of " + name
        self.root.ok("POST", "/api/v1/users", {"name": name, "password": password, "roles": roles,
                                               "scheduler_cluster_ids": list(clusters)}, expected=201)
        return Session(self.m.port, name, password)

    def test_sign_in_cookie_flags_me_and_sign_out(self):
        s = Session(self.m.port, "root", ROOT_PASSWORD)
        flags = [f.strip() for f in s.set_cookie.split(";")]
        self.assertIn("HttpOnly", flags)
        self.assertIn("SameSite=Strict", flags)
        self.assertIn("Path=/", flags)
        self.assertIn("Max-Age=43200", flags)
        self.assertNotIn("Secure", flags)  # plain HTTP here; docs/console.md: Secure with TLS
        self.assertEqual(s.user["roles"], ["super-admin"])
        me = s.ok("GET", "/api/v1/users/me")
        self.assertEqual(me["name"], "root")
        self.assertIn("certificate:write", me["permissions"])
        self.assertEqual(me["csrf_token"], s.csrf)
        status, headers, _ = s.call("POST", "/api/v1/users/signout")
        self.assertEqual(status, 204)
        self.assertIn("Max-Age=0", headers["set-cookie"][0])
        self.assertEqual(s.call("GET", "/api/v1/users/me")[0], 401)
        self.assertEqual(s.call("GET", CLUSTERS)[0], 401)
        rows = self.audits(path="/api/v1/users/signout", actor="root")
        self.assertTrue(rows and rows[0]["actor_type"] == "user" and rows[0]["status"] == 204, rows)

    def test_wrong_password_is_401_like_an_unknown_name(self):
        a = request(self.m.port, "POST", "/api/v1/users/signin", {"name": "root", "password": "wrong password!"})
        b = request(self.m.port, "POST", "/api/v1/users/signin", {"name": "ghost", "password": "wrong password!"})
        self.assertEqual((a[0], b[0]), (401, 401))
        self.assertEqual(a[2], b[2])
        self.assertEqual(request(self.m.port, "POST", "/api/v1/users/signin", {"name": "root"})[0], 400)
        self.assertEqual(request(self.m.port, "POST", "/api/v1/users/signin",
                                 {"name": "root", "password": "x" * 1025})[0], 400)
        rows = self.audits(path="/api/v1/users/signin", status=401)
        self.assertTrue(any(r["actor"] == "ghost" and r["actor_type"] == "anonymous" for r in rows), rows)
        m = self.m.metrics()
        self.assertGreaterEqual(m.get('dragonfly_manager_signins_total{result="failure"}', 0), 2)
        self.assertGreaterEqual(m.get('dragonfly_manager_signins_total{result="success"}', 0), 1)

    def test_a_cookie_write_needs_the_csrf_token(self):
        status, _, answer = self.root.call("POST", CLUSTERS, {"name": "csrf-a"}, csrf=False)
        self.assertEqual((status, answer["code"]), (403, "csrf"))
        status, _, answer = request(self.m.port, "POST", CLUSTERS, {"name": "csrf-a"}, cookie=self.root.cookie,
                                    csrf="x" * 43)
        self.assertEqual((status, answer["code"]), (403, "csrf"))
        self.root.ok("POST", CLUSTERS, {"name": "csrf-a"}, expected=201)
        self.root.ok("GET", CLUSTERS)  # reads need none
        # A bearer token needs none either: scripts keep working.
        self.assertEqual(self.m.call("POST", CLUSTERS, {"name": "csrf-b"})[0], 201)

    def test_a_guest_reads_but_cannot_write(self):
        guest = self.make_user("guest-1", ["guest"])
        guest.ok("GET", CLUSTERS)
        guest.ok("GET", "/api/v1/jobs")
        for method, path, body in (("POST", CLUSTERS, {"name": "by-guest"}), ("DELETE", CLUSTERS + "/1", None),
                                   ("POST", "/api/v1/users", {"name": "x", "password": "twelve chars!"}),
                                   ("POST", "/api/v1/jobs",
                                    {"type": "preheat", "args": {"type": "file", "url": "http://a/b"}}),
                                   ("GET", "/api/v1/users", None), ("GET", "/api/v1/audits", None)):
            status, _, answer = guest.call(method, path, body)
            self.assertEqual(status, 403, "%s %s → %s" % (method, path, answer))
        rows = self.audits(actor="guest-1", method="POST", path=CLUSTERS)
        self.assertTrue(rows and rows[0]["status"] == 403, rows)

    def test_a_cluster_admin_changes_only_their_clusters(self):
        a = self.root.ok("POST", CLUSTERS, {"name": "scope-a"}, expected=201)
        b = self.root.ok("POST", CLUSTERS, {"name": "scope-b"}, expected=201)
        admin = self.make_user("cadmin-1", ["cluster-admin"], [a["id"]])
        admin.ok("PATCH", "%s/%d" % (CLUSTERS, a["id"]), {"bio": "mine"})
        self.assertEqual(admin.call("PATCH", "%s/%d" % (CLUSTERS, b["id"]), {"bio": "theirs"})[0], 403)
        self.assertEqual(admin.call("DELETE", "%s/%d" % (CLUSTERS, b["id"]))[0], 403)
        self.assertEqual(admin.call("POST", CLUSTERS, {"name": "scope-c"})[0], 403)
        admin.ok("GET", "%s/%d" % (CLUSTERS, b["id"]))  # reads are not limited
        job = {"type": "preheat", "args": {"type": "file", "url": "http://origin.example/f"}}
        self.assertEqual(admin.call("POST", "/api/v1/jobs", dict(job, scheduler_cluster_ids=[b["id"]]))[0], 403)
        self.assertEqual(admin.call("POST", "/api/v1/jobs", job)[0], 403)  # every cluster
        made = admin.ok("POST", "/api/v1/jobs", dict(job, scheduler_cluster_ids=[a["id"]]), expected=201)
        other = self.root.ok("POST", "/api/v1/jobs", dict(job, scheduler_cluster_ids=[b["id"]]), expected=201)
        self.assertEqual(admin.call("DELETE", "/api/v1/jobs/%d" % other["id"])[0], 403)
        admin.ok("DELETE", "/api/v1/jobs/%d" % made["id"])

    def test_a_password_change_ends_the_other_sessions(self):
        self.make_user("pw-user", ["guest"])
        one = Session(self.m.port, "pw-user", "password of pw-user")
        two = Session(self.m.port, "pw-user", "password of pw-user")
        self.assertEqual(one.call("POST", "/api/v1/users/me/password",
                                  {"old_password": "password of pw-user", "new_password": "short"})[0], 400)
        one.ok("POST", "/api/v1/users/me/password",
               {"old_password": "password of pw-user", "new_password": "the new password"}, expected=204)
        one.ok("GET", "/api/v1/users/me")
        self.assertEqual(two.call("GET", "/api/v1/users/me")[0], 401)
        Session(self.m.port, "pw-user", "the new password")
        # An admin's reset ends every session of theirs.
        self.root.ok("POST", "/api/v1/users/%d/reset_password" % one.user["id"],
                     {"new_password": "reset by root!"}, expected=204)
        self.assertEqual(one.call("GET", "/api/v1/users/me")[0], 401)

    def test_every_write_is_audited_and_exported(self):
        made = self.root.ok("POST", CLUSTERS, {"name": "audited"}, expected=201)
        self.root.ok("PATCH", "%s/%d" % (CLUSTERS, made["id"]), {"bio": "x"})
        self.m.ok("DELETE", "%s/%d" % (CLUSTERS, made["id"]))  # the admin token
        # A component call is not audited.
        component = open(os.path.join(self.s.workdir, "dfmanager", "component_token")).read().strip()
        status, _, _ = request(self.m.port, "POST", "/api/v1/hosts", {"hostname": "h1", "ip": "10.0.0.1"},
                               token=component)
        self.assertEqual(status, 200)
        rows = self.audits(path="%s/%d" % (CLUSTERS, made["id"]))
        self.assertEqual([(r["method"], r["actor_type"], r["actor"]) for r in rows],
                         [("DELETE", "admin_token", "admin"), ("PATCH", "user", "root")])
        created = self.audits(path=CLUSTERS, method="POST", status=201, actor="root")
        self.assertIn(str(made["id"]), [r["resource_id"] for r in created])
        self.assertEqual(self.audits(path="/api/v1/hosts"), [])
        self.assertTrue(all(r["ip"] == "127.0.0.1" for r in rows), rows)
        # A user named like a formula, to see the CSV defuse it.
        self.root.ok("POST", "/api/v1/users", {"name": "-formula", "password": "twelve chars!"}, expected=201)
        Session(self.m.port, "-formula", "twelve chars!")
        status, headers, text = self.root.call("GET", "/api/v1/audits.csv?actor_type=user")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/csv"))
        table = list(csv.reader(io.StringIO(text)))
        self.assertEqual(table[0], ["id", "time", "actor_type", "actor", "ip", "method", "path", "status", "resource",
                                    "resource_id"])
        self.assertIn("'-formula", [row[3] for row in table[1:]])
        self.assertNotIn("-formula", [row[3] for row in table[1:]])
        self.assertTrue(all(row[2] == "user" for row in table[1:]))

    def test_personal_access_tokens_belong_to_their_user_and_are_audited(self):
        op = self.make_user("operator-1", ["job-operator"])
        other = self.make_user("operator-2", ["job-operator"])
        body = {"name": "op-token", "scopes": ["job"], "expired_at": "2099-01-01T00:00:00Z"}
        made = op.ok("POST", "/api/v1/personal-access-tokens", body, expected=201)
        self.assertEqual(made["user_id"], op.user["id"])
        other.ok("POST", "/api/v1/personal-access-tokens", dict(body, name="other-token"), expected=201)
        self.assertEqual([t["name"] for t in op.ok("GET", "/api/v1/personal-access-tokens")], ["op-token"])
        self.assertEqual(other.call("GET", "/api/v1/personal-access-tokens/%d" % made["id"])[0], 404)
        self.assertEqual(other.call("DELETE", "/api/v1/personal-access-tokens/%d" % made["id"])[0], 404)
        names = [t["name"] for t in self.root.ok("GET", "/api/v1/personal-access-tokens?per_page=100")]
        self.assertIn("op-token", names)  # a super admin sees every token
        self.assertIn("other-token", names)
        # The token on the Open API: its writes are audited under its id.
        job = {"type": "preheat", "args": {"type": "file", "url": "http://origin.example/pat"},
               "scheduler_cluster_ids": [1]}
        status, _, answer = request(self.m.port, "POST", "/oapi/v1/jobs", job, token=made["token"])
        self.assertEqual(status, 200, answer)
        rows = self.audits(actor_type="personal_access_token", path="/oapi/v1/jobs")
        self.assertEqual([(r["actor"], r["status"], r["resource"]) for r in rows], [(str(made["id"]), 200, "jobs")])
        # Its user disabled, the token stops working.
        self.root.ok("PATCH", "/api/v1/users/%d" % op.user["id"], {"state": "disabled"})
        self.assertEqual(request(self.m.port, "POST", "/oapi/v1/jobs", job, token=made["token"])[0], 401)
        self.root.ok("PATCH", "/api/v1/users/%d" % op.user["id"], {"state": "enabled"})
        op = Session(self.m.port, "operator-1", "password of operator-1")
        op.ok("DELETE", "/api/v1/personal-access-tokens/%d" % made["id"])
        guest = self.make_user("guest-2", ["guest"])
        self.assertEqual(guest.call("POST", "/api/v1/personal-access-tokens", dict(body, name="g"))[0], 403)


class RootPasswordAndLockout(unittest.TestCase):
    """A manager without DF_MANAGER_ROOT_PASSWORD (a generated password, printed once) whose
    sign-ins lock out after 5 failures (its own process: the lockout holds for 127.0.0.1)."""

    def test_generated_root_password_once_then_the_lockout(self):
        s = sw.Swarm()
        try:
            m = start(s, "generated", env_password=None)
            log = os.path.join(s.workdir, "generated.log")
            found = re.findall(r"initial root password: (\S+)", open(log).read())
            self.assertEqual(len(found), 1, open(log).read())
            Session(m.port, "root", found[0])
            m.process.stop()
            config = os.path.join(s.workdir, "generated.yaml")
            command = lambda ports: [os.path.join(s.bin_dir, "dfmanager"), "-c", config,  # noqa: E731
                                     "--listen", "127.0.0.1", "--port", str(ports[0])]
            process, ports = s.launch("generated", command, lambda ports: mg.Manager(None, ports[0]).healthy(),
                                      [m.port], process=m.process, timeout=30)  # the same log, appended
            m = mg.Manager(process, ports[0])
            self.assertEqual(len(re.findall(r"initial root password", open(log).read())), 1)  # not again
            for _ in range(5):
                self.assertEqual(request(m.port, "POST", "/api/v1/users/signin",
                                         {"name": "root", "password": "wrong password!"})[0], 401)
            status, headers, answer = request(m.port, "POST", "/api/v1/users/signin",
                                              {"name": "root", "password": found[0]})
            self.assertEqual(status, 429, answer)
            self.assertTrue(1 <= int(headers["retry-after"]) <= 300, headers)
            self.assertGreaterEqual(m.metrics().get('dragonfly_manager_signins_total{result="locked"}', 0), 1)
        finally:
            s.stop()

    def test_a_short_root_password_from_the_environment_is_refused(self):
        s = sw.Swarm()
        try:
            with self.assertRaises(RuntimeError):
                start(s, "short", env_password="short")
            self.assertIn("DF_MANAGER_ROOT_PASSWORD", open(os.path.join(s.workdir, "short.log")).read())
        finally:
            s.stop()


class PostgresSessions(unittest.TestCase):
    """Two replicas on one PostgreSQL: a session made on one is accepted by the other."""

    def test_a_session_works_on_every_replica(self):
        try:
            pg = pgs.Postgres().start()
        except pgs.Unavailable as e:
            raise unittest.SkipTest(str(e))
        s = sw.Swarm()
        try:
            where = ("127.0.0.1", pg.port, pgs.Postgres.USER, "dragonfly")
            a = start(s, "replica0", postgres=where)
            b = start(s, "replica1", postgres=where)
            self.assertEqual(pg.psql("SELECT COUNT(*) FROM users"), "1")
            on_a = Session(a.port, "root", ROOT_PASSWORD)
            on_b = Session(b.port, "root", ROOT_PASSWORD)
            on_b.port = b.port
            on_a.port = b.port  # the cookie from replica 0, sent to replica 1
            on_a.ok("POST", CLUSTERS, {"name": "from-a"}, expected=201)
            on_a.ok("POST", "/api/v1/users/signout", expected=204)
            self.assertEqual(on_a.call("GET", "/api/v1/users/me")[0], 401)
            on_b.port = a.port
            on_b.ok("GET", "/api/v1/users/me")
            self.assertEqual(pg.psql("SELECT COUNT(*) FROM audits WHERE path = '/api/v1/scheduler-clusters'"), "1")
        finally:
            s.stop()
            pg.stop()


if __name__ == "__main__":
    unittest.main()
