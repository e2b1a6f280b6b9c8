"""dfget's output as a hard link to the daemon's verified copy: no second copy of the bytes, and a
copy edited in place through that link is never handed out or uploaded again."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import swarm as sw  # noqa: E402

MIB = 1 << 20
MODIFIED = 'dragonfly_dfdaemon_gc_evictions_total{reason="modified"}'


class HardLink(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.root = os.path.join(self.s.workdir, "www")
        os.makedirs(self.root)
        path = os.path.join(self.root, "f.bin")
        sw.write_random_file(path, 8 * MIB, seed=5)
        self.digest = sw.sha256_file(path)
        self.url = None
        self.s.start_origin(self.root)
        self.url = self.s.origin_url("/files/f.bin")
        self.s.start_scheduler()
        self.s.start_daemon("seed", seed=True)
        self.a = self.s.start_daemon("a")
        self.b = self.s.start_daemon("b")
        self.s.wait_hosts(3)

    def tearDown(self):
        self.s.stop()

    def get(self, d, name, *extra):
        out = os.path.join(self.s.workdir, name)
        r = self.s.dfget(d, self.url, out, *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def data_files(self, d):
        tasks = os.path.join(self.s.workdir, d.name, "tasks")
        return [os.path.join(tasks, shard, t, "data") for shard in os.listdir(tasks)
                for t in os.listdir(os.path.join(tasks, shard))]

    def test_the_output_is_the_daemons_verified_copy_unless_copy_is_asked(self):
        linked = self.get(self.a, "linked.out")
        self.assertEqual(sw.sha256_file(linked), self.digest)
        [data] = self.data_files(self.a)
        self.assertEqual(os.stat(linked).st_ino, os.stat(data).st_ino)
        self.assertEqual(os.stat(linked).st_nlink, 2)
        # --digest reads the linked file back, as it does a copied one.
        self.get(self.a, "checked.out", "--digest", "sha256:" + self.digest)

        copied = self.get(self.a, "copied.out", "--copy")
        self.assertEqual(sw.sha256_file(copied), self.digest)
        self.assertNotEqual(os.stat(copied).st_ino, os.stat(data).st_ino)
        self.assertEqual(os.stat(copied).st_nlink, 1)

    def test_when_the_link_is_refused_the_output_is_a_copy(self):
        self.get(self.a, "first.out")
        [data] = self.data_files(self.a)
        # An immutable file cannot be hard-linked (EPERM), not even by root.
        if subprocess.run(["chattr", "+i", data], capture_output=True).returncode != 0:
            self.skipTest("chattr +i is not available here")
        try:
            out = os.path.join(self.s.workdir, "refused.out")
            r = self.s.dfget(self.a, self.url, out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("cannot hard-link", r.stderr)
            self.assertIn("copying it instead", r.stderr)
            self.assertEqual(sw.sha256_file(out), self.digest)
            self.assertNotEqual(os.stat(out).st_ino, os.stat(data).st_ino)
            self.assertEqual([f for f in os.listdir(self.s.workdir) if ".dfget-" in f], [])
        finally:
            subprocess.run(["chattr", "-i", data])

    def test_a_copy_edited_through_its_link_is_dropped_not_served(self):
        linked = self.get(self.a, "linked.out")
        with open(linked, "r+b") as f:  # edited in place, through the link
            f.seek(3 * MIB)
            f.write(b"edited by the user")
        edited = sw.sha256_file(linked)
        self.assertNotEqual(edited, self.digest)

        # Another host asking a for pieces gets the true bytes (a refuses the edited ones).
        from_b = self.get(self.b, "b.out")
        self.assertEqual(sw.sha256_file(from_b), self.digest)
        # a itself fetches the task afresh rather than handing out the edited copy.
        again = self.get(self.a, "again.out")
        self.assertEqual(sw.sha256_file(again), self.digest)
        self.assertEqual(self.a.metrics().get(MODIFIED, 0), 1)
        self.assertEqual(sw.sha256_file(linked), edited)  # the user's file is left as they made it


if __name__ == "__main__":
    unittest.main()
