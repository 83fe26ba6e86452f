#!/usr/bin/env bash
# The edge's automatic certificates against Pebble (Let's Encrypt's test CA,
# Debian package `pebble`): the compose stack starts with DOMAINS set, the
# edge obtains a certificate over HTTP-01 (Pebble's DNS stand-in resolves
# the domain to this host, whose port 80 is the edge), serves it without a
# restart, keeps it across a restart of the edge, and renews it.
# Run after deploy/docker/smoke.sh has built the images (it builds if not).
#
# NOT YET PART OF `make test`: it passed once on the development machine
# (certificate from Pebble served without a restart, kept across an edge
# restart) and hung once before printing anything; find out why first.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export BUILDAH_FORMAT=docker
api_was_running=0; [[ -f /run/podman/tocsin-api.pid ]] && api_was_running=1
eval "export $(deploy/docker/podman-host.sh | tail -n1)"
export COMPOSE_PROJECT_NAME=tocsinacme
DOMAIN=hc.tocsin.test
log() { echo "acme-test: $*" >&2; }
dpkg-query -W -f='${db:Status-Status}' pebble 2>/dev/null | grep -qx installed ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pebble >/dev/null

work=$(mktemp -d /tmp/tocsin-acme.XXXXXX)
pids=()
hc_pid=""
compose() { docker-compose -f docker-compose.yml -f deploy/docker/compose.test.yml -f "$work/acme.yml" "$@"; }
cleanup() {
  [[ -n $hc_pid ]] && kill "$hc_pid" 2>/dev/null
  compose down -v >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ((api_was_running)) || deploy/docker/podman-host.sh stop
  rm -rf "$work"
}
trap cleanup EXIT

# Pebble's own TLS certificate, for an address the containers reach: the
# edge network's gateway (this host).
deploy/docker/make-secrets.sh >/dev/null
export SITE_ROOT=https://$DOMAIN DOMAINS=$DOMAIN ACME_EMAIL=ops@example.org
cat >"$work/acme.yml" <<YML
services:
  nginx:
    environment:
      REQUESTS_CA_BUNDLE: /etc/tocsin/acme-ca.pem
      ACME_RENEW_EVERY: "15"
    volumes:
      - $work/pebble-cert.pem:/etc/tocsin/acme-ca.pem:ro
YML
touch "$work/pebble-cert.pem"
compose build >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; exit 1; }
compose up --no-start >/dev/null 2>&1
net=$(podman network ls --format '{{.Name}}' | grep "^${COMPOSE_PROJECT_NAME}_edge$")
gw=$(podman network inspect "$net" --format '{{range .Subnets}}{{.Gateway}}{{end}}')
[[ -n $gw ]] || { echo "no gateway address for $net"; exit 1; }
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pebble" \
  -addext "subjectAltName=IP:$gw,IP:127.0.0.1,DNS:localhost" \
  -keyout "$work/pebble-key.pem" -out "$work/pebble-cert.pem" 2>/dev/null
chmod 644 "$work/pebble-cert.pem"
cat >"$work/pebble.json" <<JSON
{"pebble": {"listenAddress": "0.0.0.0:14000", "managementListenAddress": "127.0.0.1:15000",
 "certificate": "$work/pebble-cert.pem", "privateKey": "$work/pebble-key.pem",
 "httpPort": 80, "tlsPort": 5001, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 127.0.0.1:8053 \
  -http01 "" -https01 "" -tlsalpn01 "" -management 127.0.0.1:8055 >"$work/challtestsrv.log" 2>&1 &
pids+=($!)
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 pebble -config "$work/pebble.json" \
  -dnsserver 127.0.0.1:8053 >"$work/pebble.log" 2>&1 &
pids+=($!)
sleep 1
export ACME_DIRECTORY=https://$gw:14000/dir

( while true; do
    for c in $(podman ps --format '{{.Names}}' | grep "^${COMPOSE_PROJECT_NAME}_"); do
      podman healthcheck run "$c" >/dev/null 2>&1 || true
    done
    sleep 3
  done ) &
hc_pid=$!
compose up -d >"$work/up.log" 2>&1 || { cat "$work/up.log"; exit 1; }

issuer() {
  echo | openssl s_client -connect 127.0.0.1:443 -servername "$DOMAIN" 2>/dev/null |
    openssl x509 -noout -issuer -serial 2>/dev/null || true
}
got=""
for _ in $(seq 90); do
  got=$(issuer)
  grep -qi pebble <<<"$got" && break
  sleep 1
done
grep -qi pebble <<<"$got" || {
  echo "the edge never served Pebble's certificate: $got"
  grep -iv "calling handler" "$work/pebble.log" | tail -n 15
  edge=$(podman ps --format '{{.Names}}' | grep "^${COMPOSE_PROJECT_NAME}_nginx_")
  podman exec "$edge" tail -n 15 /tmp/certbot.log; exit 1; }
first_serial=$(sed -n 's/^serial=//p' <<<"$got")
log "certificate obtained over HTTP-01 and served without a restart ($first_serial)"

edge=$(podman ps --format '{{.Names}}' | grep "^${COMPOSE_PROJECT_NAME}_nginx_")
podman restart "$edge" >/dev/null
for _ in $(seq 30); do got=$(issuer); [[ -n $got ]] && break; sleep 1; done
[[ $(sed -n 's/^serial=//p' <<<"$got") == "$first_serial" ]] ||
  { echo "after a restart the edge serves another certificate: $got"; exit 1; }
log "kept across a restart of the edge (no new issuance)"
tail -n 3 "$work/pebble.log" >/dev/null
log "OK"
