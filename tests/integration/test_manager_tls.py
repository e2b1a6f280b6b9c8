"""dfmanager speaks the cluster's TLS (docs/manager.md, "Authentication"; docs/security.md): in mtls
a component's certificate grants the endpoints of its role for its own name only, the admin token
needs no certificate, a revoked certificate is refused within the CRL refresh, and hostile TLS input
is refused while the process keeps serving. In tls mode the component token grants exactly the
component endpoints. Real dfmanager processes, certificates from scripts/certs.sh, Python's ssl."""
import http.client
import json
import os
import socket
import ssl
import stat
import subprocess
import sys
import unittest
import urllib.error

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import manager as mg  # noqa: E402
import swarm as sw  # noqa: E402

CLUSTERS = "/api/v1/scheduler-clusters"
FORBIDDEN = 'dragonfly_manager_requests_rejected_total{reason="forbidden"}'
UNAUTHORIZED = 'dragonfly_manager_requests_rejected_total{reason="unauthorized"}'
HANDSHAKES_FAILED = "dragonfly_manager_tls_handshakes_failed_total"
ENROLL_TOKEN = "peer-bootstrap-token-0123456789"


def issue(ca, role, name, *extra):
    """A certificate of `ca` (scripts/certs.sh): (cert, key) paths."""
    subprocess.run([sw.CERTS, "issue", ca, role, name] + list(extra), check=True, capture_output=True)
    base = os.path.join(ca, "%s-%s" % (role, name))
    return base + ".pem", base + "-key.pem"


def client(ca, cert=None):
    """TLS towards the manager: its certificate checked against `ca` (and 127.0.0.1 in it);
    `cert` = (cert, key) presents a client certificate."""
    ctx = ssl.create_default_context(cafile=os.path.join(ca, "ca.pem"))
    if cert:
        ctx.load_cert_chain(*cert)
    return ctx


def security_section(mode, ca, cert):
    return ("security:\n  mode: %s\n  ca_file: %s\n  cert_file: %s\n  key_file: %s\n  crl_file: %s\n"
            % (mode, os.path.join(ca, "ca.pem"), cert[0], cert[1], os.path.join(ca, "crl.pem")))


def start_tls_manager(cls, mode, name):
    """A Swarm with a cluster CA on `cls` (s, ca, data_dir) and a dfmanager in `mode` with a
    manager certificate for 127.0.0.1; returns the Manager."""
    cls.s = sw.Swarm()
    cls.ca = cls.s.use_certificates(mode)
    cls.data_dir = os.path.join(cls.s.workdir, "m")
    own = issue(cls.ca, "manager", name, "127.0.0.1")
    config = mg.write_config(os.path.join(cls.s.workdir, "m.yaml"), cls.data_dir,
                             extra=security_section(mode, cls.ca, own))
    return mg.start_manager(cls.s, "dfmanager", config, tls=client(cls.ca))


def refused(call):
    """True when `call` got no HTTP answer: the TLS layer refused it."""
    try:
        call()
    except (ssl.SSLError, OSError, http.client.HTTPException) as e:
        return not isinstance(e, urllib.error.HTTPError)
    return False


class ManagerMutualTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = start_tls_manager(cls, "mtls", "mgr-1")
        cls.peer = client(cls.ca, issue(cls.ca, "peer", "node-1"))
        cls.seed = client(cls.ca, issue(cls.ca, "seed-peer", "seed-1"))
        cls.scheduler = client(cls.ca, issue(cls.ca, "scheduler", "sched-1"))

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def metric(self, name):
        return self.m.metrics().get(name, 0)

    def as_cert(self, ctx, method, path, body=None):
        """A call with a client certificate and no token."""
        return self.m.call(method, path, body, token="", context=ctx)

    def assert_forbidden(self, answer, status, words):
        self.assertEqual(status, 403, answer)
        self.assertEqual(answer["code"], "forbidden")
        self.assertIn(words, answer["message"])

    def test_the_admin_token_needs_no_client_certificate_and_nothing_is_open_without_a_credential(self):
        self.assertEqual(self.m.call("GET", CLUSTERS)[0], 200)  # https, no client certificate
        before = self.metric(UNAUTHORIZED)
        for path, body in ((CLUSTERS, None), ("/api/v1/hosts", {"hostname": "x", "ip": "10.0.0.9"})):
            status, headers, answer = self.m.call("POST" if body else "GET", path, body, token="")
            self.assertEqual((status, answer["code"]), (401, "unauthorized"), answer)
            self.assertEqual(headers["WWW-Authenticate"], "Bearer")
        self.assertEqual(self.metric(UNAUTHORIZED) - before, 2)
        self.assertTrue(self.m.healthy())  # /healthy and /metrics stay open (over https)

    def test_a_peer_certificate_announces_its_own_host_and_nothing_else(self):
        before = self.metric(FORBIDDEN)
        status, _, answer = self.as_cert(self.peer, "POST", "/api/v1/hosts", {"hostname": "node-1", "ip": "10.0.0.1"})
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["host"]["hostname"], "node-1")
        status, _, answer = self.as_cert(self.peer, "POST", "/api/v1/hosts", {"hostname": "node-2", "ip": "10.0.0.2"})
        self.assert_forbidden(answer, status, "speaks for node-1, not for hostname node-2")
        status, _, answer = self.as_cert(self.peer, "GET", CLUSTERS)
        self.assert_forbidden(answer, status, "peer certificate may call only POST /api/v1/hosts")
        status, _, answer = self.as_cert(self.peer, "POST", CLUSTERS, {"name": "by-a-peer"})
        self.assert_forbidden(answer, status, "peer certificate")
        status, _, answer = self.as_cert(self.peer, "DELETE", CLUSTERS + "/1")
        self.assert_forbidden(answer, status, "peer certificate")
        status, _, answer = self.as_cert(self.peer, "POST", "/api/v1/schedulers",
                                         {"hostname": "node-1", "ip": "10.0.0.1", "port": 8002})
        self.assert_forbidden(answer, status, "peer certificate")
        self.assertEqual(self.metric(FORBIDDEN) - before, 5)
        hosts = [h["hostname"] for h in self.m.ok("GET", "/api/v1/hosts?per_page=100")]
        self.assertIn("node-1", hosts)
        self.assertNotIn("node-2", hosts)
        self.assertNotIn("by-a-peer", [c["name"] for c in self.m.ok("GET", CLUSTERS + "?per_page=100")])

    def test_a_scheduler_certificate_registers_and_keeps_alive_only_its_own_scheduler(self):
        status, _, mine = self.as_cert(self.scheduler, "POST", "/api/v1/schedulers",
                                       {"hostname": "sched-1", "ip": "127.0.0.1", "port": 8002})
        self.assertEqual(status, 200, mine)
        status, _, answer = self.as_cert(self.scheduler, "POST", "/api/v1/schedulers/%d/keepalive" % mine["id"])
        self.assertEqual((status, answer["state"]), (200, "active"), answer)
        theirs = self.m.ok("POST", "/api/v1/schedulers", {"hostname": "sched-2", "ip": "127.0.0.2", "port": 8002})
        status, _, answer = self.as_cert(self.scheduler, "POST", "/api/v1/schedulers/%d/keepalive" % theirs["id"])
        self.assert_forbidden(answer, status, "not for the scheduler registered as sched-2")
        status, _, answer = self.as_cert(self.scheduler, "POST", "/api/v1/schedulers",
                                         {"hostname": "sched-2", "ip": "127.0.0.1", "port": 8002})
        self.assert_forbidden(answer, status, "speaks for sched-1")
        status, _, answer = self.as_cert(self.scheduler, "POST", "/api/v1/hosts", {"hostname": "sched-1", "ip": "10.0.0.3"})
        self.assert_forbidden(answer, status, "scheduler certificate")

    def test_a_seed_peer_certificate_registers_its_seed_peer_and_host(self):
        status, _, seed = self.as_cert(self.seed, "POST", "/api/v1/seed-peers",
                                       {"hostname": "seed-1", "ip": "127.0.0.1", "port": 65002, "download_port": 65001})
        self.assertEqual(status, 200, seed)
        status, _, answer = self.as_cert(self.seed, "POST", "/api/v1/seed-peers",
                                         {"hostname": "seed-1", "ip": "10.0.0.4", "port": 65002})
        self.assert_forbidden(answer, status, "\"ip\" is 10.0.0.4 but this request came from 127.0.0.1")
        status, _, _ = self.as_cert(self.seed, "POST", "/api/v1/seed-peers/%d/keepalive" % seed["id"])
        self.assertEqual(status, 200)
        status, _, _ = self.as_cert(self.seed, "POST", "/api/v1/hosts", {"hostname": "seed-1", "ip": "10.0.0.4"})
        self.assertEqual(status, 200)
        status, _, answer = self.as_cert(self.seed, "POST", "/api/v1/schedulers",
                                         {"hostname": "seed-1", "ip": "10.0.0.4", "port": 8002})
        self.assert_forbidden(answer, status, "seed-peer certificate")

    def test_a_revoked_certificate_is_refused_within_the_refresh(self):
        doomed = client(self.ca, issue(self.ca, "peer", "doomed"))
        body = {"hostname": "doomed", "ip": "10.0.0.5"}
        self.assertEqual(self.as_cert(doomed, "POST", "/api/v1/hosts", body)[0], 200)
        # A connection opened before the revocation, kept alive.
        kept = http.client.HTTPSConnection("127.0.0.1", self.m.port, context=doomed, timeout=10)
        kept.request("GET", "/healthy")
        self.assertEqual(kept.getresponse().read(), b"OK\n")
        subprocess.run([sw.CERTS, "revoke", self.ca, "peer", "doomed"], check=True, capture_output=True)
        sw.wait_until(lambda: refused(lambda: self.as_cert(doomed, "POST", "/api/v1/hosts", body)), 15,
                      "the manager to refuse the revoked certificate")
        # The connection opened before: its next request is refused too.
        kept.request("POST", "/api/v1/hosts", body=json.dumps(body))
        response = kept.getresponse()
        text = response.read().decode()
        self.assertEqual(response.status, 401, text)
        self.assertIn("revoked", text)
        kept.close()
        # Others are unaffected.
        self.assertEqual(self.as_cert(self.peer, "POST", "/api/v1/hosts", {"hostname": "node-1", "ip": "10.0.0.1"})[0], 200)

    def test_hostile_tls_input_is_refused_and_the_manager_keeps_serving(self):
        before = self.metric(HANDSHAKES_FAILED)
        # Garbage bytes, then a plain HTTP request, on the TLS port.
        with socket.create_connection(("127.0.0.1", self.m.port), timeout=10) as s:
            s.sendall(os.urandom(16384))
            try:
                while s.recv(4096):
                    pass
            except ConnectionResetError:
                pass
        with socket.create_connection(("127.0.0.1", self.m.port), timeout=10) as s:
            s.sendall(b"GET /api/v1/scheduler-clusters HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except ConnectionResetError:
                pass
            self.assertNotIn(b"HTTP/1.1 200", data)
        # A certificate of another CA (with the same name as a real peer).
        other = os.path.join(self.s.workdir, "other-ca")
        subprocess.run([sw.CERTS, "ca", other], check=True, capture_output=True)
        forged = client(self.ca, issue(other, "peer", "node-1"))
        self.assertTrue(refused(lambda: self.as_cert(forged, "POST", "/api/v1/hosts",
                                                     {"hostname": "node-1", "ip": "10.6.6.6"})))
        sw.wait_until(lambda: self.metric(HANDSHAKES_FAILED) >= before + 3, 15, "the refused handshakes to be counted")
        self.assertTrue(self.m.process.alive())
        self.assertEqual(self.m.call("GET", CLUSTERS)[0], 200)
        self.assertNotIn("10.6.6.6", [h["ip"] for h in self.m.ok("GET", "/api/v1/hosts?per_page=100")])

    def test_the_manager_refuses_to_start_without_a_manager_certificate(self):
        cert = issue(self.ca, "peer", "not-a-manager")
        config = mg.write_config(os.path.join(self.s.workdir, "bad.yaml"), os.path.join(self.s.workdir, "bad"),
                                 extra=security_section("tls", self.ca, cert))
        r = subprocess.run([os.path.join(self.s.bin_dir, "dfmanager"), "-c", config, "--port", "0"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("role manager", r.stderr)


class ManagerRevocationTest(unittest.TestCase):
    """The manager as the CA publishes its CRL and revokes by certificate, serial or name; it reads
    the CRL it signs itself (security.crl_file in its data dir)."""

    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        cls.ca = cls.s.use_certificates("mtls")
        cls.data_dir = os.path.join(cls.s.workdir, "m")
        own = issue(cls.ca, "manager", "mgr-3", "127.0.0.1")
        section = security_section("mtls", cls.ca, own).replace(os.path.join(cls.ca, "crl.pem"),
                                                                 os.path.join(cls.data_dir, "crl.pem"))
        extra = section + ("enrollment:\n  ca_cert: %s\n  ca_key: %s\n  tokens:\n    - {token: %s, role: peer}\n"
                           % (os.path.join(cls.ca, "ca.pem"), os.path.join(cls.ca, "ca-key.pem"), ENROLL_TOKEN))
        cls.config = mg.write_config(os.path.join(cls.s.workdir, "m.yaml"), cls.data_dir, extra=extra)
        cls.m = mg.start_manager(cls.s, "dfmanager", cls.config, tls=client(cls.ca))

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def crl(self):
        """The published CRL, checked with openssl against the CA: the revoked serials."""
        status, headers, pem = self.m.call("GET", "/api/v1/crl", token="")
        self.assertEqual(status, 200, pem)
        self.assertEqual(headers["Content-Type"], "application/x-pem-file")
        path = os.path.join(self.s.workdir, "published-crl.pem")
        with open(path, "w") as f:
            f.write(pem)
        r = subprocess.run(["openssl", "crl", "-in", path, "-CAfile", os.path.join(self.ca, "ca.pem"), "-noout",
                            "-text"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("verify OK", r.stderr + r.stdout)
        return [line.split(":", 1)[1].strip() for line in r.stdout.splitlines() if "Serial Number:" in line]

    def serial(self, cert):
        out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-serial"], capture_output=True, text=True,
                             check=True).stdout
        return out.strip().split("=", 1)[1]

    def test_a_revoked_certificate_is_in_the_published_crl_and_refused_by_the_manager(self):
        victim = issue(self.ca, "peer", "victim")
        ctx = client(self.ca, victim)
        body = {"hostname": "victim", "ip": "10.0.1.1"}
        self.assertEqual(self.m.call("POST", "/api/v1/hosts", body, token="", context=ctx)[0], 200)
        with open(victim[0]) as f:
            pem = f.read()
        # Only the admin may revoke.
        status, _, answer = self.m.call("POST", "/api/v1/certificates/revoke", {"certificate": pem}, token="",
                                        context=ctx)
        self.assertEqual((status, answer["code"]), (403, "forbidden"), answer)
        self.assertNotIn(self.serial(victim[0]), self.crl())
        answer = self.m.ok("POST", "/api/v1/certificates/revoke", {"certificate": pem})
        self.assertEqual(answer["revoked"], [self.serial(victim[0])])
        self.assertIn(self.serial(victim[0]), self.crl())
        sw.wait_until(lambda: refused(lambda: self.m.call("POST", "/api/v1/hosts", body, token="", context=ctx)), 15,
                      "the manager to refuse the certificate it revoked")
        # A component that reads the published CRL refuses it too.
        r = subprocess.run(["openssl", "verify", "-crl_check", "-CRLfile", os.path.join(self.s.workdir,
                            "published-crl.pem"), "-CAfile", os.path.join(self.ca, "ca.pem"), victim[0]],
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("revoked", r.stdout + r.stderr)

    def test_revoke_by_the_name_of_an_enrolled_certificate_or_by_serial(self):
        key = os.path.join(self.s.workdir, "enrolled-key.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True, capture_output=True)
        csr = subprocess.run(["openssl", "req", "-new", "-key", key, "-subj", "/CN=enrolled-1"], check=True,
                             capture_output=True, text=True).stdout
        status, _, answer = self.m.call("POST", "/api/v1/certificates", {"csr": csr, "token": ENROLL_TOKEN}, token="")
        self.assertEqual(status, 201, answer)
        cert = os.path.join(self.s.workdir, "enrolled-1.pem")
        with open(cert, "w") as f:
            f.write(answer["certificate"])
        answer = self.m.ok("POST", "/api/v1/certificates/revoke", {"name": "enrolled-1", "role": "peer"})
        self.assertEqual(answer["revoked"], [self.serial(cert)])
        self.assertIn(self.serial(cert), self.crl())
        answer = self.m.ok("POST", "/api/v1/certificates/revoke", {"serial": "0a1b"})
        self.assertEqual(answer["revoked"], ["0A1B"])
        self.assertIn("0A1B", self.crl())
        for body, code in (({"name": "nobody-by-that-name"}, 404), ({"serial": "xyz"}, 400),
                           ({"serial": "01", "name": "enrolled-1"}, 400), ({"role": "peer"}, 400),
                           ({"serial": "01", "reason": "x"}, 400), ({"certificate": "not a pem"}, 400)):
            status, _, answer = self.m.call("POST", "/api/v1/certificates/revoke", body)
            self.assertEqual(status, code, (body, answer))
        # The revocations outlive a restart (they are in the database). An `issued` file of an
        # earlier version is imported once, without its expired certificates.
        issued = os.path.join(self.data_dir, "issued")
        with open(issued, "w") as f:
            f.write("0ABCDE peer expired-host 1000\n0ABCDF peer imported-host 99999999999\n")
        self.m.process.stop()
        self.m = type(self).m = mg.start_manager(self.s, "dfmanager-again", self.config, tls=client(self.ca))
        self.assertIn(self.serial(cert), self.crl())
        self.assertIn("0A1B", self.crl())
        self.assertFalse(os.path.exists(issued))
        self.assertTrue(os.path.exists(issued + ".imported"))
        self.assertEqual(self.m.ok("POST", "/api/v1/certificates/revoke", {"name": "enrolled-1"})["revoked"],
                         [self.serial(cert)])
        self.assertEqual(self.m.ok("POST", "/api/v1/certificates/revoke", {"name": "imported-host"})["revoked"],
                         ["0ABCDF"])
        self.assertEqual(self.m.call("POST", "/api/v1/certificates/revoke", {"name": "expired-host"})[0], 404)


class ManagerTlsComponentTokenTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = start_tls_manager(cls, "tls", "mgr-2")
        path = os.path.join(cls.data_dir, "component_token")
        cls.token_mode = stat.S_IMODE(os.stat(path).st_mode)
        with open(path) as f:
            cls.token = f.read().strip()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def test_the_generated_component_token_is_private_and_never_logged(self):
        self.assertEqual(self.token_mode, 0o600)
        self.assertGreaterEqual(len(self.token), 16)
        with open(self.m.process.log_path) as f:
            self.assertNotIn(self.token, f.read())

    def test_the_component_token_calls_the_component_endpoints_only(self):
        t = self.token
        status, _, answer = self.m.call("POST", "/api/v1/hosts", {"hostname": "node-7", "ip": "10.0.0.7"}, token=t)
        self.assertEqual(status, 200, answer)
        status, _, sched = self.m.call("POST", "/api/v1/schedulers", {"hostname": "s", "ip": "127.0.0.1", "port": 8002},
                                       token=t)
        self.assertEqual(status, 200, sched)
        self.assertEqual(self.m.call("POST", "/api/v1/schedulers/%d/keepalive" % sched["id"], token=t)[0], 200)
        status, _, seed = self.m.call("POST", "/api/v1/seed-peers", {"hostname": "sp", "ip": "127.0.0.1", "port": 65002},
                                      token=t)
        self.assertEqual(status, 200, seed)
        self.assertEqual(self.m.call("POST", "/api/v1/seed-peers/%d/keepalive" % seed["id"], token=t)[0], 200)
        # Another machine's address: refused (the request comes from 127.0.0.1).
        for path in ("/api/v1/schedulers", "/api/v1/seed-peers"):
            status, _, answer = self.m.call("POST", path, {"hostname": "s", "ip": "10.0.0.8", "port": 8002}, token=t)
            self.assertEqual((status, answer["code"]), (403, "forbidden"), answer)
            self.assertIn("registers only the address it connects from", answer["message"])
        before = self.m.metrics().get(FORBIDDEN, 0)
        for method, path, body in (("GET", CLUSTERS, None), ("POST", CLUSTERS, {"name": "by-token"}),
                                   ("GET", "/api/v1/hosts", None), ("DELETE", CLUSTERS + "/1", None)):
            status, _, answer = self.m.call(method, path, body, token=t)
            self.assertEqual((status, answer["code"]), (403, "forbidden"), (method, path, answer))
            self.assertIn("component token may call only", answer["message"])
        self.assertEqual(self.m.metrics().get(FORBIDDEN, 0) - before, 4)
        self.assertEqual(self.m.call("GET", CLUSTERS)[0], 200)  # the admin token still may

    def test_in_tls_mode_a_client_certificate_grants_nothing(self):
        peer = client(self.ca, issue(self.ca, "peer", "node-8"))
        status, _, answer = self.m.call("POST", "/api/v1/hosts", {"hostname": "node-8", "ip": "10.0.0.8"}, token="",
                                        context=peer)
        self.assertEqual((status, answer["code"]), (401, "unauthorized"), answer)

    def test_plain_http_on_the_tls_port_gets_nothing(self):
        plain = mg.Manager(None, self.m.port)
        self.assertTrue(refused(lambda: plain.call("GET", CLUSTERS)))
        self.assertTrue(self.m.healthy())


if __name__ == "__main__":
    unittest.main()
