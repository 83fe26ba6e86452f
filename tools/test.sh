#!/usr/bin/env bash
# `make test`: builds (debug, with ASan and UBSan) and runs every test:
#   1. GoogleTest unit tests;
#   2. integration tests of the data service against a private PostgreSQL
#      cluster started here;
#   3. end-to-end tests that start the local stack and drive it through nginx;
#   4. (as root) the container images and the compose stack, and the edge's
#      ACME flow against Pebble.
set -euo pipefail
source "$(dirname "$0")/../deploy/local/lib/common.sh"
cd "$TOCSIN_ROOT"

"$TOCSIN_ROOT/tools/install-deps.sh"
cmake --preset debug >/dev/null
cmake --build --preset debug -j "$(nproc)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$TOCSIN_ROOT/tools/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

work=$(mktemp -d /tmp/tocsin-test.XXXXXX)
chmod 755 "$work"
pgshared=$(shared_dir "$work")
cleanup() {
  pg_cluster_down "$pgshared/pg" >/dev/null 2>&1 || true
  [[ $pgshared != "$work" ]] && rm -rf "$pgshared"
  rm -rf "$work"
}
trap cleanup EXIT

# A private cluster for the integration tests, on a port of its own.
pg_port=${TOCSIN_TEST_PG_PORT:-18432}
ensure_secret "$work/pg_password" 24
mkdir -p "$pgshared"
pg_cluster_up "$pgshared/pg" "$pg_port" tocsin "$work/pg_password" "$pgshared/postgres.log"
export TOCSIN_TEST_PG_HOST=127.0.0.1 TOCSIN_TEST_PG_PORT=$pg_port \
  TOCSIN_TEST_PG_USER=tocsin TOCSIN_TEST_PG_PASSWORD=$(cat "$work/pg_password")

echo "== unit and integration tests"
ctest --preset debug -j 2 --timeout 300

echo "== end-to-end tests (local stack through nginx)"
# Debian's own Python: the test receivers use its python3-aiosmtpd package
# (a python3 earlier on PATH, e.g. pyenv's, would not see it).
TOCSIN_BUILD_DIR=build/debug /usr/bin/python3 -m unittest discover -v -s tests/e2e -p 'test_*.py'
echo "== Kubernetes manifests (deploy/k8s/validate.sh)"
deploy/k8s/validate.sh
echo "== container images and the compose stack (deploy/docker/smoke.sh)"
if [[ $(id -u) -eq 0 ]]; then
  deploy/docker/smoke.sh
  echo "== automatic certificates against Pebble (deploy/docker/acme-test.sh)"
  deploy/docker/acme-test.sh
else
  echo "skipped: building images with podman needs root here" >&2
fi
echo "== all tests passed"
