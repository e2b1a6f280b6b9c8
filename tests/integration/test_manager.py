"""dfmanager as a real process (docs/manager.md): the cluster CRUD round trip over HTTP, the admin
token, hostile input answered 4xx while the process keeps serving, keepalive → inactive, data kept
across a restart, and two replicas on one PostgreSQL (kill one, the other answers, nothing lost)."""
import os
import signal
import socket
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import manager as mg  # noqa: E402
import postgres as pgs  # noqa: E402
import swarm as sw  # noqa: E402

CLUSTERS = "/api/v1/scheduler-clusters"


def raw_exchange(port, data, read_timeout=10):
    """Sends bytes on a fresh connection, half-closes, and returns all the server answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as c:
        try:
            c.sendall(data)
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before taking everything
        chunks = []
        try:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError:
            pass
        return b"".join(chunks)


def status_of(answer):
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None


class SqliteManager(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        cls.data = os.path.join(cls.s.workdir, "manager")
        cls.config = mg.write_config(os.path.join(cls.s.workdir, "dfmanager.yaml"), cls.data, keepalive="300ms")
        cls.m = mg.start_manager(cls.s, "dfmanager", cls.config)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def test_crud_round_trip(self):
        m = self.m
        created = m.ok("POST", CLUSTERS, {"name": "crud-a", "bio": "first",
                                          "scopes": {"idc": "a", "cidrs": ["10.1.0.0/16"]},
                                          "config": {"peer_upload_rate_limit": 100000}}, expected=201)
        path = "%s/%d" % (CLUSTERS, created["id"])
        self.assertEqual(m.ok("GET", path)["scopes"]["cidrs"], ["10.1.0.0/16"])
        patched = m.ok("PATCH", path, {"config": {"peer_upload_rate_limit": 200000, "blocklist": {"tags": ["x"]}}})
        self.assertEqual(patched["config"]["peer_upload_rate_limit"], 200000)
        self.assertEqual(patched["config"]["blocklist"]["tags"], ["x"])
        self.assertEqual(patched["bio"], "first")
        seeds = m.ok("GET", "/api/v1/seed-peer-clusters/%d" % created["seed_peer_cluster_id"])
        self.assertEqual(seeds["scheduler_cluster_id"], created["id"])
        status, headers, page = m.call("GET", CLUSTERS + "?page=1&per_page=1")
        self.assertEqual(status, 200)
        self.assertEqual(len(page), 1)
        self.assertGreaterEqual(int(headers["X-Total-Count"]), 2)
        status, _, answer = m.call("POST", CLUSTERS, {"name": "crud-a"})
        self.assertEqual((status, answer["code"]), (409, "conflict"))
        m.ok("DELETE", path)
        self.assertEqual(m.call("GET", path)[0], 404)

    def test_the_api_needs_the_admin_token_and_health_and_metrics_do_not(self):
        m = self.m
        before = m.metrics()['dragonfly_manager_requests_rejected_total{reason="unauthorized"}']
        for token in ("", "wrong-token-wrong-token", mg.TOKEN + "x", mg.TOKEN[:-1]):
            status, headers, answer = m.call("GET", CLUSTERS, token=token)
            self.assertEqual(status, 401, token)
            self.assertEqual(answer["code"], "unauthorized")
            self.assertEqual(headers["WWW-Authenticate"], "Bearer")
        self.assertTrue(m.healthy())
        after = m.metrics()['dragonfly_manager_requests_rejected_total{reason="unauthorized"}']
        self.assertEqual(after - before, 4)
        with open(m.process.log_path) as f:
            self.assertNotIn(mg.TOKEN, f.read())  # the token is never logged

    def test_hostile_input_is_answered_4xx_and_the_process_keeps_serving(self):
        m = self.m
        auth = ("Authorization: Bearer %s\r\n" % mg.TOKEN).encode()
        cases = [
            ("garbage bytes", b"\x00\xff\x13 not http at all\r\n\r\n", 400),
            ("a header too long", b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n", 400),
            ("an oversized body announced", b"POST " + CLUSTERS.encode() + b" HTTP/1.1\r\nHost: x\r\n" + auth +
             b"Content-Length: 2097152\r\n\r\n", 413),
            ("an oversized body sent", b"POST " + CLUSTERS.encode() + b" HTTP/1.1\r\nHost: x\r\n" + auth +
             b"Content-Length: 2097152\r\n\r\n" + b"{" * 2097152, 413),
        ]
        for what, data, expected in cases:
            self.assertEqual(status_of(raw_exchange(m.port, data)), expected, what)
        bodies = [
            ("not JSON", b"{{{{", "invalid_json"),
            ("invalid UTF-8", b'{"name":"\xff\xfe"}', "invalid_json"),
            ("deep nesting", b"[" * 100000 + b"]" * 100000, "too_deep"),
            ("an array", b"[]", "wrong_type"),
            ("an unknown field", b'{"name":"h1","colour":"red"}', "unknown_field"),
            ("a bad CIDR", b'{"name":"h2","scopes":{"cidrs":["300.0.0.0/8"]}}', "invalid_value"),
            ("a wrong type", b'{"name":"h3","is_default":"yes"}', "wrong_type"),
            ("a bad hostname glob", b'{"name":"h4","scopes":{"hostnames":["(("]}}', "invalid_value"),
            ("a bad URL regex", b'{"name":"h6","config":{"blocklist":{"urls":["(("]}}}', "invalid_value"),
            ("a huge integer", b'{"name":"h5","config":{"peer_upload_rate_limit":1e400}}', "invalid_json"),
        ]
        before = m.metrics()['dragonfly_manager_requests_rejected_total{reason="invalid"}']
        for what, body, code in bodies:
            status, _, answer = m.call("POST", CLUSTERS, raw=body)
            self.assertEqual(status, 400, what)
            self.assertEqual(answer["code"], code, what)
        after = m.metrics()
        self.assertEqual(after['dragonfly_manager_requests_rejected_total{reason="invalid"}'] - before, len(bodies))
        self.assertGreaterEqual(after['dragonfly_manager_requests_rejected_total{reason="body_too_large"}'], 2)
        self.assertTrue(m.process.alive())
        self.assertEqual(m.ok("POST", CLUSTERS, {"name": "after-hostile"}, expected=201)["name"], "after-hostile")

    def test_a_scheduler_that_stops_keeping_alive_turns_inactive(self):
        m = self.m
        s = m.ok("POST", "/api/v1/schedulers", {"hostname": "sched-ka", "ip": "127.0.0.1", "port": 8002})
        self.assertEqual(s["state"], "active")
        self.assertEqual(s["keepalive_interval_ms"], 300)
        path = "/api/v1/schedulers/%d" % s["id"]
        host = {"hostname": "host-ka", "ip": "127.0.0.1"}
        self.assertIn(s["id"], [x["id"] for x in m.ok("POST", "/api/v1/hosts", host)["schedulers"]])
        # 3 missed keepalives of 300 ms: inactive, and no longer handed to hosts.
        sw.wait_until(lambda: m.ok("GET", path)["state"] == "inactive", 10, "the scheduler to turn inactive")
        self.assertNotIn(s["id"], [x["id"] for x in m.ok("POST", "/api/v1/hosts", host)["schedulers"]])
        m.ok("POST", path + "/keepalive")
        self.assertEqual(m.ok("GET", path)["state"], "active")

    def test_print_config_redacts_the_token(self):
        out = subprocess.run([os.path.join(self.s.bin_dir, "dfmanager"), "-c", self.config, "--print-config"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("<redacted>", out.stdout)
        self.assertNotIn(mg.TOKEN, out.stdout)
        overridden = subprocess.run([os.path.join(self.s.bin_dir, "dfmanager"), "-c", self.config, "--port", "1234",
                                     "--keepalive-interval", "2s", "--print-config"],
                                    capture_output=True, text=True, timeout=30)
        self.assertIn("port: 1234", overridden.stdout)  # flags win over the file (which says 300ms)
        self.assertIn("interval: 2000ms", overridden.stdout)
        bad = subprocess.run([os.path.join(self.s.bin_dir, "dfmanager"), "--database", "mysql", "--print-config"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("database.type", bad.stderr)


class SqliteRestart(unittest.TestCase):
    def test_clusters_survive_a_restart(self):
        s = sw.Swarm()
        try:
            config = mg.write_config(os.path.join(s.workdir, "m.yaml"), os.path.join(s.workdir, "data"))
            m = mg.start_manager(s, "dfmanager", config)
            created = m.ok("POST", CLUSTERS, {"name": "kept"}, expected=201)
            m.process.stop(signal.SIGKILL)
            m = mg.start_manager(s, "dfmanager-again", config, port=m.port)
            self.assertEqual(m.ok("GET", "%s/%d" % (CLUSTERS, created["id"]))["name"], "kept")
            self.assertEqual(sum(1 for c in m.ok("GET", CLUSTERS) if c["is_default"]), 1)
        finally:
            s.stop()


class PostgresReplicas(unittest.TestCase):
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

    def test_two_replicas_one_database_kill_one_and_nothing_is_lost(self):
        pg = ("127.0.0.1", self.pg.port, pgs.Postgres.USER, "dragonfly")
        configs = [mg.write_config(os.path.join(self.s.workdir, "m%d.yaml" % i),
                                   os.path.join(self.s.workdir, "m%d" % i), postgres=pg) for i in range(2)]
        # Started together (each with the harness's port retry): both migrate the empty database
        # at once, one after the other under the advisory lock.
        replicas = [None, None]

        def start(i):
            replicas[i] = mg.start_manager(self.s, "replica%d" % i, configs[i])

        threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertTrue(all(replicas), "a replica did not start; logs:\n" + self.s.logs())
        a, b = replicas
        # Every migration applied once: each version one row (numbers may have gaps: 6 is
        # another change's).
        self.assertEqual(self.pg.psql("SELECT COUNT(*) >= 5 AND COUNT(*) = COUNT(DISTINCT version) "
                                      "FROM schema_migrations"), "t")
        self.assertEqual(self.pg.psql("SELECT COUNT(*) FROM scheduler_clusters WHERE is_default = 1"), "1")

        made = [a.ok("POST", CLUSTERS, {"name": "ha-%d" % i, "scopes": {"idc": "idc%d" % i}}, expected=201)
                for i in range(5)]
        sched = a.ok("POST", "/api/v1/schedulers", {"hostname": "s1", "ip": "127.0.0.1", "port": 8002,
                                                    "scheduler_cluster_id": made[0]["id"]})
        self.assertEqual(b.ok("GET", "%s/%d" % (CLUSTERS, made[3]["id"]))["name"], "ha-3")  # written on a, read on b

        a.process.stop(signal.SIGKILL)
        self.assertFalse(a.healthy())
        names = {c["name"] for c in b.ok("GET", CLUSTERS + "?per_page=100")}
        self.assertTrue({"ha-%d" % i for i in range(5)} <= names, names)
        self.assertEqual(b.ok("GET", "/api/v1/schedulers/%d" % sched["id"])["hostname"], "s1")
        answer = b.ok("POST", "/api/v1/hosts", {"hostname": "h", "ip": "127.0.0.1", "idc": "idc0"})
        self.assertEqual(answer["scheduler_cluster"]["name"], "ha-0")
        self.assertEqual([s["id"] for s in answer["schedulers"]], [sched["id"]])
        # The database drops b's connections (a restart, a failover): b connects again and answers.
        # Two: the API's and the job engine's (docs/preheat.md).
        self.assertEqual(self.pg.psql("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE application_name = 'dfmanager' AND datname = 'dragonfly'"), "2")
        self.assertEqual(len(b.ok("GET", CLUSTERS + "?per_page=100")), 6)
        b.ok("POST", CLUSTERS, {"name": "after-failover"}, expected=201)
        status, _, answer = b.call("POST", CLUSTERS, {"name": "nul", "bio": "a\u0000b"})
        self.assertEqual((status, answer["code"]), (400, "invalid_value"))  # not a 503 from the database
        self.assertEqual(self.pg.psql("SELECT COUNT(*) FROM scheduler_clusters"), "7")


    def test_a_database_outage_is_503_and_the_replica_recovers_when_it_returns(self):
        self.pg.create_database("outage")
        config = mg.write_config(os.path.join(self.s.workdir, "outage.yaml"), os.path.join(self.s.workdir, "outage"),
                                 postgres=("127.0.0.1", self.pg.port, pgs.Postgres.USER, "outage"))
        m = mg.start_manager(self.s, "outage-replica", config)
        made = m.ok("POST", CLUSTERS, {"name": "before-outage"}, expected=201)
        self.pg.pause()
        try:
            status, _, answer = m.call("GET", CLUSTERS)
            self.assertEqual((status, answer["code"]), (503, "store_unavailable"))
            self.assertTrue(m.healthy())  # the process is alive and says so
            self.assertGreaterEqual(m.metrics()["dragonfly_manager_store_errors_total"], 1)
        finally:
            self.pg.resume()
        sw.wait_until(lambda: m.call("GET", CLUSTERS)[0] == 200, 30, "the replica to reach the database again")
        self.assertEqual(m.ok("GET", "%s/%d" % (CLUSTERS, made["id"]))["name"], "before-outage")


if __name__ == "__main__":
    unittest.main()
