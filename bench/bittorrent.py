"""The BitTorrent baseline on a simulated network: opentracker plus aria2c (both from Debian).

The origin host seeds the file; every host runs aria2c with PEX and without DHT or local peer
discovery, keeps seeding after it finishes (as a swarm member should) and records the moment its
data was complete through aria2c's --on-bt-download-complete hook (which runs before seeding).
"""
import hashlib
import os
import stat
import time
import urllib.parse

import netns  # tests/support, on the path (swarm_bench puts it there)

TRACKER_PORT = 6969
BT_PORT = 6881


def bencode(value):
    """Bencoding of ints, bytes/str, lists and dicts (keys sorted, as the format requires)."""
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError("cannot bencode %r" % type(value))


def make_torrent(path, announce, piece_length=1 << 20):
    """A single-file .torrent for `path`; returns (torrent bytes, info-hash as 20 bytes)."""
    pieces = []
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(piece_length), b""):
            pieces.append(hashlib.sha1(block).digest())
    info = {"name": os.path.basename(path), "length": os.path.getsize(path), "piece length": piece_length,
            "pieces": b"".join(pieces)}
    torrent = {"announce": announce, "info": info}
    return bencode(torrent), hashlib.sha1(bencode(info)).digest()


def aria2c_argv(torrent, directory, done_hook):
    """aria2c for one swarm member: no DHT/LPD (the tracker and PEX find peers), seeds forever."""
    return ["aria2c", "--dir", directory, "--seed-ratio=0.0", "--enable-dht=false", "--enable-dht6=false",
            "--bt-enable-lpd=false", "--enable-peer-exchange=true", "--bt-tracker-interval=5",
            "--listen-port=%d" % BT_PORT, "--file-allocation=none", "--summary-interval=0",
            "--console-log-level=warn", "--bt-seed-unverified=true", "--allow-overwrite=true",
            "--on-bt-download-complete=" + done_hook, torrent]


def write_done_hook(workdir):
    """A hook that writes the wall-clock completion time to $DF_BT_DONE."""
    path = os.path.join(workdir, "bt-done.sh")
    with open(path, "w") as f:
        f.write('#!/bin/sh\ndate +%s.%N > "$DF_BT_DONE.tmp" && mv "$DF_BT_DONE.tmp" "$DF_BT_DONE"\n')
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def scrape_complete(tracker_host, info_hash):
    """How many seeders the tracker knows for `info_hash` (0 when it cannot say)."""
    url = "http://%s:%d/scrape?info_hash=%s" % (tracker_host.ip, TRACKER_PORT, urllib.parse.quote(info_hash))
    r = tracker_host.run(["curl", "-fsS", "--max-time", "2", url], capture_output=True)
    marker = b"8:completei"
    at = r.stdout.find(marker)
    if r.returncode != 0 or at < 0:
        return 0
    return int(r.stdout[at + len(marker):r.stdout.index(b"e", at + len(marker))])


def run_swarm(origin, tracker_host, hosts, file_path, workdir, wait_until, timeout=1800):
    """Seeds `file_path` from `origin` and downloads it on every host at once. Returns
    {host name: (seconds from the common start, output path)}; raises on timeout."""
    announce = "http://%s:%d/announce" % (tracker_host.ip, TRACKER_PORT)
    torrent_bytes, info_hash = make_torrent(file_path, announce)
    torrent = os.path.join(workdir, "file.torrent")
    with open(torrent, "wb") as f:
        f.write(torrent_bytes)
    whitelist = os.path.join(workdir, "whitelist")
    with open(whitelist, "w") as f:
        f.write(info_hash.hex() + "\n")
    # opentracker chroots into -d and drops root; the whitelist is read from inside that directory.
    os.chmod(workdir, 0o755)
    tracker_host.popen(["opentracker", "-i", tracker_host.ip, "-p", str(TRACKER_PORT), "-P", str(TRACKER_PORT),
                        "-d", workdir, "-w", os.path.basename(whitelist)], os.path.join(workdir, "opentracker.log"))
    hook = write_done_hook(workdir)
    origin.popen(aria2c_argv(torrent, os.path.dirname(file_path), hook), os.path.join(workdir, "bt-seed.log"),
                 env=dict(os.environ, DF_BT_DONE=os.path.join(workdir, "seed.done")))
    wait_until(lambda: scrape_complete(tracker_host, info_hash) >= 1, 20, "the BitTorrent seeder to announce")

    done, clients = {}, []
    for h in hosts:
        directory = os.path.join(workdir, "bt-" + h.name)
        os.makedirs(directory, exist_ok=True)
        done[h.name] = os.path.join(workdir, h.name + ".done")
        clients.append(h.popen(aria2c_argv(torrent, directory, hook), os.path.join(workdir, "bt-%s.log" % h.name),
                               held=True, env=dict(os.environ, DF_BT_DONE=done[h.name])))
    netns.release(clients)  # every client starts at once, as dfget and curl do
    start = time.time()
    wait_until(lambda: all(os.path.exists(p) for p in done.values()), timeout, "every BitTorrent host to finish")
    results = {}
    for h in hosts:
        with open(done[h.name]) as f:
            finished = float(f.read())
        results[h.name] = (finished - start, os.path.join(workdir, "bt-" + h.name, os.path.basename(file_path)))
    return results
