"""Starts real dfscheduler / dfdaemon / origin processes on loopback and drives dfget.

Used by the integration tests and by scripts/demo.py. Every process gets its own ports, data
directory and log file under one work directory; stop() ends them all.
"""
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n):
    """`n` distinct ports free right now (held together while they are picked)."""
    held = [socket.socket() for _ in range(n)]
    try:
        for s in held:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def wait_until(condition, timeout, what):
    """Polls condition() until it is truthy; raises with `what` when `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError("timed out after %.0fs waiting for %s" % (timeout, what))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_random_file(path, size, seed=1):
    """A deterministic pseudo-random file (fast: repeats a hashed 1 MiB block with a counter)."""
    block = hashlib.sha256(str(seed).encode()).digest() * (1 << 15)
    with open(path, "wb") as f:
        left, n = size, 0
        while left > 0:
            chunk = hashlib.sha256(b"%d:%d" % (seed, n)).digest() + block[32:]
            f.write(chunk[:left])
            left -= min(left, len(chunk))
            n += 1


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def parse_metrics(text):
    """Prometheus text → {'name{labels}': value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, value = line.rsplit(" ", 1)
        out[key] = float(value)
    return out


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Process:
    def __init__(self, name, args, log_path, env=None):
        self.name, self.args, self.log_path = name, args, log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def restart(self):
        """Starts the same command again (after stop()), appending to the same log."""
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""


class Daemon:
    def __init__(self, name, process, socket_path, upload_port, proxy_port):
        self.name, self.process, self.socket, self.upload_port = name, process, socket_path, upload_port
        self.proxy_port = proxy_port

    def proxy_url(self, path=""):
        return "http://127.0.0.1:%d%s" % (self.proxy_port, path)

    def metrics(self):
        return parse_metrics(get("http://127.0.0.1:%d/metrics" % self.upload_port))

    def saved_bytes(self):
        """Bytes of verified pieces that the task metadata on disk records, over every task: what
        the daemon keeps through kill -9 (see docs/protocol.md, "Storage")."""
        total = 0
        for meta in glob.glob(os.path.join(self.data_dir, "tasks", "*", "*", "meta.json")):
            try:
                with open(meta) as f:
                    m = json.load(f)
            except (OSError, ValueError):
                continue  # removed meanwhile
            total += bin(int(m["verified"] or "0", 16)).count("1") * m["piece_size"]
        return total

    def received(self):
        """Bytes this daemon received, by source, from its own counters."""
        m = self.metrics()
        key = 'dragonfly_dfdaemon_download_bytes_total{source="%s"}'
        return {s: m.get(key % s, 0) for s in ("peer", "seed", "origin")}


class Swarm:
    def __init__(self, bin_dir=None, workdir=None, piece_size=None):
        self.bin_dir = bin_dir or os.environ.get("DF_BIN_DIR") or os.path.join(HERE, "..", "..", "build", "apps")
        self.own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="df-swarm-")
        self.piece_size = piece_size
        self.processes = []
        self.origin_port = None
        self.scheduler_port = None
        self.scheduler_metrics_port = None
        self.daemons = {}
        self.env = None  # the environment of the processes it starts (None: this one's)

    def _bin(self, name):
        return os.path.join(self.bin_dir, name)

    def _spawn(self, name, args):
        p = Process(name, args, os.path.join(self.workdir, name + ".log"), env=self.env)
        self.processes.append(p)
        return p

    def start_origin(self, root, name="origin", tls=None):
        """Starts tests/support/origin.py; `tls` = (cert, key) serves https. Returns its port (the
        first origin started is the one origin_url() names)."""
        port_file = os.path.join(self.workdir, name + ".port")
        args = [sys.executable, os.path.join(HERE, "origin.py"), "--root", root, "--port-file", port_file]
        if tls:
            args += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        process = self._spawn(name, args)
        wait_until(lambda: os.path.exists(port_file), 10, "the origin to listen")
        with open(port_file) as f:
            port = int(f.read())
        if self.origin_port is None:
            self.origin_process, self.origin_port = process, port
        return port

    def origin_url(self, path):
        return "http://127.0.0.1:%d%s" % (self.origin_port, path)

    def origin_stats(self):
        return json.loads(get(self.origin_url("/stats")))

    def reset_origin_stats(self):
        self._post_origin("/reset")

    def release_origin(self):
        """Lets the origin's /hold/ answers send their second half."""
        self._post_origin("/release")

    def _post_origin(self, path):
        urllib.request.urlopen(urllib.request.Request(self.origin_url(path), method="POST"), timeout=5).read()

    def start_scheduler(self):
        self.scheduler_port = self.scheduler_port or free_port()
        self.scheduler_metrics_port = self.scheduler_metrics_port or free_port()
        self.scheduler = self._spawn("dfscheduler", [self._bin("dfscheduler"), "--listen", "127.0.0.1",
                                                     "--port", str(self.scheduler_port),
                                                     "--metrics-port", str(self.scheduler_metrics_port)])
        wait_until(lambda: port_open(self.scheduler_port), 10, "dfscheduler to listen")
        return self.scheduler

    def scheduler_metrics(self):
        return parse_metrics(get("http://127.0.0.1:%d/metrics" % self.scheduler_metrics_port))

    def start_daemon(self, name, seed=False, upload_rate_limit=None, extra=(), data_dir=None, scheduler_port=None,
                     origin_allow=("127.0.0.0/8",)):
        """`origin_allow`: what a seed may fetch besides the default policy (the test origins are on
        loopback, which a seed refuses by default)."""
        data = data_dir or os.path.join(self.workdir, name)
        sock = os.path.join(self.workdir, name + ".sock")
        if self.scheduler_port is None:
            self.scheduler_port = free_port()  # nothing listens: the daemon retries in the background
        # A port found free can be taken (say, as the local port of an outgoing connection) before
        # the daemon binds it; the daemon then exits at once, and it is started again on others.
        for attempt in range(3):
            upload_port, proxy_port = free_ports(2)
            args = [self._bin("dfdaemon"), "--data-dir", data,
                    "--scheduler", "127.0.0.1:%d" % (scheduler_port or self.scheduler_port),
                    "--upload-port", str(upload_port), "--proxy-port", str(proxy_port), "--socket", sock,
                    "--ip", "127.0.0.1", "--hostname", name]
            if seed:
                args.append("--seed-peer")
                for a in origin_allow:
                    args += ["--origin-allow", a]
            if upload_rate_limit:
                args += ["--upload-rate-limit", upload_rate_limit]
            if self.piece_size:
                args += ["--piece-size", self.piece_size]
            args += list(extra)
            d = Daemon(name, self._spawn(name, args), sock, upload_port, proxy_port)
            d.data_dir = data
            listening = lambda: os.path.exists(sock) and port_open(upload_port) and port_open(proxy_port)  # noqa: E731
            wait_until(lambda: listening() or not d.process.alive(), 10, "%s to listen" % name)
            if d.process.alive():
                self.daemons[name] = d
                return d
            self.processes.remove(d.process)
            with open(d.process.log_path, errors="replace") as f:
                last_log = f.read()[-2000:]
        raise RuntimeError("%s exited before listening, %d times; its log ends:\n%s" % (name, attempt + 1, last_log))

    def restart_daemon(self, daemon):
        """Starts a stopped daemon again with the same ports, data directory and socket."""
        daemon.process.restart()
        wait_until(lambda: os.path.exists(daemon.socket) and port_open(daemon.upload_port), 10,
                   "%s to listen again" % daemon.name)

    def wait_hosts(self, count, timeout=10):
        wait_until(lambda: self.scheduler_metrics().get("dragonfly_scheduler_hosts") == count, timeout,
                   "%d hosts to join the scheduler" % count)

    def dfget_args(self, daemon, url, output, *extra):
        return [self._bin("dfget"), url, "-O", output, "--socket", daemon.socket] + list(extra)

    def dfget(self, daemon, url, output, *extra, timeout=120):
        return subprocess.run(self.dfget_args(daemon, url, output, *extra), capture_output=True, text=True,
                              timeout=timeout)

    def logs(self):
        return "\n".join("--- %s ---\n%s" % (p.name, p.tail()) for p in self.processes)

    def stop(self):
        for p in reversed(self.processes):
            p.stop()
        if self.own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
