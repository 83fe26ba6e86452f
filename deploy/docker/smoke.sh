#!/usr/bin/env bash
# Builds every image and runs the compose stack on this machine (podman +
# docker-compose), scaled, then drives it through the edge over HTTPS: a
# ping and an API call succeed; HTTP redirects to HTTPS; HSTS and security
# headers are there; static files come from nginx alone; the database and
# internal services are not published.
# Stops everything it started, also on failure.
#
#   deploy/docker/smoke.sh [--keep]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
[[ ${1:-} == --keep ]] && KEEP_STACK=1
export COMPOSE_PROJECT_NAME=tocsinsmoke
COMPOSE_FILES=(-f docker-compose.yml -f deploy/docker/compose.test.yml)
source deploy/docker/lib.sh
log() { echo "smoke: $*" >&2; }

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
command = services["postgres"].get("command") or []
for setting in ("shared_buffers=128MB", "max_wal_size=1GB"):
    if setting not in command:
        problems.append(f"postgres is not started with {setting} by default")
if problems:
    sys.exit("compose file: " + "; ".join(problems))
PY
log "compose file shape is right"
log "building images"
COMPOSE_TIMEOUT=2400 compose build >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; exit 1; }

start_healthchecks

# Sizes from the environment (.env), as deploy/README.md tells operators.
export TOCSIN_PG_SHARED_BUFFERS=96MB TOCSIN_PG_MAX_WAL_SIZE=512MB
log "starting (2 gateways, 2 data, 2 schedulers)"
compose up -d --scale web-gateway=2 --scale data=2 --scale scheduler=2 >"$work/up.log" 2>&1 ||
  { cat "$work/up.log"; compose logs --tail 30; exit 1; }

wait_edge 120 || { compose ps; compose logs --tail 40; exit 1; }
log "edge answers over HTTPS"

data=$(containers data | head -n1)
keys=$(podman exec -e TOCSIN_DATA_ADDR=127.0.0.1:8051 "$data" tocsinctl project create smoke)
api_key=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
check=$(curl -skf -X POST https://127.0.0.1/api/v3/checks/ -H "X-Api-Key: $api_key" -d '{"name": "smoke"}')
uuid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ping_url"].rsplit("/",1)[1])' "$check")
[[ $(curl -skf "https://127.0.0.1/ping/$uuid") == OK ]] || { echo "ping failed"; exit 1; }
n=$(curl -skf "https://127.0.0.1/api/v3/checks/$uuid" -H "X-Api-Key: $api_key" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["n_pings"])')
[[ $n == 1 ]] || { echo "n_pings is $n"; exit 1; }
log "ping and API work through the edge"

pg=$(containers postgres | head -n1)
sizes=$(podman exec "$pg" psql -U tocsin -d tocsin -Atc \
  "SELECT current_setting('shared_buffers') || ' ' || current_setting('max_wal_size')")
[[ $sizes == "96MB 512MB" ]] || { echo "postgres sizes: $sizes"; exit 1; }
log "postgres runs with the sizes from the environment ($sizes)"

headers=$(curl -skI "https://127.0.0.1/api/v3/status/")
grep -qi '^strict-transport-security: max-age=' <<<"$headers" || { echo "no HSTS"; exit 1; }
grep -qi '^x-content-type-options: nosniff' <<<"$headers" || { echo "no nosniff"; exit 1; }
redirect=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1/ping/$uuid")
[[ $redirect == "301 https://127.0.0.1/ping/$uuid" ]] || { echo "redirect: $redirect"; exit 1; }
log "redirect, HSTS and security headers are there"

# Static files: exported by the gateways into the shared volume at start,
# served by nginx itself (still there with every gateway stopped).
asset="favicon.$(sha256sum web/static/favicon.svg | cut -c1-12).svg"
compose stop web-gateway >/dev/null 2>&1
static_headers=$(curl -sk -m 10 -D - -o "$work/asset" "https://127.0.0.1/static/$asset")
cmp -s "$work/asset" web/static/favicon.svg ||
  { echo "static asset not served without gateways: $static_headers"; exit 1; }
grep -qi '^cache-control: max-age=31536000' <<<"$static_headers" ||
  { echo "fingerprinted asset without a long cache lifetime: $static_headers"; exit 1; }
compose start web-gateway >/dev/null 2>&1
wait_edge 120 || { echo "gateways did not come back"; compose ps; exit 1; }
log "static files served by nginx from the shared volume, gateways stopped"

published=$(podman ps --format '{{.Names}} {{.Ports}}' | grep "^${COMPOSE_PROJECT_NAME}_" | grep -v "_nginx_" | grep -c "0.0.0.0" || true)
[[ $published == 0 ]] || { echo "internal services publish ports"; podman ps; exit 1; }
log "only nginx publishes ports"

# The edge image in its Kubernetes mode (behind a TLS proxy): non-root,
# read-only root filesystem, plain HTTP on 8080, no redirect, static files
# exported by the gateway image's init step, client address and scheme
# taken from the proxy's X-Forwarded-* headers.
podman volume create tocsinsmoke_k8s_static >/dev/null
EXTRA_CLEANUP='podman rm -f tocsinsmoke_k8s_edge >/dev/null 2>&1; podman volume rm -f tocsinsmoke_k8s_static >/dev/null 2>&1'
timeout 60 podman run --rm --read-only --user 10001 -v tocsinsmoke_k8s_static:/srv/static \
  tocsin-gateway:latest export-static /srv/static >/dev/null ||
  { echo "export-static failed"; exit 1; }
timeout 60 podman run -d --name tocsinsmoke_k8s_edge --read-only --user 10001 --tmpfs /tmp \
  --cap-drop ALL --network "${COMPOSE_PROJECT_NAME}_edge" -p 127.0.0.1:18080:8080 \
  -v tocsinsmoke_k8s_static:/srv/static:ro -e TOCSIN_EDGE_MODE=behind-proxy \
  -e TOCSIN_EDGE_TRUSTED_PROXIES=0.0.0.0/0 tocsin-edge:latest >/dev/null ||
  { echo "behind-proxy edge did not start"; exit 1; }
for _ in $(seq 60); do
  curl -sf -m 5 -o /dev/null http://127.0.0.1:18080/readyz && break
  sleep 1
done
# The gateways were restarted just above, at new addresses; the edge
# reloads with them within its 5 s loop, and until then nginx does not
# retry a POST on the other upstream. /readyz (a GET, retried) cannot tell.
pcheck=""
for _ in $(seq 30); do
  pcheck=$(curl -skf -m 10 -X POST https://127.0.0.1/api/v3/checks/ -H "X-Api-Key: $api_key" \
    -d '{"name": "proxied"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["ping_url"].rsplit("/",1)[1])' 2>/dev/null) && break
  sleep 1
done
[[ -n $pcheck ]] || { echo "creating a check through the edge failed for 30 s"; compose ps; exit 1; }
proxied=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'X-Forwarded-Proto: https' \
  -H 'X-Forwarded-For: 203.0.113.7' "http://127.0.0.1:18080/ping/$pcheck")
[[ $proxied == 200 ]] ||
  { echo "behind-proxy edge answered $proxied"; podman logs --tail 20 tocsinsmoke_k8s_edge; exit 1; }
last=$(curl -skf "https://127.0.0.1/api/v3/checks/$pcheck/pings/" -H "X-Api-Key: $api_key" |
  python3 -c 'import json,sys; p=json.load(sys.stdin)["pings"][0]; print(p["scheme"], p["remote_addr"])')
[[ $last == "https 203.0.113.7" ]] || { echo "behind-proxy ping recorded as: $last"; exit 1; }
curl -sf -m 10 -o "$work/asset2" "http://127.0.0.1:18080/static/$asset" &&
  cmp -s "$work/asset2" web/static/favicon.svg || { echo "behind-proxy edge: no static files"; exit 1; }
podman rm -f tocsinsmoke_k8s_edge >/dev/null
log "edge behind a TLS proxy: no redirect, scheme and client from the proxy, static files, read-only and non-root"

# Backups in containers: the scheduler streams pg_dump's output from a data
# replica into its volume; the proof restores it into a scratch database.
sched=$(containers scheduler | head -n1)
# podman's DNS has hiccups here ("could not translate host name postgres"
# from the data replica's pg_dump, seen once): a few tries, as for the proof.
for _ in 1 2 3; do
  taken=$(timeout 300 podman exec "$sched" tocsinctl backup now 2>"$work/backup.err") && break
  echo "backup now failed, retrying: $(cat "$work/backup.err")" >&2
  taken=""
  sleep 3
done
[[ -n $taken ]] || { echo "backup now failed three times"; exit 1; }
# The replica holding the job's lease proves it; the other one skips. A run
# that cannot reach the database leaves the backup unproven for the next
# run (podman's DNS has hiccups here): a few tries.
for _ in 1 2 3; do
  for s in $(containers scheduler); do
    timeout 300 podman exec "$s" tocsinctl job run prove-backups >/dev/null || true
  done
  listed=$(timeout 60 podman exec "$sched" tocsinctl backup list)
  grep -q "^${taken%%$'\t'*}"$'\t'".*"$'\t'"proven" <<<"$listed" && break
  sleep 3
done
grep -q "^${taken%%$'\t'*}"$'\t'".*"$'\t'"proven" <<<"$listed" ||
  { echo "backup not proven: $listed"; exit 1; }
log "backup taken and proved in containers: ${taken%%$'\t'*}"

# Under load, kill one gateway and one data replica: every ping answered OK
# must be stored (restart policies bring them back). Six clients, a check
# each, paced below the per-check rate limit.
gw=$(containers web-gateway | head -n1)
dt=$(containers data | head -n1)
/usr/bin/python3 - "$api_key" "$gw" "$dt" >"$work/load.txt" <<'PY'
import http.client, json, ssl, subprocess, sys, threading, time
key, gw, dt = sys.argv[1:4]
ctx = ssl._create_unverified_context()
def connect():
    return http.client.HTTPSConnection("127.0.0.1", 443, context=ctx, timeout=15)
uuids = []
c = connect()
for i in range(6):
    c.request("POST", "/api/v3/checks/", json.dumps({"name": "load %d" % i}),
              {"X-Api-Key": key})
    uuids.append(json.loads(c.getresponse().read())["ping_url"].rsplit("/", 1)[1])
ok = [0] * 6
other = {}
lock = threading.Lock()
stop = time.monotonic() + 8
def client(i):
    conn = connect()
    while time.monotonic() < stop:
        try:
            conn.request("GET", "/ping/" + uuids[i])
            r = conn.getresponse()
            body, code = r.read(), r.status
        except (OSError, http.client.HTTPException) as e:
            code = type(e).__name__
            conn.close()
            conn = connect()
        with lock:
            if code == 200 and body == b"OK":
                ok[i] += 1
            else:
                other[code] = other.get(code, 0) + 1
        time.sleep(0.12)
threads = [threading.Thread(target=client, args=(i,)) for i in range(6)]
for t in threads: t.start()
time.sleep(2)
subprocess.run(["podman", "kill", gw], capture_output=True)
time.sleep(1)
subprocess.run(["podman", "kill", dt], capture_output=True)
for t in threads: t.join()
time.sleep(1)
lost = []
for i, u in enumerate(uuids):
    c = connect()
    c.request("GET", "/api/v3/checks/" + u, headers={"X-Api-Key": key})
    n = json.loads(c.getresponse().read())["n_pings"]
    if n < ok[i]:
        lost.append((u, n, ok[i]))
print(sum(ok), json.dumps(other, separators=(",", ":")), json.dumps(lost, separators=(",", ":")))
PY
read -r oks rest lost <"$work/load.txt"
[[ $lost == "[]" ]] || { echo "acknowledged pings lost: $lost"; exit 1; }
((oks > 100)) || { echo "too few pings succeeded under load: $oks ($rest)"; exit 1; }
log "killed a gateway and a data replica under load: $oks pings OK, all stored (other answers: $rest)"

# Down and up again: the data stays.
compose down >/dev/null 2>&1
compose up -d --scale web-gateway=2 --scale data=2 --scale scheduler=2 >"$work/up2.log" 2>&1 ||
  { cat "$work/up2.log"; exit 1; }
wait_edge 120 || { compose ps; exit 1; }
n2=$(curl -skf "https://127.0.0.1/api/v3/checks/$uuid" -H "X-Api-Key: $api_key" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["n_pings"])')
[[ $n2 == "$n" ]] || { echo "after down/up n_pings is $n2, was $n"; exit 1; }
log "down and up again: the data is kept"
log "OK"
