"""Configuration as documented, with the real binaries: flags override the YAML file (in
--print-config and in what the process does), and `dfdaemon init <runtime>` writes the files
docs/registry-mirror.md shows, keeping a .bak of a file it changes."""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import configured  # noqa: E402
import swarm as sw  # noqa: E402


def section(printed, name):
    """The indented lines under `name:` in --print-config's YAML."""
    m = re.search(r"^%s:\n((?:  .*\n)+)" % re.escape(name), printed, re.M)
    return m.group(1) if m else ""


class FlagsOverrideTheFile(unittest.TestCase):
    def setUp(self):
        self.s = sw.Swarm()

    def tearDown(self):
        self.s.stop()

    def run_bin(self, name, *args):
        r = subprocess.run([self.s._bin(name)] + list(args), capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_dfscheduler(self):
        yaml_port, yaml_metrics = sw.free_ports(2)
        conf = configured.write_config(self.s, "sched.yaml", "server:\n  port: %d\nmetrics:\n  port: %d\n"
                                       "keepalive_timeout: 7s\n" % (yaml_port, yaml_metrics))
        printed = self.run_bin("dfscheduler", "-c", conf, "--print-config", "--port", "4321", "--log-level", "warn")
        self.assertIn("  port: 4321\n", section(printed, "server"))
        self.assertIn("  port: %d\n" % yaml_metrics, section(printed, "metrics"))  # no flag: the file's
        self.assertIn('log_level: "warn"', printed)
        self.assertIn("keepalive_timeout: 7000ms", printed)
        # Running: it listens where the flags say, not where the file says.
        _, _, metrics_port = configured.start_scheduler(self.s, extra=["-c", conf])  # waits for its --port
        self.assertIn("dragonfly_scheduler_hosts", configured.metrics(metrics_port))
        self.assertFalse(sw.port_open(yaml_port))
        self.assertFalse(sw.port_open(yaml_metrics))

    def test_dfdaemon(self):
        yaml_upload, yaml_proxy = sw.free_ports(2)
        conf = configured.write_config(
            self.s, "daemon.yaml",
            "scheduler:\n  addresses: [\"127.0.0.1:1\", \"127.0.0.1:2\"]\n"
            "upload:\n  port: %d\n  rate_limit: 1000\nproxy:\n  port: %d\ngc:\n  task_ttl: 90s\n"
            % (yaml_upload, yaml_proxy))
        printed = self.run_bin("dfdaemon", "-c", conf, "--print-config")
        self.assertIn('addresses: ["127.0.0.1:1", "127.0.0.1:2"]', section(printed, "scheduler"))
        self.assertIn("  port: %d\n" % yaml_upload, section(printed, "upload"))
        printed = self.run_bin("dfdaemon", "-c", conf, "--print-config", "--upload-port", "4321",
                               "--upload-rate-limit", "2KB", "--scheduler", "127.0.0.1:3",
                               "--scheduler", "127.0.0.1:4")
        self.assertIn('addresses: ["127.0.0.1:3", "127.0.0.1:4"]', section(printed, "scheduler"))
        self.assertIn("  port: 4321\n", section(printed, "upload"))
        self.assertIn("  rate_limit: 2000\n", section(printed, "upload"))
        self.assertIn("  task_ttl: 90000ms\n", section(printed, "gc"))  # no flag: the file's
        # Running: the ports the flags name are the ones listened on.
        d = self.s.start_daemon("d", extra=["-c", conf])
        self.assertTrue(sw.port_open(d.upload_port) and sw.port_open(d.proxy_port))
        self.assertFalse(sw.port_open(yaml_upload))
        self.assertFalse(sw.port_open(yaml_proxy))


MIRROR_HOSTS_TOML = '''server = "https://registry.example:5000"

[host."http://127.0.0.1:65001"]
  capabilities = ["pull", "resolve"]
'''


class RuntimeInit(unittest.TestCase):
    """Every path `init` writes is given on the command line, under a temporary root."""

    def setUp(self):
        self.s = sw.Swarm()
        self.root = os.path.join(self.s.workdir, "root")

    def tearDown(self):
        self.s.stop()

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def init(self, runtime, *args):
        cmd = [self.s._bin("dfdaemon"), "init", runtime,
               "--hosts-dir", self.path("etc/containerd/certs.d"),
               "--containerd-config", self.path("etc/containerd/config.toml"),
               "--daemon-json", self.path("etc/docker/daemon.json"),
               "--registries-conf-dir", self.path("etc/containers/registries.conf.d")] + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def read(self, *parts):
        with open(self.path(*parts)) as f:
            return f.read()

    def write(self, text, *parts):
        os.makedirs(os.path.dirname(self.path(*parts)), exist_ok=True)
        with open(self.path(*parts), "w") as f:
            f.write(text)

    def test_containerd_hosts_and_all_registries(self):
        self.write("# an older hosts.toml\n", "etc/containerd/certs.d/registry.example:5000/hosts.toml")
        self.init("containerd", "--registry", "https://registry.example:5000", "--registry", "docker.io",
                  "--all-registries")
        certs = "etc/containerd/certs.d"
        self.assertTrue(self.read(certs, "registry.example:5000/hosts.toml").endswith(MIRROR_HOSTS_TOML))
        self.assertEqual(self.read(certs, "registry.example:5000/hosts.toml.bak"), "# an older hosts.toml\n")
        self.assertIn('server = "https://registry-1.docker.io"', self.read(certs, "docker.io/hosts.toml"))
        default = self.read(certs, "_default/hosts.toml")  # every other registry: no server line
        self.assertNotIn("server =", default)
        self.assertIn('[host."http://127.0.0.1:65001"]\n  capabilities = ["pull", "resolve"]', default)
        self.assertFalse(os.path.exists(self.path(certs, "_default/hosts.toml.bak")))  # nothing was there
        config = self.read("etc/containerd/config.toml")  # none existed: one pointing CRI at the directory
        self.assertIn('[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "%s"' % self.path(certs),
                      config)

    def test_docker_keeps_other_settings_and_backs_up_the_old_file(self):
        old = '{"log-level": "debug", "registry-mirrors": ["http://other:5000"]}\n'
        self.write(old, "etc/docker/daemon.json")
        self.init("docker")
        doc = json.loads(self.read("etc/docker/daemon.json"))
        self.assertEqual(doc, {"log-level": "debug", "registry-mirrors": ["http://127.0.0.1:65001", "http://other:5000"]})
        self.assertEqual(self.read("etc/docker/daemon.json.bak"), old)
        # Again: nothing changes, and the backup still holds the original.
        self.init("docker")
        self.assertEqual(json.loads(self.read("etc/docker/daemon.json")), doc)
        self.assertEqual(self.read("etc/docker/daemon.json.bak"), old)

    def test_podman_and_crio_write_the_same_drop_in(self):
        for runtime in ("podman", "crio"):
            with self.subTest(runtime=runtime):
                self.init(runtime, "--registry", "docker.io", "--registry", "registry.example:5000")
                conf = self.read("etc/containers/registries.conf.d/dragonfly.conf")
                self.assertIn('[[registry]]\nlocation = "registry.example:5000"\n\n[[registry.mirror]]\n'
                              'location = "127.0.0.1:65001"\ninsecure = true\n', conf)
                self.assertIn('[[registry]]\nlocation = "docker.io"\n', conf)
        self.assertFalse(os.path.exists(self.path("etc/containers/registries.conf.d/dragonfly.conf.bak")))
        self.write("# edited by hand\n", "etc/containers/registries.conf.d/dragonfly.conf")
        self.init("crio", "--registry", "registry.example:5000")
        self.assertEqual(self.read("etc/containers/registries.conf.d/dragonfly.conf.bak"), "# edited by hand\n")


if __name__ == "__main__":
    unittest.main()
