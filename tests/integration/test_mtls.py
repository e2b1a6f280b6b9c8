"""security.mode: mtls against a real swarm: components prove their roles with certificates from
the cluster CA (scripts/certs.sh), a client without one cannot register, and a stolen peer
certificate cannot make seed claims or speak for another host (docs/security.md)."""
import os
import socket
import ssl
import subprocess
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import rogue as rg  # noqa: E402
import swarm as sw  # noqa: E402

FILE_SIZE = 3 << 20


class MutualTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        cls.ca = cls.s.use_certificates("mtls")
        cls.ca_file = os.path.join(cls.ca, "ca.pem")
        cls.root = os.path.join(cls.s.workdir, "www")
        os.makedirs(cls.root)
        cls.s.start_origin(cls.root)
        cls.s.start_scheduler()
        cls.seed = cls.s.start_daemon("seed", seed=True)
        cls.peers = [cls.s.start_daemon("peer%d" % i) for i in range(2)]
        cls.s.wait_hosts(3)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def metric(self, name):
        return self.s.scheduler_metrics().get(name, 0)

    def new_file(self, name, seed):
        path = os.path.join(self.root, name)
        sw.write_random_file(path, FILE_SIZE, seed=seed)
        return self.s.origin_url("/files/" + name), sw.sha256_file(path)

    def download(self, peer, url, name):
        out = os.path.join(self.s.workdir, name)
        r = self.s.dfget(peer, url, out)
        self.assertEqual(r.returncode, 0, r.stderr + "\n" + self.s.logs())
        return sw.sha256_file(out)

    def test_a_swarm_with_certificates_distributes_and_verifies(self):
        url, expected = self.new_file("both.bin", seed=1)
        for i, peer in enumerate(self.peers):
            self.assertEqual(self.download(peer, url, "both%d.out" % i), expected)
        self.assertGreater(self.peers[0].received()["seed"] + self.peers[1].received()["seed"], 0)
        self.assertEqual(self.metric("dragonfly_scheduler_seed_hosts"), 1)

    def assert_refused_at_handshake(self, connect):
        failed = self.metric("dragonfly_scheduler_tls_handshakes_failed_total")
        try:
            r = connect()
            self.assertTrue(r.closed(), "the scheduler kept a connection without a valid certificate")
            r.close()
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            pass  # refused during the handshake itself
        sw.wait_until(lambda: self.metric("dragonfly_scheduler_tls_handshakes_failed_total") == failed + 1, 15,
                      "the failed handshake to be counted")
        self.assertEqual(self.metric("dragonfly_scheduler_hosts"), 3)

    def test_plain_tcp_is_refused(self):
        self.assert_refused_at_handshake(lambda: rg.Rogue(self.s.scheduler_port, "plain"))

    def test_tls_without_a_client_certificate_is_refused(self):
        ctx = rg.tls_context(self.ca_file)
        self.assert_refused_at_handshake(lambda: rg.Rogue(self.s.scheduler_port, "anon", tls=ctx))

    def test_a_certificate_from_another_ca_is_refused(self):
        other = os.path.join(self.s.workdir, "other-ca")
        subprocess.run([sw.CERTS, "ca", other], check=True, capture_output=True)
        subprocess.run([sw.CERTS, "issue", other, "seed-peer", "forged"], check=True, capture_output=True)
        cert = (os.path.join(other, "seed-peer-forged.pem"), os.path.join(other, "seed-peer-forged-key.pem"))
        ctx = rg.tls_context(self.ca_file, cert)
        self.assert_refused_at_handshake(
            lambda: rg.Rogue(self.s.scheduler_port, "forged-9", hostname="forged", seed=True, tls=ctx))

    def test_a_peer_certificate_cannot_claim_to_be_a_seed(self):
        # Named to be asked first (hosts are tried in ID order) were its seed claim believed.
        ctx = rg.tls_context(self.ca_file, self.s.issue("peer", "000-rogue"))
        refused = self.metric("dragonfly_scheduler_seed_claims_refused_total")
        rogue = rg.Rogue(self.s.scheduler_port, "000-rogue-9", hostname="000-rogue", seed=True, tls=ctx)
        self.addCleanup(rogue.close)
        self.s.wait_hosts(4)
        self.assertEqual(self.metric("dragonfly_scheduler_seed_claims_refused_total"), refused + 1)
        self.assertEqual(self.metric("dragonfly_scheduler_seed_hosts"), 1)
        url, expected = self.new_file("claimed.bin", seed=2)
        seed_bytes = self.peers[0].received()["seed"]
        self.assertEqual(self.download(self.peers[0], url, "claimed.out"), expected)
        self.assertEqual(self.peers[0].received()["seed"] - seed_bytes, FILE_SIZE)  # from the real seed
        rogue.sock.settimeout(0.5)
        try:
            data = rogue.sock.recv(65536)
        except (socket.timeout, ssl.SSLError):
            data = b""
        self.assertNotIn(b"seed_task", data)  # it was never asked to fetch anything
        rogue.close()
        self.s.wait_hosts(3)

    def test_a_certificate_speaks_only_for_the_host_it_names(self):
        ctx = rg.tls_context(self.ca_file, self.s.issue("seed-peer", "mallory"))
        refused = self.metric("dragonfly_scheduler_hellos_refused_total")
        victim = "peer0-%d" % self.peers[0].upload_port
        rogue = rg.Rogue(self.s.scheduler_port, victim, hostname="peer0", upload_port=self.peers[0].upload_port,
                         tls=ctx)
        self.assertTrue(rogue.closed(), "a hello for another host was accepted")
        rogue.close()
        # Its own name, with an ID that is not its own, is refused as well.
        rogue = rg.Rogue(self.s.scheduler_port, "mallory-1", hostname="mallory", upload_port=2, tls=ctx)
        self.assertTrue(rogue.closed(), "a host ID that does not match the host name was accepted")
        rogue.close()
        self.assertEqual(self.metric("dragonfly_scheduler_hellos_refused_total"), refused + 2)
        self.assertEqual(self.metric("dragonfly_scheduler_hosts"), 3)
        url, expected = self.new_file("victim.bin", seed=3)
        self.assertEqual(self.download(self.peers[0], url, "victim.out"), expected)


    def test_the_upload_port_serves_pieces_only_to_holders_of_a_certificate(self):
        url, expected = self.new_file("held.bin", seed=4)
        self.assertEqual(self.download(self.peers[0], url, "held.out"), expected)
        target = "https://127.0.0.1:%d/v1/tasks/%s/pieces/0" % (self.peers[0].upload_port, rg.task_id(url))
        refused = self.peers[0].metrics().get("dragonfly_dfdaemon_upload_tls_refused_total", 0)
        for ctx in (rg.tls_context(self.ca_file), None):  # TLS without a certificate; plain HTTP
            with self.assertRaises(Exception):
                sw.get(target if ctx else target.replace("https", "http"), context=ctx)
        sw.wait_until(lambda: self.peers[0].metrics().get("dragonfly_dfdaemon_upload_tls_refused_total") ==
                      refused + 2, 15, "both refusals to be counted")
        # A holder of a cluster certificate gets the piece.
        reader = rg.tls_context(self.ca_file, self.s.issue("peer", "reader"))
        with urllib.request.urlopen(target, timeout=10, context=reader) as r:
            piece = r.read()
        with open(os.path.join(self.root, "held.bin"), "rb") as f:
            self.assertEqual(piece, f.read(len(piece)))
        self.assertGreater(len(piece), 0)


class CertificateCheckTest(unittest.TestCase):
    """What a component checks about its own certificate and the other end's at start-up."""

    def setUp(self):
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        self.ca = self.s.use_certificates("mtls")

    def run_daemon(self, name, *extra):
        security = self.s._security_args("peer", "someone-else")
        return subprocess.run([self.s._bin("dfdaemon"), "--data-dir", os.path.join(self.s.workdir, name),
                               "--hostname", name, "--socket", os.path.join(self.s.workdir, name + ".sock"),
                               "--upload-port", "0", "--proxy-port", "0"] + security + list(extra),
                              capture_output=True, text=True, timeout=30)

    def test_a_daemon_refuses_to_start_with_another_hosts_certificate(self):
        r = self.run_daemon("honest")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("names host 'someone-else'", r.stdout + r.stderr)

    def test_a_scheduler_refuses_to_start_with_a_peer_certificate(self):
        security = self.s._security_args("peer", "not-a-scheduler")
        r = subprocess.run([self.s._bin("dfscheduler"), "--port", "0", "--metrics-port", "0"] + security,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("needs a scheduler certificate", r.stderr)

    def test_a_revoked_certificate_is_refused(self):
        cert = self.s.issue("peer", "revoked")
        subprocess.run([sw.CERTS, "revoke", self.ca, "peer", "revoked"], check=True, capture_output=True)
        self.s.security_extra = "  crl_file: %s\n" % os.path.join(self.ca, "crl.pem")
        self.s.start_scheduler()
        failed = self.s.scheduler_metrics().get("dragonfly_scheduler_tls_handshakes_failed_total")  # readiness probes
        ctx = rg.tls_context(os.path.join(self.ca, "ca.pem"), cert)
        self.assertTrue(rg.refused(self.s.scheduler_port, "revoked-9", "revoked", ctx), "a revoked certificate registered")
        sw.wait_until(lambda: self.s.scheduler_metrics().get("dragonfly_scheduler_tls_handshakes_failed_total") ==
                      failed + 1, 15, "the refused handshake to be counted")
        # A certificate that is not revoked still works under the same CRL.
        ok = rg.Rogue(self.s.scheduler_port, "fine-9", hostname="fine",
                      tls=rg.tls_context(os.path.join(self.ca, "ca.pem"), self.s.issue("peer", "fine")))
        self.addCleanup(ok.close)
        self.s.wait_hosts(1)

    def test_revoking_a_connected_hosts_certificate_closes_its_connection(self):
        self.s.security_extra = "  crl_file: %s\n" % os.path.join(self.ca, "crl.pem")
        self.s.start_scheduler()
        ca_file = os.path.join(self.ca, "ca.pem")
        stays, goes, goes_cert = rg.stays_and_goes(self.s.scheduler_port, ca_file, self.s.issue)
        self.addCleanup(stays.close)
        self.addCleanup(goes.close)
        self.s.wait_hosts(2)
        subprocess.run([sw.CERTS, "revoke", self.ca, "peer", "goes"], check=True, capture_output=True)
        # The scheduler checks the CRL file every 5 s.
        self.assertTrue(goes.closed(timeout=20), "the revoked host kept its connection")
        self.s.wait_hosts(1)
        metrics = self.s.scheduler_metrics()
        self.assertEqual(metrics.get("dragonfly_scheduler_revoked_connections_closed_total"), 1)
        failed = metrics.get("dragonfly_scheduler_tls_handshakes_failed_total")
        self.assertTrue(rg.refused(self.s.scheduler_port, "goes-9", "goes", rg.tls_context(ca_file, goes_cert)),
                        "the revoked certificate registered again")
        sw.wait_until(lambda: self.s.scheduler_metrics().get("dragonfly_scheduler_tls_handshakes_failed_total") ==
                      failed + 1, 15, "the refused handshake to be counted")
        self.assertEqual(self.s.scheduler_metrics().get("dragonfly_scheduler_hosts"), 1)  # the other host stays


if __name__ == "__main__":
    unittest.main()
