#!/usr/bin/env bash
# The edge's automatic certificates against Pebble (Let's Encrypt's test CA,
# Debian package `pebble`), with the edge image's own certbot and nginx:
#  1. the stack starts with DOMAINS set and serves a self-signed certificate;
#     the edge obtains one from Pebble over HTTP-01 (Pebble's DNS stand-in
#     resolves the domain to this host, whose port 80 is the edge) and
#     serves it without a restart;
#  2. a restart of the edge keeps it (persisted in the volume, no new order);
#  3. when the certificate comes due (simulated: the lineage's
#     renew_before_expiry is made longer than its validity), the renewal
#     loop renews it and nginx serves the new one, again without a restart.
# Builds the images when needed (smoke.sh usually did already). Every step
# is bounded in time; stops everything it started, also on failure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export COMPOSE_PROJECT_NAME=tocsinacme
DOMAIN=hc.tocsin.test
log() { echo "acme-test: $*" >&2; }
dpkg-query -W -f='${db:Status-Status}' pebble 2>/dev/null | grep -qx installed ||
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq pebble >/dev/null

pids=()
EXTRA_CLEANUP='for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done'
COMPOSE_FILES=(-f docker-compose.yml -f deploy/docker/compose.test.yml)
source deploy/docker/lib.sh
COMPOSE_FILES+=(-f "$work/acme.yml")

fail() {
  echo "acme-test: $*"
  for f in pebble challtestsrv; do echo "--- $f (last lines)"; grep -iv "calling handler" "$work/$f.log" | tail -n 10; done
  local edge; edge=$(containers nginx | head -n1)
  if [[ -n $edge ]]; then
    echo "--- edge log"; timeout 20 podman logs --tail 15 "$edge" 2>&1 || true
    echo "--- certbot"; timeout 20 podman exec "$edge" sh -c 'tail -n 15 /tmp/certbot*.log' 2>&1 || true
  fi
  exit 1
}

deploy/docker/make-secrets.sh >/dev/null
export SITE_ROOT=https://$DOMAIN DOMAINS=$DOMAIN ACME_EMAIL=ops@example.org
# Pebble's own TLS certificate (its directory is https) is trusted by the
# edge's certbot through REQUESTS_CA_BUNDLE; renewal checks every 5 s.
cat >"$work/acme.yml" <<YML
services:
  nginx:
    environment:
      REQUESTS_CA_BUNDLE: /etc/tocsin/acme-ca.pem
      ACME_RENEW_EVERY: "5"
      ACME_RENEW_JITTER: "off"
    volumes:
      - $work/pebble-cert.pem:/etc/tocsin/acme-ca.pem:ro
YML
touch "$work/pebble-cert.pem"
log "building images (cached when smoke.sh built them)"
COMPOSE_TIMEOUT=2400 compose build >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; exit 1; }
compose up --no-start >"$work/create.log" 2>&1 || { cat "$work/create.log"; exit 1; }

# Pebble listens where the containers reach this host: the edge network's
# gateway address.
net=$(podman network ls --format '{{.Name}}' | grep "^${COMPOSE_PROJECT_NAME}_edge$" || true)
[[ -n $net ]] || fail "compose created no edge network"
gw=$(podman network inspect "$net" --format '{{range .Subnets}}{{.Gateway}}{{end}}')
[[ -n $gw ]] || fail "no gateway address for $net"
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
for _ in $(seq 30); do curl -sk -m 2 -o /dev/null "https://127.0.0.1:14000/dir" && break; sleep 0.5; done
curl -sk -m 2 -o /dev/null "https://127.0.0.1:14000/dir" || fail "Pebble does not answer"
export ACME_DIRECTORY=https://$gw:14000/dir
log "Pebble is up; its directory for the edge: $ACME_DIRECTORY"

start_healthchecks
compose up -d >"$work/up.log" 2>&1 || { cat "$work/up.log"; fail "compose up failed"; }
wait_edge 120 || fail "the edge does not answer over HTTPS"
edge=$(containers nginx | head -n1)
started=$(podman inspect "$edge" --format '{{.State.StartedAt}}')

# Issuer and serial of the certificate the edge serves for DOMAIN.
served() {
  echo | timeout 10 openssl s_client -connect 127.0.0.1:443 -servername "$DOMAIN" 2>/dev/null |
    openssl x509 -noout -issuer -serial 2>/dev/null || true
}
serial_of() { sed -n 's/^serial=//p' <<<"$1"; }
# Waits until the served certificate satisfies the test given as a command.
wait_served() {
  local tries=$1; shift
  for _ in $(seq "$tries"); do
    got=$(served)
    "$@" && return 0
    sleep 1
  done
  return 1
}
from_pebble() { grep -qi pebble <<<"$got"; }

wait_served 120 from_pebble || fail "the edge never served Pebble's certificate: $got"
first_serial=$(serial_of "$got")
[[ $(podman inspect "$edge" --format '{{.State.StartedAt}}') == "$started" ]] ||
  fail "the edge restarted to take the certificate"
log "certificate obtained over HTTP-01 and served without a restart (serial $first_serial)"

orders() { grep -c "POST /order-plz" "$work/pebble.log" || true; }
orders_before=$(orders)
((orders_before > 0)) || fail "Pebble's log shows no order (the order count below would prove nothing)"
timeout 60 podman restart "$edge" >/dev/null 2>&1 || fail "podman restart of the edge failed"
same_serial() { [[ -n $got && $(serial_of "$got") == "$first_serial" ]]; }
wait_served 60 same_serial || fail "after a restart the edge serves another certificate: $got"
sleep 7  # One renewal check happens meanwhile and must leave it alone.
[[ $(orders) == "$orders_before" ]] || fail "the restart ordered a new certificate"
same_serial || fail "a renewal check replaced a certificate that was not due"
log "kept across a restart of the edge, no new order"

started=$(podman inspect "$edge" --format '{{.State.StartedAt}}')
timeout 30 podman exec "$edge" sh -c \
  'sed -i "1i renew_before_expiry = 100000 days" /etc/letsencrypt/renewal/tocsin-acme.conf' ||
  fail "could not make the certificate due"
other_serial() { from_pebble && [[ $(serial_of "$got") != "$first_serial" ]]; }
wait_served 90 other_serial || fail "a certificate that came due was not renewed: $got"
[[ $(podman inspect "$edge" --format '{{.State.StartedAt}}') == "$started" ]] ||
  fail "the edge restarted to renew"
# (Read whole first: with pipefail, grep -q stopping early would fail the
# pipeline through podman's SIGPIPE.)
edge_log=$(timeout 20 podman logs "$edge" 2>&1 || true)
grep -q "renewed" <<<"$edge_log" || fail "the edge did not log the renewal"
log "renewed when due and served without a restart (serial $(serial_of "$got"))"
log "OK"
