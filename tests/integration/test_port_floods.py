"""10,000 hostile requests on each HTTP port a host exposes — a daemon's upload port and proxy
port, and dfmanager's API port — while honest work goes on: garbage bytes, oversized and
truncated heads, absurd Content-Lengths and bodies, out-of-range piece numbers and ranges. No
process crashes, each stays within 50 MiB of its idle memory, and the honest download and API
calls during the flood succeed (docs/security.md; the scheduler port's flood is in
test_hostile.py)."""
import os
import random
import socket
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import manager as mg  # noqa: E402
import rogue as rg  # noqa: E402
import swarm as sw  # noqa: E402

REQUESTS = 10000
FILE_SIZE = 8 << 20


def hostile_requests(rnd, task_id):
    """Requests no honest client sends, cycled through by the flood."""
    huge_header = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 70000 + b"\r\n\r\n"
    return [
        lambda: bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 200))),           # garbage
        lambda: huge_header,                                                                 # oversized head
        lambda: b"GET /v1/tasks/" + task_id + b"/pieces/0 HTTP/1.1\r\nHost: x\r\nRange: by",  # truncated head
        lambda: b"POST /api/v1/scheduler-clusters HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\nabc",
        lambda: b"GET /v1/tasks/" + task_id + b"/pieces/4294967295 HTTP/1.1\r\nHost: x\r\n\r\n",   # out of range
        lambda: b"GET /v1/tasks/" + task_id + b"/pieces/0 HTTP/1.1\r\nHost: x\r\n"
                b"Range: bytes=18446744073709551615-1\r\n\r\n",
        lambda: b"GET /v2/a/blobs/sha256:" + b"f" * 64 + b" HTTP/1.1\r\nHost: x\r\nRange: bytes=-0\r\n\r\n",
        lambda: b"GET http://[::1:bad/ HTTP/1.1\r\nHost: x\r\n\r\n",
        lambda: b"CONNECT " + b"a" * 5000 + b":99999 HTTP/1.1\r\nHost: x\r\n\r\n",
        lambda: b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n" + b"z" * 1000,
    ]


def flood(port, count, seed, task_id):
    """Sends `count` hostile requests to 127.0.0.1:port, one connection each, reading whatever
    comes back for a moment; returns how many the server answered with an HTTP status."""
    rnd = random.Random(seed)
    requests = hostile_requests(rnd, task_id)
    answered = 0
    for i in range(count):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                try:
                    c.sendall(requests[i % len(requests)]())
                    c.shutdown(socket.SHUT_WR)
                except OSError:
                    pass  # closed on us while sending: the server refused the rest
                c.settimeout(5)
                try:
                    if c.recv(16).startswith(b"HTTP/1.1 "):
                        answered += 1
                except OSError:
                    pass
        except OSError:
            pass  # refused at accept (over a limit) counts as handled
    return answered


class PortFloodTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = sw.Swarm()
        if os.environ.get("DF_SANITIZERS"):
            # AddressSanitizer keeps freed memory in a quarantine (256 MiB by default) to catch uses
            # after free: a small one lets memory come back as it does without it.
            cls.s.env = dict(os.environ, ASAN_OPTIONS=":".join(
                filter(None, [os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=1"])))
        cls.root = os.path.join(cls.s.workdir, "www")
        os.makedirs(cls.root)
        cls.s.start_origin(cls.root)
        cls.s.start_scheduler()
        cls.seed = cls.s.start_daemon("seed", seed=True)
        # Requests the proxy passes on go to the local origin (the default upstream, Docker Hub,
        # is not reachable here and would make every such request wait for DNS).
        conf = os.path.join(cls.s.workdir, "a.yaml")
        with open(conf, "w") as f:
            f.write("proxy:\n  default_registry: http://127.0.0.1:%d\n" % cls.s.origin_port)
        cls.a = cls.s.start_daemon("a", extra=["-c", conf])
        cls.b = cls.s.start_daemon("b")
        cls.s.wait_hosts(3)
        data = os.path.join(cls.s.workdir, "manager")
        cls.m = mg.start_manager(cls.s, "dfmanager", mg.write_config(os.path.join(cls.s.workdir, "m.yaml"), data))

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def new_file(self, name, seed):
        path = os.path.join(self.root, name)
        sw.write_random_file(path, FILE_SIZE, seed=seed)
        return self.s.origin_url("/files/" + name), sw.sha256_file(path)

    def test_ten_thousand_hostile_requests_per_port_while_honest_work_goes_on(self):
        # a holds a task, so the upload flood aims at real pieces too.
        url, expected = self.new_file("held.bin", seed=21)
        r = self.s.dfget(self.a, url, os.path.join(self.s.workdir, "held.out"))
        self.assertEqual(r.returncode, 0, r.stderr)
        task_id = rg.task_id(url).encode()
        processes = {"daemon a": self.a.process, "dfmanager": self.m.process}
        idle = {name: rg.rss_kib(p.proc.pid) for name, p in processes.items()}

        ports = [self.a.upload_port, self.a.proxy_port, self.m.port]
        answered = {}
        floods = [threading.Thread(target=lambda p=p, i=i: answered.update({p: flood(p, REQUESTS, i, task_id)}))
                  for i, p in enumerate(ports)]
        for t in floods:
            t.start()
        # Honest work during the flood: b downloads a new file (from a's and the seed's upload
        # ports), and the manager answers its API.
        url2, expected2 = self.new_file("during.bin", seed=22)
        r = self.s.dfget(self.b, url2, os.path.join(self.s.workdir, "during.out"))
        self.assertEqual(r.returncode, 0, r.stderr + self.s.logs())
        self.assertEqual(sw.sha256_file(os.path.join(self.s.workdir, "during.out")), expected2)
        self.assertEqual(self.m.call("GET", "/api/v1/scheduler-clusters")[0], 200)
        for t in floods:
            t.join(600)
            self.assertFalse(t.is_alive(), "a flood did not finish")

        for name, p in processes.items():
            self.assertTrue(p.alive(), "%s died under the flood" % name)
            grown = rg.rss_kib(p.proc.pid) - idle[name]
            self.assertLess(grown, 50 << 10, "%s grew by %d KiB" % (name, grown))
        for port in ports:  # most were answered with a status (400, 404, 413, 416, ...), not dropped
            self.assertGreater(answered[port], REQUESTS // 2, "port %d answered %d" % (port, answered[port]))
        # Still serving: the held task from a's upload port via b, and the manager's API.
        r = self.s.dfget(self.b, url, os.path.join(self.s.workdir, "after.out"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sw.sha256_file(os.path.join(self.s.workdir, "after.out")), expected)
        self.assertTrue(self.m.healthy())
        self.assertGreaterEqual(self.a.metrics().get("dragonfly_dfdaemon_upload_rejected_total", 0), REQUESTS // 10)


if __name__ == "__main__":
    unittest.main()
