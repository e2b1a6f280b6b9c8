"""A scheduler that lies, for tests: it accepts daemons over TLS with a real scheduler
certificate (so in mtls mode the daemon believes it) and answers each register_peer with the
messages a test scripts, say forged digests for a parent that serves forged bytes."""
import json
import socket
import ssl
import struct
import threading


class FakeScheduler:
    def __init__(self, ca_file, cert, answer):
        """`cert`: (cert, key) of a scheduler certificate; `answer(register_peer)` returns the
        messages to send back."""
        self.answer = answer
        self.registered = []
        self.hellos = []
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(*cert)
        self.ctx.load_verify_locations(ca_file)
        self.ctx.verify_mode = ssl.CERT_REQUIRED
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        self.connections.append(conn)
        buffer = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except (OSError, ssl.SSLError):
                return
            if not chunk:
                return
            buffer += chunk
            while len(buffer) >= 5:
                _, length = struct.unpack(">BI", buffer[:5])
                if len(buffer) < 5 + length:
                    break
                message, buffer = json.loads(buffer[5:5 + length]), buffer[5 + length:]
                if message["type"] == "hello":
                    self.hellos.append(message)
                elif message["type"] == "register_peer":
                    self.registered.append(message)
                    for reply in self.answer(message):
                        body = json.dumps(reply).encode()
                        conn.sendall(struct.pack(">BI", 1, len(body)) + body)

    def close(self):
        self.listener.close()
        for c in self.connections:
            try:
                c.close()
            except OSError:
                pass
