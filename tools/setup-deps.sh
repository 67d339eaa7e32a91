#!/usr/bin/env bash
# Installs, with apt-get, only the Debian packages rayc needs that are missing.
# Idempotent; runs `apt-get update` once, and only when something must be installed.
# Works as root on a fresh Debian bookworm with no stdin (CI); uses sudo otherwise.
set -euo pipefail

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
)

missing=()
for p in "${PKGS[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

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
