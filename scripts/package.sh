#!/usr/bin/env bash
# Builds the Debian package dist/dragonfly-cpp_<version>_<arch>.deb from the normal build tree
# (binaries stripped, installed under /usr, configs in /etc/dragonfly, systemd units).
# Usage: scripts/package.sh            (after scripts/build.sh, or it builds what it needs)
#        scripts/package.sh --all      also the container images, PostgreSQL's for the compose stack
#                                      included (scripts/images.sh --postgres)
# See docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."
all=0
if [ "${1:-}" = --all ]; then all=1; fi
build_dir=${BUILD_DIR:-build}
dist=${DIST_DIR:-$PWD/dist}
scripts/setup.sh
cmake -S . -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir" -j "${JOBS:-2}" --target dfdaemon dfget dfscheduler dfmanager dfcert
scripts/console.sh  # console/dist, installed under /usr/share/dragonfly/console
mkdir -p "$dist"
(cd "$build_dir" && cpack -G DEB -B "$dist" >/dev/null)
rm -rf "$dist/_CPack_Packages"
deb=$(ls -t "$dist"/dragonfly-cpp_*.deb | head -1)
echo "package: $deb"
dpkg-deb --info "$deb" | sed -n 's/^ \(Version\|Depends\|Installed-Size\):/  \1:/p'
if [ "$all" = 1 ]; then
  scripts/images.sh --postgres "$deb"
fi
