"""dfmanager as the cluster CA (docs/manager.md, "Enrollment"): a component sends a certificate
request with a bootstrap token and gets a certificate for the token's role; that certificate
then works in a real mtls swarm. Wrong tokens, bad requests and bad names are refused."""
import json
import os
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import manager as mg  # noqa: E402
import swarm as sw  # noqa: E402

PEER_TOKEN = "peer-bootstrap-token-0123456789"
SEED_TOKEN = "seed-bootstrap-token-0123456789"


def tampered(pem):
    """The request with one byte of its signed body changed: still PEM, no longer verifiable."""
    lines = pem.splitlines()
    body = lines[2]
    lines[2] = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    return "\n".join(lines) + "\n"


class EnrollmentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        cls.ca = cls.s.use_certificates("mtls")
        extra = ("enrollment:\n  ca_cert: %s\n  ca_key: %s\n  validity: 3h\n  tokens:\n"
                 "    - {token: %s, role: peer}\n    - {token: %s, role: seed-peer}\n"
                 % (os.path.join(cls.ca, "ca.pem"), os.path.join(cls.ca, "ca-key.pem"), PEER_TOKEN, SEED_TOKEN))
        config = mg.write_config(os.path.join(cls.s.workdir, "m.yaml"), os.path.join(cls.s.workdir, "m"), extra=extra)
        cls.m = mg.start_manager(cls.s, "dfmanager", config)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def request(self, name):
        """A new Ed25519 key and a certificate request with common name `name`: (key path, CSR PEM)."""
        key = os.path.join(self.s.workdir, "%s-key.pem" % name)
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True, capture_output=True)
        csr = subprocess.run(["openssl", "req", "-new", "-key", key, "-subj", "/CN=%s" % name], check=True,
                             capture_output=True, text=True).stdout
        return key, csr

    def enroll(self, body, method="POST"):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.m.url("/api/v1/certificates"), data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def test_an_enrolled_certificate_names_the_tokens_role_and_works_in_the_swarm(self):
        key, csr = self.request("enrolled")
        status, answer = self.enroll({"csr": csr, "token": PEER_TOKEN})
        self.assertEqual(status, 201, answer)
        cert = os.path.join(self.s.workdir, "enrolled.pem")
        with open(cert, "w") as f:
            f.write(answer["certificate"])
        with open(os.path.join(self.ca, "ca.pem")) as f:
            self.assertEqual(answer["ca"], f.read())
        verified = subprocess.run(["openssl", "verify", "-CAfile", os.path.join(self.ca, "ca.pem"), cert],
                                  capture_output=True, text=True)
        self.assertEqual(verified.returncode, 0, verified.stdout + verified.stderr)
        text = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-ext", "subjectAltName"],
                              capture_output=True, text=True, check=True).stdout
        self.assertIn("URI:spiffe://dragonfly/peer/enrolled", text)
        # The certificate registers a daemon named "enrolled" with an mtls scheduler.
        self.s.start_scheduler()
        conf = os.path.join(self.s.workdir, "enrolled.yaml")
        with open(conf, "w") as f:
            f.write("security:\n  mode: mtls\n  ca_file: %s\n  cert_file: %s\n  key_file: %s\n"
                    % (os.path.join(self.ca, "ca.pem"), cert, key))
        security, self.s.security = self.s.security, None  # this daemon brings its own certificate
        try:
            self.s.start_daemon("enrolled", extra=["-c", conf])
        finally:
            self.s.security = security
        self.s.wait_hosts(1)
        self.assertEqual(self.m.metrics().get('dragonfly_manager_enrollments_total{result="issued"}'), 1)

    def test_the_seed_token_grants_the_seed_peer_role(self):
        _, csr = self.request("seed-7")
        status, answer = self.enroll({"csr": csr, "token": SEED_TOKEN})
        self.assertEqual(status, 201, answer)
        text = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName"], input=answer["certificate"],
                              capture_output=True, text=True, check=True).stdout
        self.assertIn("URI:spiffe://dragonfly/seed-peer/seed-7", text)

    def dfcert(self, name, token, *extra):
        env = dict(os.environ, DF_ENROLL_TOKEN=token)
        return subprocess.run([os.path.join(self.s.bin_dir, "dfcert"), "enroll", "--manager",
                               "127.0.0.1:%d" % self.m.port, "--name", name,
                               "--dir", os.path.join(self.s.workdir, "pki")] + list(extra),
                              capture_output=True, text=True, env=env, timeout=30)

    def test_dfcert_enrolls_writes_the_files_and_renews_only_when_due(self):
        pki = os.path.join(self.s.workdir, "pki")
        r = self.dfcert("node-3", PEER_TOKEN)
        self.assertEqual(r.returncode, 0, r.stderr)
        cert, key = os.path.join(pki, "node-3.pem"), os.path.join(pki, "node-3-key.pem")
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
        verified = subprocess.run(["openssl", "verify", "-CAfile", os.path.join(pki, "ca.pem"), cert],
                                  capture_output=True, text=True)
        self.assertEqual(verified.returncode, 0, verified.stdout + verified.stderr)
        text = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-ext", "subjectAltName"],
                              capture_output=True, text=True, check=True).stdout
        self.assertIn("URI:spiffe://dragonfly/peer/node-3", text)
        # From a timer: a certificate valid for longer than --renew-before is kept as it is.
        with open(cert) as f:
            first = f.read()
        r = self.dfcert("node-3", PEER_TOKEN, "--renew-before", "0")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(cert) as f:
            self.assertNotEqual(f.read(), first)  # 0: always renewed
        with open(cert) as f:
            second = f.read()
        r = self.dfcert("node-3", PEER_TOKEN, "--renew-before", "2")  # valid for 3 h (enrollment.validity)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("kept", r.stdout)
        with open(cert) as f:
            self.assertEqual(f.read(), second)
        r = self.dfcert("node-3", PEER_TOKEN, "--renew-before", "4")  # due: renewed
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(cert) as f:
            self.assertNotEqual(f.read(), second)
        # A wrong token: a clear error, and nothing replaced.
        with open(cert) as f:
            kept = f.read()
        r = self.dfcert("node-3", "wrong-token-0000000000000", "--renew-before", "0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("refused the enrollment (401)", r.stderr)
        with open(cert) as f:
            self.assertEqual(f.read(), kept)

    def test_refusals(self):
        _, csr = self.request("someone")
        refused = self.m.metrics().get('dragonfly_manager_enrollments_total{result="refused"}', 0)
        cases = [
            ({"csr": csr, "token": "not-a-token-at-all-0000"}, 401),
            ({"csr": csr, "token": PEER_TOKEN[:-1]}, 401),
            ({"csr": "-----BEGIN CERTIFICATE REQUEST-----\ngarbage\n", "token": PEER_TOKEN}, 400),
            ({"csr": tampered(csr), "token": PEER_TOKEN}, 400),
            ({"csr": csr}, 400),
            ({"csr": csr, "token": PEER_TOKEN, "role": "scheduler"}, 400),
        ]
        for body, expected in cases:
            status, answer = self.enroll(body)
            self.assertEqual(status, expected, (body.keys(), answer))
            self.assertNotIn("certificate", answer)
        _, odd_name = self.request("a_b.c-d")  # every allowed kind of character
        self.assertEqual(self.enroll({"csr": odd_name, "token": PEER_TOKEN})[0], 201)
        key = os.path.join(self.s.workdir, "slash-key.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True, capture_output=True)
        slash = subprocess.run(["openssl", "req", "-new", "-key", key, "-subj", "/CN=evil\\/peer\\/x"], check=True,
                               capture_output=True, text=True).stdout
        self.assertEqual(self.enroll({"csr": slash, "token": PEER_TOKEN})[0], 400)
        self.assertEqual(self.enroll(None, method="GET")[0], 405)
        self.assertEqual(self.m.metrics().get('dragonfly_manager_enrollments_total{result="refused"}'), refused + 5)  # tokens and requests; malformed bodies are not enrollments


if __name__ == "__main__":
    unittest.main()
