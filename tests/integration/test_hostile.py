"""A hostile host on the network against a real swarm (dfscheduler, a seed, two peers): claims it
may not make are refused, floods of garbage cost bounded memory, and honest downloads still
complete and verify (docs/security.md)."""
import os
import random
import resource
import socket
import struct
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import configured  # noqa: E402
import rogue as rg  # noqa: E402
import swarm as sw  # noqa: E402

FILE_SIZE = 4 << 20


class HostileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
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

    def new_file(self, name, seed):
        path = os.path.join(self.root, name)
        sw.write_random_file(path, FILE_SIZE, seed=seed)
        return self.s.origin_url("/files/" + name), sw.sha256_file(path)

    def honest_download(self, peer, url, expected, name):
        out = os.path.join(self.s.workdir, name)
        r = self.s.dfget(peer, url, out)
        self.assertEqual(r.returncode, 0, r.stderr + "\n" + self.s.logs())
        self.assertEqual(sw.sha256_file(out), expected)
        return r

    def rejected(self):
        return self.s.scheduler_metrics().get("dragonfly_scheduler_messages_rejected_total", 0)

    def test_a_plain_host_cannot_pre_register_a_source_with_its_own_bytes(self):
        url, expected = self.new_file("later.bin", seed=11)
        rogue = rg.Rogue(self.s.scheduler_port, "000-rogue")
        tid = rg.task_id(url)
        rogue.register(tid, "rogue-peer", url, complete=True, source=True)
        rogue.send({"type": "task_meta", "task_id": tid, "peer_id": "rogue-peer",
                    "content_length": FILE_SIZE, "piece_size": 1 << 20})
        for i in range(4):
            rogue.send({"type": "piece_done", "task_id": tid, "peer_id": "rogue-peer", "piece": i,
                        "digest": "0" * 64})
        rogue.send({"type": "peer_done", "task_id": tid, "peer_id": "rogue-peer"})
        sw.wait_until(lambda: self.s.scheduler_metrics().get("dragonfly_scheduler_claims_ignored_total", 0) >= 1,
                      10, "the scheduler to ignore the claim")
        self.honest_download(self.peers[0], url, expected, "later.out")
        self.assertEqual(self.s.origin_stats()["paths"].get("/files/later.bin"), 1)  # the seed fetched it
        rogue.close()

    def test_a_task_id_of_another_url_closes_the_connection(self):
        url, expected = self.new_file("victim.bin", seed=12)
        before = self.rejected()
        rogue = rg.Rogue(self.s.scheduler_port, "rogue-mismatch")
        # The victim URL's ID with the attacker's URL: the seed would vouch for the wrong bytes.
        rogue.register(rg.task_id(url), "rogue-peer", self.s.origin_url("/evil.bin"))
        self.assertTrue(rogue.closed(), "the scheduler kept the connection")
        rogue.close()
        self.assertGreater(self.rejected(), before)
        self.honest_download(self.peers[1], url, expected, "victim.out")

    def test_a_spoofed_failure_of_the_source_is_refused(self):
        url, expected = self.new_file("spoof.bin", seed=13)
        rogue = rg.Rogue(self.s.scheduler_port, "rogue-spoof")
        tid = rg.task_id(url)
        rogue.register(tid, "rogue-peer", url)
        # The source's peer ID arrives in a parents message once the seed registers.
        parents = rogue.read_until(lambda m: m["type"] == "parents" and any(p["seed"] for p in m["parents"]))
        self.assertIsNotNone(parents, "the scheduler never named the source")
        source = next(p["peer_id"] for p in parents["parents"] if p["seed"])
        before = self.rejected()
        rogue.send({"type": "peer_failed", "task_id": tid, "peer_id": source, "message": "rogue says 500",
                    "origin_status": 500, "error_type": ""})
        self.assertTrue(rogue.closed(), "the scheduler accepted a failure for another host's peer")
        rogue.close()
        self.assertGreater(self.rejected(), before)
        r = self.honest_download(self.peers[0], url, expected, "spoof.out")
        self.assertNotIn("rogue says", r.stderr)

    def test_forged_reverify_answers_and_requests_are_ignored_or_refused(self):
        url, expected = self.new_file("reverify.bin", seed=14)
        tid = rg.task_id(url)
        rogue = rg.Rogue(self.s.scheduler_port, "rogue-reverify")
        rogue.register(tid, "rogue-peer", url)
        # An answer nobody asked for sheds nothing and is no violation: the connection stays.
        rogue.send({"type": "reverified", "task_id": tid, "peer_id": "rogue-peer", "dropped": [], "verified": [0]})
        self.assertFalse(rogue.closed(1), "an unasked answer closed the connection")
        before = self.rejected()
        # Over the bound of a `reverified`'s verified list: refused before use, counted, closed.
        rogue.send({"type": "reverified", "task_id": tid, "peer_id": "rogue-peer", "dropped": [],
                    "verified": list(range(2000))})
        self.assertTrue(rogue.closed(), "the scheduler kept a connection that sent an oversized list")
        rogue.close()
        self.assertGreater(self.rejected(), before)
        # A daemon may not send what only the scheduler sends.
        before = self.rejected()
        rogue = rg.Rogue(self.s.scheduler_port, "rogue-reverify2")
        rogue.send({"type": "reverify", "task_id": tid, "peer_id": "x", "pieces": [0]})
        self.assertTrue(rogue.closed(), "the scheduler accepted a reverify from a daemon")
        rogue.close()
        self.assertGreater(self.rejected(), before)
        self.honest_download(self.peers[0], url, expected, "reverify.out")

    def test_a_restarted_daemon_re_announces_a_tagged_task_with_a_matching_id(self):
        # The scheduler checks every announced task ID against its URL, tag, application and
        # filters: a daemon must keep them with the task to re-announce it after a restart.
        url, expected = self.new_file("tagged.bin", seed=16)
        peer = self.peers[0]
        out = os.path.join(self.s.workdir, "tagged.out")
        r = self.s.dfget(peer, url + "?token=1", out, "--tag", "t1", "--application", "app", "--filter", "token")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sw.sha256_file(out), expected)
        rejected = self.rejected()
        registered = self.s.scheduler_metrics()["dragonfly_scheduler_peers_registered_total"]
        peer.process.stop()
        self.s.restart_daemon(peer)
        sw.wait_until(lambda: self.s.scheduler_metrics()["dragonfly_scheduler_peers_registered_total"] > registered,
                      15, "the restarted daemon to re-announce its task")
        self.assertEqual(self.rejected(), rejected)
        self.s.wait_hosts(3)

    def test_floods_of_hostile_frames_cost_bounded_memory_and_honest_downloads_complete(self):
        url, expected = self.new_file("during.bin", seed=14)
        pid = self.s.scheduler.proc.pid
        idle = rg.rss_kib(pid)
        port = self.s.scheduler_port
        # 100 connections that each announce a 4 MiB frame and send 5 bytes of it (refused at the
        # header: before hello only 16 KiB may come), and 100 that announce a hello of 16 KiB and
        # hold it half-sent (32 per address wait for the rest; the others are refused at accept).
        half_sent = []
        for length in [4 << 20] * 100 + [16 << 10] * 100:
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            try:
                c.sendall(rg.frame(b"{}", length=length)[:10])
            except OSError:
                pass
            half_sent.append(c)
        sw.wait_until(lambda: self.s.scheduler_metrics().get("dragonfly_scheduler_connections_refused_total", 0) >= 68,
                      10, "the connections past the per-address limit to be refused")
        half_grown = rg.rss_kib(pid) - idle
        for c in half_sent:  # on one address they hold its slots, which the flood below needs
            c.close()
        sw.wait_until(lambda: self.s.scheduler_metrics().get("dragonfly_scheduler_connections") == 3, 10,
                      "the scheduler to close the half-sent connections")
        download = {}
        t = threading.Thread(target=lambda: download.update(
            r=self.s.dfget(self.peers[1], url, os.path.join(self.s.workdir, "during.out"))))
        t.start()
        rnd = random.Random(5)
        sent = 0
        while sent < 10000:
            rogue = rg.Rogue(port, "flood-%d" % sent)
            tid = rg.task_id(self.s.origin_url("/flood-%d" % sent))
            frames = [
                rg.frame(bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 64)))),       # garbage JSON
                struct.pack(">BI", 7, 10) + b"0123456789",                                       # unknown kind
                rg.frame({"type": "piece_done", "task_id": tid, "peer_id": "x", "piece": 4294967295,
                          "digest": ""}),
                rg.frame({"type": "task_meta", "task_id": tid, "peer_id": "x", "content_length": 4294967295,
                          "piece_size": 1}),
                rg.frame({"type": "register_peer", "task_id": tid, "peer_id": "x" * 100000, "url": "u",
                          "headers": {}, "tag": "", "application": "", "filters": [], "source": False,
                          "complete": False, "digest": ""}),
                rg.frame(b"{", length=(4 << 20) + 1),                                            # over the limit
            ]
            try:
                for f in frames:
                    rogue.sock.sendall(f)
                    sent += 1
            except OSError:
                sent += 1  # the scheduler hung up after the first bad frame: that is the point
            rogue.close()
        t.join(120)
        self.assertEqual(download["r"].returncode, 0, download["r"].stderr + self.s.logs())
        self.assertEqual(sw.sha256_file(os.path.join(self.s.workdir, "during.out")), expected)
        self.assertTrue(self.s.scheduler.alive())
        grown = rg.rss_kib(pid) - idle
        self.assertLess(grown, 50 << 10, "the scheduler grew by %d KiB" % grown)
        self.assertLess(half_grown, 50 << 10, "half-sent frames grew the scheduler by %d KiB" % half_grown)
        self.assertGreater(self.s.scheduler_metrics().get("dragonfly_scheduler_messages_rejected_total", 0), 1000)
        # Every flooding host was dropped again: only the swarm's own three remain.
        self.s.wait_hosts(3)


    def test_idle_connections_past_the_descriptor_limit_leave_the_daemon_serving(self):
        url, expected = self.new_file("fds.bin", seed=15)
        peer = self.peers[1]
        pid = peer.process.proc.pid
        old_limit = resource.prlimit(pid, resource.RLIMIT_NOFILE)
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (1024, old_limit[1]))  # as under `ulimit -n 1024`
        idle = []
        try:
            for _ in range(1100):
                idle.append(socket.create_connection(("127.0.0.1", peer.upload_port), timeout=10))
            self.honest_download(peer, url, expected, "fds.out")

            def cpu_ticks():
                with open("/proc/%d/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                return int(fields[11]) + int(fields[12])  # utime + stime

            # Quiet while the idle connections stay: no accept loop spinning on the error.
            before, window = cpu_ticks(), 2.0
            start = time.monotonic()
            while time.monotonic() - start < window:  # a measurement window, not a wait
                time.sleep(0.1)
            used = (cpu_ticks() - before) / os.sysconf("SC_CLK_TCK")
            self.assertLess(used, 0.1 * window, "the daemon used %.2f s of CPU in %.1f s" % (used, window))
            with open(peer.process.log_path, errors="replace") as f:
                complaints = sum("connections open, refusing more" in line or "accept failed" in line for line in f)
            self.assertLessEqual(complaints, 3, "log lines about it are not rate-limited")
        finally:
            for c in idle:
                c.close()
            resource.prlimit(pid, resource.RLIMIT_NOFILE, old_limit)
        # /metrics is on the upload port, which the idle connections filled.
        def refused_count():
            try:
                return peer.metrics().get("dragonfly_dfdaemon_connections_refused_total")
            except OSError:  # still full while the daemon sees the closes
                return None
        refused = sw.wait_until(refused_count, 10, "the daemon to serve /metrics again")
        self.assertGreaterEqual(refused, 1100 - 768 - 1)


class SeedClaimsTest(unittest.TestCase):
    """With security.seed_peers set, only the listed addresses may be seed peers."""

    def test_a_host_claiming_to_be_a_seed_from_another_address_is_a_plain_host(self):
        s = sw.Swarm()
        self.addCleanup(s.stop)
        root = os.path.join(s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "f.bin"), 1 << 20, seed=17)
        s.start_origin(root)
        configured.start_scheduler(s, config="security:\n  seed_peers: [127.0.0.1]\n")
        # Named to be asked first (hosts are tried in ID order), connecting from 127.0.0.2.
        rogue = rg.Rogue(s.scheduler_port, "000-rogue", seed=True, source="127.0.0.2")
        self.addCleanup(rogue.close)
        s.start_daemon("seed", seed=True)
        peer = s.start_daemon("peer")
        s.wait_hosts(3)
        self.assertEqual(s.scheduler_metrics().get("dragonfly_scheduler_seed_claims_refused_total"), 1)
        out = os.path.join(s.workdir, "f.out")
        r = s.dfget(peer, s.origin_url("/files/f.bin"), out)
        self.assertEqual(r.returncode, 0, r.stderr + s.logs())
        self.assertEqual(sw.sha256_file(out), sw.sha256_file(os.path.join(root, "f.bin")))
        self.assertEqual(peer.received()["seed"], 1 << 20)  # from the real seed
        rogue.sock.settimeout(0.5)
        try:
            data = rogue.sock.recv(65536)
        except socket.timeout:
            data = b""
        self.assertNotIn(b"seed_task", data)  # it was never asked to fetch anything

if __name__ == "__main__":
    unittest.main()
