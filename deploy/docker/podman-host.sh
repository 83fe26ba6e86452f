#!/usr/bin/env bash
# Makes this Debian 12 machine able to build our images and run the compose
# stack without a Docker engine: podman + buildah + Debian's docker-compose
# against podman's Docker-compatible socket (see ../shared/TOOLCHAIN.md).
# Idempotent. Prints the DOCKER_HOST to export.
#
#   deploy/docker/podman-host.sh          prepare, start the API socket
#   deploy/docker/podman-host.sh stop     stop the API socket we started
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SOCK=/run/podman/podman.sock
PIDFILE=/run/podman/tocsin-api.pid

if [[ ${1:-} == stop ]]; then
  if [[ -f $PIDFILE ]]; then kill "$(cat "$PIDFILE")" 2>/dev/null || true; rm -f "$PIDFILE"; fi
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { echo "podman-host: run as root" >&2; exit 1; }

# netavark programs the firewall with iptables (not pulled in without
# recommends; missing, every container start fails with "netavark: No such
# file or directory").
pkgs=(podman buildah runc netavark aardvark-dns iptables debootstrap uidmap fuse-overlayfs slirp4netns docker-compose)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# runc (crun fails on this cgroup layout) and limits no higher than ours.
conf=/etc/containers/containers.conf
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu); [[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
want="[engine]
runtime = \"runc\"

[containers]
default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]"
if [[ ! -f $conf ]] || [[ $(cat "$conf") != "$want" ]]; then
  mkdir -p /etc/containers
  printf '%s\n' "$want" >"$conf"
fi

# No registry is reachable: the base image is made from Debian's archive.
if ! podman image exists docker.io/library/debian:bookworm-slim; then
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
  [[ -n $mirror ]] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
  rootfs=$(mktemp -d /tmp/tocsin-rootfs.XXXXXX)
  echo "podman-host: building the base image from $mirror (about a minute)" >&2
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import --change 'CMD ["bash"]' - localhost/debian:bookworm-slim >/dev/null
  podman tag localhost/debian:bookworm-slim docker.io/library/debian:bookworm-slim
  rm -rf "$rootfs"
fi

# The Docker-compatible API for docker-compose.
if ! [[ -S $SOCK ]] || ! curl -fsS --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; then
  mkdir -p /run/podman
  setsid podman system service --time=0 "unix://$SOCK" >/tmp/podman-api.log 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 50); do
    curl -fsS --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
echo "DOCKER_HOST=unix://$SOCK"
