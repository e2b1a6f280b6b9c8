"""Processes started with a YAML config file, and schedulers besides the swarm's one (failover).

Builds on swarm.Swarm: every process still gets its ports, log and data under the swarm's work
directory, and swarm.stop() ends them.
"""
import json
import os

import swarm as sw


def write_config(s, name, text):
    """Writes YAML `text` to <workdir>/<name> and returns the path (for `-c`)."""
    path = os.path.join(s.workdir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def start_scheduler(s, name="dfscheduler", config=None, adopt=True, extra=()):
    """Starts dfscheduler on fresh ports, with `config` (YAML text) if given. `adopt`: it becomes the
    swarm's scheduler (the one start_daemon, wait_hosts and scheduler_metrics use).
    Returns (process, port, metrics_port)."""
    port, metrics_port = sw.free_ports(2)
    args = [s._bin("dfscheduler"), "--listen", "127.0.0.1", "--port", str(port), "--metrics-port", str(metrics_port)]
    if config is not None:
        args += ["-c", write_config(s, name + ".yaml", config)]
    process = s._spawn(name, args + list(extra))
    sw.wait_until(lambda: sw.port_open(port) or not process.alive(), 10, "%s to listen" % name)
    if not process.alive():
        raise RuntimeError("%s exited:\n%s" % (name, process.tail()))
    if adopt:
        s.scheduler, s.scheduler_port, s.scheduler_metrics_port = process, port, metrics_port
    return process, port, metrics_port


def metrics(port):
    """A /metrics endpoint on loopback, parsed."""
    return sw.parse_metrics(sw.get("http://127.0.0.1:%d/metrics" % port))


def manager_section(manager_port, token_file, refresh="500ms"):
    """The `manager:` YAML section of a daemon or scheduler that asks dfmanager on `manager_port`."""
    return "manager:\n  addresses: [\"localhost:%d\"]\n  refresh_interval: %s\n  token_file: %s\n" % (
        manager_port, refresh, json.dumps(token_file))


def start_managed_daemon(s, name, config_path, seed=False, data_dir=None, extra=()):
    """Starts dfdaemon with no --scheduler: only the manager named in `config_path` (or the answer
    it cached) can give it its schedulers. Returns a swarm.Daemon (s.restart_daemon works on it)."""
    data = data_dir or os.path.join(s.workdir, name)
    sock = os.path.join(s.workdir, name + ".sock")

    def command(ports):
        args = [s._bin("dfdaemon"), "-c", config_path, "--data-dir", data, "--upload-port", str(ports[0]),
                "--proxy-port", str(ports[1]), "--socket", sock, "--ip", "127.0.0.1", "--hostname", name]
        if seed:
            args += ["--seed-peer", "--origin-allow", "127.0.0.0/8"]
        return args + list(extra)

    d = sw.Daemon(name, None, sock, None, None)
    d.command, d.data_dir, d.tls = command, data, None
    d.process, (d.upload_port, d.proxy_port) = s.launch(name, command, s._daemon_ready(sock), [None, None])
    s.daemons[name] = d
    return d
