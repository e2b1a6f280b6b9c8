"""Edge cases with real processes: tiny files, origin errors, digests, headers, no scheduler, bad input."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import swarm as sw  # noqa: E402

PIECE = 256 << 10  # the automatic piece size for small files


class EdgeCases(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        cls.root = os.path.join(cls.s.workdir, "www")
        os.makedirs(cls.root)
        cls.sizes = {"empty.bin": 0, "one.bin": 1, "piece.bin": PIECE, "piece_minus.bin": PIECE - 1,
                     "piece_plus.bin": PIECE + 1, "small.bin": 300000, "slow.bin": 4 << 20}
        for name, size in cls.sizes.items():
            sw.write_random_file(os.path.join(cls.root, name), size, seed=size)
        cls.s.start_origin(cls.root)
        cls.s.start_scheduler()
        cls.seed = cls.s.start_daemon("seed", seed=True)
        cls.a = cls.s.start_daemon("a")
        cls.b = cls.s.start_daemon("b")
        cls.s.wait_hosts(3)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def out(self, name):
        return os.path.join(self.s.workdir, "out-" + name)

    def check_ok(self, r):
        if r.returncode != 0:
            self.fail("dfget failed (%d): %s\n%s" % (r.returncode, r.stderr, self.s.logs()))

    def test_tiny_and_boundary_sizes(self):
        for name, size in self.sizes.items():
            with self.subTest(name=name):
                for daemon in (self.a, self.b):  # the second one gets it from the swarm
                    out = self.out(daemon.name + name)
                    self.check_ok(self.s.dfget(daemon, self.s.origin_url("/files/" + name), out))
                    self.assertEqual(os.path.getsize(out), size)
                    self.assertEqual(sw.sha256_file(out), sw.sha256_file(os.path.join(self.root, name)))

    def assert_clean_failure(self, r, out, *needles, started=None):
        self.assertNotEqual(r.returncode, 0, r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)
        self.assertFalse(os.path.exists(out), "a file was left at the output path")
        leftovers = [f for f in os.listdir(os.path.dirname(out)) if ".dfget-" in f]
        self.assertEqual(leftovers, [], "temporary files left behind")
        if started is not None:
            self.assertLess(time.monotonic() - started, 10, "failure took too long")

    def test_interrupted_dfget_leaves_nothing_behind(self):
        out = self.out("interrupted")
        # The origin holds back the second half: the download is surely under way when interrupted.
        before = sum(self.b.received().values())
        args = self.s.dfget_args(self.b, self.s.origin_url("/hold/slow.bin"), out, "--tag", "interrupted")
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        tmp_prefix = ".out-interrupted.dfget-"
        try:
            sw.wait_until(lambda: any(f.startswith(tmp_prefix) for f in os.listdir(self.s.workdir)), 10,
                          "dfget to create its temporary file")
            sw.wait_until(lambda: sum(self.b.received().values()) > before, 10, "the first bytes to arrive")
            p.send_signal(signal.SIGINT)
            p.wait(10)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            self.s.release_origin()
        self.s.scan("interrupted dfget", p.stderr.read().decode(errors="replace"))
        p.stderr.close()
        self.assertEqual(p.returncode, 128 + signal.SIGINT)
        self.assertFalse(os.path.exists(out))
        self.assertEqual([f for f in os.listdir(self.s.workdir) if f.startswith(tmp_prefix)], [])

    def test_origin_404_and_500(self):
        for status in (404, 500):
            with self.subTest(status=status):
                out = self.out("status%d" % status)
                started = time.monotonic()
                r = self.s.dfget(self.a, self.s.origin_url("/status/%d" % status), out)
                self.assert_clean_failure(r, out, str(status), "origin", started=started)
                self.assertEqual(r.returncode, 4)
        # The daemon keeps working afterwards.
        self.check_ok(self.s.dfget(self.a, self.s.origin_url("/files/small.bin"), self.out("after-error")))

    def test_digest_mismatch_and_match(self):
        url = self.s.origin_url("/files/small.bin")
        out = self.out("digest")
        r = self.s.dfget(self.b, url, out, "--digest", "sha256:" + "0" * 64)
        self.assert_clean_failure(r, out, "digest mismatch")
        self.assertEqual(r.returncode, 6)
        good = sw.sha256_file(os.path.join(self.root, "small.bin"))
        self.check_ok(self.s.dfget(self.b, url, out, "--digest", "sha256:" + good))
        self.assertEqual(sw.sha256_file(out), good)

    def test_dragonfly_spellings_of_dfget_flags(self):
        """-e/--endpoint, --filtered-query-param (repeatable), --overwrite, -V and DFGET_* variables, as a
        Dragonfly user's scripts write them (docs/dragonfly-compat.md)."""
        name = "compat.bin"
        sw.write_random_file(os.path.join(self.root, name), 300000, seed=42)
        good = sw.sha256_file(os.path.join(self.root, name))

        def run(daemon, query, out, *extra, env=None):
            argv = [self.s._bin("dfget"), self.s.origin_url("/files/%s?%s" % (name, query)), "-O", out] + list(extra)
            r = subprocess.run(argv + ["-e" if daemon is self.a else "--endpoint", daemon.socket],
                               capture_output=True, text=True, timeout=60, env=dict(os.environ, **(env or {})))
            self.s.scan("dfget", r.stderr)
            self.check_ok(r)
            self.assertEqual(sw.sha256_file(out), good)

        def fetched():
            """GETs of the file: the access checks a query-carrying URL gets are HEADs (docs/security.md)."""
            stats = self.s.origin_stats()
            return stats["paths"].get("/files/" + name, 0) - stats["heads"].get("/files/" + name, 0)
        filters = ["--filtered-query-param", "sig", "--filtered-query-param", "exp"]
        run(self.a, "sig=1&exp=2", self.out("compat-a"), *filters)
        self.assertEqual(fetched(), 1)
        # Other values of the filtered parameters: the same task, so the origin is not asked again.
        run(self.b, "exp=8&sig=9", self.out("compat-b"), "--overwrite", *filters)
        run(self.b, "exp=8&sig=9", self.out("compat-b"), "--overwrite", *filters)  # the output exists: replaced
        # ... by a hard link to the same cached file, where rename(2) does nothing: no temporary left.
        self.assertEqual([f for f in os.listdir(self.s.workdir) if ".dfget-" in f], [], "temporary files left")
        self.assertEqual(fetched(), 1, "the filtered parameters still made a task of their own")
        # DFGET_TAG makes another task, as --tag does.
        run(self.b, "sig=1&exp=2", self.out("compat-tag"), *filters, env={"DFGET_TAG": "other"})
        self.assertEqual(fetched(), 2, "DFGET_TAG was not read")
        bad = subprocess.run([self.s._bin("dfget"), "http://x/", "-O", self.out("x"), "-e", self.a.socket,
                              "--filtered-query-param", "a&b"], capture_output=True, text=True, timeout=10)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertIn("one query parameter name", bad.stderr)
        version = subprocess.run([self.s._bin("dfget"), "-V"], capture_output=True, text=True, timeout=10)
        self.assertEqual(version.returncode, 0, version.stderr)
        self.assertTrue(version.stdout.startswith("dfget "), version.stdout)

    def test_bytes_over_the_socket_instead_of_file_passing(self):
        name = "piece_plus.bin"
        out = self.out("streamed")
        good = sw.sha256_file(os.path.join(self.root, name))
        self.check_ok(self.s.dfget(self.b, self.s.origin_url("/files/" + name), out, "--stream-over-socket",
                                   "--digest", "sha256:" + good))
        self.assertEqual(sw.sha256_file(out), good)
        r = self.s.dfget(self.b, self.s.origin_url("/files/" + name), out + "2", "--stream-over-socket",
                         "--digest", "sha256:" + "1" * 64)
        self.assert_clean_failure(r, out + "2", "digest mismatch")

    def test_origin_that_sends_less_than_it_announced(self):
        out = self.out("short")
        r = self.s.dfget(self.a, self.s.origin_url("/short/piece_plus.bin"), out)
        self.assert_clean_failure(r, out, "origin")

    def test_origin_breaking_off_mid_body_is_resumed_with_a_range(self):
        name = "flaky.bin"
        size = 3 * PIECE + 5
        sw.write_random_file(os.path.join(self.root, name), size, seed=77)
        out = self.out("flaky")
        self.check_ok(self.s.dfget(self.a, self.s.origin_url("/flaky/" + name), out))
        self.assertEqual(sw.sha256_file(out), sw.sha256_file(os.path.join(self.root, name)))
        stats = self.s.origin_stats()
        self.assertEqual(stats["paths"]["/flaky/" + name], 2, stats)  # the broken answer, then the rest
        self.assertIn(PIECE, stats["range_starts"], stats)  # resumed after the one whole piece it had

    def test_timeout_exits_8_when_the_origin_stalls_mid_body(self):
        out = self.out("stalled")
        started = time.monotonic()
        r = self.s.dfget(self.a, self.s.origin_url("/stall/slow.bin"), out, "--timeout", "2s", timeout=20)
        self.assert_clean_failure(r, out, "timed out", started=started)
        self.assertEqual(r.returncode, 8, r.stderr)
        self.assertGreater(self.s.origin_stats()["paths"].get("/stall/slow.bin", 0), 0)  # it did start

    def test_output_not_writable_exits_7(self):
        url = self.s.origin_url("/files/small.bin")
        not_a_dir = self.out("regular-file")
        with open(not_a_dir, "w") as f:
            f.write("keep me")
        r = self.s.dfget(self.a, url, os.path.join(not_a_dir, "out"))
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertIn("cannot write", r.stderr)
        with open(not_a_dir) as f:
            self.assertEqual(f.read(), "keep me")
        # Known only at the end: the output names a directory; the download is not moved over it.
        a_dir = self.out("a-directory")
        os.mkdir(a_dir)
        r = self.s.dfget(self.a, url, a_dir)
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertIn("cannot move", r.stderr)
        self.assertEqual(os.listdir(a_dir), [])
        self.assertEqual([f for f in os.listdir(self.s.workdir) if ".dfget-" in f], [], "temporary files left")

    def test_headers_reach_the_origin(self):
        url = self.s.origin_url("/auth/small.bin")
        out = self.out("auth")
        r = self.s.dfget(self.a, url, out)
        self.assert_clean_failure(r, out, "401")
        self.check_ok(self.s.dfget(self.a, url, out, "-H", "Authorization: Bearer secret", "--tag", "auth",
                                   "-H", "User-Agent: my-tool/1.0"))
        self.assertEqual(sw.sha256_file(out), sw.sha256_file(os.path.join(self.root, "small.bin")))
        # The origin sees the daemon's own agent, the client's beside it, on every request.
        agents = self.s.origin_stats()["agents"]["/auth/small.bin"]
        self.assertTrue([a for a in agents if a.startswith("dfdaemon/") and a.endswith(" | my-tool/1.0")], agents)
        self.assertTrue(all(a.startswith("dfdaemon/") for a in agents), agents)

    @staticmethod
    def exchange(sock, payload):
        """Sends one payload on a fresh connection; returns (the reply's first line or frame bytes,
        whether the other side then closed the connection)."""
        sock.settimeout(5)
        try:
            sock.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed while we were still sending: what it answered is still read below
        reply = b""
        while b"\r\n" not in reply:
            try:
                chunk = sock.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                return reply, True
            reply += chunk
        # The rest of the answer may come in more segments: read until the other side closes
        # (closed) or stays silent for a second after its answer (kept open).
        sock.settimeout(1)
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return reply, True
            except socket.timeout:
                return reply, False
            if not chunk:
                return reply, True

    def test_hostile_input_on_every_port(self):
        task = b"a" * 64
        # Payload → the status line the upload port answers with, and whether it closes the
        # connection: a well-formed request with a bad path is answered and the connection kept;
        # bytes that are not HTTP (or exceed a limit) get one 400 and the connection is closed.
        upload = [
            (b"GET /v1/tasks/../../etc/passwd/pieces/0 HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 400 ", False),
            (b"GET /v1/tasks/" + task + b"/pieces/-1 HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 400 ", False),
            (b"\x00\xff" * 1000, b"HTTP/1.1 400 ", True),
            (b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 100000 + b"\r\n\r\n", b"HTTP/1.1 400 ", True),
            (b"GET /v1/tasks/" + task + b"/pieces/0 HTTP/1.1\r\nHost: x\r\n"
             b"Range: bytes=99999999999999999999999-1\r\n\r\n", b"HTTP/1.1 404 ", False),
            (b"GET /v1/tasks/" + task + b"/pieces/99999999999999999999 HTTP/1.1\r\nHost: x\r\n\r\n",
             b"HTTP/1.1 400 ", False),
            (b"GET /metrics HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\nabc", b"HTTP/1.1 413 ", True),  # over the body limit
        ]
        rejected_before = self.a.metrics()["dragonfly_dfdaemon_upload_rejected_total"]
        for payload, status, closes in upload:
            with socket.create_connection(("127.0.0.1", self.a.upload_port), timeout=5) as c:
                reply, closed = self.exchange(c, payload)
            self.assertTrue(reply.startswith(status), (payload[:60], reply[:80]))
            self.assertEqual(closed, closes, payload[:60])
        # The three requests with a malformed task or piece number and the one for a piece not
        # held are counted.
        self.assertEqual(self.a.metrics()["dragonfly_dfdaemon_upload_rejected_total"] - rejected_before, 4)
        # The local API: a frame it cannot read closes the connection without a word; a frame
        # that is not a download_request gets one download_error, then the connection closes.
        error = (b'{"error_type":"daemon","message":"malformed request: expected download_request",'
                 b'"origin_status":0,"type":"download_error"}')
        local = [(b"\x01\xff\xff\xff\xff", b""),
                 (b"\x01\x00\x00\x00\x05hello", b"\x01" + len(error).to_bytes(4, "big") + error),
                 (b"\x09garbage", b"")]
        for payload, expected in local:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(5)
                s.connect(self.a.socket)
                s.sendall(payload)
                reply = b""
                try:
                    while chunk := s.recv(4096):
                        reply += chunk
                except ConnectionResetError:
                    pass  # closed, as with an end of stream
            self.assertEqual(reply, expected, payload)
        # The scheduler closes a connection whose first message does not parse, says nothing, counts it.
        bad_before = self.s.scheduler_metrics().get("dragonfly_scheduler_messages_rejected_total", 0)
        with socket.create_connection(("127.0.0.1", self.s.scheduler_port), timeout=5) as c:
            c.sendall(b"\x01\x00\x00\x00\x03{x}")
            self.assertEqual(c.recv(4096), b"")
        self.assertEqual(self.s.scheduler_metrics()["dragonfly_scheduler_messages_rejected_total"] - bad_before, 1)
        for _ in range(200):  # connections opened and dropped
            socket.create_connection(("127.0.0.1", self.a.upload_port), timeout=5).close()
        self.assertTrue(self.a.process.alive())
        self.assertTrue(self.s.scheduler.alive())
        self.check_ok(self.s.dfget(self.a, self.s.origin_url("/files/small.bin"), self.out("after-garbage")))


class ConnectionChurn(unittest.TestCase):
    def rss_kib(self, proc):
        with open("/proc/%d/status" % proc.pid) as f:
            return int(next(l for l in f if l.startswith("VmRSS:")).split()[1])

    def test_ten_thousand_connections_opened_and_dropped(self):
        s = sw.Swarm()
        if os.environ.get("DF_SANITIZERS"):
            # AddressSanitizer keeps freed memory in a quarantine (256 MiB by default) to catch
            # uses after free: a small one lets memory come back as it does without it.
            s.env = dict(os.environ, ASAN_OPTIONS=":".join(
                filter(None, [os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=1"])))
        try:
            s.start_scheduler()
            d = s.start_daemon("churn")
            s.wait_hosts(1)
            before = {"daemon": self.rss_kib(d.process.proc), "scheduler": self.rss_kib(s.scheduler.proc)}
            for i in range(10000):
                port = d.upload_port if i % 2 else s.scheduler_port
                c = socket.create_connection(("127.0.0.1", port), timeout=5)
                if i % 3 == 0:
                    c.sendall(b"GET /v1/tasks/")  # a request cut short
                c.close()
            self.assertTrue(d.process.alive() and s.scheduler.alive())
            self.assertEqual(sw.get("http://127.0.0.1:%d/healthz" % d.upload_port), "ok\n")
            # Every connection is gone once its read fails; memory comes back to about where it was.
            for name, proc in (("daemon", d.process.proc), ("scheduler", s.scheduler.proc)):
                sw.wait_until(lambda: self.rss_kib(proc) < before[name] + 16 * 1024, 15,
                              "%s memory to settle (was %d KiB)" % (name, before[name]))
        finally:
            s.stop()


class RateLimits(unittest.TestCase):
    """Each limit, 8 MB/s over a transfer of about 10 s, must hold within 10 %."""
    LIMIT = 8_000_000
    SIZE = 80 << 20

    def timed(self, taker, run):
        """Runs `run` in a thread; returns its result and (seconds, bytes) from the first to the
        last byte the taker received by its own counters, so that starting processes and
        scheduling do not count against the rate."""
        result = {}
        t = threading.Thread(target=lambda: result.update(value=run()))
        t.start()
        received = lambda: sum(taker.received().values())  # noqa: E731
        sample = lambda done: (lambda b: (time.monotonic(), b) if done(b) else None)(received())  # noqa: E731
        try:
            first = sw.wait_until(lambda: sample(lambda b: b > 0), 60, "the first bytes")
            last = sw.wait_until(lambda: sample(lambda b: b >= self.SIZE), 120, "every byte")
        finally:
            t.join(120)
        return result.get("value"), (last[0] - first[0], last[1] - first[1])

    def transfer(self, holder_extra=(), taker_extra=(), dfget_extra=(), proxy_headers=None):
        s = sw.Swarm()
        try:
            root = os.path.join(s.workdir, "www")
            os.makedirs(root)
            sw.write_random_file(os.path.join(root, "f.bin"), self.SIZE, seed=9)
            s.start_origin(root)
            s.start_scheduler()
            holder = s.start_daemon("holder", extra=list(holder_extra))
            s.wait_hosts(1)
            url = s.origin_url("/files/f.bin")
            r = s.dfget(holder, url, os.path.join(s.workdir, "h.out"))  # the holder reads the origin
            self.assertEqual(r.returncode, 0, r.stderr)
            taker = s.start_daemon("taker", extra=list(taker_extra))
            s.wait_hosts(2)
            if proxy_headers:  # through the taker's HTTP proxy port instead of dfget
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": taker.proxy_url()}))

                def fetch():
                    with opener.open(urllib.request.Request(url, headers=proxy_headers), timeout=120) as resp:
                        return len(resp.read())
                got, (seconds, moved) = self.timed(taker, fetch)
                self.assertEqual(got, self.SIZE)
            else:
                r, (seconds, moved) = self.timed(taker, lambda: s.dfget(taker, url, os.path.join(s.workdir, "t.out"),
                                                               *dfget_extra))
                self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(taker.received()["origin"], 0)
            rate = moved / seconds
            print("\n%s: %.2f MB/s over %.1f s from the first byte (limit %.1f MB/s)" %
                  (self.id().rsplit(".", 1)[-1], rate / 1e6, seconds, self.LIMIT / 1e6))
            self.assertLessEqual(rate, 1.10 * self.LIMIT, "the limit was exceeded")
            self.assertGreaterEqual(rate, 0.80 * self.LIMIT, "far below the limit: something else is slow")
        finally:
            s.stop()

    def test_host_upload_limit(self):
        self.transfer(holder_extra=["--upload-rate-limit", "8MB"])

    def test_host_download_limit(self):
        self.transfer(taker_extra=["--download-rate-limit", "8MB"])

    def test_task_rate_limit(self):
        self.transfer(dfget_extra=["--ratelimit", "8MB"])

    def test_task_rate_limit_header_on_the_proxy(self):
        self.transfer(proxy_headers={"X-Dragonfly-Use-P2P": "true", "X-Dragonfly-Rate-Limit": "8MB"})


class WithoutScheduler(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        self.file = os.path.join(root, "f.bin")
        sw.write_random_file(self.file, 5 << 20, seed=3)
        self.s.start_origin(root)
        self.d = self.s.start_daemon("lonely")  # its scheduler address has nobody listening

    def tearDown(self):
        self.s.stop()

    def test_falls_back_to_the_origin_and_says_so(self):
        out = os.path.join(self.s.workdir, "out.bin")
        r = self.s.dfget(self.d, self.s.origin_url("/files/f.bin"), out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("scheduler unreachable", r.stderr)
        self.assertIn("origin", r.stderr)
        self.assertEqual(sw.sha256_file(out), sw.sha256_file(self.file))

    def test_disable_back_to_source_fails_clearly(self):
        out = os.path.join(self.s.workdir, "out2.bin")
        r = self.s.dfget(self.d, self.s.origin_url("/files/f.bin"), out, "--disable-back-to-source", "--tag", "x")
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("scheduler unreachable", r.stderr)
        self.assertIn("back-to-source is disabled", r.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(self.s.origin_stats()["requests"], 0)


if __name__ == "__main__":
    unittest.main()
