#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the demo need. Idempotent; needs root.
# `scripts/setup.sh --bench` also installs what bench/swarm_bench.py compares against (aria2c,
# opentracker) and plots with (matplotlib).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev
  libspdlog-dev libfmt-dev libcli11-dev libsqlite3-dev libpqxx-dev liblz4-dev libzstd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 curl nginx-light postgresql
  clang libclang-rt-14-dev
  docker-registry containerd skopeo umoci apache2-utils ca-certificates
  iproute2
  mmdebstrap systemd podman buildah uidmap python3-yaml podman-compose
  golang-github-containernetworking-plugin-dnsname
)
# The web console (scripts/console.sh) needs Node.js and npm; its browser tests Debian's Chromium.
# A Node.js from elsewhere (with its own npm) is kept.
packages+=(chromium)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
if [ "${1:-}" = "--bench" ]; then
  packages+=(aria2 opentracker python3-matplotlib)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages (${missing[*]}); run as root or install them with apt-get" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
