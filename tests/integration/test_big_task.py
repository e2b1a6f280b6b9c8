"""A task of 102,400 pieces (400 MiB in 4 KiB pieces) is joined and completed by a late peer: the
messages that grow with the piece count (parents' holdings, digests, have) are split or packed so
that each fits a frame (docs/protocol.md)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import swarm as sw  # noqa: E402

PIECE = 4096
# Under the sanitizers (stage 2, several times slower) a fifth of it still splits every message.
PIECES = int(os.environ.get("DF_BIG_TASK_PIECES", 20480 if os.environ.get("DF_SANITIZERS") else 102400))


class BigTaskTest(unittest.TestCase):
    def test_a_late_peer_joins_and_completes_a_hundred_thousand_piece_task(self):
        s = sw.Swarm()
        self.addCleanup(s.stop)
        root = os.path.join(s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "big.bin"), PIECE * PIECES, seed=41)
        expected = sw.sha256_file(os.path.join(root, "big.bin"))
        s.start_origin(root)
        s.start_scheduler()
        s.start_daemon("seed", seed=True, extra=["--piece-size", "4KiB"])
        first, late = s.start_daemon("first"), s.start_daemon("late")
        s.wait_hosts(3)
        url = s.origin_url("/files/big.bin")
        for peer in (first, late):  # the late one joins once the task is complete everywhere else
            out = os.path.join(s.workdir, peer.name + ".out")
            started = time.monotonic()
            r = s.dfget(peer, url, out, timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr + "\n" + s.logs())
            self.assertEqual(sw.sha256_file(out), expected)
            os.unlink(out)
            print("%s: %d pieces in %.1f s" % (peer.name, PIECES, time.monotonic() - started), file=sys.stderr)
        self.assertEqual(s.origin_stats()["paths"].get("/files/big.bin"), 1)
        received = late.received()
        self.assertEqual(received["origin"], 0)
        self.assertEqual(received["peer"] + received["seed"], PIECE * PIECES)
        self.assertEqual(s.scheduler_metrics().get("dragonfly_scheduler_messages_rejected_total", 0), 0)


if __name__ == "__main__":
    unittest.main()
