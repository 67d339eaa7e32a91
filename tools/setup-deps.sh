#!/usr/bin/env bash
# Installs, with apt-get, only the Debian packages rayc needs that are missing.
# Idempotent; runs `apt-get update` once, and only when something must be installed.
# Works as root on a fresh Debian bookworm with no stdin (CI); uses sudo otherwise.
# Then installs the npm packages of the browser and chart tests (`npm ci` in
# tests/browser and tests/chart) if missing.
#   --bench   also what tools/bench/run.sh needs: the peers (Dask, Celery) and gnuplot
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bench=0
for a in "$@"; do
  case "$a" in
    --bench) bench=1 ;;
    *) echo "setup-deps: unknown argument $a (--bench or nothing)" >&2; exit 2 ;;
  esac
done

PKGS=(
  # build
  gcc make cmake pkg-config clang clang-format git
  # libraries (DESIGN.md, "Why each dependency")
  libuv1-dev libhiredis-dev libprotobuf-c-dev protobuf-c-compiler libnng-dev
  libjemalloc-dev libcurl4-openssl-dev
  # runtime: unzip unpacks a job's runtime_env.working_dir given as a .zip URL
  unzip
  # tests
  libcmocka-dev redis-server redis-tools curl procps iproute2 python3
  # dashboard tests: promtool checks /metrics; Chromium runs the web UI (driven by
  # npm's playwright-core, see tests/browser/)
  prometheus chromium
  # Kubernetes tests (charts/ray, tools/operator): no helm binary exists here, so
  # tools/chart-render (Go: text/template + sprig, values.schema.json checked with
  # gojsonschema, toYaml through sigs.k8s.io/yaml, as Helm does) renders the chart;
  # yamllint lints it; python3-yaml reads it; openssl makes the fake API server's
  # certificate. npm's kubernetes-models validates the objects (tests/chart/).
  golang-go golang-github-masterminds-sprig-dev golang-github-xeipuuv-gojsonschema-dev
  golang-k8s-sigs-yaml-dev yamllint python3-yaml openssl
)
# The browser tests' npm packages (installed at the end) need Node.js and npm: the
# machine's own when it has them, else Debian's.
command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)
# Benchmarks: the peers run on Debian's python3 (/usr/bin/python3), Celery with a
# Redis broker and result backend; gnuplot draws the chart.
[ $bench -eq 0 ] || PKGS+=(python3-distributed python3-celery python3-redis gnuplot-nox)

missing=()
for p in "${PKGS[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#PKGS[@]} packages present"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
      echo "setup-deps: missing ${missing[*]}; run as root or install sudo" >&2
      exit 1
    fi
  fi
  echo "setup-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q </dev/null
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
  # Debian's redis-server package may start a system redis on 6379, the head's port;
  # rayc's tests start their own servers on free ports, so stop the system one.
  if printf '%s\n' "${missing[@]}" | grep -qx redis-server; then
    $SUDO service redis-server stop >/dev/null 2>&1 || true
    pkill -x redis-server 2>/dev/null || true
  fi
  # Likewise the prometheus package starts a server (and its node exporter) that
  # no test needs: only its promtool is used.
  if printf '%s\n' "${missing[@]}" | grep -qx prometheus; then
    for s in prometheus prometheus-node-exporter; do $SUDO service "$s" stop >/dev/null 2>&1 || true; done
  fi
fi

# npm packages, exactly as each package-lock.json pins them: in tests/browser,
# playwright-core drives Debian's Chromium; in tests/chart, kubernetes-models
# validates the rendered chart's objects against the Kubernetes schemas.
for d in browser:playwright-core chart:kubernetes-models; do
  dir="$top/tests/${d%%:*}"
  [ -f "$dir/package-lock.json" ] || continue
  if [ ! -d "$dir/node_modules/${d#*:}" ]; then
    echo "setup-deps: npm ci in tests/${d%%:*}"
    (cd "$dir" && npm ci --no-audit --no-fund </dev/null)
  fi
done
