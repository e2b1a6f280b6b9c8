"""Signed digests (security.mode mtls): a daemon takes a relayed piece digest only with a valid
signature of the task's source. A scheduler that relays forged digests (for a parent that serves
forged bytes) makes the download fail clearly with nothing written; the same scheduler relaying
the source's real signatures works (docs/security.md, docs/protocol.md)."""
import hashlib
import http.server
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import fake_scheduler as fs  # noqa: E402
import rogue as rg  # noqa: E402
import swarm as sw  # noqa: E402

PIECE = 16384
PIECES = 3


def sign(key, text):
    """What a source's statement_signer makes with an Ed25519 key (scripts/certs.sh): the
    signature of the text itself, in hex."""
    with tempfile.NamedTemporaryFile() as f:  # (a one-shot signature reads a file, not a pipe)
        f.write(text.encode())
        f.flush()
        return subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", f.name],
                              capture_output=True, check=True).stdout.hex()


def statement(task_id, piece, digest):
    return "dragonfly piece digest v1\n%s\n%d\n%d\n%d\n%s" % (task_id, PIECE * PIECES, PIECE, piece, digest)


class PieceServer:
    """A parent's upload port that serves whatever bytes the test gives it, over TLS with a
    certificate of the cluster CA as every daemon's upload port in mtls mode."""

    def __init__(self, ca_file, cert):
        self.pieces = {}  # task ID → bytes
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                parts = self.path.split("/")  # /v1/tasks/<id>/pieces/<n>
                data = owner.pieces.get(parts[3]) if len(parts) == 6 else None
                if data is None:
                    self.send_error(404)
                    return
                n = int(parts[5])
                body = data[n * PIECE:(n + 1) * PIECE]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*cert)
        ctx.load_verify_locations(ca_file)
        ctx.verify_mode = ssl.CERT_REQUIRED
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class SignedDigestsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        cls.ca = cls.s.use_certificates("mtls")
        cls.seed_cert = cls.s.issue("seed-peer", "seed")
        cls.peer_cert = cls.s.issue("peer", "someone")
        other = os.path.join(cls.s.workdir, "other-ca")
        subprocess.run([sw.CERTS, "ca", other], check=True, capture_output=True)
        subprocess.run([sw.CERTS, "issue", other, "seed-peer", "seed"], check=True, capture_output=True)
        cls.foreign_cert = (os.path.join(other, "seed-peer-seed.pem"), os.path.join(other, "seed-peer-seed-key.pem"))
        cls.plan = {}  # task ID → (signer PEM, digests on the wire)
        cls.parent = PieceServer(os.path.join(cls.ca, "ca.pem"), cls.s.issue("peer", "parent"))
        cls.scheduler = fs.FakeScheduler(os.path.join(cls.ca, "ca.pem"), cls.s.issue("scheduler", "liar"),
                                         cls.answer)
        cls.daemon = cls.s.start_daemon("victim", scheduler_port=cls.scheduler.port)
        sw.wait_until(lambda: cls.scheduler.hellos, 15, "the daemon to say hello to the fake scheduler")

    @classmethod
    def tearDownClass(cls):
        cls.scheduler.close()
        cls.parent.close()
        cls.s.stop()

    @classmethod
    def answer(cls, register):
        task_id, peer_id = register["task_id"], register["peer_id"]
        signer, digests = cls.plan[task_id]
        return [{"type": "task_info", "task_id": task_id, "peer_id": peer_id, "content_length": PIECE * PIECES,
                 "piece_size": PIECE, "signer": signer},
                {"type": "parents", "task_id": task_id, "peer_id": peer_id, "digests": digests,
                 "parents": [{"peer_id": "parent", "host_id": "parent-%d" % cls.parent.port, "ip": "127.0.0.1",
                              "upload_port": cls.parent.port, "seed": True, "pieces": list(range(PIECES)),
                              "held": ""}]}]

    def download(self, name, served, signer_cert, wire_digests):
        """Plans a task whose parent serves `served`; wire_digests(task_id, digests) gives what the
        scheduler relays. Returns (dfget result, output path)."""
        url = "http://127.0.0.1:9/%s.bin" % name
        task_id = rg.task_id(url)
        digests = [hashlib.sha256(served[i * PIECE:(i + 1) * PIECE]).hexdigest() for i in range(PIECES)]
        with open(signer_cert[0]) as f:
            pem = f.read()
        self.plan[task_id] = (pem, wire_digests(task_id, digests))
        self.parent.pieces[task_id] = served
        out = os.path.join(self.s.workdir, name + ".out")
        return self.s.dfget(self.daemon, url, out, "--timeout", "30s"), out

    def signed_by(self, key):
        return lambda task_id, digests: ["%s.%s" % (d, sign(key, statement(task_id, i, d))) for i, d in enumerate(digests)]

    def rejected(self):
        return self.daemon.metrics().get("dragonfly_dfdaemon_digests_rejected_total", 0)

    def assert_refused(self, result, out, words, before):
        self.assertNotEqual(result.returncode, 0, "the download succeeded with digests its source never signed")
        self.assertIn(words, result.stderr)
        self.assertFalse(os.path.exists(out), "something was written to the output path")
        self.assertEqual(self.rejected(), before + 1)

    def test_digests_signed_by_the_source_are_taken(self):
        data = os.urandom(PIECE * PIECES)
        r, out = self.download("honest", data, self.seed_cert, self.signed_by(self.seed_cert[1]))
        self.assertEqual(r.returncode, 0, r.stderr + self.s.logs())
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)

    def test_unsigned_digests_are_refused(self):
        before = self.rejected()
        r, out = self.download("unsigned", os.urandom(PIECE * PIECES), self.seed_cert, lambda t, d: d)
        self.assert_refused(r, out, "not signed", before)

    def test_digests_signed_by_another_key_are_refused(self):
        before = self.rejected()
        r, out = self.download("other-key", os.urandom(PIECE * PIECES), self.seed_cert,
                               self.signed_by(self.peer_cert[1]))
        self.assert_refused(r, out, "signature is not spiffe://dragonfly/seed-peer/seed's", before)

    def test_a_signer_of_another_ca_is_refused(self):
        before = self.rejected()
        r, out = self.download("foreign", os.urandom(PIECE * PIECES), self.foreign_cert,
                               self.signed_by(self.foreign_cert[1]))
        self.assert_refused(r, out, "signer for the task that is refused", before)

    def test_a_signature_moved_to_another_piece_is_refused(self):
        before = self.rejected()
        honest = self.signed_by(self.seed_cert[1])

        def swapped(task_id, digests):
            wire = honest(task_id, digests)
            return [wire[1], wire[0]] + wire[2:]  # each digest with its own signature, at the wrong piece
        r, out = self.download("swapped", os.urandom(PIECE * PIECES), self.seed_cert, swapped)
        self.assert_refused(r, out, "signature is not", before)


if __name__ == "__main__":
    unittest.main()
