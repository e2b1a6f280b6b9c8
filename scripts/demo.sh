#!/usr/bin/env bash
# Installs what is needed, builds, and runs a local swarm that distributes one file:
# an origin, dfscheduler, a seed peer and three peers on loopback. Prints where the bytes came from.
# With --manager, dfmanager runs the cluster: daemons are given no scheduler address and find it
# through the manager.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec python3 scripts/demo.py "$@"
