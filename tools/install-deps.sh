#!/usr/bin/env bash
# Installs, with apt-get, every Debian 12 package Tocsin needs to build, test,
# run and benchmark. Idempotent: does nothing when all are present.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config ccache git
  # libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libpqxx-dev libpq-dev libabsl-dev libboost-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libssl-dev libcurl4-openssl-dev libsodium-dev tzdata
  # run and test: PostgreSQL, nginx, curl, load generators
  postgresql postgresql-client nginx-light curl wrk postgresql-contrib
  python3 systemd
  # alerting tests: an SMTP sink; dashboard tests: a real browser
  python3-aiosmtpd chromium
  # Japanese text in the dashboard screenshots
  fonts-ipafont-gothic
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
    missing+=("$p")
  fi
done
# Node.js for the Kubernetes schema check and the test S3 server (npm
# packages): Debian's, unless a Node.js with npm is already there (these
# machines have Node 20 from elsewhere, which Debian's npm would clash with).
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "install-deps: missing packages; as root, run:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql package creates and starts a default cluster; Tocsin
# runs its own private clusters and never uses that one.
