"""A hostile participant for tests: speaks the scheduler protocol (docs/protocol.md) over a plain
socket and says whatever the test wants, including what no honest daemon would."""
import hashlib
import json
import socket
import ssl
import struct

MESSAGE = 1


def task_id(url, tag="", application=""):
    """The task ID dfget computes for a URL without query parameters (core/ids.cpp)."""
    text = "%s\ntag:%d:%s\napplication:%d:%s" % (url, len(tag), tag, len(application), application)
    return hashlib.sha256(text.encode()).hexdigest()


def frame(payload, kind=MESSAGE, length=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return struct.pack(">BI", kind, len(body) if length is None else length) + body


def tls_context(ca_file, cert=None):
    """A client context that trusts the cluster CA and presents `cert` = (cert, key) if given;
    host names are not checked (the scheduler's certificate names a role, not a DNS name)."""
    ctx = ssl.create_default_context(cafile=ca_file)
    ctx.check_hostname = False
    if cert:
        ctx.load_cert_chain(*cert)
    return ctx


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


class Rogue:
    """One connection to the scheduler; `closed()` tells whether the scheduler hung up on it."""

    def __init__(self, port, host_id, seed=False, source=None, tls=None, hostname=None, upload_port=9):
        """`source`: the local address to connect from (another loopback address looks like
        another host to the scheduler). `tls`: an ssl.SSLContext to speak TLS with (it may hold a
        client certificate). `hostname`: the host name in the hello (default: the host ID)."""
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10,
                                             source_address=(source, 0) if source else None)
        if tls:
            self.sock = tls.wrap_socket(self.sock)
        self.host_id = host_id
        self.buffer = b""
        self.send({"type": "hello", "version": 1,
                   "host": {"host_id": host_id, "hostname": hostname or host_id, "ip": "127.0.0.1",
                            "upload_port": upload_port,
                            "idc": "", "location": "", "seed": seed, "upload_rate_limit": 0}})

    def send(self, message):
        self.sock.sendall(frame(message))

    def register(self, tid, peer_id, url, complete=False, source=False):
        self.send({"type": "register_peer", "task_id": tid, "peer_id": peer_id, "url": url, "headers": {},
                   "tag": "", "application": "", "filters": [], "source": source, "complete": complete,
                   "digest": ""})

    def read(self, timeout=10):
        """The next message from the scheduler, or None when it closed the connection."""
        self.sock.settimeout(timeout)
        while True:
            if len(self.buffer) >= 5:
                kind, length = struct.unpack(">BI", self.buffer[:5])
                if len(self.buffer) >= 5 + length:
                    payload, self.buffer = self.buffer[5:5 + length], self.buffer[5 + length:]
                    return json.loads(payload)
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                return None
            if not chunk:
                return None
            self.buffer += chunk

    def read_until(self, predicate, timeout=10):
        """Messages until one satisfies predicate (returned) or the connection closes (None)."""
        while True:
            m = self.read(timeout)
            if m is None or predicate(m):
                return m

    def closed(self, timeout=10):
        """True when the scheduler closes this connection within `timeout` (messages are skipped)."""
        try:
            return self.read_until(lambda m: False, timeout) is None
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def refused(port, host_id, hostname, tls):
    """Connects with `tls` and says hello: True when the scheduler refuses the handshake or closes
    the connection (a revoked certificate), False when it keeps it."""
    try:
        r = Rogue(port, host_id, hostname=hostname, tls=tls)
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return True
    try:
        return r.closed()
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return True
    finally:
        r.close()


def stays_and_goes(port, ca_file, issue):
    """Two hosts connected to the scheduler at `port` with certificates from `issue(role, name)`,
    for revocation tests: (stays, goes, goes's (cert, key)). The caller closes both."""
    stays = Rogue(port, "stays-9", hostname="stays", tls=tls_context(ca_file, issue("peer", "stays")))
    goes_cert = issue("peer", "goes")
    goes = Rogue(port, "goes-9", hostname="goes", tls=tls_context(ca_file, goes_cert))
    return stays, goes, goes_cert
