#!/bin/sh
# Build a local stand-in for the python:3.11-slim-bookworm base image, for machines that reach a
# Debian mirror but no image registry. tests/test_docker_image.py builds the real Dockerfile on it:
#
#   sudo tests/docker/make_base_image.sh            # → briefbot-base:bookworm
#   docker build --network host --build-arg PYTHON_IMAGE=briefbot-base:bookworm -t briefbot .
#
# Like the official image it has `python` and `pip` in /usr/local/bin (here a venv made from
# Debian's python3 3.11, so `pip install` is not refused as "externally managed"), LANG=C.UTF-8
# and ca-certificates. The CAs added on this host (/usr/local/share/ca-certificates/*.crt, e.g. a
# TLS-intercepting egress proxy's) are trusted in the image too, so `pip install` in the build
# reaches the package index exactly as the host's pip does; HOST_CAS=0 leaves them out.
# Needs root, debootstrap and a Docker daemon.
#
# Image name: $1, else $BRIEFBOT_TEST_BASE_IMAGE, else briefbot-base:bookworm.
# Mirror: $DEBIAN_MIRROR, else the Debian mirror apt is configured with, else deb.debian.org.
set -eu

image=${1:-${BRIEFBOT_TEST_BASE_IMAGE:-briefbot-base:bookworm}}

apt_mirror() {
    {
        grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
        grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}'
    } | grep -E '/debian/?$' | head -n 1
}
mirror=${DEBIAN_MIRROR:-$(apt_mirror)}
mirror=${mirror:-http://deb.debian.org/debian}

[ "$(id -u)" = 0 ] || { echo "$0: run as root (debootstrap and chroot need it)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "$0: apt-get install debootstrap" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "$0: no Docker daemon answers" >&2; exit 1; }

rootfs=$(mktemp -d /tmp/briefbot-base.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT INT TERM

echo "debootstrap bookworm from $mirror into $rootfs" >&2
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$rootfs" "$mirror"

if [ "${HOST_CAS:-1}" != 0 ] && ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
    mkdir -p "$rootfs/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates
fi

# python/pip on PATH as in the official image: a venv rooted at /usr/local.
chroot "$rootfs" /usr/bin/python3 -m venv /usr/local
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log

tar -C "$rootfs" --numeric-owner -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "$image" >/dev/null

docker run --rm --network host "$image" sh -c 'python --version && pip --version'
echo "built $image" >&2
