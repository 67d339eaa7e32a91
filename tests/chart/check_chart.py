#!/usr/bin/python3
"""check_chart.py — the checks of charts/ray, run by tests/integration/test_chart.sh.

Renders the chart with tools/chart-render (Helm's `helm template`, without a
cluster) under the default values, tests/chart/values-full.yaml (every value
set), a KubeRay-style values file and a few --set variations, then checks that
each value reaches the object it belongs to, that the schema turns away bad
values by name, that yamllint accepts every rendered output and values file,
and that every object passes the Kubernetes schemas (validate.mjs).

Prints one line per check, "ok - NAME" or "not ok - NAME: why", then
"N passed, M failed"; exits 1 when a check failed.

    check_chart.py --render PATH/chart-render [--chart charts/ray]
"""
import argparse
import base64
import copy
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
RELEASE, NAMESPACE = "ray-cluster", "syntho"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
UNSTABLE_LABELS = {"app.kubernetes.io/version", "helm.sh/chart", "app.kubernetes.io/managed-by"}
SECURE_CONTAINER = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True}
SECURE_POD = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


class Checks:
    """Counts and prints the outcome of each check."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, why=""):
        if ok:
            self.passed += 1
            print(f"ok - {name}")
        else:
            self.failed += 1
            print(f"not ok - {name}" + (f": {why}" if why else ""))
        sys.stdout.flush()
        return ok

    def eq(self, name, expected, actual):
        return self.check(name, expected == actual, f"expected {expected!r}, got {actual!r}")

    def has(self, name, items, container):
        missing = [i for i in items if i not in container]
        return self.check(name, not missing, f"missing {missing!r} in {container!r}")


class Rendered:
    """One run of chart-render: exit status, output, and the parsed documents."""

    def __init__(self, cmd):
        p = subprocess.run(cmd, capture_output=True, text=True)
        self.rc, self.out, self.err = p.returncode, p.stdout, p.stderr
        self.docs, self.notes, self.parse_error = [], None, None
        if self.rc != 0:
            return
        try:
            for chunk in re.split(r"(?m)^---\s*$", self.out):
                m = re.search(r"(?m)^# Source: (.*)$", chunk)
                source = m.group(1) if m else "?"
                if source.endswith("NOTES.txt"):
                    self.notes = chunk[m.end():]
                    continue
                obj = yaml.safe_load(chunk)
                if obj:
                    self.docs.append((source, obj))
        except yaml.YAMLError as e:
            self.parse_error = str(e)

    def objects(self, kind=None):
        return [o for _, o in self.docs if kind is None or o.get("kind") == kind]

    def get(self, kind, name):
        for o in self.objects(kind):
            if o.get("metadata", {}).get("name") == name:
                return o
        return None

    def names(self):
        return sorted((o.get("kind"), o.get("metadata", {}).get("name")) for o in self.objects())


def render(args, *extra, values=(), sets=(), name=RELEASE):
    cmd = [args.render, "--name", name, "--namespace", NAMESPACE]
    for v in values:
        cmd += ["--values", v]
    for s in sets:
        cmd += ["--set", s]
    return Rendered(cmd + list(extra) + [args.chart])


def coalesce(defaults, user):
    """Helm's merge of a values file over the chart's values.yaml: maps merge key
    by key, the file's value wins, and null removes the chart's value."""
    out = copy.deepcopy(defaults)
    for k, v in user.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = coalesce(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


# ---- accessors (tolerant: a missing piece gives None or {}, and the check fails)

def pod_spec(obj):
    return ((obj or {}).get("spec", {}).get("template", {}) or {}).get("spec", {}) if obj else {}


def pod_meta(obj):
    return (obj or {}).get("spec", {}).get("template", {}).get("metadata", {}) if obj else {}


def container(obj, name, init=False):
    spec = pod_spec(obj) if obj and obj.get("kind") != "Pod" else (obj or {}).get("spec", {})
    for c in spec.get("initContainers" if init else "containers", []) or []:
        if c.get("name") == name:
            return c
    return {}


def env_of(c):
    return {e.get("name"): e for e in c.get("env", []) or []}


def env_value(c, name):
    return env_of(c).get(name, {}).get("value")


def operator_json(r, cm_name):
    cm = r.get("ConfigMap", cm_name)
    try:
        return json.loads(cm["data"]["operator.json"])
    except (TypeError, KeyError, ValueError):
        return None


def flag_names(argv):
    return [a.split("=", 1)[0] for a in argv if a.startswith("--")]


def secret_ref(c, name):
    return env_of(c).get(name, {}).get("valueFrom", {}).get("secretKeyRef")


def checksum(obj):
    return pod_meta(obj).get("annotations", {}).get("checksum/config")


# ---- the checks

def check_default(c, args):
    r = render(args)
    if not c.eq("default values render (exit 0)", 0, r.rc):
        print(r.err)
        return None
    c.check("default output parses as YAML", r.parse_error is None, r.parse_error)
    head, worker, op = "ray-cluster-ray-head", "ray-cluster-ray-worker-workergroup", "ray-operator"
    c.eq("default objects and names", sorted([
        ("ConfigMap", "ray-cluster-ray-operator"), ("Deployment", head), ("Deployment", op),
        ("Deployment", worker), ("PersistentVolumeClaim", "ray-cluster-ray-storage"),
        ("Pod", "ray-cluster-ray-test"), ("Role", op), ("RoleBinding", op), ("Service", head),
        ("ServiceAccount", op)]), r.names())

    svc = r.get("Service", head) or {}
    ports = {p.get("name"): (p.get("port"), p.get("targetPort")) for p in svc.get("spec", {}).get("ports", [])}
    c.eq("head Service ports 6379/8265/10001 by name", {"gcs": (6379, "gcs"), "dashboard": (8265, "dashboard"),
                                                        "client": (10001, "client")}, ports)
    c.eq("head Service type ClusterIP", "ClusterIP", svc.get("spec", {}).get("type"))
    hd = r.get("Deployment", head)
    sel = svc.get("spec", {}).get("selector", {})
    plabels = pod_meta(hd).get("labels", {})
    c.check("head Service selects the head pod", sel and all(plabels.get(k) == v for k, v in sel.items()),
            f"selector {sel} vs pod labels {plabels}")
    c.check("head Service selector uses stable labels only", not (set(sel) & UNSTABLE_LABELS), str(sel))
    for d in r.objects("Deployment"):
        n = d["metadata"]["name"]
        ml = d.get("spec", {}).get("selector", {}).get("matchLabels", {})
        tl = pod_meta(d).get("labels", {})
        c.check(f"{n}: selector matches its pod template, stable labels only",
                ml and all(tl.get(k) == v for k, v in ml.items()) and not (set(ml) & UNSTABLE_LABELS), f"{ml} / {tl}")

    c.eq("head Deployment replicas 1", 1, (hd or {}).get("spec", {}).get("replicas"))
    c.eq("head Deployment strategy Recreate", "Recreate", (hd or {}).get("spec", {}).get("strategy", {}).get("type"))
    hc = container(hd, "ray-head")
    c.eq("head runs rayc start --head under the image's entrypoint", (None, ["rayc", "start", "--head"]),
         (hc.get("command"), hc.get("args", [])[:3]))
    hargs = hc.get("args", [])[3:]
    c.has("head args", ["--dashboard-host=0.0.0.0", "--block=true", "--port=6379", "--dashboard-port=8265",
                        "--ray-client-server-port=10001", "--node-ip-address=$(RAYC_POD_IP)",
                        "--storage=/ray-storage"], hargs)
    c.check("head args: each flag once", len(flag_names(hargs)) == len(set(flag_names(hargs))), str(hargs))
    c.check("head args: all strings", all(isinstance(a, str) for a in hargs), str(hargs))
    c.eq("head env RAY_SCHEDULER_SPREAD_THRESHOLD", "0.0", env_value(hc, "RAY_SCHEDULER_SPREAD_THRESHOLD"))
    c.eq("head env RAYC_POD_IP from status.podIP", {"fieldRef": {"fieldPath": "status.podIP"}},
         env_of(hc).get("RAYC_POD_IP", {}).get("valueFrom"))
    c.eq("head container ports", [(6379, "gcs"), (8265, "dashboard"), (10001, "client")],
         [(p.get("containerPort"), p.get("name")) for p in hc.get("ports", [])])
    for probe in ("readinessProbe", "livenessProbe"):
        c.eq(f"head {probe} GET /-/healthz on the dashboard port", {"path": "/-/healthz", "port": "dashboard"},
             hc.get(probe, {}).get("httpGet"))
    c.has("head mounts logs and storage", [{"mountPath": "/tmp/ray", "name": "log-volume"},
                                           {"mountPath": "/ray-storage", "name": "rayc-storage"}],
          hc.get("volumeMounts", []))
    c.has("head volumes: log emptyDir and the storage claim", [
        {"name": "log-volume", "emptyDir": {}},
        {"name": "rayc-storage", "persistentVolumeClaim": {"claimName": "ray-cluster-ray-storage"}}],
        pod_spec(hd).get("volumes", []))
    c.eq("head image", ("rayc:0.1.0", "IfNotPresent"), (hc.get("image"), hc.get("imagePullPolicy")))

    workers = [d for d in r.objects("Deployment") if d["metadata"]["name"].startswith("ray-cluster-ray-worker-")]
    c.eq("one worker Deployment", [worker], [d["metadata"]["name"] for d in workers])
    wd = r.get("Deployment", worker)
    c.eq("worker replicas", 1, (wd or {}).get("spec", {}).get("replicas"))
    wc = container(wd, "ray-worker")
    c.eq("worker runs rayc start under the image's entrypoint", (None, ["rayc", "start"]),
         (wc.get("command"), wc.get("args", [])[:2]))
    c.eq("worker args", sorted(["--address=ray-cluster-ray-head:6379", "--group=workergroup",
                                "--node-name=$(RAYC_POD_NAME)", "--node-ip-address=$(RAYC_POD_IP)",
                                "--block=true", "--storage=/ray-storage"]), sorted(wc.get("args", [])[2:]))
    c.eq("worker env RAYC_POD_NAME from metadata.name", {"fieldRef": {"fieldPath": "metadata.name"}},
         env_of(wc).get("RAYC_POD_NAME", {}).get("valueFrom"))
    c.eq("worker env RAYC_POD_IP from status.podIP", {"fieldRef": {"fieldPath": "status.podIP"}},
         env_of(wc).get("RAYC_POD_IP", {}).get("valueFrom"))
    ic = container(wd, "wait-gcs", init=True)
    c.eq("worker init container image", "busybox:1.28", ic.get("image"))
    c.eq("worker init container target and timeout", ("ray-cluster-ray-head", "6379", "300"),
         (env_value(ic, "RAYC_HEAD_HOST"), env_value(ic, "RAYC_HEAD_PORT"), env_value(ic, "RAYC_WAIT_TIMEOUT")))
    script = " ".join(ic.get("command", []))
    c.check("worker init script: PING through nc -w, PONG or NOAUTH, exit 1 on timeout",
            all(s in script for s in ("printf 'PING\\r\\n' | nc -w 2", "-e PONG -e NOAUTH", "exit 1",
                                      "$RAYC_WAIT_TIMEOUT")), script)
    c.eq("worker init container runs as 65534 (busybox is root)", dict(SECURE_CONTAINER, runAsUser=65534),
         ic.get("securityContext"))
    c.has("worker mounts logs and storage", [{"mountPath": "/tmp/ray", "name": "log-volume"},
                                             {"mountPath": "/ray-storage", "name": "rayc-storage"}],
          wc.get("volumeMounts", []))

    pvc = r.get("PersistentVolumeClaim", "ray-cluster-ray-storage") or {}
    c.eq("PVC ReadWriteMany 10Gi, cluster default class", (["ReadWriteMany"], "10Gi", False),
         (pvc.get("spec", {}).get("accessModes"), pvc.get("spec", {}).get("resources", {}).get("requests", {}).get("storage"),
          "storageClassName" in pvc.get("spec", {})))

    role = r.get("Role", op) or {}
    rules = sorted((tuple(x.get("apiGroups", [])), tuple(x.get("resources", [])), tuple(sorted(x.get("verbs", []))))
                   for x in role.get("rules", []))
    c.eq("operator Role rules exactly", sorted([
        (("apps",), ("deployments",), ("get", "list", "watch")),
        (("apps",), ("deployments/scale",), ("get", "patch", "update")),
        (("",), ("pods",), ("get", "list", "patch", "watch")),
        (("",), ("events",), ("create",))]), rules)
    rb = r.get("RoleBinding", op) or {}
    c.eq("operator RoleBinding", ({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": op},
                                  [{"kind": "ServiceAccount", "name": op, "namespace": NAMESPACE}]),
         (rb.get("roleRef"), rb.get("subjects")))

    od = r.get("Deployment", op)
    oc = container(od, "ray-operator")
    c.eq("operator runs rayc-operator under the image's entrypoint",
         (None, ["rayc-operator", "--config", "/etc/rayc-operator/operator.json", "--health-port", "8080"]),
         (oc.get("command"), oc.get("args")))
    c.eq("operator health port", [{"containerPort": 8080, "name": "health", "protocol": "TCP"}], oc.get("ports"))
    for probe in ("readinessProbe", "livenessProbe"):
        c.eq(f"operator {probe} GET /-/healthz on health", {"path": "/-/healthz", "port": "health"},
             oc.get(probe, {}).get("httpGet"))
    c.eq("operator ServiceAccount", op, pod_spec(od).get("serviceAccountName"))
    c.eq("operator reads the ConfigMap at /etc/rayc-operator",
         ([{"name": "config", "configMap": {"name": "ray-cluster-ray-operator"}}], "/etc/rayc-operator"),
         (pod_spec(od).get("volumes"), next((m.get("mountPath") for m in oc.get("volumeMounts", [])), None)))
    c.check("operator has no RAYC_REDIS_PASSWORD without a password", "RAYC_REDIS_PASSWORD" not in env_of(oc))
    c.eq("operator image", "rayc:0.1.0", oc.get("image"))
    c.eq("operator.json", {
        "headAddress": "ray-cluster-ray-head:6379", "namespace": NAMESPACE, "periodSeconds": 5,
        "idleTimeoutSeconds": 60,
        "groups": [{"name": "workergroup", "deployment": worker, "minReplicas": 1, "maxReplicas": 3,
                    "rayStartParams": {"block": "true"},
                    "resources": {"limits": {"cpu": "1", "memory": "1G"}, "requests": {"cpu": "1", "memory": "1G"}},
                    "podSelector": "ray.io/cluster=ray-cluster,ray.io/group=workergroup"}]},
        operator_json(r, "ray-cluster-ray-operator"))

    components = {("Deployment", head): "head", ("Service", head): "head", ("Deployment", worker): "worker",
                  ("Deployment", op): "operator", ("ServiceAccount", op): "operator", ("Role", op): "operator",
                  ("RoleBinding", op): "operator", ("ConfigMap", "ray-cluster-ray-operator"): "operator",
                  ("PersistentVolumeClaim", "ray-cluster-ray-storage"): "storage", ("Pod", "ray-cluster-ray-test"): "test"}
    for o in r.objects():
        key = (o["kind"], o["metadata"]["name"])
        c.eq(f"labels of {key[0]}/{key[1]}", {
            "app.kubernetes.io/name": "ray", "app.kubernetes.io/instance": RELEASE,
            "app.kubernetes.io/version": "0.1.0", "app.kubernetes.io/managed-by": "Helm",
            "app.kubernetes.io/component": components.get(key), "app.kubernetes.io/part-of": "rayc",
            "helm.sh/chart": "ray-0.1.0"},
            {k: v for k, v in o["metadata"].get("labels", {}).items() if not k.startswith("ray.io/")})
    for name, want in ((head, {"ray.io/cluster": "ray-cluster", "ray.io/node-type": "head"}),
                       (worker, {"ray.io/cluster": "ray-cluster", "ray.io/node-type": "worker",
                                 "ray.io/group": "workergroup"})):
        got = {k: v for k, v in pod_meta(r.get("Deployment", name)).get("labels", {}).items() if k.startswith("ray.io/")}
        c.eq(f"ray.io pod labels of {name}", want, got)
    for name in (head, worker, op):
        c.check(f"{name}: pod annotation checksum/config is a sha256",
                bool(SHA256.match(checksum(r.get("Deployment", name)) or "")), str(checksum(r.get("Deployment", name))))

    c.check("no license Secret without SynthoLicense", not r.objects("Secret"))
    c.check("no LICENSE_KEY_SIGNED without SynthoLicense",
            "LICENSE_KEY_SIGNED" not in r.out, "LICENSE_KEY_SIGNED found in the output")

    for name, cname in ((head, "ray-head"), (worker, "ray-worker"), (op, "ray-operator")):
        d = r.get("Deployment", name)
        c.eq(f"{name}: pod securityContext", SECURE_POD, pod_spec(d).get("securityContext"))
        c.eq(f"{name}: container securityContext", SECURE_CONTAINER, container(d, cname).get("securityContext"))

    t = r.get("Pod", "ray-cluster-ray-test") or {}
    tc = container(t, "job-submit")
    tscript = " ".join(tc.get("args", []))
    c.eq("test pod is a helm test hook", "test", t.get("metadata", {}).get("annotations", {}).get("helm.sh/hook"))
    c.eq("test pod restartPolicy Never", "Never", t.get("spec", {}).get("restartPolicy"))
    c.eq("test pod image", "rayc:0.1.0", tc.get("image"))
    c.check("test pod submits the job and checks the marker",
            "rayc job submit --address http://ray-cluster-ray-head:8265 -- echo rayc-helm-test-ok" in tscript
            and "grep -q rayc-helm-test-ok" in tscript and "--no-wait" not in tscript, tscript)
    return r


def check_notes(c, args):
    r = render(args, "--notes")
    notes = r.notes or ""
    for want in ("kubectl port-forward -n syntho svc/ray-cluster-ray-head 8265:8265", "http://localhost:8265",
                 "RAY_ADDRESS=http://localhost:8265 rayc job submit --", "ray://ray-cluster-ray-head.syntho:10001",
                 "kubectl logs -n syntho deployment/ray-operator"):
        c.check(f"NOTES: {want}", want in notes, notes or r.err)


def check_defaults_match_worker(c, args):
    """An additional group that sets nothing renders like the default worker
    group: the template's defaults and values.yaml's `worker` agree."""
    r = render(args, sets=["additionalWorkerGroups.bare.disabled=false"])
    a = copy.deepcopy(pod_spec(r.get("Deployment", "ray-cluster-ray-worker-workergroup")))
    b = copy.deepcopy(pod_spec(r.get("Deployment", "ray-cluster-ray-worker-bare")))
    for spec in (a, b):
        for ctr in spec.get("containers", []):
            ctr["args"] = [x for x in ctr.get("args", []) if not x.startswith("--group=")]
    c.check("an additional group with no fields renders like worker", a and a == b,
            f"rc={r.rc} {r.err.strip()}\nworker: {json.dumps(a, sort_keys=True)}\nbare:   {json.dumps(b, sort_keys=True)}")
    c.eq("the bare group's replica bounds", (1, 3), next(((g["minReplicas"], g["maxReplicas"])
                                                        for g in (operator_json(r, "ray-cluster-ray-operator") or {}).get("groups", [])
                                                        if g["name"] == "bare"), None))


def check_full(c, args, full_values):
    v = full_values
    r = render(args, values=[os.path.join(HERE, "values-full.yaml")])
    if not c.eq("values-full.yaml renders (exit 0)", 0, r.rc):
        print(r.err)
        return None
    head, op = "syntho-ray-ray-head", "ray-operator"
    cpu, gpu = "syntho-ray-ray-worker-cpu-workers", "syntho-ray-ray-worker-gpugroup"
    c.eq("full: one Deployment per enabled group (smallGroup disabled)", sorted([head, op, cpu, gpu]),
         sorted(d["metadata"]["name"] for d in r.objects("Deployment")))
    hd, cd, gd, od = (r.get("Deployment", n) for n in (head, cpu, gpu, op))
    hc, cc, gc, oc = container(hd, "ray-head"), container(cd, "ray-worker"), container(gd, "ray-worker"), \
        container(od, "ray-operator")
    t = r.get("Pod", "syntho-ray-ray-test") or {}
    tc = container(t, "job-submit")

    img = "registry.example.com/rayc:2.0.1"
    for what, ctr in (("head", hc), ("cpu worker", cc), ("gpu worker", gc), ("test pod", tc)):
        c.eq(f"full: image of {what}", (img, "Always"), (ctr.get("image"), ctr.get("imagePullPolicy")))
    c.eq("full: operatorImage", ("registry.example.com/rayc-operator:2.0.1", "Always"),
         (oc.get("image"), oc.get("imagePullPolicy")))
    secrets = [{"name": "registry-credentials"}, {"name": "plain-secret"}]
    for what, spec in (("head", pod_spec(hd)), ("cpu worker", pod_spec(cd)), ("gpu worker", pod_spec(gd)),
                       ("operator", pod_spec(od)), ("test pod", t.get("spec", {}))):
        c.eq(f"full: imagePullSecrets of {what}", secrets, spec.get("imagePullSecrets"))

    sec = r.get("Secret", "syntho-ray-ray-license") or {}
    c.eq("full: license Secret type", "Opaque", sec.get("type"))
    try:
        key = base64.b64decode(sec.get("data", {}).get("LICENSE_KEY_SIGNED", "")).decode()
    except ValueError:
        key = None
    c.eq("full: license Secret holds SynthoLicense", v["SynthoLicense"], key)
    ref = {"name": "syntho-ray-ray-license", "key": "LICENSE_KEY_SIGNED"}
    for what, ctr in (("head", hc), ("cpu worker", cc), ("gpu worker", gc)):
        c.eq(f"full: LICENSE_KEY_SIGNED secretKeyRef on {what}", ref, secret_ref(ctr, "LICENSE_KEY_SIGNED"))
    c.check("full: no license on the operator", "LICENSE_KEY_SIGNED" not in env_of(oc))

    svc = r.get("Service", head) or {}
    c.eq("full: head.serviceType", "NodePort", svc.get("spec", {}).get("type"))
    c.eq("full: head.ports reach the Service", [(p["containerPort"], p["name"]) for p in v["head"]["ports"]],
         [(p.get("port"), p.get("name")) for p in svc.get("spec", {}).get("ports", [])])
    c.eq("full: head.ports reach the container", [(p["containerPort"], p["name"]) for p in v["head"]["ports"]],
         [(p.get("containerPort"), p.get("name")) for p in hc.get("ports", [])])

    h = v["head"]
    c.has("full: head.rayStartParams as --KEY=VALUE",
          ["--dashboard-host=0.0.0.0", "--block=true", "--redis-password=p@ss word", "--max_clients=1000000",
           "--cluster-name=syntho", "--storage=/mnt/ray"], hc.get("args", []))
    node_checks = (("head", h, hd, hc), ("cpu worker", v["worker"], cd, cc),
                   ("gpu worker", v["additionalWorkerGroups"]["gpuGroup"], gd, gc))
    for what, vals, d, ctr in node_checks:
        ours = ["RAYC_POD_NAME", "RAYC_POD_IP", "LICENSE_KEY_SIGNED"]
        c.eq(f"full: containerEnv of {what}", vals["containerEnv"],
             [e for e in ctr.get("env", []) if e.get("name") not in ours])
        c.eq(f"full: envFrom of {what}", vals["envFrom"], ctr.get("envFrom"))
        c.eq(f"full: resources of {what}", vals["resources"], ctr.get("resources"))
        c.eq(f"full: securityContext of {what}", vals["securityContext"], ctr.get("securityContext"))
        spec = pod_spec(d)
        c.eq(f"full: podSecurityContext of {what}", vals["podSecurityContext"], spec.get("securityContext"))
        for k in ("nodeSelector", "tolerations", "affinity"):
            c.eq(f"full: {k} of {what}", vals[k], spec.get(k))
        c.eq(f"full: volumes of {what} (+ storage)", vals["volumes"] + [
            {"name": "rayc-storage", "persistentVolumeClaim": {"claimName": "syntho-ray-ray-storage"}}],
            spec.get("volumes"))
        c.eq(f"full: volumeMounts of {what} (+ storage at /mnt/ray)",
             vals["volumeMounts"] + [{"name": "rayc-storage", "mountPath": "/mnt/ray"}], ctr.get("volumeMounts"))
        c.eq(f"full: sidecarContainers of {what}", vals["sidecarContainers"], spec.get("containers", [])[1:])
        meta = pod_meta(d)
        c.check(f"full: labels of {what} on its pods",
                all(meta.get("labels", {}).get(k) == x for k, x in vals["labels"].items()), str(meta.get("labels")))
        c.check(f"full: annotations of {what} on its pods",
                all(meta.get("annotations", {}).get(k) == x for k, x in vals["annotations"].items()),
                str(meta.get("annotations")))

    w = v["worker"]
    c.eq("full: worker replicas", w["replicas"], (cd or {}).get("spec", {}).get("replicas"))
    c.eq("full: gpuGroup replicas 0", 0, (gd or {}).get("spec", {}).get("replicas"))
    c.has("full: worker args", ["--address=syntho-ray-ray-head:6379", "--group=cpu_workers", "--num-cpus=2",
                                "--memory=1073741824", '--resources={"accel": 1}', "--block=true",
                                "--redis-password=p@ss word"], cc.get("args", []))
    c.has("full: gpuGroup args", ["--group=gpuGroup", "--num-gpus=1", "--redis-password=p@ss word"], gc.get("args", []))
    ci, gi = container(cd, "wait-gcs", init=True), container(gd, "wait-gcs", init=True)
    c.eq("full: worker init container", (w["initContainerImage"], "120", w["initContainerSecurityContext"]),
         (ci.get("image"), env_value(ci, "RAYC_WAIT_TIMEOUT"), ci.get("securityContext")))
    c.eq("full: gpuGroup init container, unset fields defaulted",
         ("registry.example.com/busybox:1.36", "300", dict(SECURE_CONTAINER, runAsUser=65534)),
         (gi.get("image"), env_value(gi, "RAYC_WAIT_TIMEOUT"), gi.get("securityContext")))
    c.eq("full: ray.io labels of the gpu pods", ("gpuGroup", "worker", "syntho-ray"),
         tuple(pod_meta(gd).get("labels", {}).get(k) for k in ("ray.io/group", "ray.io/node-type", "ray.io/cluster")))

    pvc = r.get("PersistentVolumeClaim", "syntho-ray-ray-storage") or {}
    c.eq("full: storage class and size", ("azurefile-premium", "50Gi", ["ReadWriteMany"]),
         (pvc.get("spec", {}).get("storageClassName"),
          pvc.get("spec", {}).get("resources", {}).get("requests", {}).get("storage"), pvc.get("spec", {}).get("accessModes")))

    cfg = operator_json(r, "syntho-ray-ray-operator") or {}
    c.eq("full: operator.json settings", ("syntho-ray-ray-head:6379", NAMESPACE, 10, 120),
         (cfg.get("headAddress"), cfg.get("namespace"), cfg.get("periodSeconds"), cfg.get("idleTimeoutSeconds")))
    gpuv = v["additionalWorkerGroups"]["gpuGroup"]
    c.eq("full: operator.json groups", [
        {"name": "cpu_workers", "deployment": cpu, "minReplicas": 1, "maxReplicas": 6,
         "rayStartParams": w["rayStartParams"], "resources": w["resources"],
         "podSelector": "ray.io/cluster=syntho-ray,ray.io/group=cpu_workers"},
        {"name": "gpuGroup", "deployment": gpu, "minReplicas": 0, "maxReplicas": 2,
         "rayStartParams": gpuv["rayStartParams"], "resources": gpuv["resources"],
         "podSelector": "ray.io/cluster=syntho-ray,ray.io/group=gpuGroup"}], cfg.get("groups"))

    o = v["operator"]
    c.eq("full: operator ServiceAccount name", ("rayc-scaler", "rayc-scaler", "rayc-scaler"),
         (pod_spec(od).get("serviceAccountName"), ((r.objects("ServiceAccount") or [{}])[0]).get("metadata", {}).get("name"),
          ((r.get("RoleBinding", op) or {}).get("subjects") or [{}])[0].get("name")))
    c.eq("full: operator RAYC_REDIS_PASSWORD from head.rayStartParams", "p@ss word", env_value(oc, "RAYC_REDIS_PASSWORD"))
    c.eq("full: operator resources", o["resources"], oc.get("resources"))
    c.eq("full: operator securityContext", o["securityContext"], oc.get("securityContext"))
    for k, got in (("podSecurityContext", pod_spec(od).get("securityContext")),
                   ("nodeSelector", pod_spec(od).get("nodeSelector")), ("tolerations", pod_spec(od).get("tolerations")),
                   ("affinity", pod_spec(od).get("affinity"))):
        c.eq(f"full: operator {k}", o[k], got)
    c.check("full: test pod uses the head's address",
            "--address http://syntho-ray-ray-head:8265 " in " ".join(tc.get("args", [])))
    return r


def check_checksums(c, args):
    full = os.path.join(HERE, "values-full.yaml")
    names = ("syntho-ray-ray-head", "syntho-ray-ray-worker-cpu-workers", "syntho-ray-ray-worker-gpugroup", "ray-operator")

    def sums(*sets):
        r = render(args, values=[full], sets=list(sets))
        return {n: checksum(r.get("Deployment", n)) for n in names}

    base, again = sums(), sums()
    c.check("checksum: all present", all(SHA256.match(x or "") for x in base.values()), str(base))
    c.eq("checksum: unchanged when nothing changes", base, again)
    lic = sums("SynthoLicense=another-license")
    c.check("checksum: a new license restarts the head and every worker",
            all(lic[n] != base[n] for n in names[:3]), f"{base} -> {lic}")
    hp = sums("head.rayStartParams.max_clients=6000")
    c.check("checksum: head rayStartParams change the head's", hp[names[0]] != base[names[0]], f"{base} -> {hp}")
    c.check("checksum: head rayStartParams leave the workers'", all(hp[n] == base[n] for n in names[1:3]),
            f"{base} -> {hp}")
    wp = sums("worker.rayStartParams.num-cpus=3")
    c.check("checksum: a worker's rayStartParams change its own and the operator's",
            wp[names[1]] != base[names[1]] and wp[names[3]] != base[names[3]], f"{base} -> {wp}")
    c.check("checksum: ... and not the other group's", wp[names[2]] == base[names[2]], f"{base} -> {wp}")


def check_switches(c, args, tmp):
    r = render(args, sets=["rbac.create=false,serviceAccount.create=false"])
    c.eq("rbac.create=false,serviceAccount.create=false renders", 0, r.rc)
    c.check("... no Role, RoleBinding or ServiceAccount",
            not (r.objects("Role") or r.objects("RoleBinding") or r.objects("ServiceAccount")), str(r.names()))
    c.eq("... operator runs as the default ServiceAccount", "default",
         pod_spec(r.get("Deployment", "ray-operator")).get("serviceAccountName"))
    r = render(args, sets=["serviceAccount.create=false", "serviceAccount.name=existing-sa"])
    c.eq("serviceAccount.create=false with a name: that name, bound, not created",
         ("existing-sa", "existing-sa", []),
         (pod_spec(r.get("Deployment", "ray-operator")).get("serviceAccountName"),
          ((r.get("RoleBinding", "ray-operator") or {}).get("subjects") or [{}])[0].get("name"),
          r.objects("ServiceAccount")))
    r = render(args, sets=["operator.enabled=false"])
    c.check("operator.enabled=false: no operator objects",
            r.rc == 0 and not [n for n in r.names() if n[1] in ("ray-operator", "ray-cluster-ray-operator")],
            str(r.names()) + r.err)
    r = render(args, sets=["storage.enabled=false"])
    hc = container(r.get("Deployment", "ray-cluster-ray-head"), "ray-head")
    c.check("storage.enabled=false: no claim, no --storage, no mount",
            r.rc == 0 and not r.objects("PersistentVolumeClaim")
            and not any(a.startswith("--storage") for a in hc.get("args", []))
            and "rayc-storage" not in json.dumps(r.objects("Deployment")), r.err)
    r = render(args, sets=["storage.storageClassName=-"])
    c.eq('storage.storageClassName "-" renders storageClassName ""', "",
         (r.get("PersistentVolumeClaim", "ray-cluster-ray-storage") or {}).get("spec", {}).get("storageClassName"))
    r = render(args, "--api-versions", "security.openshift.io/v1")
    ic = container(r.get("Deployment", "ray-cluster-ray-worker-workergroup"), "wait-gcs", init=True)
    c.eq("OpenShift: the init container gets no fixed user", SECURE_CONTAINER, ic.get("securityContext"))
    r = render(args, sets=["worker.replicas=0,worker.minReplicas=0"])
    c.eq("worker.replicas=0 stays 0", 0,
         (r.get("Deployment", "ray-cluster-ray-worker-workergroup") or {}).get("spec", {}).get("replicas"))
    r = render(args, sets=["head.rayStartParams.dashboard-host=null,head.rayStartParams.block=null",
                           "worker.rayStartParams.block=null"])
    hargs = container(r.get("Deployment", "ray-cluster-ray-head"), "ray-head").get("args", [])
    wargs = container(r.get("Deployment", "ray-cluster-ray-worker-workergroup"), "ray-worker").get("args", [])
    c.check("rayStartParams without dashboard-host or block: the head still gets both",
            "--dashboard-host=0.0.0.0" in hargs and "--block" in hargs, str(hargs))
    c.check("rayStartParams without block: the worker still gets --block", "--block" in wargs, str(wargs))
    path = os.path.join(tmp, "gcs-port-only.yaml")
    with open(path, "w") as f:
        yaml.safe_dump({"head": {"ports": [{"containerPort": 7379, "name": "gcs"}]}}, f)
    r = render(args, values=[path])
    svc = r.get("Service", "ray-cluster-ray-head") or {}
    hargs = container(r.get("Deployment", "ray-cluster-ray-head"), "ray-head").get("args", [])
    c.eq("head.ports without dashboard and client: both added at their defaults",
         ([("gcs", 7379), ("dashboard", 8265), ("client", 10001)], True),
         ([(p.get("name"), p.get("port")) for p in svc.get("spec", {}).get("ports", [])],
          all(a in hargs for a in ("--port=7379", "--dashboard-port=8265", "--ray-client-server-port=10001"))))
    c.has("a gcs port of 7379 reaches the workers and the operator",
          ["--address=ray-cluster-ray-head:7379"],
          container(r.get("Deployment", "ray-cluster-ray-worker-workergroup"), "ray-worker").get("args", []))
    c.eq("... and operator.json", "ray-cluster-ray-head:7379",
         (operator_json(r, "ray-cluster-ray-operator") or {}).get("headAddress"))
    r = render(args, sets=["head.rayStartParams.include-dashboard=false"])
    hc = container(r.get("Deployment", "ray-cluster-ray-head"), "ray-head")
    c.eq("include-dashboard=false: probes use the GCS port", {"port": "gcs"}, hc.get("readinessProbe", {}).get("tcpSocket"))


def check_schema(c, args, tmp):
    bad = [
        ("clustername \"Ray-Cluster\"", {"clustername": "Ray-Cluster"}, "clustername"),
        ("clustername 5", {"clustername": 5}, "clustername"),
        ("worker.replicas \"three\"", {"worker": {"replicas": "three"}}, "worker.replicas"),
        ("worker.maxReplicas -1", {"worker": {"maxReplicas": -1}}, "worker.maxReplicas"),
        ("storage.size 10", {"storage": {"size": 10}}, "storage.size"),
        ("head.rayStartParams a list", {"head": {"rayStartParams": ["block", "true"]}}, "head.rayStartParams"),
        ("image.tag a map", {"image": {"tag": {"name": "latest"}}}, "image.tag"),
        ("an additional group named with a space", {"additionalWorkerGroups": {"big group": {}}},
         "additionalWorkerGroups"),
    ]
    for i, (what, vals, field) in enumerate(bad):
        path = os.path.join(tmp, f"bad{i}.yaml")
        with open(path, "w") as f:
            yaml.safe_dump(vals, f)
        r = render(args, values=[path])
        ok = r.rc == 1 and "values don't meet the specifications of the schema" in r.err and f"- {field}" in r.err
        c.check(f"schema rejects {what}, naming {field}", ok, f"rc={r.rc} stderr={r.err.strip()!r}")
    r = render(args, values=[os.path.join(HERE, "values-kuberay.yaml")])
    c.check("a KubeRay values file with keys this chart does not know is accepted", r.rc == 0, r.err.strip())
    c.check("... and gives the head and its worker group",
            r.get("Deployment", "ray-cluster-ray-head") is not None
            and r.get("Deployment", "ray-cluster-ray-worker-smallgroup") is not None
            and r.get("Deployment", "ray-cluster-ray-worker-workergroup") is None, str(r.names()))

    fails = [
        ("minReplicas above maxReplicas", ["worker.minReplicas=4"], "minReplicas (4) is above maxReplicas (3)"),
        ("two groups with one Deployment name",
         ["additionalWorkerGroups.Workergroup.disabled=false"], "would both be the Deployment"),
        ("head.rayStartParams.port unlike head.ports", ["head.rayStartParams.port=7000"],
         "head.rayStartParams.port is 7000 but head.ports gives the gcs port as 6379"),
    ]
    for what, sets, msg in fails:
        r = render(args, sets=sets)
        c.check(f"render fails on {what}", r.rc != 0 and msg in r.err, f"rc={r.rc} stderr={r.err.strip()!r}")


def check_readme(c, args):
    """README.md's table names every key of values.yaml and of the schema, down
    to the level it documents (head.ports, not head.ports[0].name)."""
    with open(os.path.join(args.chart, "README.md")) as f:
        documented = set(re.findall(r"(?m)^\| `([^`]+)` \|", f.read()))
    with open(os.path.join(args.chart, "values.yaml")) as f:
        values = yaml.safe_load(f)
    with open(os.path.join(args.chart, "values.schema.json")) as f:
        schema = json.load(f)
    keys = set()
    for k, v in values.items():
        if k == "additionalWorkerGroups":
            keys.add("additionalWorkerGroups.<name>")
        elif isinstance(v, dict) and k != "SynthoLicense":
            keys.update(f"{k}.{sub}" for sub in v)
        else:
            keys.add(k)
    for k, v in schema.get("properties", {}).items():
        if k == "additionalWorkerGroups":
            continue
        if "$ref" in v:
            v = schema["definitions"][v["$ref"].rsplit("/", 1)[1]]
        subs = v.get("properties")
        keys.update(f"{k}.{sub}" for sub in subs) if subs else keys.add(k)
    missing = sorted(keys - documented)
    c.check("README.md documents every value and schema key", not missing, f"not in README's table: {missing}")
    with open(os.path.join(HERE, "values-full.yaml")) as f:
        full = yaml.safe_load(f)
    full_keys = set()
    for k, v in full.items():
        if isinstance(v, dict) and k != "additionalWorkerGroups":
            full_keys.update(f"{k}.{sub}" for sub in v)
        else:
            full_keys.add(k)
    wanted = {k for k in keys if not k.startswith("additionalWorkerGroups") and k != "service.type"}
    wanted.add("additionalWorkerGroups")
    optional = {"storage.accessMode"}
    unset = sorted(wanted - full_keys - optional)
    c.check("values-full.yaml sets every value", not unset, f"not set: {unset}")


def check_lint_and_models(c, args, tmp, renders):
    config = os.path.join(HERE, "yamllint.yaml")
    chart_values = os.path.join(args.chart, "values.yaml")
    files = [("values.yaml", chart_values)] + [(f, os.path.join(HERE, f)) for f in
                                               ("values-full.yaml", "values-kuberay.yaml")]
    for label, r in renders:
        path = os.path.join(tmp, f"rendered-{label}.yaml")
        with open(path, "w") as f:
            f.write(r.out)
        files.append((f"rendered {label}", path))
    for label, path in files:
        p = subprocess.run(["yamllint", "-c", config, "-f", "parsable", path], capture_output=True, text=True)
        c.check(f"yamllint: {label}", p.returncode == 0 and not p.stdout.strip(), (p.stdout + p.stderr).strip())

    for label, r in renders:
        objs = [{"source": f"{label}:{s}", "object": o} for s, o in r.docs]
        path = os.path.join(tmp, f"objects-{label}.json")
        with open(path, "w") as f:
            json.dump(objs, f)
        p = subprocess.run(["node", os.path.join(HERE, "validate.mjs"), path], capture_output=True, text=True)
        lines = [ln for ln in p.stdout.splitlines() if ln.startswith(("ok - ", "not ok - "))]
        c.check(f"kubernetes-models: {label} ({len(lines)} objects)",
                p.returncode == 0 and len(lines) == len(objs) and lines and all(ln.startswith("ok - ") for ln in lines),
                "\n".join([ln for ln in lines if ln.startswith("not ok")] + [p.stderr.strip()]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--render", required=True, help="the chart-render binary")
    ap.add_argument("--chart", default=os.path.join(SRC, "charts", "ray"))
    args = ap.parse_args()
    c = Checks()
    with open(os.path.join(args.chart, "values.yaml")) as f, open(os.path.join(HERE, "values-full.yaml")) as g:
        full_values = coalesce(yaml.safe_load(f), yaml.safe_load(g))
    with tempfile.TemporaryDirectory(prefix="rayc-chart.") as tmp:
        default = check_default(c, args)
        check_notes(c, args)
        check_defaults_match_worker(c, args)
        full = check_full(c, args, full_values)
        check_checksums(c, args)
        check_switches(c, args, tmp)
        check_schema(c, args, tmp)

        check_readme(c, args)
        renders = [("default", default), ("full", full),
                   ("kuberay", render(args, values=[os.path.join(HERE, "values-kuberay.yaml")])),
                   ("openshift", render(args, "--api-versions", "security.openshift.io/v1")),
                   ("no-rbac", render(args, sets=["rbac.create=false,serviceAccount.create=false"]))]
        check_lint_and_models(c, args, tmp, [(n, r) for n, r in renders if r is not None and r.rc == 0])
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
