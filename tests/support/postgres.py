"""A private PostgreSQL server for tests, from Debian's binaries (initdb + pg_ctl in a temp dir,
no system service), listening on a free loopback port and a unix socket in its own directory.

As root the server runs as the `postgres` user (or `nobody`): PostgreSQL refuses to run as root.
Missing binaries raise Unavailable, which a test turns into a skip (never a silent pass).

    python3 postgres.py run -- COMMAND...   # starts one, runs COMMAND with DF_TEST_POSTGRES set to
                                            # its conninfo, stops it; exits 77 when unavailable
"""
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

import swarm as sw

SKIPPED = 77


class Unavailable(Exception):
    """No PostgreSQL server binaries here (Debian: apt-get install postgresql)."""


def server_bin_dir():
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""
    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin")
             if os.path.exists(os.path.join(d, "initdb")) and os.path.exists(os.path.join(d, "pg_ctl"))]
    if not found:
        raise Unavailable("no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)")
    return max(found, key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)


class Postgres:
    """One server: start() it, hand conninfo() to the code under test, stop() it."""

    USER = "dragonfly"

    def __init__(self):
        self.bin = server_bin_dir()
        self.dir = None
        self.port = None
        self.run_as = None

    def _cmd(self, name, *args):
        cmd = [os.path.join(self.bin, name)] + list(args)
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--"] + cmd
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def _check(self, r, what):
        if r.returncode != 0:
            raise RuntimeError("%s failed (%d): %s%s" % (what, r.returncode, r.stdout, r.stderr))

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="df-pg-")
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    entry = pwd.getpwnam(name)
                except KeyError:
                    continue
                self.run_as = name
                os.chown(self.dir, entry.pw_uid, entry.pw_gid)
                break
            else:
                raise Unavailable("running as root and no postgres or nobody user to run PostgreSQL as")
        data = os.path.join(self.dir, "data")
        self._check(self._cmd("initdb", "-D", data, "-U", self.USER, "--auth=trust", "-E", "UTF8", "--no-sync",
                              "--no-instructions"), "initdb")
        for attempt in range(3):
            self.port = sw.free_port()
            r = self._pg_ctl_start()
            if r.returncode == 0:
                break
        else:
            raise RuntimeError("pg_ctl start failed 3 times: %s%s\n%s" % (r.stdout, r.stderr, self.log_tail()))
        self.create_database("dragonfly")
        return self

    def _pg_ctl_start(self):
        options = "-k %s -p %d -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" % (
            self.dir, self.port)
        return self._cmd("pg_ctl", "-D", os.path.join(self.dir, "data"), "-o", options,
                         "-l", os.path.join(self.dir, "server.log"), "-w", "-t", "60", "start")

    def pause(self):
        """Stops the server (its data stays), as an outage would."""
        self._check(self._cmd("pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "fast", "-w", "stop"),
                    "pg_ctl stop")

    def resume(self):
        """Starts the paused server again on the same port."""
        self._check(self._pg_ctl_start(), "pg_ctl start")

    def log_tail(self):
        try:
            with open(os.path.join(self.dir, "server.log")) as f:
                return "".join(f.readlines()[-20:])
        except OSError:
            return ""

    def conninfo(self, dbname="dragonfly"):
        return "host=127.0.0.1 port=%d user=%s dbname=%s" % (self.port, self.USER, dbname)

    def psql(self, sql, dbname="dragonfly"):
        """Runs SQL with psql; returns its output (unaligned, tuples only)."""
        psql = os.path.join(self.bin, "psql")
        if not os.path.exists(psql):
            psql = shutil.which("psql")
        r = subprocess.run([psql, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", self.conninfo(dbname), "-c", sql],
                           capture_output=True, text=True, timeout=60)
        self._check(r, "psql " + sql)
        return r.stdout.strip()

    def create_database(self, name):
        self.psql("CREATE DATABASE %s" % name, dbname="postgres")

    def stop(self):
        if not self.dir:
            return
        data = os.path.join(self.dir, "data")
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            self._cmd("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None


def start_or_skip():
    """A started Postgres, or unittest.SkipTest when there is none here (for setUpClass)."""
    import unittest
    try:
        return Postgres().start()
    except Unavailable as e:
        raise unittest.SkipTest(str(e))


def main(argv):
    if len(argv) < 3 or argv[1] != "run" or "--" not in argv:
        print("usage: postgres.py run -- COMMAND...", file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1:]
    try:
        pg = Postgres().start()
    except Unavailable as e:
        print("SKIPPED: %s" % e, file=sys.stderr)
        return 1 if os.environ.get("DF_REQUIRE_ALL") == "1" else SKIPPED
    try:
        return subprocess.run(command, env=dict(os.environ, DF_TEST_POSTGRES=pg.conninfo())).returncode
    finally:
        pg.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
