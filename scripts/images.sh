#!/usr/bin/env bash
# Builds the container images $IMAGE_PREFIX/{dfdaemon,dfscheduler,dfmanager}:<version> (default prefix
# localhost/dragonfly-cpp)
# offline from Debian's packages: a minimal Debian 12 root (mmdebstrap) with the project's .deb
# installed by apt, then one image per component (buildah): same layer, its own entrypoint,
# ports, non-root user and OCI labels (version, source revision). No compilers inside.
# Usage: scripts/images.sh [--postgres] [DEB]   (default: the newest dist/dragonfly-cpp_*.deb; builds
#        it if none; --postgres also builds $IMAGE_PREFIX/postgres:15 for deploy/compose)
# See docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${DIST_DIR:-$PWD/dist}
if [ "${1:-}" = --postgres ]; then IMAGES_POSTGRES=1; shift; fi
deb=${1:-}
if [ -z "$deb" ]; then
  deb=$(ls -t "$dist"/dragonfly-cpp_*.deb 2>/dev/null | head -1 || true)
  [ -n "$deb" ] || { scripts/package.sh >/dev/null; deb=$(ls -t "$dist"/dragonfly-cpp_*.deb | head -1); }
fi
command -v mmdebstrap >/dev/null && command -v buildah >/dev/null || scripts/setup.sh
version=$(dpkg-deb -f "$deb" Version)
sources=${DEBIAN_SOURCES:-/etc/apt/sources.list.d/debian.sources}
prefix=${IMAGE_PREFIX:-localhost/dragonfly-cpp}  # images are $prefix/<component>:<version>
# The user's fixed uid and gid in the images (the package picks a free one on a host), so that
# Kubernetes manifests can name it (runAsUser, fsGroup; deploy/kubernetes).
uid=10001
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "images: root file system from $sources with $(basename "$deb")"
name=$(basename "$deb")
mmdebstrap --variant=minbase --quiet \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/dragonfly-cpp/*' \
  --customize-hook="chroot \"\$1\" groupadd --system --gid $uid dragonfly" \
  --customize-hook="chroot \"\$1\" useradd --system --uid $uid --gid $uid --home-dir /var/lib/dragonfly --no-create-home --shell /usr/sbin/nologin dragonfly" \
  --customize-hook="copy-in $deb /tmp" \
  --customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/$name >/dev/null" \
  --customize-hook='rm -f "$1"/tmp/*.deb; chroot "$1" apt-get clean; rm -rf "$1"/var/lib/apt/lists/*' \
  bookworm "$work/rootfs.tar" "$sources"

mkdir -m 0750 "$work/run"
# The label names the revision the binaries say they are built from.
tar -xf "$work/rootfs.tar" -C "$work" ./usr/bin/dfscheduler
revision=$("$work/usr/bin/dfscheduler" --version | sed -n 's/.*(revision \(.*\))$/\1/p')

build_image() {  # component, ports..., then the command after --
  local component=$1; shift
  local ports=()
  while [ "$1" != -- ]; do ports+=(--port "$1"); shift; done
  shift
  local c
  c=$(buildah from scratch)
  buildah add --quiet "$c" "$work/rootfs.tar" / >/dev/null
  # The daemon's socket directory (mmdebstrap leaves /run empty), as tmpfiles.d would make it.
  buildah add --quiet --chown dragonfly:dragonfly --chmod 0750 "$c" "$work/run" /run/dragonfly >/dev/null
  buildah config --user dragonfly:dragonfly --workingdir /var/lib/dragonfly "${ports[@]}" \
    --entrypoint "[\"/usr/bin/$component\"]" --cmd "$*" \
    --label org.opencontainers.image.title="$component" \
    --label org.opencontainers.image.version="$version" \
    --label org.opencontainers.image.revision="$revision" \
    --label org.opencontainers.image.source="dragonfly-cpp" \
    --label org.opencontainers.image.description="dragonfly-cpp $component (docs/deploy.md)" "$c"
  buildah commit --quiet --rm "$c" "$prefix/$component:$version" >/dev/null
  echo "images: $prefix/$component:$version"
}
build_image dfscheduler 8002 8000 -- --config /etc/dragonfly/dfscheduler.yaml
build_image dfdaemon 65001 65002 -- --config /etc/dragonfly/dfdaemon.yaml --socket /run/dragonfly/dfdaemon.sock
build_image dfmanager 8080 -- --config /etc/dragonfly/dfmanager.yaml

# With --postgres (or IMAGES_POSTGRES=1): the compose stack's database, Debian's PostgreSQL 15 in a
# root of its own, run by packaging/postgres/entrypoint.sh as the user postgres.
if [ "${IMAGES_POSTGRES:-0}" = 1 ]; then
  mmdebstrap --variant=minbase --quiet --include=postgresql-15 \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --customize-hook='chroot "$1" pg_dropcluster 15 main || true' \
    --customize-hook='chroot "$1" install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data' \
    --customize-hook='chroot "$1" apt-get clean; rm -rf "$1"/var/lib/apt/lists/*' \
    bookworm "$work/postgres.tar" "$sources"
  c=$(buildah from scratch)
  buildah add --quiet "$c" "$work/postgres.tar" / >/dev/null
  buildah add --quiet --chmod 0755 "$c" packaging/postgres/entrypoint.sh /usr/local/bin/postgres-entrypoint >/dev/null
  buildah config --user postgres --env PGDATA=/var/lib/postgresql/data --port 5432 \
    --entrypoint '["/usr/local/bin/postgres-entrypoint"]' --cmd "" \
    --label org.opencontainers.image.title=postgres --label org.opencontainers.image.version=15 \
    --label org.opencontainers.image.description="PostgreSQL 15 from Debian for the dragonfly-cpp compose stack" "$c"
  buildah commit --quiet --rm "$c" "$prefix/postgres:15" >/dev/null
  echo "images: $prefix/postgres:15"
fi
