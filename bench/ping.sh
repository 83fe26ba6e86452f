#!/usr/bin/env bash
# Ping ingest benchmark (not a test): the local stack (release build) behind
# nginx, driven by wrk with GET /ping/<uuid> over many checks, next to two
# ceilings measured in the same run: nginx answering by itself, and pgbench
# running one "update the check, insert the ping" transaction per ping.
#
#   bench/ping.sh [--checks N] [--duration SECONDS] [--warmup SECONDS]
#                 [--connections N]
#
# The last line is machine-readable:
#   ping_rps=N ping_p99_ms=N non2xx=N nginx_rps=N pgbench_tps=N
set -euo pipefail
source "$(dirname "$0")/../deploy/local/lib/common.sh"

checks=1000 duration=15 warmup=5 connections=64
while (($#)); do
  case $1 in
    --checks) checks=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) die "unknown option $1 (see the header of $0)" ;;
  esac
done

"$TOCSIN_ROOT/tools/install-deps.sh"
make -C "$TOCSIN_ROOT" build >/dev/null

export TOCSIN_STATE_DIR=${TOCSIN_BENCH_STATE:-/tmp/tocsin-bench}
export TOCSIN_BUILD_DIR=$TOCSIN_ROOT/build/release
export TOCSIN_HTTP_PORT=28000 TOCSIN_GATEWAY_PORT=28081 TOCSIN_DATA_PORT=28051 \
  TOCSIN_SCHEDULER_PORT=28052 TOCSIN_PG_PORT=28432 \
  TOCSIN_GATEWAY_METRICS_PORT=29081 TOCSIN_DATA_METRICS_PORT=29051 \
  TOCSIN_SCHEDULER_METRICS_PORT=29052
export TOCSIN_RATE_LIMITS=off TOCSIN_NGINX_ACCESS_LOG=off TOCSIN_LOG_LEVEL=warning
work=$(mktemp -d /tmp/tocsin-bench-run.XXXXXX)
ceiling_pid=""
cleanup() {
  [[ -n $ceiling_pid ]] && kill -QUIT "$ceiling_pid" 2>/dev/null
  "$TOCSIN_ROOT/deploy/local/stack" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

log "== starting the stack (state in $TOCSIN_STATE_DIR)"
"$TOCSIN_ROOT/deploy/local/stack" start >/dev/null
stack_json=$TOCSIN_STATE_DIR/stack.json
base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["base_url"])' "$stack_json")

log "== creating $checks checks"
python3 - "$stack_json" "$checks" "$work/paths.txt" <<'PY'
import http.client, json, sys, urllib.parse
info = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
url = urllib.parse.urlsplit(info["base_url"])
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
headers = {"X-Api-Key": info["api_key"], "Content-Type": "application/json"}
conn.request("GET", "/api/v3/checks/?tag=bench", headers=headers)
have = [c["uuid"] for c in json.loads(conn.getresponse().read())["checks"]]
while len(have) < want:
    body = json.dumps({"name": f"bench {len(have)}", "tags": "bench", "timeout": 86400})
    conn.request("POST", "/api/v3/checks/", body, headers)
    resp = conn.getresponse()
    doc = json.loads(resp.read())
    if resp.status != 201:
        sys.exit(f"creating a check failed: {resp.status} {doc}")
    have.append(doc["uuid"])
with open(sys.argv[3], "w") as f:
    for u in have[:want]:
        f.write(f"/ping/{u}\n")
PY

# Parses wrk's output into "rps p50_ms p99_ms non2xx socket_errors total".
parse_wrk() {
  python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
lat = dict((p, ms(v, u)) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M))
total = int(re.search(r"(\d+) requests in ([\d.]+)s", text).group(1))
secs = float(re.search(r"(\d+) requests in ([\d.]+)s", text).group(2))
non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = sum(int(x) for x in sock.groups()) if sock else 0
ok = total - non2xx
print(f"{ok / secs:.1f} {lat.get('50', 0):.3f} {lat.get('99', 0):.3f} {non2xx} {errors} {total}")
PY
}

log "== ceiling 1: nginx answering by itself"
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
$(is_root && echo "user www-data;")
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
    fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
    keepalive_requests 100000;
    server { listen 127.0.0.1:28999; location / { return 200 "OK"; } }
}
CONF
"$(command -v nginx || echo /usr/sbin/nginx)" -c "$work/nginx/nginx.conf"
ceiling_pid=$(cat "$work/nginx/nginx.pid")
wrk -t2 -c"$connections" -d"$warmup"s "http://127.0.0.1:28999/" >/dev/null
wrk -t2 -c"$connections" -d"$duration"s --latency "http://127.0.0.1:28999/" >"$work/nginx.txt"
read -r nginx_rps _ <<<"$(parse_wrk "$work/nginx.txt")"
kill -QUIT "$ceiling_pid"; ceiling_pid=""

log "== Tocsin: GET /ping/<uuid> over $checks checks, $connections connections"
wrk -t2 -c"$connections" -d"$warmup"s -s "$TOCSIN_ROOT/bench/ping.lua" "$base" -- "$work/paths.txt" >/dev/null
export PGDATA_DIR
PGDATA_DIR=$(shared_dir "$TOCSIN_STATE_DIR")/pg
python3 "$TOCSIN_ROOT/bench/procstat.py" snapshot "$TOCSIN_STATE_DIR" "$work/cpu0.json"
wrk -t2 -c"$connections" -d"$duration"s --latency -s "$TOCSIN_ROOT/bench/ping.lua" "$base" \
  -- "$work/paths.txt" >"$work/ping.txt"
python3 "$TOCSIN_ROOT/bench/procstat.py" snapshot "$TOCSIN_STATE_DIR" "$work/cpu1.json"
read -r ping_rps ping_p50 ping_p99 non2xx sock_errors total <<<"$(parse_wrk "$work/ping.txt")"
sleep 2  # Idle, then measure memory.
python3 "$TOCSIN_ROOT/bench/procstat.py" report "$work/cpu0.json" "$work/cpu1.json" \
  "$total" "$TOCSIN_STATE_DIR" >"$work/cpu.txt"

log "== ceiling 2: pgbench, one transaction per ping (16 clients, 2 threads)"
pw=$(cat "$TOCSIN_STATE_DIR/secrets/db_password")
psql_bench() { PGPASSWORD=$pw psql -h 127.0.0.1 -p "$TOCSIN_PG_PORT" -U tocsin -d tocsin -qAt "$@"; }
psql_bench -c "DROP TABLE IF EXISTS bench_check_ids" \
  -c "CREATE TABLE bench_check_ids AS SELECT row_number() OVER (ORDER BY id)::int AS k, id FROM checks WHERE tags = 'bench' LIMIT $checks" \
  -c "ALTER TABLE bench_check_ids ADD PRIMARY KEY (k)"
nids=$(psql_bench -c "SELECT count(*) FROM bench_check_ids")
PGPASSWORD=$pw "$(pg_bindir)/pgbench" -h 127.0.0.1 -p "$TOCSIN_PG_PORT" -U tocsin -n -c 16 -j 2 \
  -T "$duration" -D nchecks="$nids" -f "$TOCSIN_ROOT/bench/ping_txn.sql" tocsin >"$work/pgbench.txt" 2>&1 ||
  { cat "$work/pgbench.txt" >&2; die "pgbench failed"; }
pgbench_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.txt" | head -n1)
psql_bench -c "DROP TABLE bench_check_ids"

cat <<REPORT

Ping ingest through nginx -> gateway -> data -> PostgreSQL ($(nproc) cores)
  checks: $checks   connections: $connections   duration: ${duration}s after ${warmup}s warm-up
  Tocsin pings (2xx):       $ping_rps /s   p50 ${ping_p50} ms   p99 ${ping_p99} ms
  answers that were not 2xx: $non2xx   socket errors: $sock_errors   requests: $total
  ceiling, nginx alone:      $nginx_rps /s
  ceiling, pgbench 1 txn/ping (16 clients): $pgbench_tps tps
$(grep -v '=' "$work/cpu.txt")

REPORT
echo "ping_rps=$ping_rps ping_p99_ms=$ping_p99 non2xx=$((non2xx + sock_errors)) nginx_rps=$nginx_rps pgbench_tps=$pgbench_tps $(grep '=' "$work/cpu.txt")"
