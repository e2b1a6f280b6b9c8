"""The .deb installs into a fresh Debian root and its units' own command lines distribute a file.

Builds the package with CPack from this build tree, makes a clean Debian 12 root with mmdebstrap
(variant apt, plus systemd so the units can be verified), installs the package there with
`apt-get install ./….deb` as docs/deploy.md says, then checks the files, the user, the units, and
runs the scheduler's and the daemon's ExecStart lines inside the root as the units' user: a seed
and that daemon, and a dfget through it, checked against the origin's sha256.

Needs root, mmdebstrap, cpack and Debian's mirror (as scripts/setup.sh does); skips otherwise
(and fails instead under DF_REQUIRE_ALL=1). About 2–3 minutes, most of it mmdebstrap.
"""
import configparser
import hashlib
import http.server
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import swarm as sw  # noqa: E402
import package_build  # noqa: E402

SOURCES = "/etc/apt/sources.list.d/debian.sources"
UNITS = ("dfdaemon", "dfscheduler", "dfmanager")


def missing_tools():
    why = package_build.missing(("mmdebstrap", "cpack", "dpkg-deb", "systemd-analyze", "systemd-tmpfiles"), "chroot, mmdebstrap")
    if why:
        return why
    if not os.path.exists(SOURCES):
        return "no %s to build a root from" % SOURCES
    return None


def unit_service(root, name):
    """The [Service] section of an installed unit, as a dict (ExecStart split into argv)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(os.path.join(root, "usr/lib/systemd/system", name + ".service"))
    service = dict(parser["Service"])
    service["ExecStart"] = shlex.split(service["ExecStart"])
    return service


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@unittest.skipIf(missing_tools(), missing_tools())
class DebianPackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="df-package-")
        cls.root = os.path.join(cls.work, "root")
        dist = os.path.join(cls.work, "dist")
        cls.deb = package_build.build_deb(dist)
        name = os.path.basename(cls.deb)
        log = os.path.join(cls.work, "mmdebstrap.log")
        with open(log, "w") as out:
            r = subprocess.run(["mmdebstrap", "--variant=apt", "--include=systemd",
                                "--customize-hook=copy-in %s /tmp" % cls.deb,
                                "--customize-hook=chroot \"$1\" env DEBIAN_FRONTEND=noninteractive "
                                "apt-get install -y -q /tmp/%s" % name,
                                "bookworm", cls.root, SOURCES], stdout=out, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            with open(log) as f:
                raise AssertionError("mmdebstrap / apt-get install failed:\n" + f.read()[-4000:])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def chroot(self, *args, user=None, **kwargs):
        prefix = ["chroot"] + (["--userspec=%s" % user] if user else []) + [self.root]
        return subprocess.run(prefix + list(args), capture_output=True, text=True, **kwargs)

    def test_files_user_and_versions(self):
        for binary in ("dfdaemon", "dfget", "dfscheduler", "dfmanager", "dfcert"):
            r = self.chroot("/usr/bin/" + binary, "--version")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"^%s \d+\.\d+\.\d+ \(revision [^)]+\)\n$" % binary)
            # Stripped: no debug sections in what the package ships.
            sections = subprocess.run(["readelf", "-S", os.path.join(self.root, "usr/bin", binary)],
                                      capture_output=True, text=True).stdout
            self.assertNotIn(".debug_info", sections, binary)
        passwd = self.chroot("getent", "passwd", "dragonfly").stdout.strip().split(":")
        self.assertEqual(passwd[5:], ["/var/lib/dragonfly", "/usr/sbin/nologin"], passwd)
        self.assertNotEqual(passwd[2], "0")
        conffiles = self.chroot("cat", "/var/lib/dpkg/info/dragonfly-cpp.conffiles").stdout.split()
        self.assertEqual(sorted(conffiles), ["/etc/dragonfly/%s.yaml" % u for u in sorted(UNITS)])
        for u in UNITS:
            # The installed config is the documented one, and the binary reads it.
            r = self.chroot("/usr/bin/" + u, "--config", "/etc/dragonfly/%s.yaml" % u, "--print-config")
            self.assertEqual(r.returncode, 0, "%s: %s" % (u, r.stderr))
        self.assertTrue(os.path.exists(os.path.join(self.root, "usr/share/doc/dragonfly-cpp/deploy.md")))
        # The web console where dfmanager's default console.dir looks (scripts/build.sh builds it).
        self.assertTrue(os.path.exists(os.path.join(self.root, "usr/share/dragonfly/console/index.html")))

    def test_units_verify_and_are_hardened(self):
        r = subprocess.run(["systemd-analyze", "verify", "--root=" + self.root] +
                           ["%s.service" % u for u in UNITS], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout + r.stderr, "", "systemd-analyze verify complained")
        for u in UNITS:
            service = unit_service(self.root, u)
            self.assertEqual(service["User"], "dragonfly", u)
            self.assertEqual(service["NoNewPrivileges"], "yes", u)
            self.assertEqual(service["ProtectSystem"], "strict", u)
            self.assertEqual(service["CapabilityBoundingSet"], "", u)
            self.assertEqual(service["ExecStart"][:3], ["/usr/bin/" + u, "--config", "/etc/dragonfly/%s.yaml" % u])

    def test_units_command_lines_distribute_a_file(self):
        r = subprocess.run(["systemd-tmpfiles", "--root=" + self.root, "--create",
                            os.path.join(self.root, "usr/lib/tmpfiles.d/dragonfly.conf")], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        st = os.stat(os.path.join(self.root, "run/dragonfly"))
        self.assertEqual(oct(st.st_mode & 0o777), oct(0o750))

        www = os.path.join(self.work, "www")
        os.makedirs(www, exist_ok=True)
        data = os.urandom(3 << 20)
        with open(os.path.join(www, "file.bin"), "wb") as f:
            f.write(data)
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), lambda *a: QuietHandler(*a, directory=www))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        url = "http://127.0.0.1:%d/file.bin" % server.server_address[1]

        processes = []

        def start(name, argv, user):
            log = open(os.path.join(self.work, name + ".log"), "w")
            p = subprocess.Popen(["chroot", "--userspec=%s:%s" % (user, user), self.root] + argv, stdout=log,
                                 stderr=subprocess.STDOUT)
            log.close()
            processes.append((name, p))
            return p

        def stop_all():
            for _, p in processes:
                if p.poll() is None:
                    p.terminate()
            for _, p in processes:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.addCleanup(stop_all)

        def log_of(name):
            with open(os.path.join(self.work, name + ".log"), errors="replace") as f:
                return f.read()

        scheduler_port, metrics_port, seed_port, peer_port, proxy_port = sw.free_ports(5)
        scheduler = unit_service(self.root, "dfscheduler")
        start("scheduler", scheduler["ExecStart"] + ["--port", str(scheduler_port), "--metrics-port",
                                                     str(metrics_port)], scheduler["User"])
        sw.wait_until(lambda: "listening" in log_of("scheduler"), 10, "the scheduler to listen")
        daemon = unit_service(self.root, "dfdaemon")
        # The seed: the same binary and config, its own socket and data directory.
        start("seed", ["/usr/bin/dfdaemon", "--config", "/etc/dragonfly/dfdaemon.yaml", "--seed-peer",
                       "--socket", "/run/dragonfly/seed.sock", "--data-dir", "/var/lib/dragonfly/seed",
                       "--no-proxy", "--upload-port", str(seed_port), "--hostname", "package-seed",
                       "--scheduler", "127.0.0.1:%d" % scheduler_port, "--origin-allow", "127.0.0.0/8"],
              daemon["User"])
        # The unit's own command line, with the test's ports.
        start("daemon", daemon["ExecStart"] + ["--upload-port", str(peer_port), "--proxy-port", str(proxy_port),
                                               "--hostname", "package-peer",
                                               "--scheduler", "127.0.0.1:%d" % scheduler_port], daemon["User"])
        for name in ("seed", "daemon"):
            sw.wait_until(lambda: "connected to scheduler" in log_of(name) or
                          dict(processes)[name].poll() is not None, 15, "the %s to connect" % name)
            self.assertIsNone(dict(processes)[name].poll(), log_of(name))
        sock = os.path.join(self.root, "run/dragonfly/dfdaemon.sock")
        self.assertEqual(oct(os.stat(sock).st_mode & 0o777), oct(0o660))

        # dfget as root inside the root finds the daemon at the system socket by itself.
        r = self.chroot("/usr/bin/dfget", url, "-O", "/tmp/file.out", "--no-progress",
                        "--digest", "sha256:" + hashlib.sha256(data).hexdigest(), timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr + "\n" + log_of("daemon") + log_of("seed"))
        with open(os.path.join(self.root, "tmp/file.out"), "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), hashlib.sha256(data).hexdigest())
        for name, p in processes:
            self.assertIsNone(p.poll(), "%s exited:\n%s" % (name, log_of(name)))


if __name__ == "__main__":
    unittest.main()
