#!/usr/bin/env python3
"""A local swarm on loopback: origin → seed peer → three peers, each running dfget at once.

With --manager the cluster is run by dfmanager: the scheduler registers with it, and the seed and
the peers are given no scheduler address at all; they announce themselves to the manager, which
tells them their cluster and its scheduler (docs/manager.md, "How daemons find their cluster").

Prints a summary of how many bytes each peer received from other peers, from the seed peer and
from the origin, and how many bytes the origin sent in total.
"""
import argparse
import concurrent.futures
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support"))
import configured  # noqa: E402
import manager as mg  # noqa: E402
import swarm as sw  # noqa: E402


def mib(n):
    return "%8.1f MiB" % (n / 1048576)


def start_managed_cluster(s, args):
    """dfmanager, a scheduler that registers with it, and a seed and peers that know only the
    manager; prints what the manager knows. Returns the peers."""
    m = mg.start_manager(s, "dfmanager", mg.write_config(os.path.join(s.workdir, "dfmanager.yaml"),
                                                         os.path.join(s.workdir, "manager"), keepalive="1s"))
    token_file = os.path.join(s.workdir, "manager-token")
    with open(token_file, "w") as f:
        f.write(mg.TOKEN + "\n")
    section = configured.manager_section(m.port, token_file, refresh="5s")
    configured.start_scheduler(s, "dfscheduler", config="host: {hostname: demo-scheduler}\n" + section)
    sw.wait_until(lambda: any(x["state"] == "active" for x in m.ok("GET", "/api/v1/schedulers")), 10,
                  "the scheduler to register with the manager")
    conf = configured.write_config(s, "daemon.yaml", section)
    configured.start_managed_daemon(s, "seed", conf, seed=True, extra=["--upload-rate-limit", args.seed_upload_limit])
    peers = [configured.start_managed_daemon(s, "peer%d" % i, conf) for i in range(1, args.peers + 1)]
    sw.wait_until(lambda: len(m.ok("GET", "/api/v1/seed-peers")) == 1, 10, "the seed to register as a seed peer")
    print("demo: dfmanager on port %d (token in %s)" % (m.port, token_file))
    for x in m.ok("GET", "/api/v1/schedulers"):
        print("demo:   scheduler %s %s:%d, %s" % (x["hostname"], x["ip"], x["port"], x["state"]))
    for x in m.ok("GET", "/api/v1/seed-peers"):
        print("demo:   seed peer %s %s:%d, %s" % (x["hostname"], x["ip"], x["port"], x["state"]))
    for h in m.ok("GET", "/api/v1/hosts"):
        print("demo:   host %s announced itself, given scheduler cluster %d" % (h["hostname"], h["scheduler_cluster_id"]))
    return peers


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=128, help="file size in MiB (default 128)")
    ap.add_argument("--peers", type=int, default=3, help="number of peers (default 3)")
    ap.add_argument("--seed-upload-limit", default="40MB", help="seed peer's upload limit (default 40MB/s)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, data) afterwards")
    ap.add_argument("--manager", action="store_true", help="run the cluster from dfmanager (no static addresses)")
    args = ap.parse_args()

    s = sw.Swarm()
    try:
        root = os.path.join(s.workdir, "www")
        os.makedirs(root)
        path = os.path.join(root, "demo.bin")
        size = args.size << 20
        print("demo: writing a %d MiB file for the origin in %s" % (args.size, s.workdir))
        sw.write_random_file(path, size, seed=11)
        expected = sw.sha256_file(path)
        s.start_origin(root)
        if args.manager:
            peers = start_managed_cluster(s, args)
        else:
            s.start_scheduler()
            s.start_daemon("seed", seed=True, upload_rate_limit=args.seed_upload_limit)
            peers = [s.start_daemon("peer%d" % i) for i in range(1, args.peers + 1)]
        s.wait_hosts(args.peers + 1)
        print("demo: dfscheduler, a seed peer (upload limit %s/s) and %d peers are up; %d concurrent dfget ..."
              % (args.seed_upload_limit, args.peers, args.peers))

        url = s.origin_url("/files/demo.bin")
        outs = [os.path.join(s.workdir, "%s.out" % p.name) for p in peers]
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(len(peers)) as pool:
            runs = list(pool.map(lambda i: s.dfget(peers[i], url, outs[i]), range(len(peers))))
        elapsed = time.monotonic() - started
        for p, r in zip(peers, runs):
            if r.returncode != 0:
                print("demo: dfget on %s failed: %s" % (p.name, r.stderr), file=sys.stderr)
                print(s.logs(), file=sys.stderr)
                return 1

        print("\n%-8s %14s %14s %14s  %s" % ("host", "from peers", "from seed", "from origin", "sha256 ok"))
        total_peer = total_all = 0
        for p, out in zip(peers, outs):
            got = p.received()
            ok = sw.sha256_file(out) == expected
            total_peer += got["peer"]
            total_all += got["peer"] + got["seed"] + got["origin"]
            print("%-8s %14s %14s %14s  %s" % (p.name, mib(got["peer"]), mib(got["seed"]), mib(got["origin"]),
                                               "yes" if ok else "NO"))
        stats = s.origin_stats()
        print("\norigin sent %s in %d request(s) for a %s file (%.2f copies)" %
              (mib(stats["body_bytes"]).strip(), stats["requests"], mib(size).strip(), stats["body_bytes"] / size))
        print("peers got %.0f%% of their bytes from each other; all %d downloads took %.1fs" %
              (100.0 * total_peer / max(total_all, 1), len(peers), elapsed))
        return 0
    finally:
        if args.keep:
            s.own_workdir = False
            print("demo: work directory kept at %s" % s.workdir)
        s.stop()


if __name__ == "__main__":
    sys.exit(main())
