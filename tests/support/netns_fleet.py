"""The product deployed on a simulated network (netns.Network): dfscheduler on one host, a seed
peer on another, a dfdaemon on every other host, and dfget run on all of them at once.

Used by the namespace swarm test and by bench/swarm_bench.py. Every daemon uses the default
ports inside its own namespace; sockets, data and logs live under one work directory.
"""
import glob
import os
import subprocess
import threading
import time

import netns

from swarm import parse_metrics, sanitizer_reports, wait_until

SCHEDULER_PORT = 8002
METRICS_PORT = 8000
UPLOAD_PORT = 65002


def fetch_inside(host, url, timeout=5):
    """GETs `url` from inside `host` (the root namespace cannot reach the hosts); "" on failure."""
    r = host.run(["curl", "-fsS", "--max-time", str(timeout), url], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else ""


def run_everywhere(jobs, timeout):
    """Runs every (name, host, args) inside its host, all released at the same moment (a start
    barrier, netns.HELD). Returns {name: (seconds from that moment, returncode, stderr)} once all
    have ended."""
    procs = {name: subprocess.Popen(host.prefix() + netns.HELD + list(args), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
             for name, host, args in jobs}
    results, threads = {}, []
    netns.release(procs.values())
    start = time.monotonic()

    def wait(name, p):
        try:
            _, err = p.communicate(timeout=timeout)
            results[name] = (time.monotonic() - start, p.returncode, err)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            results[name] = (time.monotonic() - start, -1, "timed out after %ds" % timeout)

    for name, p in procs.items():
        t = threading.Thread(target=wait, args=(name, p))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    return results


class Fleet:
    """dfscheduler + seed peer + one dfdaemon per host. Tracks (1) where each runs, (2) their
    sockets and data directories, (3) the scheduler host, for metrics."""

    def __init__(self, network, bin_dir, workdir, scheduler_host, seed_host, hosts, daemon_args=(),
                 scheduler_args=()):
        self.network, self.bin_dir, self.workdir = network, bin_dir, workdir
        self.scheduler_host, self.seed_host, self.hosts = scheduler_host, seed_host, list(hosts)
        self.daemon_args, self.scheduler_args = list(daemon_args), list(scheduler_args)

    def _bin(self, name):
        return os.path.join(self.bin_dir, name)

    def socket(self, host):
        return os.path.join(self.workdir, host.name + ".sock")

    def start(self):
        """Starts every process and waits until every daemon has joined the scheduler."""
        sched = self.scheduler_host
        sched.popen([self._bin("dfscheduler"), "--listen", "0.0.0.0", "--port", str(SCHEDULER_PORT),
                     "--metrics-port", str(METRICS_PORT)] + self.scheduler_args, os.path.join(self.workdir, "dfscheduler.log"))
        wait_until(lambda: fetch_inside(sched, self._metrics_url()), 10, "dfscheduler to listen")
        for host in [self.seed_host] + self.hosts:
            args = [self._bin("dfdaemon"), "--data-dir", os.path.join(self.workdir, host.name),
                    "--scheduler", "%s:%d" % (sched.ip, SCHEDULER_PORT), "--ip", host.ip,
                    "--hostname", host.name, "--idc", host.idc, "--socket", self.socket(host),
                    "--no-proxy"] + self.daemon_args
            if host is self.seed_host:
                args.append("--seed-peer")
            host.popen(args, os.path.join(self.workdir, host.name + ".log"))
        total = len(self.hosts) + 1
        wait_until(lambda: self.scheduler_metrics().get("dragonfly_scheduler_hosts") == total, 30,
                   "%d daemons to join the scheduler" % total)

    def _metrics_url(self):
        return "http://127.0.0.1:%d/metrics" % METRICS_PORT

    def scheduler_metrics(self):
        return parse_metrics(fetch_inside(self.scheduler_host, self._metrics_url()))

    def daemon_metrics(self, host):
        return parse_metrics(fetch_inside(host, "http://%s:%d/metrics" % (host.ip, UPLOAD_PORT)))

    def dfget_argv(self, host, url, output, digest):
        """dfget's argv on `host` (without the namespace prefix)."""
        argv = [self._bin("dfget"), url, "-O", output, "--socket", self.socket(host), "--no-progress"]
        return argv + (["--digest", digest] if digest else [])

    def download_all(self, url, outputs, digest=None, timeout=1800):
        """dfget on every host at once; `outputs` maps host name → output path. Returns
        run_everywhere's results."""
        jobs = [(h.name, h, self.dfget_argv(h, url, outputs[h.name], digest)) for h in self.hosts]
        return run_everywhere(jobs, timeout)

    def sanitizer_reports(self, results=()):
        """Sanitizer report lines in the log of every process started here and on the stderr of
        the dfget runs in `results` (run_everywhere's): what must be empty after a test."""
        found = []
        for log in sorted(glob.glob(os.path.join(self.workdir, "*.log"))):
            with open(log, errors="replace") as f:
                found += ["%s: %s" % (os.path.basename(log), line) for line in sanitizer_reports(f.read())]
        for name, (_, _, stderr) in sorted(dict(results).items()):
            found += ["dfget on %s: %s" % (name, line) for line in sanitizer_reports(stderr)]
        return found

    def received(self, host):
        """Bytes `host`'s daemon received, by source (its own counters)."""
        m = self.daemon_metrics(host)
        key = 'dragonfly_dfdaemon_download_bytes_total{source="%s"}'
        return {s: m.get(key % s, 0) for s in ("peer", "seed", "origin")}
