"""Private content through the registry mirror: a blob one host pulled with credentials is served
by another host's daemon only to requesters the registry itself would serve (issue 10).

Debian's docker-registry sits behind nginx, which demands per-repository basic auth the way a
private registry does: /v2/ wants any known user, /v2/alpha/ only alice, /v2/beta/ only bob,
/v2/public/ nobody. nginx's access log shows every request that reached the registry."""
import base64
import glob
import hashlib
import http.client
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import nginx_origin  # noqa: E402
import registry as reg  # noqa: E402
import swarm as sw  # noqa: E402

MiB = 1 << 20
ALICE = ("alice", "alice-Pa55-4242")
BOB = ("bob", "bob-Pa55-7373")
CAROL = ("carol", "carol-Pa55-9191")  # known to no one
http_get = reg.http_get

# The http block: basic auth per repository in front of the registry, every request logged.
NGINX_HTTP = """
  log_format plain '$request_method $uri $status $body_bytes_sent';
  access_log {dir}/access.log plain;
  client_max_body_size 0;
  server {{
    listen 127.0.0.1:{port};
    proxy_http_version 1.1;
    proxy_set_header Host $http_host;
    proxy_request_buffering off;
    proxy_buffering off;
    add_header Docker-Distribution-Api-Version registry/2.0 always;
    location = /v2/ {{ auth_basic "registry"; auth_basic_user_file {dir}/all.htpasswd;
                      proxy_pass http://127.0.0.1:{upstream}; }}
    location /v2/alpha/ {{ auth_basic "alpha"; auth_basic_user_file {dir}/alpha.htpasswd;
                          proxy_pass http://127.0.0.1:{upstream}; }}
    location /v2/beta/ {{ auth_basic "beta"; auth_basic_user_file {dir}/beta.htpasswd;
                         proxy_pass http://127.0.0.1:{upstream}; }}
    location /v2/public/ {{ proxy_pass http://127.0.0.1:{upstream}; }}
    location /signed/ {{ if ($request_method = HEAD) {{ return 403; }} root {dir}; }}
    # A registry that sends authorised readers of a blob to its storage on another host
    # ("localhost" is another origin than 127.0.0.1), and a file server that moved a file there.
    location ~ ^/v2/redirected/app/blobs/(sha256:[0-9a-f]+)$ {{
      auth_basic "alpha"; auth_basic_user_file {dir}/alpha.htpasswd;
      proxy_redirect off; proxy_pass http://127.0.0.1:{port}/to-storage/$1; }}
    location ~ ^/to-storage/(.+)$ {{ return 307 http://localhost:{port}/v2/public/app/blobs/$1; }}
    location /moved/ {{ return 302 http://localhost:{port}/signed/file.bin; }}
    location / {{ return 404; }}
  }}
"""


def basic(creds):
    return "Basic " + base64.b64encode(("%s:%s" % creds).encode()).decode()


def proxy_get(proxy_port, url, headers=None, timeout=60):
    """GET an absolute URL through an HTTP proxy (the daemon's proxy mode)."""
    conn = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=timeout)
    try:
        conn.request("GET", url, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.headers, r.read()
    finally:
        conn.close()


class AuthFront:
    """nginx in front of a registry, with per-repository basic auth and an access log."""

    def __init__(self, swarm, upstream_port):
        self.dir = os.path.join(swarm.workdir, "nginx")
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        users = {"all": [ALICE, BOB], "alpha": [ALICE], "beta": [BOB]}
        for name, entries in users.items():
            with open(os.path.join(self.dir, name + ".htpasswd"), "w") as f:
                for user, password in entries:
                    f.write(reg.run(["htpasswd", "-bnm", user, password]).stdout.strip() + "\n")
        self.conf = os.path.join(self.dir, "nginx.conf")

        def command(ports):
            with open(self.conf, "w") as f:
                http = NGINX_HTTP.format(dir=self.dir, port=ports[0], upstream=upstream_port)
                f.write(nginx_origin.config_text(self.dir, http, main="user root;\n" if os.getuid() == 0 else ""))
            return nginx_origin.command(self.conf, self.dir)

        self.process, (self.port,) = swarm.launch("nginx", command, lambda ports: sw.port_open(ports[0]), [None])

    @property
    def host(self):
        return "127.0.0.1:%d" % self.port

    def requests(self, method, path):
        """[(status, body bytes)] of the requests with this method and path that nginx logged."""
        out = []
        try:
            with open(os.path.join(self.dir, "access.log")) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 4 and parts[0] == method and parts[1] == path:
                        out.append((int(parts[2]), int(parts[3])))
        except FileNotFoundError:
            pass
        return out


class PrivateRegistry(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = reg.missing_tools() + ([] if sw.shutil.which("nginx") else ["nginx"])
        if missing:
            raise RuntimeError("missing %s: run scripts/setup.sh" % ", ".join(missing))
        cls.s = sw.Swarm()
        try:
            cls._set_up()
        except Exception:
            print(cls.s.logs(), file=sys.stderr)
            cls.s.stop()
            raise

    @classmethod
    def _set_up(cls):
        s = cls.s
        cls.layout = os.path.join(s.workdir, "layout")
        reg.build_image(cls.layout, "secret", [("/data/secret.bin", 6 * MiB, 51)])
        reg.build_image(cls.layout, "open", [("/data/open.bin", 3 * MiB, 52)])
        cls.backend = reg.Registry(s, "registry", auth=None)
        cls.front = AuthFront(s, cls.backend.port)
        for tag, repo, creds in (("secret", "alpha/app:v1", ALICE), ("secret", "beta/app:v1", BOB),
                                 ("open", "public/app:v1", ALICE)):
            reg.run(["skopeo", "copy", "-q", "--dest-tls-verify=false", "--dest-creds", "%s:%s" % creds,
                     "oci:%s:%s" % (cls.layout, tag), "docker://%s/%s" % (cls.front.host, repo)])
        (cls.digest, cls.size), = cls.layers("secret")
        (cls.open_digest, cls.open_size), = cls.layers("open")
        with open(os.path.join(cls.layout, "blobs", "sha256", cls.digest.split(":", 1)[1]), "rb") as f:
            cls.blob = f.read()

        upstreams = ["--registry", "%s=http://%s" % (cls.front.host, cls.front.host),
                     "--default-registry", "http://%s" % cls.front.host, "--log-level", "debug"]
        s.start_scheduler()
        cls.seed = s.start_daemon("seed", seed=True, extra=upstreams)
        cls.host_a = s.start_daemon("host-a", extra=upstreams)
        cls.host_b = s.start_daemon("host-b", extra=upstreams)
        s.wait_hosts(3)
        # Host A pulls the private image with alice's credentials, the way a runtime does.
        out = os.path.join(s.workdir, "pulled")
        r = subprocess.run(["skopeo", "copy", "-q", "--src-tls-verify=false", "--src-creds", "%s:%s" % ALICE,
                            "docker://127.0.0.1:%d/alpha/app:v1" % cls.host_a.proxy_port, "dir:" + out],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError("authorized pull on host A failed: %s" % r.stderr[-2000:])
        path = os.path.join(out, cls.digest.split(":", 1)[1])
        if "sha256:" + sw.sha256_file(path) != cls.digest:
            raise RuntimeError("host A's copy does not match its digest")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    @classmethod
    def layers(cls, tag):
        _, manifest = reg.manifest_of(cls.layout, tag)
        return [(l["digest"], l["size"]) for l in manifest["layers"]]

    def blob_path(self, repo, digest=None):
        return "/v2/%s/blobs/%s" % (repo, digest or self.digest)

    def mirror_url(self, daemon, repo, digest=None):
        return "%s%s?ns=%s" % (daemon.proxy_url(), self.blob_path(repo, digest), self.front.host)

    def access(self, daemon):
        m = daemon.metrics()
        return {r: m.get('dragonfly_dfdaemon_access_checks_total{result="%s"}' % r, 0)
                for r in ("allowed", "denied", "error", "cached", "public")}

    def assert_refused(self, what, status, headers, body, statuses=(401, 403)):
        self.assertIn(status, statuses, "%s: answered %d" % (what, status))
        self.assertLess(len(body), 1024, "%s: %d body bytes" % (what, len(body)))
        self.assertNotIn(self.blob[:64], body, "%s: the body holds blob bytes" % what)
        self.assertIsNone(headers.get("Docker-Content-Digest"), what)

    def test_1_host_a_pulled_through_the_swarm_and_the_registry_sent_the_blob_once(self):
        gets = [r for r in self.front.requests("GET", self.blob_path("alpha/app")) if r[0] == 200]
        self.assertEqual(gets, [(200, self.size)], "the registry should send the layer once, to the seed")
        self.assertEqual(self.host_a.received()["origin"], 0)
        self.assertGreaterEqual(self.access(self.host_a)["allowed"], 1)

    def test_2_host_b_refuses_every_requester_the_registry_would_refuse(self):
        before = self.access(self.host_b)
        nobody, wrong = {}, {"Authorization": basic((ALICE[0], "not-the-password"))}
        bob, alice = {"Authorization": basic(BOB)}, {"Authorization": basic(ALICE)}
        alpha_url = "http://%s%s" % (self.front.host, self.blob_path("alpha/app"))
        probes = [
            ("mirror, no credentials", lambda: http_get(self.mirror_url(self.host_b, "alpha/app"), nobody)),
            ("mirror, wrong password", lambda: http_get(self.mirror_url(self.host_b, "alpha/app"), wrong)),
            ("mirror, bob for alpha", lambda: http_get(self.mirror_url(self.host_b, "alpha/app"), bob)),
            ("mirror, alice for beta", lambda: http_get(self.mirror_url(self.host_b, "beta/app"), alice)),
            ("X-Dragonfly-Registry, no credentials", lambda: http_get(
                self.host_b.proxy_url(self.blob_path("alpha/app")), {"X-Dragonfly-Registry": self.front.host})),
            ("X-Dragonfly-Registry, bob", lambda: http_get(
                self.host_b.proxy_url(self.blob_path("alpha/app")), dict(bob, **{"X-Dragonfly-Registry": self.front.host}))),
            ("proxy mode, no credentials", lambda: proxy_get(self.host_b.proxy_port, alpha_url)),
            ("proxy mode, wrong password in the URL", lambda: proxy_get(
                self.host_b.proxy_port, alpha_url.replace("http://", "http://alice:nope@"))),
            ("Range, no credentials", lambda: http_get(self.mirror_url(self.host_b, "alpha/app"),
                                                       {"Range": "bytes=0-1023"})),
            ("Range, bob", lambda: http_get(self.mirror_url(self.host_b, "alpha/app"),
                                            dict(bob, Range="bytes=%d-" % (self.size - 4096)))),
        ]
        for what, probe in probes:
            status, headers, body = probe()
            self.assert_refused(what, status, headers, body)
            if status == 401:
                self.assertIn("Basic", headers.get("WWW-Authenticate", ""), what)
        after = self.access(self.host_b)
        self.assertEqual(after["denied"] - before["denied"], len(probes))
        self.assertEqual(after["allowed"], before["allowed"])
        self.assertEqual(sum(self.host_b.received().values()), 0, "host B fetched something for a refused request")
        self.assertEqual(glob.glob(os.path.join(self.host_b.data_dir, "tasks", "*", "*", "meta.json")), [])

    def test_3_with_alices_credentials_host_b_serves_the_blob_from_the_swarm(self):
        gets_before = len(self.front.requests("GET", self.blob_path("alpha/app")))
        alice = {"Authorization": basic(ALICE)}
        status, headers, body = http_get(self.mirror_url(self.host_b, "alpha/app"), alice)
        self.assertEqual(status, 200)
        self.assertEqual("sha256:" + hashlib.sha256(body).hexdigest(), self.digest)
        received = self.host_b.received()
        self.assertEqual(received["origin"], 0)
        self.assertGreaterEqual(received["peer"] + received["seed"], self.size)
        # Proxy mode with the credentials in the URL, and a Range: both allowed.
        alpha_url = "http://%s:%s@%s%s" % (ALICE[0], ALICE[1], self.front.host, self.blob_path("alpha/app"))
        status, _, body = proxy_get(self.host_b.proxy_port, alpha_url)
        self.assertEqual(status, 200)
        self.assertEqual(body, self.blob)
        first, last = self.size // 2, self.size // 2 + 70000
        status, headers, body = http_get(self.mirror_url(self.host_b, "alpha/app"),
                                         dict(alice, Range="bytes=%d-%d" % (first, last)))
        self.assertEqual(status, 206)
        self.assertEqual(body, self.blob[first:last + 1])
        # The registry was asked (HEAD) but sent the blob to no one else.
        self.assertEqual(len(self.front.requests("GET", self.blob_path("alpha/app"))), gets_before)
        self.assertGreaterEqual(len(self.front.requests("HEAD", self.blob_path("alpha/app"))), 1)
        # Host B holds the blob now; a requester without credentials still gets nothing.
        status, headers, body = http_get(self.mirror_url(self.host_b, "alpha/app"))
        self.assert_refused("no credentials, blob held", status, headers, body)

    def test_4_no_secret_in_metadata_logs_or_metrics(self):
        secrets = [ALICE[1], BOB[1], basic(ALICE).split()[1], basic(BOB).split()[1]]
        places = glob.glob(os.path.join(self.s.workdir, "*", "tasks", "*", "*", "meta.json"))
        self.assertGreaterEqual(len(places), 3, "expected the blob's metadata on the seed, A and B")
        places += [p.log_path for p in self.s.processes if p.name.startswith(("seed", "host-", "dfscheduler"))]
        for path in places:
            with open(path, errors="replace") as f:
                text = f.read()
            for i, secret in enumerate(secrets):  # the message names the secret by number only
                self.assertFalse(secret in text, "%s holds secret #%d" % (path, i))
        for daemon in (self.seed, self.host_a, self.host_b):
            text = sw.get("http://127.0.0.1:%d/metrics" % daemon.upload_port)
            for i, secret in enumerate(secrets):
                self.assertFalse(secret in text, "%s's /metrics holds secret #%d" % (daemon.name, i))

    def test_5_a_yes_is_cached_per_credential(self):
        alice = {"Authorization": basic(ALICE)}
        http_get(self.mirror_url(self.host_a, "alpha/app"), alice)  # the cache may have expired: refill it
        heads = len(self.front.requests("HEAD", self.blob_path("alpha/app")))
        before = self.access(self.host_a)
        status, _, body = http_get(self.mirror_url(self.host_a, "alpha/app"), alice)
        self.assertEqual((status, len(body)), (200, self.size))
        after = self.access(self.host_a)
        self.assertEqual(after["cached"] - before["cached"], 1)
        self.assertEqual(len(self.front.requests("HEAD", self.blob_path("alpha/app"))), heads)
        # Another credential is asked about afresh, even right after alice's yes.
        status, headers, body = http_get(self.mirror_url(self.host_a, "alpha/app"), {"Authorization": basic(BOB)})
        self.assert_refused("bob after alice", status, headers, body)

    def test_6_public_content_is_served_and_not_checked_where_it_was_read_anonymously(self):
        path = self.blob_path("public/app", self.open_digest)
        status, _, body = http_get(self.mirror_url(self.host_a, "public/app", self.open_digest))
        self.assertEqual(status, 200)
        self.assertEqual("sha256:" + hashlib.sha256(body).hexdigest(), self.open_digest)
        # The seed read it from the registry without credentials: it serves it unchecked (once its
        # completion is recorded, which may come a moment after host A has the last piece).
        sw.wait_until(lambda: self.seed_meta(self.open_digest).get("complete"), 10, "the seed to complete the blob")
        heads = len(self.front.requests("HEAD", path))
        before = self.access(self.seed)
        for _ in range(2):
            status, _, body = http_get(self.mirror_url(self.seed, "public/app", self.open_digest))
            self.assertEqual((status, len(body)), (200, self.open_size))
        after = self.access(self.seed)
        self.assertEqual(after["public"] - before["public"], 2)
        self.assertEqual(after["allowed"] + after["cached"], before["allowed"] + before["cached"])
        self.assertEqual(len(self.front.requests("HEAD", path)), heads)
        self.assertEqual([r for r in self.front.requests("GET", path) if r[0] == 200], [(200, self.open_size)])
        self.assertIs(self.seed_meta(self.open_digest)["public"], True)
        self.assertIs(self.seed_meta(self.digest)["public"], False, "read with alice's credentials: not public")

    def seed_meta(self, digest):
        """The seed's meta.json of the blob `digest` ({} while there is none)."""
        return sw.task_meta(self.seed.data_dir, lambda m: m.get("digest") == digest)

    def test_7_a_url_signed_for_get_only_is_checked_with_its_first_byte(self):
        # Like a pre-signed storage URL: HEAD is refused (403), GET is allowed.
        os.makedirs(os.path.join(self.front.dir, "signed"), exist_ok=True)
        path = os.path.join(self.front.dir, "signed", "file.bin")
        sw.write_random_file(path, 2 * MiB, seed=71)
        before = self.access(self.host_b)
        status, _, body = proxy_get(self.host_b.proxy_port, "http://%s/signed/file.bin" % self.front.host,
                                    {"X-Dragonfly-Use-P2P": "true"})
        self.assertEqual(status, 200)
        self.assertEqual(hashlib.sha256(body).hexdigest(), sw.sha256_file(path))
        self.assertEqual(self.access(self.host_b)["allowed"] - before["allowed"], 1)
        heads = self.front.requests("HEAD", "/signed/file.bin")
        self.assertEqual([status for status, _ in heads], [403], "the daemon asked with HEAD first")
        self.assertIn((206, 1), self.front.requests("GET", "/signed/file.bin"))

    def test_8_redirects_to_another_host(self):
        # A registry blob: the registry's redirect to its storage means yes; no credentials, no.
        url = self.mirror_url(self.host_b, "redirected/app", self.open_digest)
        status, headers, body = http_get(url)
        self.assertEqual(status, 401)
        self.assertLess(len(body), 1024)
        status, _, body = http_get(url, {"Authorization": basic(ALICE)})
        self.assertEqual(status, 200)
        self.assertEqual("sha256:" + hashlib.sha256(body).hexdigest(), self.open_digest)
        # A plain file: the redirect is the answer; the client follows it itself.
        status, headers, body = proxy_get(self.host_b.proxy_port, "http://%s/moved/file.bin" % self.front.host,
                                          {"X-Dragonfly-Use-P2P": "true"})
        self.assertEqual(status, 302)
        self.assertEqual(headers.get("Location"), "http://localhost:%d/signed/file.bin" % self.front.port)
        self.assertEqual(body, b"")

    def test_9_registry_down_private_content_is_not_served_public_still_is(self):
        self.front.process.stop()
        sw.wait_until(lambda: not sw.port_open(self.front.port), 10, "nginx to stop")
        try:
            status, headers, body = http_get(self.mirror_url(self.host_b, "alpha/app"), {"Authorization": basic(CAROL)})
            self.assert_refused("registry down, unknown credential", status, headers, body, statuses=(502,))
            self.assertEqual(headers.get("X-Dragonfly-Error-Type"), "origin")
            status, _, body = http_get(self.mirror_url(self.seed, "public/app", self.open_digest))
            self.assertEqual((status, len(body)), (200, self.open_size))
        finally:
            self.front.process.restart()


if __name__ == "__main__":
    unittest.main(verbosity=2)
