#!/usr/bin/python3
"""fake_jobs_server.py — a stand-in for the head dashboard's Jobs REST API, for
test_job_cli.c (Python standard library only).

Listens on 127.0.0.1 (an ephemeral port, printed on the first line of stdout)
and exits when its stdin closes. Jobs follow a script chosen by a word in the
entrypoint:
  (default)   PENDING 0.3 s, then RUNNING while "line 1..3" are logged (0.1 s
              apart), then SUCCEEDED;
  fail        logs "boom", then FAILED with a message;
  forever     logs "tick N" every 0.2 s until stopped (STOPPED 0.6 s later);
  slowstart   PENDING 5.6 s ("waiting for resources"), then as the default.
The log tail is a WebSocket (hand-written upgrade): a PING first, each new
piece of the log as a text frame, and a CLOSE (1000) once the job has ended
and all was sent. Frames the client sends are recorded and served as JSON on
GET /test/client_frames; the last submit body on GET /test/last_submit.
"""
import base64
import hashlib
import json
import os
import select
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
lock = threading.Lock()
jobs = {}
counter = [0]
last_submit = [None]
client_frames = []


class Job:
    def __init__(self, sid, jid, body):
        self.sid, self.jid, self.body = sid, jid, body
        self.t0 = time.time()
        self.stopped_at = None
        ep = body["entrypoint"]
        self.forever = "forever" in ep
        self.pending = 5.6 if "slowstart" in ep else 0.3
        self.fail = "fail" in ep
        self.chunks = ["boom\n"] if self.fail else ["line 1\n", "line 2\n", "line 3\n"]

    def view(self):
        """(status, message, logs, end_time) now."""
        t = time.time() - self.t0
        if t < self.pending:
            msg = "waiting for resources" if self.pending > 1 else ""
            return "PENDING", msg, "", None
        run = t - self.pending
        if self.forever:
            until = run
            if self.stopped_at is not None:
                until = min(run, self.stopped_at - self.t0 - self.pending)
            logs = "".join("tick %d\n" % i for i in range(int(until / 0.2) + 1))
            if self.stopped_at is not None and time.time() >= self.stopped_at + 0.6:
                return "STOPPED", "Job was intentionally stopped.", logs, int(time.time() * 1000)
            return "RUNNING", "Job is currently running.", logs, None
        n = min(len(self.chunks), int(run / 0.1) + 1)
        logs = "".join(self.chunks[:n])
        if run < 0.1 * len(self.chunks):
            return "RUNNING", "Job is currently running.", logs, None
        end = int((self.t0 + self.pending + 0.1 * len(self.chunks)) * 1000)
        if self.fail:
            return "FAILED", "Job entrypoint command failed with exit code 1", logs, end
        return "SUCCEEDED", "Job finished successfully.", logs, end

    def details(self):
        status, msg, _, end = self.view()
        b = self.body
        return {
            "type": "SUBMISSION", "job_id": self.jid if status != "PENDING" else None,
            "submission_id": self.sid, "driver_info": None, "status": status,
            "entrypoint": b["entrypoint"], "message": msg, "error_type": None,
            "start_time": int(self.t0 * 1000), "end_time": end,
            "metadata": b.get("metadata") or {}, "runtime_env": b.get("runtime_env") or {},
            "driver_agent_http_address": None, "driver_node_id": None,
            "driver_exit_code": None, "entrypoint_num_cpus": b.get("entrypoint_num_cpus"),
        }


def terminal(status):
    return status in ("STOPPED", "SUCCEEDED", "FAILED")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Unbuffered reads: select() on the socket must see every byte not yet read.
    rbufsize = 0

    def log_message(self, *args):
        pass

    def reply(self, code, body, ctype="application/json"):
        data = (json.dumps(body) if ctype == "application/json" else body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def text(self, code, msg):
        self.reply(code, msg, "text/plain")

    def route(self):
        path = self.path.split("?")[0]
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        return parts

    def job(self, sid):
        with lock:
            j = jobs.get(sid)
        if j is None:
            self.text(404, "Job %s does not exist" % sid)
        return j

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.read_exact(n) if n else b""

    def do_GET(self):
        p = self.route()
        if p == ["api", "version"]:
            return self.reply(200, {"version": "4", "ray_version": "2.9.0", "ray_commit": "fake"})
        if p == ["test", "last_submit"]:
            return self.reply(200, last_submit[0])
        if p == ["test", "client_frames"]:
            with lock:
                return self.reply(200, list(client_frames))
        if p == ["api", "jobs"]:
            with lock:
                return self.reply(200, [j.details() for j in jobs.values()])
        if len(p) == 3 and p[:2] == ["api", "jobs"]:
            j = self.job(p[2])
            if j:
                self.reply(200, j.details())
            return
        if len(p) == 4 and p[:2] == ["api", "jobs"] and p[3] == "logs":
            j = self.job(p[2])
            if j:
                self.reply(200, {"logs": j.view()[2]})
            return
        if len(p) == 5 and p[:2] == ["api", "jobs"] and p[3:] == ["logs", "tail"]:
            j = self.job(p[2])
            if j:
                self.tail(j)
            return
        self.text(404, "no route %s" % self.path)

    def do_POST(self):
        p = self.route()
        body = self.read_body()
        if p == ["api", "jobs"]:
            req = json.loads(body)
            with lock:
                last_submit[0] = req
                sid = req.get("submission_id")
                counter[0] += 1
                if sid is None:
                    sid = "raysubmit_fake%d" % counter[0]
                if sid in jobs:
                    return self.text(400, "Job with submission_id %s already exists. "
                                          "Please use a different submission_id." % sid)
                jid = "%02x000000" % counter[0]
                jobs[sid] = Job(sid, jid, req)
            return self.reply(200, {"job_id": jid, "submission_id": sid})
        if len(p) == 4 and p[:2] == ["api", "jobs"] and p[3] == "stop":
            j = self.job(p[2])
            if j:
                stopped = not terminal(j.view()[0])
                if stopped and j.stopped_at is None:
                    j.stopped_at = time.time()
                self.reply(200, {"stopped": stopped})
            return
        self.text(404, "no route %s" % self.path)

    def do_DELETE(self):
        p = self.route()
        if len(p) == 3 and p[:2] == ["api", "jobs"]:
            j = self.job(p[2])
            if not j:
                return
            if not terminal(j.view()[0]):
                return self.text(400, "Attempted to delete job with submission_id %s, but it is "
                                      "in a non-terminal state." % j.sid)
            with lock:
                del jobs[j.sid]
            return self.reply(200, {"deleted": True})
        self.text(404, "no route %s" % self.path)

    # --- the WebSocket log tail ---

    def send_frame(self, opcode, payload):
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        self.wfile.write(head + payload)
        self.wfile.flush()

    def read_exact(self, n):
        out = b""
        while len(out) < n:
            got = self.rfile.read(n - len(out))
            if not got:
                raise ConnectionResetError("eof")
            out += got
        return out

    def read_frame(self):
        try:
            h = self.read_exact(2)
            opcode, masked, n = h[0] & 0x0F, bool(h[1] & 0x80), h[1] & 0x7F
            if n == 126:
                n = struct.unpack("!H", self.read_exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self.read_exact(8))[0]
            mask = self.read_exact(4) if masked else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.read_exact(n)))
        except ConnectionResetError:
            return None
        frame = {"opcode": opcode, "masked": masked, "payload": data.decode("latin-1")}
        with lock:
            client_frames.append(frame)
        return frame

    def client_sent(self, timeout):
        r, _, _ = select.select([self.connection], [], [], timeout)
        return bool(r)

    def tail(self, job):
        key = self.headers.get("Sec-WebSocket-Key", "")
        if self.headers.get("Upgrade", "").lower() != "websocket" or not key:
            return self.text(400, "expected a WebSocket upgrade")
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        try:
            self.send_frame(0x9, b"ping?")
            sent = 0
            while True:
                status, _, logs, _ = job.view()
                if len(logs) > sent:
                    self.send_frame(0x1, logs[sent:].encode())
                    sent = len(logs)
                if terminal(status) and sent == len(logs):
                    self.send_frame(0x8, struct.pack("!H", 1000) + b"job ended")
                    # Read up to the client's answering CLOSE (a PONG may come first).
                    while self.client_sent(2):
                        f = self.read_frame()
                        if f is None or f["opcode"] == 0x8:
                            break
                    return
                if self.client_sent(0.05):
                    f = self.read_frame()
                    if f is None:
                        return
                    if f["opcode"] == 0x8:
                        self.send_frame(0x8, f["payload"].encode("latin-1")[:2])
                        return
        except (BrokenPipeError, ConnectionResetError):
            return


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
