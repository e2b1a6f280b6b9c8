#!/usr/bin/env python3
"""Swarm benchmark on a simulated network: time to put one file on N hosts.

Every host is a network namespace on a private bridge with `tc tbf` caps (hosts up 100 / down 200
Mbit/s; origin and seed up 200). For each profile, on the same hosts and caps, it measures:
  p2p     this project: dfscheduler + seed peer + a dfdaemon per host, dfget on every host (each
          piece is checked against the seed's sha256 as it arrives, as BitTorrent checks SHA-1)
  direct  every host fetching from nginx with curl
  bt      a BitTorrent swarm: opentracker + aria2c, the origin host seeding
and computes the Kumar-Ross lower bound T_min = max(F/u_s, F/d_min, N*F/(u_s + sum u_i)) (two-IDC
profile: also F / inter-IDC link rate). Per run: time until the last host holds the whole file,
per-host p50/p99, origin egress in file sizes (origin interface counters), bytes across the
inter-IDC link, CPU seconds of every process involved. Afterwards every method's files are
checked whole with sha256 (off the clock); a wrong one fails the run.

Results accumulate in bench/results/swarm.json; bench/results/swarm.md (table) and swarm.png (plot)
are regenerated after every profile. Needs root; removes its namespaces on exit, even on Ctrl-C.

  sudo scripts/bench.sh                                                     # setup, build, the default profiles
  sudo /usr/bin/python3 bench/swarm_bench.py --profile n8-64m --methods p2p # one profile, one method
"""
import argparse
import datetime
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import bittorrent  # noqa: E402
import netns  # noqa: E402
import netns_fleet  # noqa: E402
import nginx_origin  # noqa: E402
import swarm as sw  # noqa: E402
import swarm_report  # noqa: E402

HOST_UP, HOST_DOWN, SOURCE_UP, IDC_LINK = 100, 200, 200, 100  # Mbit/s

# name → (hosts, file MiB, kind); kinds: uniform, hetero (a third of hosts at 1/4 upload), idc2.
PROFILES = {
    "n8-64m": (8, 64, "uniform"), "n24-64m": (24, 64, "uniform"), "n48-64m": (48, 64, "uniform"),
    "n8-512m": (8, 512, "uniform"), "n24-512m": (24, 512, "uniform"), "n48-512m": (48, 512, "uniform"),
    "hetero-n24-64m": (24, 64, "hetero"), "idc2-n24-64m": (24, 64, "idc2"),
    "smoke": (4, 16, "uncapped"),
}
DEFAULT_PROFILES = ["n8-64m", "n24-64m", "hetero-n24-64m", "idc2-n24-64m", "n8-512m", "n24-512m"]


def host_caps(kind, i, n):
    """(idc, up, down) of host i of n."""
    if kind == "uncapped":
        return "a", None, None
    if kind == "hetero" and i % 3 == 2:
        return "a", HOST_UP / 4, HOST_DOWN
    if kind == "idc2":
        return ("a" if i % 2 == 0 else "b"), HOST_UP, HOST_DOWN
    return "a", HOST_UP, HOST_DOWN


def lower_bound(size, kind, n):
    """Kumar-Ross T_min in seconds for a file of `size` bytes (u_s = the seed's upload)."""
    if kind == "uncapped":
        return None
    bits = size * 8
    uploads = [host_caps(kind, i, n)[1] for i in range(n)]
    terms = [bits / (SOURCE_UP * 1e6), bits / (HOST_DOWN * 1e6), n * bits / ((SOURCE_UP + sum(uploads)) * 1e6)]
    if kind == "idc2":
        terms.append(bits / (IDC_LINK * 1e6))  # idc b holds no source: one copy must cross the link
    return max(terms)


def cpu_busy_jiffies():
    """(busy, total) jiffies of the whole machine from /proc/stat: every process and the kernel's
    network processing (softirq), which the per-process CPU time does not show."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class UploadSampler:
    """Samples what the seed and the hosts upload, about every half second, in a thread: shows
    whether the swarm keeps every uplink busy (the bound assumes it does)."""

    def __init__(self, network, origin, seed, hosts, period=0.5):
        self.network, self.period = network, period
        self.origin, self.seed, self.hosts = origin.name, seed.name, [h.name for h in hosts]
        self.samples = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self._sample()
        except RuntimeError:  # the network is being torn down (Ctrl-C)
            pass

    def _sample(self):
        start = last_t = time.monotonic()
        last = self.network.uploads()
        while not self.done.wait(self.period):
            now, t = self.network.uploads(), time.monotonic()
            mbit = lambda names: round(sum(now[n] - last[n] for n in names) * 8 / (t - last_t) / 1e6)  # noqa: E731
            self.samples.append((round(t - start, 2), mbit([self.seed]), mbit(self.hosts),
                                 [mbit([h]) for h in self.hosts], mbit([self.origin])))
            last, last_t = now, t

    def stop(self):
        """[(seconds, seed Mbit/s, all hosts' Mbit/s, [each host's Mbit/s], origin Mbit/s)]."""
        self.done.set()
        self.thread.join()
        return self.samples


def finish_times(results, tool):
    """{host: seconds} from run_everywhere's results; any failure ends the benchmark with its stderr."""
    failed = {name: r[2].strip() for name, r in results.items() if r[1] != 0}
    if failed:
        raise SystemExit("%s failed: %s" % (tool, failed))
    return {name: r[0] for name, r in results.items()}


class Bench:
    """One profile's network and file. Tracks (1) the namespaces and roles, (2) the file and its
    digest, (3) the work directory of the current method."""

    def __init__(self, profile, bin_dir, workdir, keep=False, daemon_args=(), scheduler_args=()):
        self.profile, self.keep = profile, keep
        self.daemon_args, self.scheduler_args = daemon_args, scheduler_args
        self.n, size_mib, self.kind = PROFILES[profile]
        self.size = size_mib << 20
        self.bin_dir, self.workdir = bin_dir, workdir
        self.net = netns.Network(prefix="dfbench")
        up = None if self.kind == "uncapped" else SOURCE_UP
        self.origin = self.net.add_host("origin", "a", up, HOST_DOWN if up else None)
        self.scheduler = self.net.add_host("scheduler", "a", HOST_UP if up else None, HOST_DOWN if up else None)
        self.seed = self.net.add_host("seed", "a", up, HOST_DOWN if up else None)
        self.hosts = []
        for i in range(self.n):
            idc, hu, hd = host_caps(self.kind, i, self.n)
            self.hosts.append(self.net.add_host("host%d" % i, idc, hu, hd))
        if self.kind == "idc2":
            self.net.link_idcs("a", "b", IDC_LINK)
        os.chmod(workdir, 0o755)  # nginx workers run as an unprivileged user
        self.www = os.path.join(workdir, "www")
        os.makedirs(self.www)
        self.file = os.path.join(self.www, "file.bin")
        sw.write_random_file(self.file, self.size, seed=size_mib)
        self.sha256 = sw.sha256_file(self.file)
        self.url = "http://%s/file.bin" % self.origin.ip

    def start_origin(self, run_dir):
        conf = nginx_origin.write_config(run_dir, self.www, self.origin.ip, 80)
        self.origin.popen(nginx_origin.command(conf, run_dir))
        sw.wait_until(lambda: self.scheduler.run(["curl", "-fsI", self.url], capture_output=True).returncode == 0,
                      10, "nginx in the origin namespace")

    def measure(self, method):
        """Runs one method on a fresh work directory; returns its result record."""
        run_dir = os.path.join(self.workdir, method)
        os.makedirs(run_dir)
        subprocess.run(["sync"], check=True)
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            self.start_origin(run_dir)
            origin_before = self.origin.counters()[1]
            link_before = self.net.idc_link_bytes()
            sampler = UploadSampler(self.net, self.origin, self.seed, self.hosts)
            busy_before = cpu_busy_jiffies()
            times, outputs = getattr(self, "run_" + method)(run_dir)
            busy_after = cpu_busy_jiffies()
            timeline = sampler.stop()
            origin_tx = self.origin.counters()[1] - origin_before
            link = self.net.idc_link_bytes() - link_before
        finally:
            self.net.stop_processes()
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        bad = [name for name, path in outputs.items() if sw.sha256_file(path) != self.sha256]
        for path in outputs.values():
            os.remove(path)
        if not self.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
        if bad:
            raise SystemExit("%s/%s: wrong content on %s" % (self.profile, method, ", ".join(bad)))
        ordered = sorted(times.values())
        return {
            "profile": self.profile, "method": method, "hosts": self.n, "size": self.size, "kind": self.kind,
            "last": ordered[-1], "p50": statistics.median(ordered),
            "p99": ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))],
            "origin_egress": origin_tx / self.size, "idc_link": link / self.size if self.kind == "idc2" else None,
            "cpu_s": (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime),
            "bound": lower_bound(self.size, self.kind, self.n),
            "upload_timeline": timeline,
            "machine_busy": (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1]),
            "date": datetime.date.today().isoformat(),
        }

    def run_p2p(self, run_dir):
        fleet = netns_fleet.Fleet(self.net, self.bin_dir, run_dir, self.scheduler, self.seed, self.hosts,
                                  self.daemon_args, self.scheduler_args)
        fleet.start()
        outputs = {h.name: os.path.join(run_dir, h.name + ".out") for h in self.hosts}
        return finish_times(fleet.download_all(self.url, outputs), "dfget"), outputs

    def run_direct(self, run_dir):
        outputs = {h.name: os.path.join(run_dir, h.name + ".out") for h in self.hosts}
        jobs = [(h.name, h, ["curl", "-fsS", "-o", outputs[h.name], self.url]) for h in self.hosts]
        return finish_times(netns_fleet.run_everywhere(jobs, timeout=3600), "curl"), outputs

    def run_bt(self, run_dir):
        results = bittorrent.run_swarm(self.origin, self.scheduler, self.hosts, self.file, run_dir, sw.wait_until,
                                       timeout=3600)
        return {n: r[0] for n, r in results.items()}, {n: r[1] for n, r in results.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", action="append", choices=sorted(PROFILES), help="repeatable; default: %s" %
                    ", ".join(DEFAULT_PROFILES))
    ap.add_argument("--methods", default="p2p,direct,bt", help="comma-separated subset of p2p,direct,bt")
    ap.add_argument("--bin-dir", default=os.path.join(HERE, "..", "build", "apps"))
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--no-save", action="store_true", help="print only; leave bench/results alone")
    ap.add_argument("--daemon-args", default="", help="extra dfdaemon flags, e.g. '--piece-size 1MiB'")
    ap.add_argument("--scheduler-args", default="", help="extra dfscheduler flags, e.g. '-c my.yaml'")
    ap.add_argument("--timeline", action="store_true", help="print upload rates (origin, seed, all hosts, each host) every half second")
    ap.add_argument("--keep", action="store_true", help="keep each run's logs and data (the path is printed)")
    args = ap.parse_args()
    netns.require_root()
    for tool in ("nginx", "curl") + (("aria2c", "opentracker") if "bt" in args.methods else ()):
        if not shutil.which(tool):
            raise SystemExit("swarm_bench: needs %s; run scripts/setup.sh --bench" % tool)
    methods = [m for m in args.methods.split(",") if m]
    for profile in args.profile or DEFAULT_PROFILES:
        workdir = tempfile.mkdtemp(prefix="df-bench-")
        bench = None
        try:
            bench = Bench(profile, os.path.abspath(args.bin_dir), workdir, args.keep, shlex.split(args.daemon_args),
                          shlex.split(args.scheduler_args))
            for method in methods:
                record = bench.measure(method)
                print(swarm_report.one_line(record), flush=True)
                if args.timeline:
                    print(swarm_report.timeline(record), flush=True)
                if not args.no_save:
                    swarm_report.save(args.results, record)
        finally:
            if bench:
                bench.net.destroy()
            if args.keep:
                print("logs and data kept in %s" % workdir)
            else:
                shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
