"""Enrollment tokens made through the manager's API (docs/manager.md, "Enrollment"), bound to a role
and a scheduler cluster: a token enrolls a scheduler whose certificate then registers only into its
cluster (and a peer's host is given its cluster); expired, used-up and deleted tokens are refused;
and two replicas on one PostgreSQL share the revocations, so a certificate revoked through one is in
the CRL the other serves within its refresh. Real dfmanager processes, openssl, Python's ssl."""
import os
import ssl
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import manager as mg  # noqa: E402
import postgres as pgs  # noqa: E402
import swarm as sw  # noqa: E402

TOKENS = "/api/v1/enrollment-tokens"
CLUSTERS = "/api/v1/scheduler-clusters"


def ca_section(ca):
    return "enrollment:\n  ca_cert: %s\n  ca_key: %s\n" % (os.path.join(ca, "ca.pem"), os.path.join(ca, "ca-key.pem"))


class Enroller:
    """Certificate requests and enrollment against one manager, files in `workdir`."""

    def __init__(self, m, workdir):
        self.m, self.workdir = m, workdir

    def request(self, name):
        """A new Ed25519 key and a certificate request for `name`: (key path, CSR PEM)."""
        key = os.path.join(self.workdir, "%s-key.pem" % name)
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True, capture_output=True)
        csr = subprocess.run(["openssl", "req", "-new", "-key", key, "-subj", "/CN=%s" % name], check=True,
                             capture_output=True, text=True).stdout
        return key, csr

    def enroll(self, name, token):
        """→ (status, answer, (cert path, key path) when issued)."""
        key, csr = self.request(name)
        status, _, answer = self.m.call("POST", "/api/v1/certificates", {"csr": csr, "token": token}, token="")
        if status != 201:
            return status, answer, None
        cert = os.path.join(self.workdir, "%s.pem" % name)
        with open(cert, "w") as f:
            f.write(answer["certificate"])
        return status, answer, (cert, key)


def serial_of(cert_pem):
    out = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=cert_pem, capture_output=True, text=True,
                         check=True).stdout
    return out.strip().split("=", 1)[1]


class EnrollmentTokensTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        cls.ca = cls.s.use_certificates("mtls")
        subprocess.run([sw.CERTS, "issue", cls.ca, "manager", "mgr-1", "127.0.0.1"], check=True, capture_output=True)
        own = os.path.join(cls.ca, "manager-mgr-1")
        security = ("security:\n  mode: mtls\n  ca_file: %s\n  cert_file: %s.pem\n  key_file: %s-key.pem\n"
                    % (os.path.join(cls.ca, "ca.pem"), own, own))
        config = mg.write_config(os.path.join(cls.s.workdir, "m.yaml"), os.path.join(cls.s.workdir, "m"),
                                 extra=security + ca_section(cls.ca))
        cls.tls = ssl.create_default_context(cafile=os.path.join(cls.ca, "ca.pem"))
        cls.m = mg.start_manager(cls.s, "dfmanager", config, tls=cls.tls)
        cls.e = Enroller(cls.m, cls.s.workdir)
        cls.other = cls.m.ok("POST", CLUSTERS, {"name": "other", "scopes": {"idc": "far"}}, expected=201)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def token(self, name, role, cluster, **extra):
        body = dict({"name": name, "role": role, "scheduler_cluster_id": cluster}, **extra)
        return self.m.ok("POST", TOKENS, body, expected=201)

    def as_cert(self, files, method, path, body):
        ctx = ssl.create_default_context(cafile=os.path.join(self.ca, "ca.pem"))
        ctx.load_cert_chain(*files)
        return self.m.call(method, path, body, token="", context=ctx)

    def test_a_scheduler_enrolled_for_cluster_1_registers_there_and_is_refused_elsewhere(self):
        made = self.token("schedulers-of-1", "scheduler", 1)
        self.assertTrue(made["token"].startswith("dfe_"))
        status, answer, files = self.e.enroll("sched-a", made["token"])
        self.assertEqual(status, 201, answer)
        forbidden = self.m.metrics().get('dragonfly_manager_requests_rejected_total{reason="forbidden"}', 0)
        status, _, answer = self.as_cert(files, "POST", "/api/v1/schedulers",
                                         {"hostname": "sched-a", "ip": "127.0.0.1", "port": 8002,
                                          "scheduler_cluster_id": self.other["id"]})
        self.assertEqual(status, 403, answer)
        self.assertIn("enrolled for cluster 1", answer["message"])
        self.assertEqual(self.m.metrics().get('dragonfly_manager_requests_rejected_total{reason="forbidden"}'),
                         forbidden + 1)
        status, _, answer = self.as_cert(files, "POST", "/api/v1/schedulers",
                                         {"hostname": "sched-a", "ip": "127.0.0.1", "port": 8002,
                                          "scheduler_cluster_id": 1})
        self.assertEqual((status, answer.get("scheduler_cluster_id")), (200, 1), answer)
        listed = self.m.ok("GET", TOKENS)
        mine = [t for t in listed if t["name"] == "schedulers-of-1"][0]
        self.assertEqual(mine["uses"], 1)
        self.assertNotIn("token", mine)

    def test_a_seed_peer_and_a_peer_enrolled_for_another_cluster_land_in_it(self):
        seed_token = self.token("seeds-of-other", "seed-peer", self.other["id"])["token"]
        status, answer, seed = self.e.enroll("seed-b", seed_token)
        self.assertEqual(status, 201, answer)
        status, _, answer = self.as_cert(seed, "POST", "/api/v1/seed-peers",
                                         {"hostname": "seed-b", "ip": "127.0.0.1", "port": 65002})
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["seed_peer_cluster_id"], self.other["seed_peer_cluster_id"])
        status, _, answer = self.as_cert(seed, "POST", "/api/v1/seed-peers",
                                         {"hostname": "seed-b", "ip": "127.0.0.1", "port": 65002,
                                          "seed_peer_cluster_id": 1})
        self.assertEqual(status, 403, answer)
        peer_token = self.token("peers-of-other", "peer", self.other["id"])["token"]
        status, answer, peer = self.e.enroll("node-b", peer_token)
        self.assertEqual(status, 201, answer)
        # Its scopes (idc "near") match only the default cluster; the certificate decides.
        status, _, answer = self.as_cert(peer, "POST", "/api/v1/hosts",
                                         {"hostname": "node-b", "ip": "10.0.0.2", "idc": "near"})
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["scheduler_cluster"]["id"], self.other["id"])

    def test_expired_used_up_and_deleted_tokens_are_refused(self):
        once = self.token("once", "peer", 1, max_uses=1)["token"]
        self.assertEqual(self.e.enroll("once-1", once)[0], 201)
        status, answer, _ = self.e.enroll("once-2", once)
        self.assertEqual((status, answer["code"]), (401, "unauthorized"), answer)

        deleted = self.token("deleted", "peer", 1)
        self.m.ok("DELETE", "%s/%d" % (TOKENS, deleted["id"]))
        self.assertEqual(self.e.enroll("deleted-1", deleted["token"])[0], 401)

        short = self.token("short", "peer", 1, expires_in=1)["token"]
        sw.wait_until(lambda: self.e.enroll("late", short)[0] == 401, 15, "the one-second token to expire")

        for bad in ({"name": "x", "role": "manager", "scheduler_cluster_id": 1},
                    {"name": "x", "role": "peer", "scheduler_cluster_id": 999},
                    {"name": "x", "role": "peer", "scheduler_cluster_id": 1, "expires_in": 10 ** 9},
                    {"name": "x", "role": "peer", "scheduler_cluster_id": 1, "bio": "unknown field"}):
            status, _, answer = self.m.call("POST", TOKENS, bad)
            self.assertEqual(status, 400, (bad, answer))
        # Only the admin makes tokens.
        status, _, _ = self.m.call("POST", TOKENS, {"name": "y", "role": "peer", "scheduler_cluster_id": 1}, token="")
        self.assertEqual(status, 401)


class SharedRevocationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = pgs.start_or_skip()
        cls.addClassCleanup(cls.pg.stop)
        cls.s = sw.Swarm()
        cls.addClassCleanup(cls.s.stop)  # first, then the database
        ca = os.path.join(cls.s.workdir, "ca")
        subprocess.run([sw.CERTS, "ca", ca], check=True, capture_output=True)
        pg = ("127.0.0.1", cls.pg.port, pgs.Postgres.USER, "dragonfly")
        cls.replicas = []
        for i in range(2):
            config = mg.write_config(os.path.join(cls.s.workdir, "m%d.yaml" % i), os.path.join(cls.s.workdir, "m%d" % i),
                                     postgres=pg, extra=ca_section(ca))
            cls.replicas.append(mg.start_manager(cls.s, "replica%d" % i, config))

    def crl_text(self, m):
        status, _, pem = m.call("GET", "/api/v1/crl", token="")
        self.assertEqual(status, 200)
        return subprocess.run(["openssl", "crl", "-noout", "-text"], input=pem, capture_output=True, text=True,
                              check=True).stdout

    def test_a_revocation_on_one_replica_is_in_the_crl_of_the_other(self):
        a, b = self.replicas
        token = a.ok("POST", TOKENS, {"name": "shared", "role": "peer", "scheduler_cluster_id": 1}, expected=201)
        status, answer, _ = Enroller(b, self.s.workdir).enroll("node-r", token["token"])  # made on a, used on b
        self.assertEqual(status, 201, answer)
        serial = serial_of(answer["certificate"])
        self.assertNotIn(serial, self.crl_text(b))
        revoked = a.ok("POST", "/api/v1/certificates/revoke", {"name": "node-r"})  # issued by b, revoked on a
        self.assertEqual(revoked["revoked"], [serial])
        self.assertIn(serial, self.crl_text(a))
        sw.wait_until(lambda: serial in self.crl_text(b), 20, "replica b's CRL to list the serial revoked on a")
        number = lambda m: int(self.crl_text(m).split("X509v3 CRL Number:")[1].split()[0])  # noqa: E731
        self.assertGreater(number(b), revoked["crl_number"])  # b signed after a: numbers only grow
        self.assertEqual(self.pg.psql("SELECT COUNT(*) FROM revoked_certificates"), "1")


if __name__ == "__main__":
    unittest.main()
