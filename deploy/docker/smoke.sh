#!/usr/bin/env bash
# Builds every image and runs the compose stack on this machine (podman +
# docker-compose), scaled, then drives it through the edge over HTTPS: a
# ping and an API call succeed; HTTP redirects to HTTPS; HSTS and security
# headers are there; the database and internal services are not published.
# Stops everything it started, also on failure.
#
#   deploy/docker/smoke.sh [--keep]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
keep=0; [[ ${1:-} == --keep ]] && keep=1
export BUILDAH_FORMAT=docker
api_was_running=0; [[ -f /run/podman/tocsin-api.pid ]] && api_was_running=1
eval "export $(deploy/docker/podman-host.sh | tail -n1)"
export COMPOSE_PROJECT_NAME=tocsinsmoke
compose() { docker-compose -f docker-compose.yml -f deploy/docker/compose.test.yml "$@"; }
log() { echo "smoke: $*" >&2; }

work=$(mktemp -d /tmp/tocsin-smoke.XXXXXX)
hc_pid=""
cleanup() {
  [[ -n $hc_pid ]] && kill "$hc_pid" 2>/dev/null
  if ((keep == 0)); then
    compose down -v >/dev/null 2>&1 || true
    # The API socket too, when this run started it.
    ((api_was_running)) || deploy/docker/podman-host.sh stop
  fi
  rm -rf "$work"
}
trap cleanup EXIT

deploy/docker/make-secrets.sh >/dev/null
export SITE_ROOT=https://localhost

# The production compose file's shape (the file itself, not the override).
docker-compose -f docker-compose.yml config >"$work/config.yml"
/usr/bin/python3 - "$work/config.yml" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
services = doc["services"]
problems = []
for name, svc in services.items():
    if svc.get("ports") and name != "nginx":
        problems.append(f"{name} publishes ports")
    if not svc.get("restart"):
        problems.append(f"{name} has no restart policy")
    env = svc.get("environment") or {}
    for key, value in env.items():
        if any(w in key for w in ("PASSWORD", "SECRET", "TOKEN")) and not key.endswith("_FILE"):
            problems.append(f"{name} has the secret {key} in its environment")
    if name != "postgres" and "healthcheck" in svc and svc["healthcheck"].get("disable"):
        problems.append(f"{name} disables its health check")
if doc["networks"]["internal"].get("internal") is not True:
    problems.append("the internal network is not internal")
for name in ("data", "scheduler", "postgres"):
    if "edge" in (services[name].get("networks") or {}):
        problems.append(f"{name} is on the edge network")
if services["postgres"]["image"] != "postgres:15":
    problems.append("postgres is not pinned to major version 15")
if problems:
    sys.exit("compose file: " + "; ".join(problems))
PY
log "compose file shape is right"
log "building images"
compose build >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; exit 1; }

# podman 4.3 runs health checks from systemd timers, absent here.
( while true; do
    for c in $(podman ps --format '{{.Names}}' | grep "^${COMPOSE_PROJECT_NAME}_"); do
      podman healthcheck run "$c" >/dev/null 2>&1 || true
    done
    sleep 3
  done ) &
hc_pid=$!

log "starting (2 gateways, 2 data, 2 schedulers)"
compose up -d --scale web-gateway=2 --scale data=2 --scale scheduler=2 >"$work/up.log" 2>&1 ||
  { cat "$work/up.log"; compose logs --tail 30; exit 1; }

for _ in $(seq 120); do
  curl -skf https://127.0.0.1/readyz >/dev/null 2>&1 && break
  sleep 1
done
curl -skf https://127.0.0.1/readyz >/dev/null || { compose ps; compose logs --tail 40; exit 1; }
log "edge answers over HTTPS"

data=$(podman ps --format '{{.Names}}' | grep "^${COMPOSE_PROJECT_NAME}_data_" | head -n1)
keys=$(podman exec "$data" tocsinctl project create smoke)
api_key=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
check=$(curl -skf -X POST https://127.0.0.1/api/v3/checks/ -H "X-Api-Key: $api_key" -d '{"name": "smoke"}')
uuid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ping_url"].rsplit("/",1)[1])' "$check")
[[ $(curl -skf "https://127.0.0.1/ping/$uuid") == OK ]] || { echo "ping failed"; exit 1; }
n=$(curl -skf "https://127.0.0.1/api/v3/checks/$uuid" -H "X-Api-Key: $api_key" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["n_pings"])')
[[ $n == 1 ]] || { echo "n_pings is $n"; exit 1; }
log "ping and API work through the edge"

headers=$(curl -skI "https://127.0.0.1/api/v3/status/")
grep -qi '^strict-transport-security: max-age=' <<<"$headers" || { echo "no HSTS"; exit 1; }
grep -qi '^x-content-type-options: nosniff' <<<"$headers" || { echo "no nosniff"; exit 1; }
redirect=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1/ping/$uuid")
[[ $redirect == "301 https://127.0.0.1/ping/$uuid" ]] || { echo "redirect: $redirect"; exit 1; }
log "redirect, HSTS and security headers are there"

published=$(podman ps --format '{{.Names}} {{.Ports}}' | grep "^${COMPOSE_PROJECT_NAME}_" | grep -v "_nginx_" | grep -c "0.0.0.0" || true)
[[ $published == 0 ]] || { echo "internal services publish ports"; podman ps; exit 1; }
log "only nginx publishes ports"
log "OK"
