"""A simulated network on one machine: hosts are Linux network namespaces on a private switch.

Layout: one "switch" namespace holds a bridge per IDC; every host namespace is attached to its
IDC's bridge with a veth pair. Bandwidth caps use `tc tbf` (this kernel has tbf and htb, no
netem): a host's upload cap shapes the egress of its own `eth0`, its download cap shapes the
egress of the switch-side end of its veth. Two IDCs are joined by a veth pair between their
bridges, shaped in both directions, whose byte counters say how much crossed.

Nothing touches the root namespace's interfaces or routes, so the machine's own networking is
never affected. Every namespace name starts with the network's name, "<prefix><pid>" (unique
while this process lives, so two runs at once never touch each other's namespaces); `destroy()`
(also run at exit and on SIGINT/SIGTERM) kills every process left in them and deletes them, and a
new network first removes leftovers of earlier runs with the same prefix whose process is gone.
Needs root and iproute2.
"""
import atexit
import json
import os
import re
import signal
import subprocess
import sys
import time

SUBNET = "10.213"  # hosts get 10.213.x.y/16


def require_root():
    """Raises SystemExit with a clear message unless namespaces can be made here."""
    if os.geteuid() != 0:
        raise SystemExit("this needs root: it creates network namespaces (ip netns) and tc qdiscs")
    if subprocess.run(["ip", "-V"], capture_output=True).returncode != 0:
        raise SystemExit("this needs iproute2 (ip, tc)")


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def run(*args, check=True):
    """Runs one iproute2/tc command; raises with its stderr when it fails."""
    r = subprocess.run(list(args), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r


def shape(ns, dev, mbit):
    """Caps the egress of `dev` in namespace `ns` at `mbit` Mbit/s with a token bucket filter."""
    rate_bytes = mbit * 1e6 / 8
    burst = max(int(rate_bytes / 100), 64 * 1024)  # 10 ms of traffic, at least 64 KiB
    run("ip", "netns", "exec", ns, "tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate",
        "%dkbit" % int(mbit * 1000), "burst", str(burst), "latency", "100ms")


# A start barrier: the shell stops itself before it execs the command; release() continues them
# all at once, so a run's clock starts when every host's client is ready, not while Python is
# still spawning the last of them (tens of milliseconds each on a busy machine).
HELD = ["sh", "-c", 'kill -STOP $$ && exec "$@"', "held"]


def release(processes, timeout=30):
    """Waits until every process started behind HELD has stopped itself, then continues them all."""
    deadline = time.monotonic() + timeout
    for p in processes:
        while True:
            try:
                with open("/proc/%d/stat" % p.pid) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                state = "gone"
            if state in ("T", "gone") or p.poll() is not None:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("process %d never reached its start barrier" % p.pid)
            time.sleep(0.005)
    for p in processes:
        try:
            os.kill(p.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


class Host:
    """One simulated machine: a namespace with one interface, `eth0`, at `ip`."""

    def __init__(self, network, name, ns, ip, idc, up_mbit, down_mbit, switch_port):
        self.network, self.name, self.ns, self.ip, self.idc = network, name, ns, ip, idc
        self.up_mbit, self.down_mbit = up_mbit, down_mbit
        self.switch_port = switch_port  # the switch-side end of its veth

    def prefix(self):
        """The argv prefix that runs a command inside this host."""
        return ["ip", "netns", "exec", self.ns]

    def popen(self, args, log_path=None, held=False, **kwargs):
        """Starts `args` inside the host in its own session; output to `log_path` (or discarded).
        `held`: it waits at the start barrier until release()."""
        out = open(log_path, "ab") if log_path else subprocess.DEVNULL
        p = subprocess.Popen(self.prefix() + (HELD if held else []) + list(args), stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
        if log_path:
            out.close()
        self.network.processes.append(p)
        return p

    def run(self, args, **kwargs):
        """Runs `args` inside the host to completion (subprocess.run keywords apply)."""
        return subprocess.run(self.prefix() + list(args), **kwargs)

    def counters(self):
        """(rx_bytes, tx_bytes) of the host's eth0."""
        return self.network.counters(self.ns, "eth0")


class Network:
    """The switch and its hosts. Tracks (1) the namespaces it made, (2) the processes started in
    them, (3) each host's address and caps, (4) the inter-IDC link, if any."""

    def __init__(self, prefix="dfn"):
        require_root()
        self.base = prefix
        self.prefix = "%s%d" % (prefix, os.getpid())
        self.switch = self.prefix + "-sw"
        self.hosts = {}
        self.processes = []
        self.idcs = []
        self.idc_link = None  # (ns, dev on idc a, dev on idc b)
        self._destroyed = False
        self.remove_leftovers()
        atexit.register(self.destroy)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)
        run("ip", "netns", "add", self.switch)
        run("ip", "-n", self.switch, "link", "set", "lo", "up")

    def _on_signal(self, signum, _frame):
        print("interrupted by signal %d; removing the namespaces" % signum, file=sys.stderr)
        self.destroy()
        raise SystemExit(128 + signum)

    def remove_leftovers(self):
        """Deletes namespaces of this prefix left by earlier runs that could not clean up: those
        named after this process, or after a process that no longer exists."""
        listed = run("ip", "-j", "netns", "list", check=False).stdout.strip() or "[]"
        mine = re.compile(r"^%s(\d+)-(sw|h\d+)$" % re.escape(self.base))
        for entry in json.loads(listed):
            m = mine.match(entry.get("name", ""))
            if m and (int(m.group(1)) == os.getpid() or not pid_alive(int(m.group(1)))):
                self._delete_namespace(m.group(0))

    def _delete_namespace(self, ns):
        pids = run("ip", "netns", "pids", ns, check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        run("ip", "netns", "del", ns, check=False)

    def add_idc(self, idc):
        """A bridge for hosts labelled `idc` (made on first use)."""
        if idc in self.idcs:
            return
        self.idcs.append(idc)
        run("ip", "-n", self.switch, "link", "add", "br-" + idc, "type", "bridge")
        run("ip", "-n", self.switch, "link", "set", "br-" + idc, "up")

    def link_idcs(self, a, b, mbit):
        """Joins IDC `a` and IDC `b` with a link of `mbit` Mbit/s each way."""
        self.add_idc(a)
        self.add_idc(b)
        da, db = "il-" + a, "il-" + b
        run("ip", "-n", self.switch, "link", "add", da, "type", "veth", "peer", "name", db)
        for dev, idc in ((da, a), (db, b)):
            run("ip", "-n", self.switch, "link", "set", dev, "master", "br-" + idc)
            run("ip", "-n", self.switch, "link", "set", dev, "up")
            shape(self.switch, dev, mbit)
        self.idc_link = (self.switch, da, db)

    def add_host(self, name, idc="a", up_mbit=None, down_mbit=None):
        """A new host on `idc`'s bridge; caps in Mbit/s (None = unshaped). Returns the Host."""
        self.add_idc(idc)
        index = len(self.hosts)
        ns = "%s-h%d" % (self.prefix, index)
        ip = "%s.%d.%d" % (SUBNET, index // 200, index % 200 + 10)
        outer = "h%d" % index
        run("ip", "netns", "add", ns)
        run("ip", "-n", self.switch, "link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", ns)
        run("ip", "-n", self.switch, "link", "set", outer, "master", "br-" + idc)
        run("ip", "-n", self.switch, "link", "set", outer, "up")
        run("ip", "-n", ns, "addr", "add", ip + "/16", "dev", "eth0")
        run("ip", "-n", ns, "link", "set", "eth0", "up")
        run("ip", "-n", ns, "link", "set", "lo", "up")
        if up_mbit:
            shape(ns, "eth0", up_mbit)
        if down_mbit:
            shape(self.switch, outer, down_mbit)
        host = Host(self, name, ns, ip, idc, up_mbit, down_mbit, outer)
        self.hosts[name] = host
        return host

    def counters(self, ns, dev):
        """(rx_bytes, tx_bytes) of `dev` in namespace `ns`."""
        out = run("ip", "-j", "-s", "-n", ns, "link", "show", "dev", dev).stdout
        stats = json.loads(out)[0]["stats64"]
        return stats["rx"]["bytes"], stats["tx"]["bytes"]

    def uploads(self):
        """{host name: bytes it has sent so far}, read in one call from the switch side of every
        host's link (what the switch received from it)."""
        out = run("ip", "-j", "-s", "-n", self.switch, "link", "show").stdout
        by_port = {entry["ifname"]: entry["stats64"]["rx"]["bytes"] for entry in json.loads(out)}
        return {name: by_port.get(h.switch_port, 0) for name, h in self.hosts.items()}

    def idc_link_bytes(self):
        """Bytes that crossed the inter-IDC link so far, both directions (0 without one)."""
        if not self.idc_link:
            return 0
        ns, da, _ = self.idc_link
        rx, tx = self.counters(ns, da)
        return rx + tx

    def stop_processes(self, timeout=10):
        """SIGTERM to every process started here (then SIGKILL after `timeout`), and reap them."""
        for p in self.processes:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for p in self.processes:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        self.processes = []

    def destroy(self):
        """Stops every process and deletes every namespace. Safe to call more than once."""
        if self._destroyed:
            return
        self._destroyed = True
        self.stop_processes(timeout=5)
        for host in self.hosts.values():
            self._delete_namespace(host.ns)
        self._delete_namespace(self.switch)
