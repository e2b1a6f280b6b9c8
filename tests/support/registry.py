"""Real container tooling for the registry-mirror tests: Debian's docker-registry, umoci, skopeo
and containerd, each started on loopback with its own temporary root.

  build_image(...)        an OCI layout with the layers asked for (umoci; no network needed)
  add_index(...)          a multi-arch index over two tags of a layout
  Registry                docker-registry (optionally with htpasswd basic auth); counts blob bytes
                          it sent from its own access log
  Containerd              a containerd with its own root/state/socket, pulled from with ctr
  http_get(...)           (status, headers, body) of a GET, 4xx/5xx included
"""
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import urllib.error
import urllib.request

import swarm as sw

TOOLS = ("docker-registry", "containerd", "ctr", "skopeo", "umoci", "htpasswd")


def missing_tools():
    return [t for t in TOOLS if shutil.which(t) is None]


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr.strip()))
    return r


def http_get(url, headers=None, timeout=60):
    """(status, headers, body) without raising on 4xx/5xx."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def write_incompressible(path, size):
    """Random bytes, so a gzip'd layer is as large as its file."""
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 4 << 20)
            f.write(os.urandom(n))
            left -= n


def build_image(layout, tag, layers, arch="amd64"):
    """Builds `layout:tag` with one layer per entry of `layers`: (path inside the image, size, seed);
    files are random, so every image is new to the registry and the cache.
    Each layer is made by its own unpack/repack cycle, so the image has exactly len(layers) layers."""
    if not os.path.exists(os.path.join(layout, "index.json")):
        run(["umoci", "init", "--layout", layout])
    run(["umoci", "new", "--image", "%s:%s" % (layout, tag)])
    bundle = layout + ".bundle"
    for path, size, seed in layers:
        shutil.rmtree(bundle, ignore_errors=True)
        run(["umoci", "unpack", "--image", "%s:%s" % (layout, tag), bundle])
        full = os.path.join(bundle, "rootfs", path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        write_incompressible(full, size)
        run(["umoci", "repack", "--image", "%s:%s" % (layout, tag), bundle])
    shutil.rmtree(bundle, ignore_errors=True)
    run(["umoci", "config", "--image", "%s:%s" % (layout, tag), "--os", "linux", "--architecture", arch,
         "--config.cmd", "/bin/true"])


def _read_blob(layout, digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as f:
        return f.read()


def manifest_of(layout, tag):
    """The image manifest (parsed) that `tag` names in the layout."""
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    for m in index["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return m, json.loads(_read_blob(layout, m["digest"]))
    raise KeyError(tag)


def add_index(layout, tag, parts):
    """Writes an OCI image index named `tag` over [(tag, os, arch), ...] of the same layout."""
    manifests = []
    for part_tag, os_name, arch in parts:
        desc, _ = manifest_of(layout, part_tag)
        manifests.append({"mediaType": desc["mediaType"], "digest": desc["digest"], "size": desc["size"],
                          "platform": {"os": os_name, "architecture": arch}})
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                       "manifests": manifests}).encode()
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "wb") as f:
        f.write(body)
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    index["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest,
                               "size": len(body), "annotations": {"org.opencontainers.image.ref.name": tag}})
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    return digest


class Registry:
    """docker-registry on 127.0.0.1 with a temporary storage root."""

    ACCESS = re.compile(r'"GET (/v2/\S+/blobs/(sha256:[0-9a-f]{64}))\S* HTTP/1\.1" (\d{3}) (\d+)')

    def __init__(self, swarm, name, auth=None, tls=None, addr="127.0.0.1", notify=None):
        """`tls` = (certificate, key) serves https; `addr` is the address it listens on;
        `notify` = (url, authorization header) sends its event notifications there."""
        self.swarm, self.name, self.auth, self.tls, self.addr = swarm, name, auth, tls, addr
        self.notify = notify
        self.root = os.path.join(swarm.workdir, name)
        os.makedirs(self.root, exist_ok=True)
        self.config = os.path.join(self.root, "config.yml")
        self.htpasswd = None
        if auth:
            self.htpasswd = os.path.join(self.root, "htpasswd")
            with open(self.htpasswd, "w") as f:
                f.write(run(["htpasswd", "-Bbn", auth[0], auth[1]]).stdout)
        self.process, (self.port,) = swarm.launch(name, self._command, self._listening, [None], timeout=15)

    def _listening(self, ports):
        try:
            with socket.create_connection((self.addr, ports[0]), timeout=0.2):
                return True
        except OSError:
            return False

    def _command(self, ports):
        """Writes the configuration for listening on ports[0]; the command that serves it."""
        config = ["version: 0.1", "log:", "  level: info", "storage:", "  filesystem:",
                  "    rootdirectory: %s" % os.path.join(self.root, "data"), "http:",
                  "  addr: %s:%d" % (self.addr, ports[0])]
        if self.tls:
            config += ["  tls:", "    certificate: %s" % self.tls[0], "    key: %s" % self.tls[1]]
        if self.htpasswd:
            config += ["auth:", "  htpasswd:", "    realm: test-registry", "    path: %s" % self.htpasswd]
        if self.notify:
            config += ["notifications:", "  endpoints:", "    - name: dfmanager", "      url: %s" % self.notify[0],
                       "      headers:", "        Authorization: [%s]" % json.dumps(self.notify[1]),
                       "      timeout: 2s", "      threshold: 3", "      backoff: 1s"]
        with open(self.config, "w") as f:
            f.write("\n".join(config) + "\n")
        return ["docker-registry", "serve", self.config]

    @property
    def host(self):
        return "%s:%d" % (self.addr, self.port)

    @property
    def log_path(self):
        return os.path.join(self.swarm.workdir, self.name + ".log")

    def stop(self):
        self.process.stop()

    def restart(self):
        """Starts it again on the same port (clients know it)."""
        self.swarm.launch(self.name, self._command, self._listening, [self.port], process=self.process, timeout=15)

    def push(self, layout, tag, repo, all_platforms=False):
        args = ["skopeo", "copy", "-q", "--dest-tls-verify=false"]
        if self.auth:
            args += ["--dest-creds", "%s:%s" % self.auth]
        if all_platforms:
            args.append("--all")
        run(args + ["oci:%s:%s" % (layout, tag), "docker://%s/%s" % (self.host, repo)])

    def blob_bytes_sent(self):
        """{digest: body bytes the registry sent for GETs of that blob}, from its access log."""
        sent = {}
        with open(self.log_path, errors="replace") as f:
            for line in f:
                m = self.ACCESS.search(line)
                if m and m.group(3) in ("200", "206"):
                    sent[m.group(2)] = sent.get(m.group(2), 0) + int(m.group(4))
        return sent

    def wait_blob_bytes_sent(self, digests, timeout=20):
        """blob_bytes_sent() once it lists every one of `digests` (the registry writes a line when a
        response ends, a moment after the client has its bytes)."""
        return sw.wait_until(lambda: (lambda sent: sent if all(d in sent for d in digests) else None)(
            self.blob_bytes_sent()), timeout, "%s's access log to list %s" % (self.name, ", ".join(digests)))


class Containerd:
    """A containerd with its own root, state and socket; pulls go through `hosts_dir` (hosts.toml)."""

    def __init__(self, swarm, name):
        self.swarm, self.name = swarm, name
        self.dir = os.path.join(swarm.workdir, name)
        self.hosts_dir = os.path.join(self.dir, "certs.d")
        os.makedirs(self.hosts_dir, exist_ok=True)
        self.address = os.path.join(self.dir, "containerd.sock")
        config = os.path.join(self.dir, "config.toml")
        with open(config, "w") as f:
            f.write("\n".join([
                "version = 2",
                'root = "%s"' % os.path.join(self.dir, "root"),
                'state = "%s"' % os.path.join(self.dir, "state"),
                'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", '
                '"io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", '
                '"io.containerd.snapshotter.v1.aufs"]',
                "[grpc]", '  address = "%s"' % self.address,
                "[ttrpc]", '  address = "%s.ttrpc"' % self.address, ""]))
        self.process = swarm._spawn(name, ["containerd", "--config", config])
        sw.wait_until(lambda: os.path.exists(self.address) and self.ctr("version").returncode == 0, 20,
                      "%s to serve" % name)

    def init_mirror(self, dfdaemon, registry_url, proxy_url):
        """Points this containerd at a daemon with `dfdaemon init containerd` (the user's way)."""
        run([dfdaemon, "init", "containerd", "--registry", registry_url, "--mirror", proxy_url,
             "--hosts-dir", self.hosts_dir, "--containerd-config", os.path.join(self.dir, "cri-config.toml")])

    def mirror(self, registry_host, proxy_url, server_url):
        """Writes hosts.toml: pull and resolve through the daemon, the registry itself after it."""
        d = os.path.join(self.hosts_dir, registry_host)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "hosts.toml"), "w") as f:
            f.write('server = "%s"\n\n[host."%s"]\n  capabilities = ["pull", "resolve"]\n' % (server_url, proxy_url))

    def ctr(self, *args, timeout=300):
        return subprocess.run(["ctr", "--address", self.address, "-n", "test"] + list(args), capture_output=True,
                              text=True, timeout=timeout)

    def pull(self, ref, *extra, timeout=300):
        return self.ctr("images", "pull", "--hosts-dir", self.hosts_dir, *extra, ref, timeout=timeout)

    def content_digest(self, digest):
        """sha256 of the blob containerd stored under `digest` (None when it has none)."""
        r = subprocess.run(["ctr", "--address", self.address, "-n", "test", "content", "get", digest],
                           capture_output=True, timeout=120)
        return "sha256:" + hashlib.sha256(r.stdout).hexdigest() if r.returncode == 0 else None

    def image_digest(self, ref):
        r = self.ctr("images", "ls")
        for line in r.stdout.splitlines()[1:]:
            cols = line.split()
            if cols and cols[0] == ref:
                return next(c for c in cols if c.startswith("sha256:"))
        return None
