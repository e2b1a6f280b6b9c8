#!/usr/bin/env python3
"""One peer downloading a file from another peer that has it, versus curl from nginx.

Both write the file to disk; dfdaemon verifies every piece (sha256) and dfget writes through a
temporary file it renames at the end. nginx serves from the page cache with sendfile. Prints the
throughput of each and their ratio (goal: >= 0.9). Needs nginx and curl (scripts/setup.sh).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support"))
import nginx_origin  # noqa: E402
import swarm as sw  # noqa: E402


def timed(args):
    start = time.monotonic()
    r = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if r.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s" % (r.returncode, " ".join(args), r.stderr))
    return elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not shutil.which("nginx") or not shutil.which("curl"):
        raise SystemExit("bench: needs nginx and curl; run scripts/setup.sh")

    s = sw.Swarm()
    nginx = None
    try:
        root = os.path.join(s.workdir, "www")
        os.makedirs(root)
        size = args.size_mib << 20
        path = os.path.join(root, "big.bin")
        sw.write_random_file(path, size, seed=5)
        port = sw.free_port()
        nginx = nginx_origin.start(s.workdir, root, "127.0.0.1", port)
        sw.wait_until(lambda: sw.port_open(port), 10, "nginx")
        url = "http://127.0.0.1:%d/big.bin" % port

        s.start_scheduler()
        holder = s.start_daemon("holder")  # no seed peer: it reads the origin itself
        s.wait_hosts(1)
        warm = os.path.join(s.workdir, "warm.out")
        timed(s.dfget_args(holder, url, warm))
        os.remove(warm)

        # Alternate the two, each after a sync, so neither pays for the other's dirty pages.
        curl_times, p2p_times = [], []
        for i in range(args.runs):
            out = os.path.join(s.workdir, "curl%d.out" % i)
            subprocess.run(["sync"], check=True)
            curl_times.append(timed(["curl", "-fsS", "-o", out, url]))
            if os.path.getsize(out) != size:
                raise SystemExit("bench: curl got a short file")
            os.remove(out)

            peer = s.start_daemon("peer%d" % i)
            s.wait_hosts(2)
            out = os.path.join(s.workdir, "p2p%d.out" % i)
            subprocess.run(["sync"], check=True)
            p2p_times.append(timed(s.dfget_args(peer, url, out)))
            got = peer.received()
            if got["origin"] or got["peer"] + got["seed"] < size:
                raise SystemExit("bench: peer%d did not get the file from the holder: %s" % (i, got))
            if i == 0 and sw.sha256_file(out) != sw.sha256_file(path):
                raise SystemExit("bench: wrong bytes")
            os.remove(out)
            peer.process.stop()  # each run a fresh peer with an empty cache
            shutil.rmtree(os.path.join(s.workdir, peer.name), ignore_errors=True)
            s.wait_hosts(1)

        curl_rate = size / statistics.median(curl_times) / 1e6
        p2p_rate = size / statistics.median(p2p_times) / 1e6
        print("file: %d MiB on loopback, %d runs each, median" % (args.size_mib, args.runs))
        print("curl from nginx      : %7.1f MB/s  (runs: %s s)" % (curl_rate, ", ".join("%.2f" % t for t in curl_times)))
        print("dfget peer from peer : %7.1f MB/s  (runs: %s s)" % (p2p_rate, ", ".join("%.2f" % t for t in p2p_times)))
        print("ratio p2p / curl     : %7.2f  (goal >= 0.90)" % (p2p_rate / curl_rate))
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        s.stop()


if __name__ == "__main__":
    main()
