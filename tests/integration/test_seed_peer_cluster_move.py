"""A seed peer whose registration is answered after its host moved to another seed-peer cluster
registers again in the new one (daemon/manager_link.cpp): a fake dfmanager holds the first
registration until the daemon has adopted the move, then answers it."""
import json
import http.server
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import configured  # noqa: E402
import swarm as sw  # noqa: E402

OLD_ID, NEW_ID = 101, 102  # seed-peer ids the fake gives in the old and in the new cluster


class FakeManager(http.server.ThreadingHTTPServer):
    """Answers /api/v1/hosts with seed-peer cluster 1 until the first seed-peer registration
    arrives, then with cluster 2; holds that registration until two announcements of cluster 2
    were answered (so the daemon has adopted the move), then gives it OLD_ID."""

    def __init__(self, scheduler_port):
        super().__init__(("127.0.0.1", 0), Handler)
        self.scheduler_port = scheduler_port
        self.lock = threading.Condition()
        self.seed_cluster = 1
        self.moved_answers = 0
        self.registrations = []  # seed_peer_cluster_id of each registration
        self.keepalives = []     # seed-peer ids kept alive


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        m = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)) or 0)
        if self.path == "/api/v1/hosts":
            with m.lock:
                cluster = m.seed_cluster
            self.reply({"host": {"id": 1, "hostname": "seed"},
                        "scheduler_cluster": {"id": 1, "name": "c", "seed_peer_cluster_id": cluster,
                                              "config": {"candidate_parent_limit": 4, "filter_parent_limit": 15,
                                                         "peer_upload_rate_limit": 0, "peer_download_rate_limit": 0,
                                                         "blocklist": {"applications": [], "urls": [], "tags": []}}},
                        "schedulers": [{"ip": "127.0.0.1", "port": m.scheduler_port}], "seed_peers": []})
            with m.lock:
                if cluster == 2:
                    m.moved_answers += 1
                    m.lock.notify_all()
        elif self.path == "/api/v1/seed-peers":
            cluster = json.loads(body)["seed_peer_cluster_id"]
            with m.lock:
                m.registrations.append(cluster)
                first = len(m.registrations) == 1
                if first:
                    m.seed_cluster = 2
                    m.lock.wait_for(lambda: m.moved_answers >= 2, timeout=20)
            self.reply({"id": OLD_ID if first else NEW_ID, "keepalive_interval_ms": 200})
        elif self.path.startswith("/api/v1/seed-peers/") and self.path.endswith("/keepalive"):
            with m.lock:
                m.keepalives.append(int(self.path.split("/")[4]))
            self.reply({"id": int(self.path.split("/")[4]), "state": "active"})
        else:
            self.send_error(404)


class SeedPeerClusterMove(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.s.start_scheduler()
        self.fake = FakeManager(self.s.scheduler_port)
        threading.Thread(target=self.fake.serve_forever, daemon=True).start()

    def tearDown(self):
        self.s.stop()
        self.fake.shutdown()

    def test_a_registration_answered_after_a_cluster_move_is_made_again_in_the_new_cluster(self):
        token = configured.write_config(self.s, "token", "t\n")
        conf = configured.write_config(self.s, "seed.yaml", configured.manager_section(
            self.fake.server_address[1], token, "200ms"))
        configured.start_managed_daemon(self.s, "seed", conf, seed=True)
        m = self.fake
        sw.wait_until(lambda: 2 in m.registrations, 20,
                      "the seed to register in seed-peer cluster 2 (registrations %s)" % m.registrations)
        sw.wait_until(lambda: NEW_ID in m.keepalives, 10, "keepalives of the new registration")
        with m.lock:
            self.assertEqual(m.registrations[0], 1)
            stale = [k for k in m.keepalives if k == OLD_ID]
        self.assertEqual(stale, [], "the registration in the old cluster was kept alive")


if __name__ == "__main__":
    unittest.main()
