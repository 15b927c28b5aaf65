#!/usr/bin/env bash
# The image's base where no image registry can be reached: Debian bookworm, made with debootstrap from Debian's
# package archive (which is reachable), imported into the container tool's local storage.
#
#   deploy/container/base.sh [IMAGE]     # default localhost/hub-base:bookworm-debootstrap
#
# Environment:
#   CONTAINER_TOOL   podman (default) or docker
#   DEBIAN_MIRROR    the archive (default http://deb.debian.org/debian)
#
# The result is the release the Containerfile's BASE_IMAGE names (debian:bookworm-<date>-slim), at today's package
# versions rather than that date's: pass it as BASE_IMAGE only where the pinned image cannot be pulled.
# Needs root (debootstrap) and about five minutes. Does nothing if IMAGE exists.
set -euo pipefail

IMAGE="${1:-localhost/hub-base:bookworm-debootstrap}"
CONTAINER_TOOL="${CONTAINER_TOOL:-podman}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if "$CONTAINER_TOOL" image exists "$IMAGE" 2>/dev/null; then
    echo "base.sh: $IMAGE exists"
    exit 0
fi
command -v debootstrap >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap)

ROOTFS="$(mktemp -d)"
trap 'rm -rf "$ROOTFS"' EXIT
debootstrap --variant=minbase bookworm "$ROOTFS" "$DEBIAN_MIRROR" >"$ROOTFS.log" 2>&1 ||
    { tail -20 "$ROOTFS.log" >&2; exit 1; }
rm -f "$ROOTFS.log"
# The same sources as Debian's own image: the release, its updates and its security archive.
rm -f "$ROOTFS/etc/apt/sources.list"
cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# As Debian's slim image: no package lists, caches or documentation.
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
    "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*
tar -C "$ROOTFS" --numeric-owner -c . |
    "$CONTAINER_TOOL" import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$IMAGE"
echo "base.sh: imported $IMAGE"
