"""The container images distribute a file between containers on a podman network.

Builds the .deb from this build tree (CPack) and the images from it with scripts/images.sh (under
a private name prefix), then runs them with podman as docs/deploy.md does: a scheduler, a seed
peer and two daemons on their own network, the origin on the network's gateway. dfget in each
daemon's container must verify the file, and the origin must have sent it once.

Needs root, podman, buildah, mmdebstrap, cpack and Debian's mirror; skips otherwise (fails
instead under DF_REQUIRE_ALL=1). About 3–4 minutes, most of it building the root file system.
"""
import hashlib
import http.server
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import swarm as sw  # noqa: E402
import package_build  # noqa: E402

# This sandbox refuses podman's default rlimits; lower ones are allowed everywhere.
LIMITS = ["--ulimit", "nofile=16384:16384", "--ulimit", "nproc=4096:4096"]


def missing_tools():
    return package_build.missing(("podman", "buildah", "mmdebstrap", "cpack", "dpkg-deb"), "podman networks")


def podman(*args, check=True):
    r = subprocess.run(["podman"] + list(args), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError("podman %s: %s" % (" ".join(args), r.stderr))
    return r


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    gets = []

    def do_GET(self):
        CountingHandler.gets.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@unittest.skipIf(missing_tools(), missing_tools())
class ContainerImagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="df-images-")
        cls.tag = "df-test-%d" % os.getpid()
        cls.prefix = "localhost/" + cls.tag
        dist = os.path.join(cls.work, "dist")
        deb = package_build.build_deb(dist)
        cls.version = subprocess.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True,
                                     text=True).stdout.strip()
        r = subprocess.run([os.path.join(package_build.SCRIPTS, "images.sh"), "--postgres", deb], capture_output=True,
                           text=True, env=dict(os.environ, IMAGE_PREFIX=cls.prefix))
        if r.returncode != 0:
            raise AssertionError("images.sh failed:\n" + r.stdout + r.stderr[-4000:])

    @classmethod
    def tearDownClass(cls):
        for component in ("dfdaemon", "dfscheduler", "dfmanager"):
            podman("rmi", "-f", "%s/%s:%s" % (cls.prefix, component, cls.version), check=False)
        podman("rmi", "-f", "%s/postgres:15" % cls.prefix, check=False)
        shutil.rmtree(cls.work, ignore_errors=True)

    def image(self, component):
        return "%s/%s:%s" % (self.prefix, component, self.version)

    def test_images_are_labelled_and_not_root(self):
        for component in ("dfdaemon", "dfscheduler", "dfmanager"):
            info = json.loads(podman("image", "inspect", self.image(component)).stdout)[0]
            config = info["Config"]
            self.assertEqual(config["User"], "dragonfly:dragonfly", component)
            self.assertEqual(config["Entrypoint"], ["/usr/bin/" + component])
            self.assertEqual(config["Labels"]["org.opencontainers.image.version"], self.version)
            self.assertNotEqual(config["Labels"]["org.opencontainers.image.revision"], "")
            r = podman("run", "--rm", *LIMITS, "--entrypoint", "/usr/bin/id", self.image(component))
            self.assertTrue(r.stdout.startswith("uid=10001(dragonfly) gid=10001(dragonfly)"), r.stdout)
            r = podman("run", "--rm", *LIMITS, self.image(component), "--version")
            self.assertIn(config["Labels"]["org.opencontainers.image.revision"], r.stdout)
            # No compilers in a runtime image.
            r = podman("run", "--rm", *LIMITS, "--entrypoint", "/bin/sh", self.image(component), "-c",
                       "command -v gcc cc c++ g++ || true")
            self.assertEqual(r.stdout.strip(), "", component)

    def test_a_file_moves_between_containers(self):
        network = self.tag
        podman("network", "create", network)
        containers = []
        self.addCleanup(podman, "network", "rm", "-f", network, check=False)

        def run(name, component, *args):
            podman("run", "-d", "--name", name, "--network", network, *LIMITS, self.image(component), *args)
            containers.append(name)
            return json.loads(podman("inspect", name).stdout)[0]["NetworkSettings"]["Networks"][network]["IPAddress"]

        def remove_all():
            for name in containers:
                podman("rm", "-f", "-t", "5", name, check=False)
        self.addCleanup(remove_all)

        default_cmd = ["--config", "/etc/dragonfly/dfdaemon.yaml", "--socket", "/run/dragonfly/dfdaemon.sock"]
        scheduler_ip = run(network + "-scheduler", "dfscheduler")
        scheduler = "%s:8002" % scheduler_ip
        run(network + "-seed", "dfdaemon", *default_cmd, "--seed-peer", "--scheduler", scheduler)
        peers = [network + "-peer%d" % i for i in (1, 2)]
        for name in peers:
            run(name, "dfdaemon", *default_cmd, "--scheduler", scheduler)
        for name in [network + "-seed"] + peers:
            sw.wait_until(lambda: "connected to scheduler" in podman("logs", name).stderr + podman("logs", name).stdout,
                          20, "%s to connect to the scheduler" % name)

        # The origin listens on the network's gateway, the host's side of the bridge.
        info = json.loads(podman("network", "inspect", network).stdout)[0]
        gateway = self.gateway(info)
        www = os.path.join(self.work, "www")
        os.makedirs(www, exist_ok=True)
        data = os.urandom(5 << 20)
        with open(os.path.join(www, "file.bin"), "wb") as f:
            f.write(data)
        digest = hashlib.sha256(data).hexdigest()
        server = http.server.ThreadingHTTPServer((gateway, 0), lambda *a: CountingHandler(*a, directory=www))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        url = "http://%s:%d/file.bin" % (gateway, server.server_address[1])

        for name in peers:
            r = podman("exec", name, "dfget", url, "-O", "/tmp/file.out", "--no-progress", "--digest",
                       "sha256:" + digest, check=False)
            self.assertEqual(r.returncode, 0, "%s: %s\n%s" % (name, r.stderr, podman("logs", name).stderr))
            out = podman("exec", name, "sha256sum", "/tmp/file.out").stdout.split()[0]
            self.assertEqual(out, digest, name)
        self.assertEqual(CountingHandler.gets.count("/file.bin"), 1,
                         "the origin should send the file once: %s" % CountingHandler.gets)

    def test_the_compose_stack_distributes_a_file(self):
        """deploy/compose as docs/deploy.md runs it: init.sh, podman-compose up; the scheduler, the
        seed and the daemon find each other through the manager on PostgreSQL."""
        if shutil.which("podman-compose") is None:
            self.skipTest("podman-compose is not installed (scripts/setup.sh installs it)")
        stack = os.path.join(self.work, "compose")
        shutil.copytree(os.path.join(HERE, "..", "..", "deploy", "compose"), stack,
                        ignore=shutil.ignore_patterns("generated"))
        env = dict(os.environ, DF_IMAGE_PREFIX=self.prefix, DF_VERSION=self.version,
                   DF_PODMAN_RUN_ARGS=" ".join(LIMITS))
        project = self.tag + "-compose"
        compose = ["podman-compose", "-p", project, "-f", os.path.join(stack, "compose.yaml"),
                   "--podman-run-args=" + " ".join(LIMITS)]

        def run(*args, check=True):
            r = subprocess.run(list(args), capture_output=True, text=True, env=env, cwd=stack)
            if check and r.returncode != 0:
                raise AssertionError("%s: %s%s" % (" ".join(args), r.stdout[-3000:], r.stderr[-3000:]))
            return r
        run(os.path.join(stack, "init.sh"))
        self.addCleanup(run, *compose, "down", "-v", check=False)
        run(*compose, "up", "-d")

        token = open(os.path.join(stack, "generated", "admin_token")).read().strip()

        def api(path):
            request = urllib.request.Request("http://127.0.0.1:8080" + path,
                                             headers={"Authorization": "Bearer " + token})
            try:
                with urllib.request.urlopen(request, timeout=5) as r:
                    return json.load(r)
            except OSError:
                return None
        sw.wait_until(lambda: sorted(h["hostname"] for h in api("/api/v1/hosts") or []) ==
                      ["compose-dfdaemon", "compose-seed-peer"], 60, "the seed and the daemon to announce themselves")
        sw.wait_until(lambda: [s["state"] for s in api("/api/v1/schedulers") or []] == ["active"], 30,
                      "the scheduler to register")

        gateway = self.gateway(json.loads(podman("network", "inspect", project + "_default").stdout)[0])
        www = os.path.join(self.work, "www-compose")
        os.makedirs(www, exist_ok=True)
        data = os.urandom(3 << 20)
        with open(os.path.join(www, "stack.bin"), "wb") as f:
            f.write(data)
        server = http.server.ThreadingHTTPServer((gateway, 0), lambda *a: CountingHandler(*a, directory=www))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        url = "http://%s:%d/stack.bin" % (gateway, server.server_address[1])
        digest = hashlib.sha256(data).hexdigest()
        # Until the daemon is connected to the scheduler the manager named, dfget fails at once:
        # run it again, as a user would.
        sw.wait_until(lambda: (lambda r: r if r.returncode == 0 else None)(
            run(*compose, "exec", "dfdaemon", "dfget", url, "-O", "/tmp/stack.bin", "--no-progress", "--digest",
                "sha256:" + digest, check=False)), 60, "dfget through the compose stack")
        self.assertIn(digest, run(*compose, "exec", "dfdaemon", "sha256sum", "/tmp/stack.bin").stdout)
        self.assertEqual(CountingHandler.gets.count("/stack.bin"), 1, CountingHandler.gets)

    @staticmethod
    def gateway(info):
        """The gateway address of a podman network (CNI and netavark spell it differently)."""
        for subnet in info.get("subnets", []):
            if subnet.get("gateway"):
                return subnet["gateway"]
        for plugin in info.get("plugins", []):  # CNI config list
            for ranges in plugin.get("ipam", {}).get("ranges", []):
                for r in ranges:
                    if r.get("gateway"):
                        return r["gateway"]
                    if r.get("subnet"):
                        return str(next(ipaddress.ip_network(r["subnet"]).hosts()))
        raise AssertionError("no gateway in %s" % info)


if __name__ == "__main__":
    unittest.main()
