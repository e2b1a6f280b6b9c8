"""Certificates renewed and revoked while components run (docs/security.md, "Renewal" and
"Revocation"): a daemon whose cert_file/key_file are replaced presents the new certificate on new
connections and refuses a pair of another role or CA (keeping its own); a scheduler with
manager.addresses in mtls takes the manager's CRL after each keepalive, so a host whose certificate
is revoked through the manager's API is closed and refused within a refresh, with no operator
timer; a daemon takes it after each refresh, into its crl_file too. Real processes, certificates from scripts/certs.sh, the manager as the CA."""
import os
import shutil
import socket
import ssl
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import configured  # noqa: E402
import manager as mg  # noqa: E402
import rogue as rg  # noqa: E402
import swarm as sw  # noqa: E402

RELOADED = 'dragonfly_dfdaemon_certificate_reloads_total{result="ok"}'
REFUSED = 'dragonfly_dfdaemon_certificate_reloads_total{result="refused"}'


def serial_of(cert):
    """The serial of a PEM certificate file, as upper-case hex without leading zeros."""
    out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-serial"], check=True, capture_output=True,
                         text=True).stdout
    return out.strip().split("=", 1)[1].lstrip("0").upper()


def presented_serial(port, ctx):
    """The serial of the certificate a new TLS connection to `port` is shown."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw) as tls:
            return tls.getpeercert()["serialNumber"].lstrip("0").upper()


class DaemonCertificateReloadTest(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        self.ca = self.s.use_certificates("mtls")
        self.live = os.path.join(self.s.workdir, "live")
        os.makedirs(self.live)
        self.cert, self.key = os.path.join(self.live, "cert.pem"), os.path.join(self.live, "key.pem")
        self.install(*self.s.issue("peer", "node-1"))
        self.s.start_scheduler()
        conf = configured.write_config(self.s, "node-1.yaml", (
            "security:\n  mode: mtls\n  ca_file: %s\n  cert_file: %s\n  key_file: %s\n"
            % (os.path.join(self.ca, "ca.pem"), self.cert, self.key)))
        security, self.s.security = self.s.security, None  # this daemon brings its own files
        try:
            self.d = self.s.start_daemon("node-1", extra=["-c", conf])
        finally:
            self.s.security = security
        self.d.tls = self.s._client_tls()
        self.s.wait_hosts(1)

    def install(self, cert, key):
        """Replaces the live pair as a renewal tool would: each file written aside, then renamed
        over the old one (the certificate first: for a moment it does not match the key)."""
        for src, dst in ((cert, self.cert), (key, self.key)):
            shutil.copyfile(src, dst + ".new")
            os.replace(dst + ".new", dst)

    def metric(self, name):
        return self.d.metrics().get(name, 0)

    def test_a_renewed_pair_is_presented_on_new_connections_and_bad_ones_are_refused(self):
        first = serial_of(self.cert)
        self.assertEqual(presented_serial(self.d.upload_port, self.d.tls), first)
        self.install(*self.s.issue("peer", "node-1"))  # same name, new key, new serial
        renewed = serial_of(self.cert)
        self.assertNotEqual(renewed, first)
        sw.wait_until(lambda: presented_serial(self.d.upload_port, self.d.tls) == renewed, 20,
                      "the upload port to present the renewed certificate")
        self.assertEqual(self.metric(RELOADED), 1)
        self.assertEqual(self.metric(REFUSED), 0)
        self.s.wait_hosts(1)  # the scheduler connection made with the old certificate stays

        # A pair of another role for the same name: refused, the renewed one stays.
        self.install(*self.s.issue("seed-peer", "node-1"))
        sw.wait_until(lambda: self.metric(REFUSED) == 1, 20, "the seed-peer pair to be refused")
        self.assertEqual(presented_serial(self.d.upload_port, self.d.tls), renewed)

        # A pair of an unrelated CA: refused too.
        other = os.path.join(self.s.workdir, "other-ca")
        subprocess.run([sw.CERTS, "ca", other], check=True, capture_output=True)
        subprocess.run([sw.CERTS, "issue", other, "peer", "node-1"], check=True, capture_output=True)
        self.install(os.path.join(other, "peer-node-1.pem"), os.path.join(other, "peer-node-1-key.pem"))
        sw.wait_until(lambda: self.metric(REFUSED) == 2, 20, "the other CA's pair to be refused")
        self.assertEqual(presented_serial(self.d.upload_port, self.d.tls), renewed)
        self.assertEqual(self.metric(RELOADED), 1)
        with open(os.path.join(self.s.workdir, "node-1.log")) as f:
            log = f.read()
        self.assertIn("security.cert_file reloaded", log)
        self.assertIn("names spiffe://dragonfly/seed-peer/node-1, not spiffe://dragonfly/peer/node-1", log)


class SchedulerTakesTheManagersCrlTest(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        self.ca = self.s.use_certificates("mtls")
        ca_file = os.path.join(self.ca, "ca.pem")
        subprocess.run([sw.CERTS, "issue", self.ca, "manager", "mgr-1", "127.0.0.1"], check=True, capture_output=True)
        own = (os.path.join(self.ca, "manager-mgr-1.pem"), os.path.join(self.ca, "manager-mgr-1-key.pem"))
        extra = ("enrollment:\n  ca_cert: %s\n  ca_key: %s\n" % (ca_file, os.path.join(self.ca, "ca-key.pem")) +
                 "security:\n  mode: mtls\n  ca_file: %s\n  cert_file: %s\n  key_file: %s\n" % (ca_file, *own))
        config = mg.write_config(os.path.join(self.s.workdir, "m.yaml"), os.path.join(self.s.workdir, "m"),
                                 keepalive="1s", extra=extra)
        self.m = mg.start_manager(self.s, "dfmanager", config, tls=rg.tls_context(ca_file))
        cert, key = self.s.issue("scheduler", "sched-1")
        configured.start_scheduler(self.s, config=(
            "host:\n  hostname: sched-1\n"
            "security:\n  mode: mtls\n  ca_file: %s\n  cert_file: %s\n  key_file: %s\n" % (ca_file, cert, key) +
            "manager:\n  addresses: [\"127.0.0.1:%d\"]\n" % self.m.port))
        sw.wait_until(lambda: configured.metrics(self.s.scheduler_metrics_port).get(
            'dragonfly_scheduler_manager_crl_fetches_total{result="applied"}', 0) == 1, 20,
            "the scheduler to take the manager's first CRL")

    def sched_metric(self, name):
        return configured.metrics(self.s.scheduler_metrics_port).get(name, 0)

    def test_a_certificate_revoked_at_the_manager_is_refused_within_a_keepalive(self):
        ca_file = os.path.join(self.ca, "ca.pem")
        stays, goes, goes_cert = rg.stays_and_goes(self.s.scheduler_port, ca_file, self.s.issue)
        self.addCleanup(stays.close)
        self.addCleanup(goes.close)
        self.s.wait_hosts(2)
        with open(goes_cert[0]) as f:
            answer = self.m.ok("POST", "/api/v1/certificates/revoke", {"certificate": f.read()})
        self.assertEqual(answer["revoked"], [serial_of(goes_cert[0])])
        # Keepalives every second: the CRL arrives with the next one and the connection is closed.
        self.assertTrue(goes.closed(timeout=15), "the revoked host kept its connection")
        self.s.wait_hosts(1)
        self.assertEqual(self.sched_metric("dragonfly_scheduler_revoked_connections_closed_total"), 1)
        self.assertEqual(self.sched_metric('dragonfly_scheduler_manager_crl_fetches_total{result="applied"}'), 2)
        self.assertEqual(self.sched_metric('dragonfly_scheduler_manager_crl_fetches_total{result="refused"}'), 0)
        failed = self.sched_metric("dragonfly_scheduler_tls_handshakes_failed_total")
        self.assertTrue(rg.refused(self.s.scheduler_port, "goes-9", "goes", rg.tls_context(ca_file, goes_cert)),
                        "the revoked certificate registered again")
        sw.wait_until(lambda: self.sched_metric("dragonfly_scheduler_tls_handshakes_failed_total") == failed + 1, 15,
                      "the refused handshake to be counted")
        self.assertFalse(stays.closed(timeout=1), "an honest host lost its connection")
        self.assertEqual(self.sched_metric("dragonfly_scheduler_hosts"), 1)

    def test_a_daemon_takes_the_managers_crl_into_its_crl_file_and_refuses_what_it_revokes(self):
        ca_file = os.path.join(self.ca, "ca.pem")
        crl_file = os.path.join(self.s.workdir, "node-7-crl.pem")
        shutil.copyfile(os.path.join(self.ca, "crl.pem"), crl_file)  # scripts/certs.sh's, older
        cert, key = self.s.issue("peer", "node-7")
        conf = configured.write_config(self.s, "node-7.yaml", (
            "security:\n  mode: mtls\n  ca_file: %s\n  cert_file: %s\n  key_file: %s\n  crl_file: %s\n"
            % (ca_file, cert, key, crl_file) +
            "manager:\n  addresses: [\"127.0.0.1:%d\"]\n  refresh_interval: 500ms\n" % self.m.port))
        d = configured.start_managed_daemon(self.s, "node-7", conf)
        d.tls = self.s._client_tls()
        applied = 'dragonfly_dfdaemon_manager_crl_fetches_total{result="applied"}'
        self.assertGreaterEqual(d.metrics().get(applied), 1)  # at start-up, with the first answer
        status, _, published = self.m.call("GET", "/api/v1/crl", token="")
        self.assertEqual(status, 200)
        with open(crl_file) as f:
            self.assertEqual(f.read(), published)
        # A client certificate revoked at the manager: refused by the upload port within a refresh.
        victim = self.s.issue("peer", "victim")
        ctx = rg.tls_context(ca_file, victim)

        def refused():
            try:
                with socket.create_connection(("127.0.0.1", d.upload_port), timeout=5) as raw:
                    with ctx.wrap_socket(raw) as tls:  # TLS 1.3: the client certificate is judged after
                        tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                        return tls.recv(100) == b""
            except (ssl.SSLError, OSError):
                return True
        self.assertFalse(refused(), "the upload port refused a valid certificate")
        with open(victim[0]) as f:
            self.m.ok("POST", "/api/v1/certificates/revoke", {"certificate": f.read()})
        sw.wait_until(refused, 15, "the upload port to refuse the revoked certificate")
        self.assertGreaterEqual(d.metrics().get(applied), 2)
        with open(crl_file) as f:
            self.assertNotEqual(f.read(), published)  # the newer list replaced it
        self.assertTrue(presented_serial(d.upload_port, d.tls))  # others still connect


if __name__ == "__main__":
    unittest.main()
