#!/usr/bin/env bash
# Installs what the swarm benchmark needs (aria2, opentracker, matplotlib), builds, and runs it:
# every default profile with p2p, direct and BitTorrent, leaving bench/results/swarm.{json,md,png}.
# Needs root (network namespaces). Extra arguments go to bench/swarm_bench.py, e.g.
#   scripts/bench.sh --profile n8-64m --methods p2p --timeline
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "bench.sh: the swarm benchmark builds network namespaces and needs root (run it with sudo)" >&2
  exit 1
fi
bash scripts/setup.sh --bench
bash scripts/build.sh
# Debian's python3-matplotlib belongs to /usr/bin/python3, not to another python3 on the PATH.
exec /usr/bin/python3 bench/swarm_bench.py "$@"
