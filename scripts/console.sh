#!/usr/bin/env bash
# Builds the web console (console/, docs/console.md) into console/dist: `npm ci` (only the npm
# registry is needed, and only when package-lock.json changed since the last install), then
# `npm run build` (type check + Vite). dfmanager serves console/dist (console.dir).
set -euo pipefail
cd "$(dirname "$0")/../console"
if ! command -v npm >/dev/null; then
  echo "console: npm is missing; run scripts/setup.sh" >&2
  exit 1
fi
stamp=node_modules/.df-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
npm run --silent build
