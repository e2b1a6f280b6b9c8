"""deploy/kubernetes does not drift from the project: every manifest parses, every image is one
scripts/images.sh builds, every container's command line and config are accepted by the real
binary, the ports the manifests name are the ports the binary listens on, and every probe path
answers 200 on that port of a running process. No cluster here: the binaries stand in for it.
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import swarm as sw  # noqa: E402
import package_build  # noqa: E402

MANIFESTS = os.path.join(HERE, "..", "..", "deploy", "kubernetes")
IMAGES_SCRIPT = os.path.join(package_build.SCRIPTS, "images.sh")
KINDS = {"Namespace", "ConfigMap", "Service", "StatefulSet", "DaemonSet", "Deployment"}


def documents():
    with open(os.path.join(MANIFESTS, "kustomization.yaml")) as f:
        kustomization = yaml.safe_load(f)
    docs = []
    for resource in kustomization["resources"]:
        with open(os.path.join(MANIFESTS, resource)) as f:
            docs += [(resource, d) for d in yaml.safe_load_all(f) if d]
    return kustomization, docs


def pod_specs(docs):
    for name, d in docs:
        if d["kind"] in ("StatefulSet", "DaemonSet", "Deployment"):
            yield "%s/%s" % (name, d["metadata"]["name"]), d["spec"]["template"]["spec"], d


def image_script():
    with open(IMAGES_SCRIPT) as f:
        text = f.read()
    components = re.findall(r"^build_image (\S+)", text, re.M)
    uid = int(re.search(r"^uid=(\d+)", text, re.M).group(1))
    prefix = re.search(r"IMAGE_PREFIX:-([^}]+)\}", text).group(1)
    return components, uid, prefix


class KubernetesManifestsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kustomization, cls.docs = documents()
        cls.components, cls.uid, cls.prefix = image_script()
        config_maps = [d for _, d in cls.docs if d["kind"] == "ConfigMap"]
        cls.configs = {cm["metadata"]["name"]: cm["data"] for cm in config_maps}
        cls.work = tempfile.mkdtemp(prefix="df-k8s-")

    def test_every_document_is_well_formed(self):
        self.assertGreater(len(self.docs), 5)
        for name, d in self.docs:
            self.assertIn(d["kind"], KINDS, name)
            self.assertTrue(d["apiVersion"], name)
            self.assertRegex(d["metadata"]["name"], r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", name)
        for name, spec, d in pod_specs(self.docs):
            selector = d["spec"]["selector"]["matchLabels"]
            labels = d["spec"]["template"]["metadata"]["labels"]
            self.assertTrue(set(selector.items()) <= set(labels.items()), name)
            if d["kind"] == "StatefulSet":
                services = [s for _, s in self.docs if s["kind"] == "Service" and
                            s["metadata"]["name"] == d["spec"]["serviceName"]]
                self.assertEqual(len(services), 1, "%s: no Service %s" % (name, d["spec"]["serviceName"]))
                self.assertEqual(services[0]["spec"]["selector"], selector, name)
            for volume in spec.get("volumes", []):
                if "configMap" in volume:
                    self.assertIn(volume["configMap"]["name"], self.configs, name)

    def test_images_are_the_ones_images_sh_builds_and_run_as_its_user(self):
        tagged = {i["name"] for i in self.kustomization["images"]}
        for name, spec, _ in pod_specs(self.docs):
            self.assertEqual(spec["securityContext"]["runAsUser"], self.uid, name)
            for c in spec.get("initContainers", []) + spec["containers"]:
                image = c["image"]
                self.assertIn(image, tagged, "%s: %s has no tag in kustomization.yaml" % (name, image))
                repo, _, component = image.rpartition("/")
                self.assertEqual(repo, self.prefix, name)
                self.assertIn(component, self.components, name)
            for c in spec.get("initContainers", []):
                if c.get("command", [""])[0] == "/bin/chown":
                    self.assertEqual(c["command"][1], "%d:%d" % (self.uid, self.uid), name)

    def materialise(self, spec, container, claims):
        """Writes the container's ConfigMap volumes into the work dir; returns its argv with
        $(VAR) replaced by a sample value and mount paths by those files' paths."""
        mounts = {}
        for m in container.get("volumeMounts", []):
            volume = next((v for v in spec.get("volumes", []) if v["name"] == m["name"]), None)
            if volume is None:  # a StatefulSet's claim
                self.assertIn(m["name"], claims, "mount %s names no volume" % m["name"])
            elif "configMap" in volume:
                directory = os.path.join(self.work, volume["configMap"]["name"])
                os.makedirs(directory, exist_ok=True)
                for key, text in self.configs[volume["configMap"]["name"]].items():
                    with open(os.path.join(directory, key), "w") as f:
                        f.write(text)
                mounts[m["mountPath"]] = directory
        samples = {"POD_NAME": "pod-0", "NODE_NAME": "node-1", "POD_IP": "10.0.0.7", "HOST_IP": "10.0.0.8",
                   "IDC": "zone-a"}
        declared = {e["name"] for e in container.get("env", [])}
        argv = []
        for arg in container.get("command", []) + container.get("args", []):
            for var in re.findall(r"\$\((\w+)\)", arg):
                self.assertIn(var, declared, "$(%s) is not in the container's env" % var)
                arg = arg.replace("$(%s)" % var, samples[var])
            for mount, directory in mounts.items():
                if arg.startswith(mount + "/"):
                    arg = directory + arg[len(mount):]
            argv.append(arg)
        return argv

    def test_command_lines_configs_ports_and_probes_match_the_binaries(self):
        checked = 0
        for name, spec, d in pod_specs(self.docs):
            claims = [t["metadata"]["name"] for t in d["spec"].get("volumeClaimTemplates", [])]
            for c in spec.get("initContainers", []) + spec["containers"]:
                component = c["image"].rpartition("/")[2]
                argv = self.materialise(spec, c, claims)
                if c.get("command"):
                    continue  # a system tool (chown) of the image, not ours
                binary = os.path.join(package_build.BIN_DIR, component)
                if argv[:1] == ["init"]:
                    hosts = os.path.join(self.work, "certs.d")
                    r = subprocess.run([binary] + argv + ["--hosts-dir", hosts, "--containerd-config",
                                                          os.path.join(self.work, "config.toml")],
                                       capture_output=True, text=True)
                    self.assertEqual(r.returncode, 0, "%s %s: %s" % (name, c["name"], r.stderr))
                    self.assertTrue(os.listdir(hosts), "%s: init wrote no hosts.toml" % name)
                    checked += 1
                    continue
                r = subprocess.run([binary] + argv + ["--print-config"], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, "%s %s: %s" % (name, c["name"], r.stderr))
                config = yaml.safe_load(r.stdout)
                ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
                self.check_ports_and_probes(name, component, binary, argv, config, c, ports)
                checked += 1
        self.assertGreaterEqual(checked, 4)

    def check_ports_and_probes(self, name, component, binary, argv, config, container, ports):
        if component == "dfscheduler":
            listening = {"scheduler": config["server"]["port"], "metrics": config["metrics"]["port"]}
            self.assertEqual(config["metrics"]["listen"], "0.0.0.0", "%s: kubelet cannot reach the probes" % name)
        else:
            listening = {"upload": config["upload"]["port"], "proxy": config["proxy"]["port"]}
            if "proxy" not in ports:
                listening.pop("proxy")
        for port_name, port in ports.items():
            self.assertEqual(listening.get(port_name), port, "%s: port %s" % (name, port_name))
        # Run it on free ports and ask each probe's path on the port it names.
        free = sw.free_ports(2)
        if component == "dfscheduler":
            extra = ["--port", str(free[0]), "--metrics-port", str(free[1])]
            actual = {"scheduler": free[0], "metrics": free[1]}
        else:
            data = tempfile.mkdtemp(dir=self.work)
            extra = ["--upload-port", str(free[0]), "--no-proxy", "--data-dir", data, "--socket",
                     os.path.join(data, "sock")]
            actual = {"upload": free[0]}
        log = open(os.path.join(self.work, "%s.log" % component), "w")
        p = subprocess.Popen([binary] + argv + extra, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        try:
            for probe in ("readinessProbe", "livenessProbe"):
                get = container[probe]["httpGet"]
                url = "http://127.0.0.1:%d%s" % (actual[get["port"]], get["path"])
                status = sw.wait_until(lambda: self.status(url), 10, "%s %s" % (name, url))
                self.assertEqual(status, 200, "%s: %s %s" % (name, probe, url))
        finally:
            p.terminate()
            p.wait(10)

    @staticmethod
    def status(url):
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status
        except OSError:
            return None


if __name__ == "__main__":
    unittest.main()
