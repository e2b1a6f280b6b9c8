"""nginx serving a directory: the origin of the benchmarks and of the namespace swarm test.

nginx runs in the foreground (`daemon off`) under the caller's Popen, so its CPU time is counted
with the caller's children and killing it needs nothing but the process.
"""
import os
import subprocess

FRAME = """
daemon off;
{main}worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
  uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
{http}
}}
"""

SERVE_DIRECTORY = """
  access_log off;
  sendfile on;
  tcp_nopush on;
  server {{ listen {address}:{port}; root {root}; }}
"""


def config_text(workdir, http, main=""):
    """nginx.conf text for a foreground nginx keeping its files under `workdir`: `http` goes into
    the http block, `main` (lines ending in newlines) before it."""
    return FRAME.format(dir=workdir, main=main, http=http)


def write_config(workdir, root, address, port):
    """Writes nginx.conf (and its temp dir) under `workdir`; returns the config path."""
    os.makedirs(os.path.join(workdir, "tmp"), exist_ok=True)
    os.chmod(workdir, 0o755)  # nginx workers run as an unprivileged user and must reach `root`
    path = os.path.join(workdir, "nginx.conf")
    with open(path, "w") as f:
        f.write(config_text(workdir, SERVE_DIRECTORY.format(address=address, port=port, root=root)))
    return path


def command(config_path, workdir):
    """The argv that runs nginx with that config in the foreground."""
    return ["nginx", "-c", config_path, "-p", workdir]


def start(workdir, root, address, port, prefix=()):
    """Starts nginx (optionally under `prefix`, e.g. `ip netns exec NS`); returns the Popen."""
    conf = write_config(workdir, root, address, port)
    return subprocess.Popen(list(prefix) + command(conf, workdir), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
