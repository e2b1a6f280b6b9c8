"""The swarm smoke on a simulated network: 4 hosts in their own network namespaces, each with its
own dfdaemon, plus a scheduler host, a seed host and an nginx origin host (no bandwidth caps).
Every host's file must verify and the origin must send about one copy.

Needs root (namespaces); skipped with the reason otherwise. bench/swarm_bench.py runs the same
deployment with caps and baselines.
"""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import netns  # noqa: E402
import netns_fleet  # noqa: E402
import nginx_origin  # noqa: E402
import swarm as sw  # noqa: E402

HOSTS = 4
FILE_SIZE = 16 << 20


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("ip"), "needs root and iproute2 for network namespaces")
class NamespaceSwarmTest(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="df-netns-")
        self.net = netns.Network(prefix="dfsmoke")
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)
        self.addCleanup(self.net.destroy)

    def test_every_host_verifies_and_the_origin_sends_one_copy(self):
        bin_dir = os.environ.get("DF_BIN_DIR") or os.path.join(sw.HERE, "..", "..", "build", "apps")
        origin = self.net.add_host("origin")
        scheduler = self.net.add_host("scheduler")
        seed = self.net.add_host("seed")
        hosts = [self.net.add_host("host%d" % i) for i in range(HOSTS)]

        root = os.path.join(self.workdir, "www")
        os.makedirs(root)
        sw.write_random_file(os.path.join(root, "file.bin"), FILE_SIZE, seed=11)
        expected = sw.sha256_file(os.path.join(root, "file.bin"))
        origin.popen(nginx_origin.command(nginx_origin.write_config(self.workdir, root, origin.ip, 80),
                                          self.workdir))
        url = "http://%s/file.bin" % origin.ip
        sw.wait_until(lambda: scheduler.run(["curl", "-fsI", url], capture_output=True).returncode == 0, 10,
                      "nginx in the origin namespace")

        fleet = netns_fleet.Fleet(self.net, bin_dir, self.workdir, scheduler, seed, hosts)
        fleet.start()
        _, origin_tx_before = origin.counters()
        outputs = {h.name: os.path.join(self.workdir, h.name + ".out") for h in hosts}
        results = fleet.download_all(url, outputs, digest="sha256:" + expected, timeout=120)
        _, origin_tx_after = origin.counters()

        for name, (_, code, stderr) in sorted(results.items()):
            self.assertEqual(code, 0, "dfget on %s failed: %s" % (name, stderr))
            self.assertEqual(sw.sha256_file(outputs[name]), expected, name)
        egress = (origin_tx_after - origin_tx_before) / FILE_SIZE
        self.assertLessEqual(egress, 1.05, "the origin sent %.2f copies of the file" % egress)
        self.assertGreaterEqual(egress, 0.99, "the origin cannot have sent less than one copy")
        from_peers = sum(fleet.received(h)["peer"] for h in hosts)
        self.net.stop_processes()
        self.assertEqual(fleet.sanitizer_reports(results), [])
        print("\n%d hosts in namespaces: origin egress %.3f file sizes, %.0f%% of host bytes from other hosts" %
              (HOSTS, egress, 100 * from_peers / (HOSTS * FILE_SIZE)))
