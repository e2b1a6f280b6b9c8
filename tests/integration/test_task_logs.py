"""Logs a shipper can index: with --log-format json every line is one JSON object, and every line
about a task carries its full ID in a "task_id" field (docs/deploy.md, "Logs") — on the scheduler,
the seed that reads the origin and the peer that downloads."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import rogue  # noqa: E402
import swarm as sw  # noqa: E402

JSON = ["--log-format", "json"]


class TaskLogs(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()
        self.addCleanup(self.s.stop)
        root = os.path.join(self.s.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "f.bin"), 3 << 20, seed=7)
        self.s.start_origin(root)
        self.scheduler = self.s.start_scheduler(extra=JSON)
        self.seed = self.s.start_daemon("seed", seed=True, extra=JSON)
        self.peer = self.s.start_daemon("peer", extra=JSON)
        self.s.wait_hosts(2)
        self.url = self.s.origin_url("/files/f.bin")
        self.task = rogue.task_id(self.url)

    def records(self, name):
        """Every line of a process's log, parsed; a line that is not JSON fails the test."""
        process = next(p for p in self.s.processes if p.name == name)
        with open(process.log_path, encoding="utf-8") as f:
            lines = [line for line in f.read().splitlines() if line.strip()]
        out = []
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:
                self.fail("%s logged a line that is not JSON: %r" % (name, line))
        return out

    def about_task(self, name):
        """The records of `name` whose message names the task (its full ID or a prefix of it)."""
        return [r for r in self.records(name) if self.task[:12] in r["msg"]]

    def test_every_line_about_a_task_carries_its_id(self):
        r = self.s.dfget(self.peer, self.url, os.path.join(self.s.workdir, "out"))
        self.assertEqual(r.returncode, 0, r.stderr + self.s.logs())

        # What each process must have said about the task (the lines are written before dfget's
        # answer, but wait for them rather than assume the order of writes to three files).
        expected = {"dfscheduler": "asking seed", "seed": "back-to-source", "peer": "complete"}
        for name, needle in expected.items():
            sw.wait_until(lambda: any(needle in r["msg"] for r in self.about_task(name)), 10,
                          "%s to log '%s' about the task" % (name, needle))
        for name in expected:
            lines = self.about_task(name)
            for record in lines:
                self.assertEqual(record.get("task_id"), self.task,
                                 "%s: a line about the task without its ID: %r" % (name, record))
                self.assertTrue(record["msg"].startswith("task " + self.task), record["msg"])
            self.assertTrue(all(r.get("component") and r.get("level") and r.get("time") for r in self.records(name)))
        # Lines about other things carry no task_id.
        other = [r for r in self.records("peer") if self.task[:12] not in r["msg"]]
        self.assertTrue(other, "the peer logged nothing but the task")
        self.assertFalse([r for r in other if "task_id" in r], "a task_id on a line about no task")


if __name__ == "__main__":
    unittest.main()
