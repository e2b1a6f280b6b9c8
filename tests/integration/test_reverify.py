"""A holder whose stored copy went bad (altered on disk with its mtime kept, so nothing local
notices): children on three hosts report it, the scheduler quarantines it and sends `reverify`,
the holder re-hashes its pieces from disk, drops the corrupt ones and fetches them again, and a
later local dfget on it yields the origin's bytes. Every output is checked against the origin's
sha256."""
import glob
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import swarm as sw  # noqa: E402

PIECE = 1 << 20
PIECES = 8


def data_file(daemon):
    """The data file and metadata path of the daemon's only task."""
    metas = glob.glob(os.path.join(daemon.data_dir, "tasks", "*", "*", "meta.json"))
    assert len(metas) == 1, metas
    return os.path.join(os.path.dirname(metas[0]), "data"), metas[0]


def verified_pieces(meta_path):
    with open(meta_path) as f:
        m = json.load(f)
    return bin(int(m["verified"] or "0", 16)).count("1"), m["complete"]


def corrupt_keeping_mtime(path, pieces):
    """Flips a byte in each of `pieces` and puts the file's times back, as a bad disk or an
    editor that restores timestamps would leave it."""
    st = os.stat(path)
    with open(path, "r+b") as f:
        for p in pieces:
            f.seek(p * PIECE + 1000)
            b = f.read(1)
            f.seek(p * PIECE + 1000)
            f.write(bytes([b[0] ^ 0xFF]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


class Reverify(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm(piece_size="1MiB")
        self.root = os.path.join(self.s.workdir, "www")
        os.makedirs(self.root)
        self.s.start_origin(self.root)
        sw.write_random_file(os.path.join(self.root, "f.bin"), PIECES * PIECE, seed=7)
        self.url = self.s.origin_url("/files/f.bin")
        self.digest = sw.sha256_file(os.path.join(self.root, "f.bin"))

    def tearDown(self):
        self.s.stop()

    def dfget_ok(self, daemon, name):
        out = os.path.join(self.s.workdir, name)
        r = self.s.dfget(daemon, self.url, out)
        if r.returncode != 0:
            self.fail("dfget on %s failed (%d): %s\n%s" % (daemon.name, r.returncode, r.stderr, self.s.logs()))
        self.assertEqual(sw.sha256_file(out), self.digest)

    def children_report(self, first, count, liar):
        """Children on `count` new hosts download one after another, each alone with the slow seed
        and `liar` as candidates (each stops when done), so each asks the liar for pieces, gets
        corrupt bytes, and reports it; returns their digest-failure counts."""
        failures = []
        for i in range(first, first + count):
            child = self.s.start_daemon("child%d" % i)
            self.s.wait_hosts(3)
            self.dfget_ok(child, "child%d.out" % i)
            failures.append(child.metrics()["dragonfly_dfdaemon_piece_digest_failures_total"])
            child.process.stop()
            self.s.wait_hosts(2)
        return failures

    def test_a_reported_holder_drops_its_corrupt_pieces_and_serves_correct_bytes_again(self):
        self.s.start_scheduler()
        # The seed uploads slowly, so children ask the holder for most pieces.
        self.s.start_daemon("seed", seed=True, upload_rate_limit="4MB")
        holder = self.s.start_daemon("holder")
        self.s.wait_hosts(2)
        self.dfget_ok(holder, "holder.out")
        data, meta = data_file(holder)
        bad = [p for p in range(PIECES) if p != 3]  # every piece but one
        corrupt_keeping_mtime(data, bad)
        self.assertEqual(verified_pieces(meta), (PIECES, True))  # nothing local noticed

        # Each child got corrupt bytes from the holder and reported it (and kept none of them).
        for failures in self.children_report(0, 3, holder):
            self.assertGreaterEqual(failures, 1)

        sw.wait_until(lambda: holder.metrics().get('dragonfly_dfdaemon_reverify_total{result="dropped"}') == 1, 30,
                      "the holder to re-verify and drop pieces")
        m = holder.metrics()
        self.assertEqual(m["dragonfly_dfdaemon_reverify_pieces_dropped_total"], len(bad))  # exactly the bad ones
        self.assertEqual(m['dragonfly_dfdaemon_reverify_total{result="clean"}'], 0)
        sched = self.s.scheduler_metrics()
        self.assertEqual(sched["dragonfly_scheduler_quarantined_total"], 1)
        self.assertEqual(sched["dragonfly_scheduler_reverify_sent_total"], 1)
        self.assertEqual(sched['dragonfly_scheduler_reverify_answers_total{result="dropped"}'], 1)
        self.assertEqual(sched["dragonfly_scheduler_readmitted_total"], 1)  # first time: back with a clean slate

        # It fetches the dropped pieces again by itself; a local dfget gets the origin's bytes.
        sw.wait_until(lambda: verified_pieces(meta) == (PIECES, True), 60, "the holder to fetch the dropped pieces")
        self.assertEqual(sw.sha256_file(data), self.digest)  # the copy on disk is repaired
        self.dfget_ok(holder, "holder-again.out")
        self.assertGreaterEqual(holder.metrics()["dragonfly_dfdaemon_pieces_verified_total"], PIECES + len(bad))
        with open(holder.process.log_path, errors="replace") as f:
            self.assertIn("fail their digest and are dropped", f.read())

    def test_a_holder_serving_bad_bytes_from_a_good_disk_answers_clean_and_is_out_for_good_when_reported_again(self):
        self.s.start_scheduler()
        self.s.start_daemon("seed", seed=True, upload_rate_limit="4MB")
        liar = self.s.start_daemon("liar", extra=["--test-corrupt-uploads"])
        self.s.wait_hosts(2)
        self.dfget_ok(liar, "liar.out")
        self.children_report(0, 3, liar)
        sw.wait_until(lambda: liar.metrics().get('dragonfly_dfdaemon_reverify_total{result="clean"}') == 1, 30,
                      "the liar to re-verify its (intact) disk copy")
        sw.wait_until(lambda: self.s.scheduler_metrics().get("dragonfly_scheduler_readmitted_total") == 1, 10,
                      "the scheduler to re-admit it once")
        for failures in self.children_report(3, 3, liar):  # re-admitted, it is asked again
            self.assertGreaterEqual(failures, 1)
        sw.wait_until(lambda: self.s.scheduler_metrics().get("dragonfly_scheduler_quarantined_total") == 2, 10,
                      "the second quarantine")
        sw.wait_until(lambda: liar.metrics().get('dragonfly_dfdaemon_reverify_total{result="clean"}') == 2, 30,
                      "the second re-verification")
        sched = self.s.scheduler_metrics()
        self.assertEqual(sched["dragonfly_scheduler_readmitted_total"], 1)  # not a second time
        self.assertEqual(liar.metrics()["dragonfly_dfdaemon_reverify_pieces_dropped_total"], 0)
        # A newcomer is never given it as a parent now: it gets nothing from peers but the seed.
        late = self.s.start_daemon("late")
        self.s.wait_hosts(3)
        self.dfget_ok(late, "late.out")
        self.assertEqual(late.metrics()["dragonfly_dfdaemon_piece_digest_failures_total"], 0)


if __name__ == "__main__":
    unittest.main()
