#!/usr/bin/python3
"""ws_tail.py URL: a minimal WebSocket client (RFC 6455, stdlib only) for the
tests: connects, checks the handshake (101 and Sec-WebSocket-Accept), prints
every text message as it arrives, and exits 0 when the server closes with
code 1000 (exit 3 for another code, 2 for a protocol error).
It does not reuse rayc's C code, so it checks the server independently."""
import base64, hashlib, os, socket, struct, sys
from urllib.parse import urlparse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("connection closed mid-frame")
        b += c
    return b


def main():
    u = urlparse(sys.argv[1])
    s = socket.create_connection((u.hostname, u.port or 80), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    req = (f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
    s.sendall(req.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        c = s.recv(1)
        if not c:
            print("no handshake answer", file=sys.stderr)
            return 2
        head += c
    lines = head.decode("latin-1").split("\r\n")
    if " 101 " not in lines[0]:
        print("handshake refused:", lines[0], file=sys.stderr)
        return 2
    want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    accept = [l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("sec-websocket-accept:")]
    if accept != [want]:
        print("bad Sec-WebSocket-Accept", accept, want, file=sys.stderr)
        return 2
    while True:
        b0, b1 = read_exact(s, 2)
        op, n = b0 & 0x0F, b1 & 0x7F
        if b1 & 0x80:
            print("server frames must not be masked", file=sys.stderr)
            return 2
        if n == 126:
            n = struct.unpack(">H", read_exact(s, 2))[0]
        elif n == 127:
            n = struct.unpack(">Q", read_exact(s, 8))[0]
        payload = read_exact(s, n)
        if op in (1, 2):
            sys.stdout.write(payload.decode("utf-8", "replace"))
            sys.stdout.flush()
        elif op == 8:
            code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
            mask = os.urandom(4)
            body = struct.pack(">H", 1000)
            s.sendall(bytes([0x88, 0x80 | len(body)]) + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(body)))
            s.close()
            return 0 if code == 1000 else 3
        elif op == 9:
            mask = os.urandom(4)
            s.sendall(bytes([0x8A, 0x80 | len(payload)]) + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload)))


if __name__ == "__main__":
    sys.exit(main())
