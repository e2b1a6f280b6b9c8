"""Tests of the harness itself: sanitizer reports and unexpected exits fail a test, a process that
loses its port is started again elsewhere, and a skipped test is told apart from a passed one."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import unittest

import run_unittest
import swarm as sw

# Listens on 127.0.0.1:<argv[1]> until killed; exits 1 at once when the port is taken.
LISTENER = textwrap.dedent("""
    import signal, socket, sys
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
    s.listen()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.pause()
""")


class SanitizerReports(unittest.TestCase):
    def test_report_lines_are_found(self):
        log = "\n".join([
            "[info] listening on 65002",
            "==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010",
            "src/core/bitfield.cpp:41:17: runtime error: shift exponent 64 is too large",
            "==4242==ERROR: LeakSanitizer: detected memory leaks",
            "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior src/core/bitfield.cpp:41:17",
            "[info] task 1234 complete: SUMMARY: nothing wrong",
        ])
        self.assertEqual(len(sw.sanitizer_reports(log)), 4)

    def test_an_ordinary_log_has_none(self):
        self.assertEqual(sw.sanitizer_reports("[info] task complete\n[warn] dropping parent p1: timeout\n"), [])


class StoppingProcesses(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()

    def tearDown(self):
        try:
            self.s.stop()
        except sw.ProcessFailure:
            pass

    def spawn(self, name, script):
        return self.s._spawn(name, [sys.executable, "-c", script])

    def stop_fails(self, *needles):
        with self.assertRaises(sw.ProcessFailure) as caught:
            self.s.stop()
        for needle in needles:
            self.assertIn(needle, str(caught.exception))

    def test_a_sanitizer_report_in_a_log_fails_the_test(self):
        p = self.spawn("reporter", "import signal, sys\n"
                       "print('==1==ERROR: AddressSanitizer: heap-buffer-overflow', flush=True)\n"
                       "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\nsignal.pause()")
        sw.wait_until(lambda: "AddressSanitizer" in p.tail(), 10, "the report to be written")
        self.stop_fails("reporter: ==1==ERROR: AddressSanitizer: heap-buffer-overflow")

    def test_a_report_after_a_restart_is_found_too(self):
        p = self.spawn("twice", "import signal, sys\n"
                       "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\nsignal.pause()")
        p.stop()
        self.assertEqual(p.problems, [])
        p.restart([sys.executable, "-c", "print('x.cpp:1:2: runtime error: null pointer', flush=True)\n"
                   "import signal, sys\nsignal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\nsignal.pause()"])
        sw.wait_until(lambda: "runtime error" in p.tail(), 10, "the report to be written")
        self.stop_fails("twice: x.cpp:1:2: runtime error: null pointer")

    def test_an_abort_on_its_own_fails_the_test(self):
        p = self.spawn("aborts", "import os\nos.abort()")
        sw.wait_until(lambda: not p.alive(), 10, "the process to abort")
        self.stop_fails("aborts exited with status %d" % -signal.SIGABRT)

    def test_a_failure_exit_on_sigterm_fails_the_test(self):
        p = self.spawn("exits1", "import signal, sys\nsignal.signal(signal.SIGTERM, lambda *_: sys.exit(1))\n"
                       "print('ready', flush=True)\nsignal.pause()")
        sw.wait_until(lambda: "ready" in p.tail(), 10, "the handler to be installed")
        self.stop_fails("exits1 exited with status 1")

    def test_ends_asked_for_pass(self):
        killed = self.spawn("killed", "import signal\nsignal.pause()")
        killed.stop(signal.SIGKILL)
        termed = self.spawn("termed", "import signal\nsignal.pause()")
        done = self.spawn("done", "pass")
        sw.wait_until(lambda: not done.alive(), 10, "the process to end")
        self.s.stop()  # raises on any problem
        self.assertEqual([p.problems for p in (killed, termed, done)], [[], [], []])

    def test_a_report_on_dfgets_stderr_fails_the_test(self):
        self.s.problems += ["dfget: " + line for line in sw.sanitizer_reports("==7==ERROR: AddressSanitizer: SEGV")]
        self.stop_fails("dfget: ==7==ERROR: AddressSanitizer: SEGV")


class Launch(unittest.TestCase):
    def test_a_taken_port_means_a_new_start_on_another(self):
        s = sw.Swarm()
        try:
            with socket.socket() as taken:
                taken.bind(("127.0.0.1", 0))
                taken.listen()
                port = taken.getsockname()[1]
                command = lambda ports: [sys.executable, "-c", LISTENER, str(ports[0])]  # noqa: E731
                ready = lambda ports: sw.port_open(ports[0])  # noqa: E731
                process, ports = s.launch("listener", command, lambda ports: ready(ports) and ports[0] != port,
                                          [None], first=[port])
                self.assertNotEqual(ports[0], port)
                self.assertTrue(process.alive())
                self.assertTrue(sw.port_open(ports[0]))
        finally:
            s.stop()  # the first start exited 1 when it could not bind: expected, not a failure

    def test_a_pinned_port_stays_taken_and_it_gives_up(self):
        s = sw.Swarm()
        try:
            with socket.socket() as taken:
                taken.bind(("127.0.0.1", 0))
                port = taken.getsockname()[1]
                command = lambda ports: [sys.executable, "-c", LISTENER, str(ports[0])]  # noqa: E731
                with self.assertRaisesRegex(RuntimeError, "exited before listening, 3 times"):
                    s.launch("listener", command, lambda ports: False, [port])
        finally:
            s.stop()


class Skips(unittest.TestCase):
    """run_unittest.py: a skip is exit 77 (CTest: "Skipped"), or a failure with DF_REQUIRE_ALL=1."""

    def run_module(self, body, require_all):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "some_test.py"), "w") as f:
                f.write("import unittest\n\nclass T(unittest.TestCase):\n" + textwrap.indent(body, "    "))
            env = dict(os.environ, DF_REQUIRE_ALL="1" if require_all else "0")
            runner = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_unittest.py")
            return subprocess.run([sys.executable, runner, "some_test"], cwd=d, env=env, capture_output=True,
                                  text=True, timeout=60)

    def test_all_passed(self):
        self.assertEqual(self.run_module("def test_a(self):\n    pass\n", False).returncode, 0)

    def test_a_skip_is_visible(self):
        body = "def test_a(self):\n    pass\ndef test_b(self):\n    self.skipTest('no tmpfs here')\n"
        r = self.run_module(body, False)
        self.assertEqual(r.returncode, run_unittest.SKIPPED, r.stderr)
        self.assertIn("SKIPPED some_test.T.test_b: no tmpfs here", r.stderr)
        r = self.run_module(body, True)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("a failure: DF_REQUIRE_ALL=1", r.stderr)

    def test_a_failure_wins_over_a_skip(self):
        body = "def test_a(self):\n    self.fail('x')\ndef test_b(self):\n    self.skipTest('y')\n"
        self.assertEqual(self.run_module(body, False).returncode, 1)

    def test_no_tests_is_a_failure(self):
        self.assertEqual(self.run_module("pass\n", False).returncode, 1)


if __name__ == "__main__":
    unittest.main()
