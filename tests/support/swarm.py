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
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(HERE, "..", "..", "scripts", "certs.sh")


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


def task_meta(data_dir, match):
    """The first meta.json under a daemon's `data_dir` for which `match(meta)` holds ({} while none)."""
    for meta in glob.glob(os.path.join(data_dir, "tasks", "*", "*", "meta.json")):
        try:
            with open(meta) as f:
                m = json.load(f)
        except (OSError, ValueError):
            continue  # being replaced
        if match(m):
            return m
    return {}


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


def get(url, timeout=5, context=None):
    with urllib.request.urlopen(url, timeout=timeout, context=context) as r:
        return r.read().decode()


def fetch(url, method="GET", headers=None, timeout=10):
    """→ (status, headers, body bytes) of one plain request; an HTTP error status is an answer too."""
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


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


# What a sanitizer prints when it finds something (ASan, LSan, UBSan, TSan, MSan).
SANITIZER_REPORT = re.compile(r"ERROR: \w+Sanitizer|runtime error: |^SUMMARY: \w+Sanitizer", re.M)


def sanitizer_reports(text):
    """The lines of `text` that are (the start of) a sanitizer report."""
    return [line for line in text.splitlines() if SANITIZER_REPORT.search(line)]


class ProcessFailure(AssertionError):
    """Raised by Swarm.stop() when a process it started printed a sanitizer report or ended with a
    status nobody asked for (a sanitizer abort, a crash, a hang on SIGTERM)."""


class Process:
    """One started process with its log. stop() checks how it ended and what its log says; what
    is wrong lands in `problems` (Swarm.stop() raises ProcessFailure over them)."""

    def __init__(self, name, args, log_path, env=None, append=False):
        self.name, self.args, self.log_path, self.env = name, args, log_path, env
        self.problems = []
        self.expected_exit = None  # a status the test expects when the process ends by itself
        self._scanned = os.path.getsize(log_path) if append and os.path.exists(log_path) else 0
        self._start("ab" if append else "wb")

    def _start(self, mode):
        self.log = open(self.log_path, mode)
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, env=self.env,
                                     start_new_session=True)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Ends the process with `sig` (SIGKILL after `timeout` s) and checks it: it must end with 0
        or by `sig` (or, when it had already ended, with 0 or `expected_exit`), and its log must hold
        no sanitizer report. Safe to call more than once."""
        if self.log.closed:
            return
        if self.alive():
            self.proc.send_signal(sig)
            allowed = (0, -sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.problems.append("%s did not exit within %ds of signal %d; killed" % (self.name, timeout, sig))
        else:
            allowed = (0, self.expected_exit)
        self.log.close()
        if self.proc.returncode not in allowed:
            self.problems.append("%s exited with status %d" % (self.name, self.proc.returncode))
        self.problems += ["%s: %s" % (self.name, line) for line in sanitizer_reports(self._unscanned_log())]

    def _unscanned_log(self):
        with open(self.log_path, "rb") as f:
            f.seek(self._scanned)
            data = f.read()
        self._scanned += len(data)
        return data.decode(errors="replace")

    def restart(self, args=None):
        """Starts the command (or `args`) again after stop(), appending to the same log."""
        self.args = args or self.args
        self.expected_exit = None
        self._start("ab")

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
        self.tls = None  # an ssl.SSLContext when the upload port speaks TLS (security.mode tls/mtls)

    def proxy_url(self, path=""):
        return "http://127.0.0.1:%d%s" % (self.proxy_port, path)

    def metrics(self):
        scheme = "https" if self.tls else "http"
        return parse_metrics(get("%s://127.0.0.1:%d/metrics" % (scheme, self.upload_port), context=self.tls))

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
        self.problems = []  # sanitizer reports seen on dfget's stderr
        self.env = None  # the environment of the processes it starts (None: this one's)
        self.security = None  # set by use_certificates(): the mode and the CA directory
        self.security_extra = ""  # more lines for the security section (say, a crl_file)

    def use_certificates(self, mode="mtls"):
        """Makes a cluster CA (scripts/certs.sh) in the work directory; every scheduler and daemon
        started afterwards gets a certificate of its role and a config for `mode`. Returns the CA
        directory (issue() makes more certificates)."""
        ca = os.path.join(self.workdir, "ca")
        subprocess.run([CERTS, "ca", ca], check=True, capture_output=True)
        self.security = (mode, ca)
        return ca

    def issue(self, role, name):
        """A certificate from the CA of use_certificates(): (cert, key) paths."""
        ca = self.security[1]
        subprocess.run([CERTS, "issue", ca, role, name], check=True, capture_output=True)
        base = os.path.join(ca, "%s-%s" % (role, name))
        return base + ".pem", base + "-key.pem"

    def _client_tls(self):
        """What the harness speaks to upload ports with under certificates: TLS with a peer
        certificate of its own (mtls demands one), the CA trusted, no host-name check."""
        if not self.security:
            return None
        ctx = ssl.create_default_context(cafile=os.path.join(self.security[1], "ca.pem"))
        ctx.check_hostname = False
        ctx.load_cert_chain(*self.issue("peer", "harness"))
        return ctx

    def _security_args(self, role, name):
        """`-c` with a config naming this component's certificate, or nothing without certificates."""
        if not self.security:
            return []
        mode, ca = self.security
        cert, key = self.issue(role, name)
        path = os.path.join(self.workdir, "%s-security.yaml" % name)
        with open(path, "w") as f:
            f.write("security:\n  mode: %s\n  ca_file: %s\n  cert_file: %s\n  key_file: %s\n"
                    % (mode, os.path.join(ca, "ca.pem"), cert, key) + self.security_extra)
        return ["-c", path]

    def _bin(self, name):
        return os.path.join(self.bin_dir, name)

    def _spawn(self, name, args):
        p = Process(name, args, os.path.join(self.workdir, name + ".log"), env=self.env)
        self.processes.append(p)
        return p

    def launch(self, name, command, ready, ports, first=None, process=None, timeout=10):
        """Starts `command(ports)` and waits until `ready(ports)`; returns (process, ports). `ports`
        lists a port per slot, None for any free one; `first` are tried on the first attempt;
        `process` is started again (its log goes on) instead of a new one. A port found free can
        be taken (say, as the local port of an outgoing connection) before the process binds it;
        the process then exits at once and is started again on other free ports, up to three times."""
        last_log = ""
        for attempt in range(3):
            fresh = iter([p for p in free_ports(2 * len(ports)) if p not in ports])
            chosen = first if first and attempt == 0 else [p or next(fresh) for p in ports]
            if process is None:
                process = self._spawn(name, command(chosen))
            else:
                process.restart(command(chosen))
            wait_until(lambda: ready(chosen) or not process.alive(), timeout, "%s to listen" % name)
            if process.alive():
                return process, chosen
            process.expected_exit = process.proc.returncode  # it could not bind: not a crash
            process.stop()
            last_log = process.tail(30)
        raise RuntimeError("%s exited before listening, %d times; its log ends:\n%s" % (name, attempt + 1, last_log))

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

    def start_scheduler(self, extra=()):
        """Starts dfscheduler; on the same ports when it ran before or daemons were told its port.
        `extra`: more arguments (say, `-c` with a config of the test's own)."""
        security = self._security_args("scheduler", "scheduler") + list(extra)
        command = lambda ports: [self._bin("dfscheduler"), "--listen", "127.0.0.1", "--port", str(ports[0]),  # noqa: E731
                                 "--metrics-port", str(ports[1])] + security
        self.scheduler, (self.scheduler_port, self.scheduler_metrics_port) = self.launch(
            "dfscheduler", command, lambda ports: port_open(ports[0]), [self.scheduler_port, self.scheduler_metrics_port])
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
        security = self._security_args("seed-peer" if seed else "peer", name)

        def command(ports):
            args = [self._bin("dfdaemon"), "--data-dir", data,
                    "--scheduler", "127.0.0.1:%d" % (scheduler_port or self.scheduler_port),
                    "--upload-port", str(ports[0]), "--proxy-port", str(ports[1]), "--socket", sock,
                    "--ip", "127.0.0.1", "--hostname", name]
            if seed:
                args.append("--seed-peer")
                for a in origin_allow:
                    args += ["--origin-allow", a]
            if upload_rate_limit:
                args += ["--upload-rate-limit", upload_rate_limit]
            if self.piece_size:
                args += ["--piece-size", self.piece_size]
            return args + security + list(extra)

        d = Daemon(name, None, sock, None, None)
        d.command, d.data_dir = command, data
        d.tls = self._client_tls()
        d.process, (d.upload_port, d.proxy_port) = self.launch(name, command, self._daemon_ready(sock), [None, None])
        self.daemons[name] = d
        return d

    @staticmethod
    def _daemon_ready(sock):
        return lambda ports: os.path.exists(sock) and all(port_open(p) for p in ports)

    def restart_daemon(self, daemon):
        """Starts a stopped daemon again with the same data directory and socket, on the same ports
        (on others, should one of them have been taken meanwhile)."""
        _, (daemon.upload_port, daemon.proxy_port) = self.launch(
            daemon.name, daemon.command, self._daemon_ready(daemon.socket), [None, None],
            first=[daemon.upload_port, daemon.proxy_port], process=daemon.process)

    def wait_hosts(self, count, timeout=10):
        wait_until(lambda: self.scheduler_metrics().get("dragonfly_scheduler_hosts") == count, timeout,
                   "%d hosts to join the scheduler" % count)

    def dfget_args(self, daemon, url, output, *extra):
        return [self._bin("dfget"), url, "-O", output, "--socket", daemon.socket] + list(extra)

    def dfget(self, daemon, url, output, *extra, timeout=120):
        """Runs dfget to completion; a sanitizer report on its stderr fails the test at stop()."""
        r = subprocess.run(self.dfget_args(daemon, url, output, *extra), capture_output=True, text=True,
                           timeout=timeout)
        self.scan("dfget", r.stderr)
        return r

    def scan(self, name, output):
        """Records sanitizer reports in `output` (the stderr of a process the test started itself,
        say with Popen) so that stop() fails the test over them."""
        self.problems += ["%s: %s" % (name, line) for line in sanitizer_reports(output)]

    def logs(self):
        return "\n".join("--- %s ---\n%s" % (p.name, p.tail()) for p in self.processes)

    def stop(self):
        """Stops every process; raises ProcessFailure when one printed a sanitizer report or ended
        with a status nobody asked for (see Process.stop)."""
        for p in reversed(self.processes):
            p.stop()
        problems = self.problems + [problem for p in self.processes for problem in p.problems]
        if problems:
            logs = sorted({p.log_path for p in self.processes if p.problems})
            message = "\n".join(["processes the test started went wrong:"] + problems + ["logs: " + ", ".join(logs)])
            self.problems = []
            for p in self.processes:
                p.problems = []
            # The work directory is kept so the logs can be read.
            raise ProcessFailure(message)
        if self.own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
