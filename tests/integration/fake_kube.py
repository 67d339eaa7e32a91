#!/usr/bin/python3
"""fake_kube.py — a fake Kubernetes API server for tests/integration/test_operator.sh.

It serves, over HTTPS on 127.0.0.1 with the certificate the test made, the
part of the API rayc-operator uses, each request checked for the Bearer token
(read from the service account directory on every request, so a rotated
token is honoured):

  GET   /apis/apps/v1/namespaces/NS/deployments/NAME/scale
  PATCH /apis/apps/v1/namespaces/NS/deployments/NAME/scale   merge patch; a
        metadata.resourceVersion that is not the current one is a 409
  GET   /api/v1/namespaces/NS/pods?labelSelector=k=v,...
  PATCH /api/v1/namespaces/NS/pods/NAME                      merge patch of annotations
  POST  /api/v1/namespaces/NS/events                         generateName honoured

Every request is one JSON line in the journal (--journal): time, method, path,
status, the parsed body, and whether the status was injected. Failures are
injected with --fail 'PATCH /scale:500x2,GET /pods:429x1': the first 2
requests whose method is PATCH and whose path contains /scale get a 500, the
first GET of a path containing /pods a 429 (with Retry-After: 1).

It is the Deployment controller and the kubelet too: when a Deployment's
replicas go up it creates pods and starts a real worker for each
(`rayc start --address 127.0.0.1:HEAD --group G --node-name POD --num-cpus 1
--temp-dir DIR --block`), listed as Running and Ready with IP 127.0.0.1; when
they go down it deletes the pod with the lowest pod-deletion-cost (youngest
first on a tie, as the ReplicaSet does): the pod gets a deletionTimestamp, its
worker SIGTERM, and the pod disappears once the worker has exited (SIGKILL
after 30 s). A worker that exits while its pod is not being deleted is
started again, as the kubelet restarts a container. Controller actions are
journaled too ({"event": "pod-started" | "pod-deleted" | "pod-gone" |
"pod-restarted", ...}).
"""
import argparse
import json
import os
import random
import signal
import ssl
import string
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

COST = "controller.kubernetes.io/pod-deletion-cost"


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.journal = open(args.journal, "a", buffering=1)
        self.deployments = {}
        self.pods = {}
        self.events = []
        self.rv = 100
        self.stopping = False
        for spec in args.deployment:
            # NAME=GROUP:REPLICAS
            name, rest = spec.split("=", 1)
            group, replicas = rest.split(":", 1)
            self.rv += 1
            self.deployments[name] = {
                "group": group,
                "replicas": int(replicas),
                "rv": self.rv,
                "labels": {"app": "rayc", "group": group},
            }
        self.failures = []
        for item in filter(None, (args.fail or "").split(",")):
            what, how = item.rsplit(":", 1)
            method, frag = what.strip().split(" ", 1)
            status, count = how.split("x")
            self.failures.append([method, frag, int(status), int(count)])

    def log(self, entry):
        entry["t"] = round(time.time(), 3)
        self.journal.write(json.dumps(entry) + "\n")

    def injected(self, method, path):
        with self.lock:
            for f in self.failures:
                if f[0] == method and f[1] in path and f[3] > 0:
                    f[3] -= 1
                    return f[2]
        return None

    # ---- the controller and kubelet -------------------------------------------------

    def start_worker(self, pod):
        a = self.args
        out = open(os.path.join(a.temp_dir, "pod-%s.log" % pod["name"]), "ab")
        cmd = [a.rayc, "start", "--address", "127.0.0.1:%d" % a.head_port,
               "--group", pod["group"], "--node-name", pod["name"], "--num-cpus", "1",
               "--node-ip-address", "127.0.0.1", "--temp-dir", a.temp_dir, "--block"]
        pod["proc"] = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        out.close()

    def new_pod(self, dname, d):
        suffix = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(5))
        name = "%s-%s" % (dname, suffix)
        pod = {"name": name, "deployment": dname, "group": d["group"],
               "labels": dict(d["labels"]), "annotations": {}, "created": time.time(),
               "deleting": None, "restarts": 0}
        self.start_worker(pod)
        self.pods[name] = pod
        self.log({"event": "pod-started", "pod": name, "deployment": dname})

    def reconcile(self):
        with self.lock:
            for dname, d in self.deployments.items():
                live = [p for p in self.pods.values()
                        if p["deployment"] == dname and not p["deleting"]]
                for _ in range(d["replicas"] - len(live)):
                    self.new_pod(dname, d)
                extra = len(live) - d["replicas"]
                if extra > 0:
                    def rank(p):
                        try:
                            cost = int(p["annotations"].get(COST, "0"))
                        except ValueError:
                            cost = 0
                        return (cost, -p["created"])
                    for p in sorted(live, key=rank)[:extra]:
                        p["deleting"] = time.time()
                        self.log({"event": "pod-deleted", "pod": p["name"], "deployment": dname,
                                  "cost": p["annotations"].get(COST)})
                        if p["proc"].poll() is None:
                            p["proc"].send_signal(signal.SIGTERM)
            for name, p in list(self.pods.items()):
                done = p["proc"].poll() is not None
                if p["deleting"]:
                    if done:
                        del self.pods[name]
                        self.log({"event": "pod-gone", "pod": name, "exit": p["proc"].returncode})
                    elif time.time() - p["deleting"] > 30:
                        p["proc"].kill()
                elif done and not self.stopping:
                    p["restarts"] += 1
                    self.log({"event": "pod-restarted", "pod": name,
                              "exit": p["proc"].returncode})
                    self.start_worker(p)

    def loop(self):
        while not self.stopping:
            self.reconcile()
            time.sleep(0.1)

    def shutdown(self):
        with self.lock:
            self.stopping = True
            for p in self.pods.values():
                if p["proc"].poll() is None:
                    p["proc"].send_signal(signal.SIGTERM)
        deadline = time.time() + 10
        for p in list(self.pods.values()):
            try:
                p["proc"].wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p["proc"].kill()

    # ---- views -----------------------------------------------------------------------

    def scale(self, dname):
        d = self.deployments[dname]
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {"name": dname, "namespace": self.args.namespace,
                             "resourceVersion": str(d["rv"])},
                "spec": {"replicas": d["replicas"]} if d["replicas"] else {},
                "status": {"replicas": sum(1 for p in self.pods.values()
                                           if p["deployment"] == dname)}}

    def pod_view(self, p):
        meta = {"name": p["name"], "namespace": self.args.namespace, "labels": p["labels"]}
        if p["annotations"]:
            meta["annotations"] = dict(p["annotations"])
        if p["deleting"]:
            meta["deletionTimestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                      time.gmtime(p["deleting"]))
        return {"metadata": meta,
                "status": {"phase": "Running", "podIP": "127.0.0.1",
                           "conditions": [{"type": "Ready", "status": "True"}]}}


def merge(dst, patch):
    """RFC 7386 JSON merge patch."""
    for k, v in patch.items():
        if v is None:
            dst.pop(k, None)
        elif isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge(dst[k], v)
        else:
            dst[k] = v
    return dst


def make_handler(state):
    args = state.args

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def reply(self, status, obj, headers=None):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def status(self, code, reason, message):
            return code, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                          "message": message, "reason": reason, "code": code}

        def handle_any(self, method):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = "<not json>"
            url = urlparse(self.path)
            entry = {"method": method, "path": url.path, "query": url.query, "body": body}
            code, obj, headers = self.route(method, url, body)
            entry["status"] = code
            entry["injected"] = headers.pop("X-Injected", None) is not None
            with state.lock:
                state.log(entry)
            self.reply(code, obj, headers)

        def route(self, method, url, body):
            try:
                with open(os.path.join(args.sa_dir, "token")) as f:
                    token = f.read().strip()
            except OSError:
                token = None
            if self.headers.get("Authorization") != "Bearer %s" % token:
                return (*self.status(401, "Unauthorized", "Unauthorized"), {})
            inj = state.injected(method, url.path)
            if inj:
                hdr = {"X-Injected": "1"}
                if inj == 429:
                    hdr["Retry-After"] = "1"
                return (*self.status(inj, "Injected", "injected failure %d" % inj), hdr)
            parts = url.path.strip("/").split("/")
            ns = args.namespace
            with state.lock:
                if parts[:4] == ["apis", "apps", "v1", "namespaces"] and len(parts) == 8 \
                        and parts[5] == "deployments" and parts[7] == "scale":
                    if parts[4] != ns or parts[6] not in state.deployments:
                        return (*self.status(404, "NotFound",
                                             'deployments.apps "%s" not found' % parts[6]), {})
                    d = state.deployments[parts[6]]
                    if method == "GET":
                        return 200, state.scale(parts[6]), {}
                    if method == "PATCH":
                        ct = self.headers.get("Content-Type", "")
                        if ct != "application/merge-patch+json":
                            return (*self.status(415, "UnsupportedMediaType", ct), {})
                        rv = ((body or {}).get("metadata") or {}).get("resourceVersion")
                        if rv is not None and rv != str(d["rv"]):
                            return (*self.status(409, "Conflict",
                                                 "the object has been modified"), {})
                        replicas = ((body or {}).get("spec") or {}).get("replicas")
                        if not isinstance(replicas, int) or replicas < 0:
                            return (*self.status(422, "Invalid", "spec.replicas"), {})
                        d["replicas"] = replicas
                        state.rv += 1
                        d["rv"] = state.rv
                        return 200, state.scale(parts[6]), {}
                if parts[:3] == ["api", "v1", "namespaces"] and len(parts) >= 5 \
                        and parts[4] == "pods":
                    if parts[3] != ns:
                        return 200, {"kind": "PodList", "items": []}, {}
                    if method == "GET" and len(parts) == 5:
                        sel = parse_qs(url.query).get("labelSelector", [""])[0]
                        want = dict(kv.split("=", 1) for kv in sel.split(",") if kv)
                        items = [state.pod_view(p) for p in state.pods.values()
                                 if all(p["labels"].get(k) == v for k, v in want.items())]
                        return 200, {"kind": "PodList", "apiVersion": "v1",
                                     "metadata": {"resourceVersion": str(state.rv)},
                                     "items": items}, {}
                    if method == "PATCH" and len(parts) == 6:
                        p = state.pods.get(parts[5])
                        if not p:
                            return (*self.status(404, "NotFound",
                                                 'pods "%s" not found' % parts[5]), {})
                        ann = ((body or {}).get("metadata") or {}).get("annotations") or {}
                        merge(p["annotations"], ann)
                        return 200, state.pod_view(p), {}
                if parts[:3] == ["api", "v1", "namespaces"] and len(parts) == 5 \
                        and parts[4] == "events" and method == "POST":
                    ev = dict(body or {})
                    meta = ev.setdefault("metadata", {})
                    meta["name"] = meta.get("generateName", "ev.") + "%x" % len(state.events)
                    state.events.append(ev)
                    return 201, ev, {}
            return (*self.status(404, "NotFound", "no route for %s %s" % (method, url.path)), {})

        def do_GET(self):
            self.handle_any("GET")

        def do_PATCH(self):
            self.handle_any("PATCH")

        def do_POST(self):
            self.handle_any("POST")

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--sa-dir", required=True)
    ap.add_argument("--namespace", default="rayc-test")
    ap.add_argument("--journal", required=True)
    ap.add_argument("--fail", default="")
    ap.add_argument("--head-port", type=int, required=True)
    ap.add_argument("--rayc", required=True)
    ap.add_argument("--temp-dir", required=True)
    ap.add_argument("--deployment", action="append", default=[],
                    help="NAME=GROUP:REPLICAS (pods labelled app=rayc,group=GROUP)")
    args = ap.parse_args()

    state = State(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(state))
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)

    def on_term(sig, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    ctl = threading.Thread(target=state.loop, daemon=True)
    ctl.start()
    print("listening", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        state.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
