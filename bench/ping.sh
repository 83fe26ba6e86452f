#!/usr/bin/env bash
# Ping ingest benchmark (not a test): the local stack (release build) behind
# nginx, driven by wrk with GET /ping/<uuid> over many checks, next to two
# ceilings measured in the same run: nginx answering by itself, and pgbench
# running one "update the check, insert the ping" transaction per ping.
#
#   bench/ping.sh [--checks N] [--connections N] [--duration SECONDS]
#                 [--warmup SECONDS] [--stored-pings N] [--burst]
#                 [--burst-connections N] [--burst-seconds S] [--profile]
#                 [--slugs]
#
#   --checks N          checks pinged (1,000); beyond the first, they are
#                       written straight into the database, already up
#   --stored-pings N    first fill the pings table to N rows (spread over the
#                       checks, with COPY-speed INSERT ... SELECT); e.g.
#                       --checks 100000 --stored-pings 10000000
#   --burst             the hour-top burst: before the steady run, wrk with
#                       --burst-connections (1,024) for --burst-seconds (10);
#                       reports answers by status, timeouts and the rate of
#                       2xx during the burst; the steady run right after it
#                       shows whether throughput recovered
#   --profile           perf profiles of gateway, data and PostgreSQL during
#                       the steady run; the top symbols of each are printed
#   --slugs             ping by slug (/ping/<ping key>/<slug>) instead of by
#                       UUID; checks without a slug are given one first
#
# PostgreSQL's shared_buffers and max_wal_size follow deploy/README.md's
# sizing (about 10 KB and 80 KB per check, at least the defaults 128MB and
# 1GB) unless TOCSIN_PG_SHARED_BUFFERS or TOCSIN_PG_MAX_WAL_SIZE is set;
# the WAL written per ping and the checkpoints during the run are reported.
# CPU per component (from /proc) and memory of the services are always
# reported. State (database, seeded checks and pings) is kept in
# TOCSIN_BENCH_STATE (/tmp/tocsin-bench) between runs.
#
# The last line is machine-readable:
#   ping_rps=N ping_p99_ms=N non2xx=N nginx_rps=N pgbench_tps=N
#   cpu_ms_per_ping=N services_rss_mb=N services_pss_mb=N [burst_...]
set -euo pipefail
source "$(dirname "$0")/../deploy/local/lib/common.sh"

checks=1000 duration=15 warmup=5 connections=64 stored_pings=0
burst=off burst_connections=1024 burst_seconds=10 profile=off slugs=off
while (($#)); do
  case $1 in
    --checks) checks=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --stored-pings) stored_pings=$2; shift 2 ;;
    --burst) burst=on; shift ;;
    --burst-connections) burst_connections=$2; shift 2 ;;
    --burst-seconds) burst_seconds=$2; shift 2 ;;
    --profile) profile=on; shift ;;
    --slugs) slugs=on; shift ;;
    *) die "unknown option $1 (see the header of $0)" ;;
  esac
done
for n in "$checks" "$duration" "$warmup" "$connections" "$stored_pings" \
  "$burst_connections" "$burst_seconds"; do
  [[ $n =~ ^[0-9]+$ ]] || die "not a whole number: $n"
done
((checks >= 1 && connections >= 1 && duration >= 1)) ||
  die "--checks, --connections and --duration must be at least 1"

"$TOCSIN_ROOT/tools/install-deps.sh"
make -C "$TOCSIN_ROOT" build >/dev/null
[[ $profile == off ]] || command -v perf >/dev/null ||
  die "--profile needs perf (apt-get install linux-perf)"

export TOCSIN_ROOT  # For the wrk scripts.
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

# PostgreSQL sized as deploy/README.md sizes it ("Many checks": buffers of
# about 10 KB per check pinged, never below the default 128MB; max_wal_size
# of about 80 KB per check in whole GB, never below the default 1GB); the
# pgbench ceiling runs on the same server.
shared_buffers_mb=$(((checks * 10 + 1023) / 1024))
((shared_buffers_mb >= 128)) || shared_buffers_mb=128
export TOCSIN_PG_SHARED_BUFFERS=${TOCSIN_PG_SHARED_BUFFERS:-${shared_buffers_mb}MB}
max_wal_size_gb=$(((checks * 80 + 1024 * 1024 - 1) / (1024 * 1024)))
((max_wal_size_gb >= 1)) || max_wal_size_gb=1
export TOCSIN_PG_MAX_WAL_SIZE=${TOCSIN_PG_MAX_WAL_SIZE:-${max_wal_size_gb}GB}

log "== starting the stack (state in $TOCSIN_STATE_DIR)"
# A stack left running on this state (by hand, or by a run still shutting
# down) has its own settings, rate limits perhaps: measure a fresh one.
"$TOCSIN_ROOT/deploy/local/stack" stop >/dev/null 2>&1 || true
"$TOCSIN_ROOT/deploy/local/stack" start >/dev/null
stack_json=$TOCSIN_STATE_DIR/stack.json
base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["base_url"])' "$stack_json")
pw=$(cat "$TOCSIN_STATE_DIR/secrets/db_password")
psql_bench() { PGPASSWORD=$pw psql -h 127.0.0.1 -p "$TOCSIN_PG_PORT" -U tocsin -d tocsin -qAt -v ON_ERROR_STOP=1 "$@"; }

# One check through the API (so the rows have the API's shape), the rest in
# bulk, as they would be after their first ping: up, with a deadline.
have=$(psql_bench -c "SELECT count(*) FROM checks WHERE tags = 'bench'")
if ((have == 0)); then
  log "== creating the first check through the API"
  python3 - "$stack_json" <<'PY'
import http.client, json, sys, urllib.parse
info = json.load(open(sys.argv[1]))
url = urllib.parse.urlsplit(info["base_url"])
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
headers = {"X-Api-Key": info["api_key"], "Content-Type": "application/json"}
conn.request("POST", "/api/v3/checks/",
             json.dumps({"name": "bench 0", "tags": "bench", "timeout": 86400}), headers)
resp = conn.getresponse()
if resp.status != 201:
    sys.exit(f"creating a check failed: {resp.status} {resp.read()!r}")
PY
  have=1
fi
if ((have < checks)); then
  log "== adding $((checks - have)) checks in bulk"
  psql_bench <<SQL
INSERT INTO checks (id, project_id, unique_key, badge_key, name, tags, timeout_s,
                    grace_s, status, last_ping, alert_after, alert_floor)
SELECT g.id, p.project_id, md5(g.id::text), gen_random_uuid(), 'bench ' || g.i,
       'bench', 86400, 3600, 'up', now(), now() + interval '25 hours',
       now() + interval '25 hours'
FROM (SELECT project_id FROM checks WHERE tags = 'bench' LIMIT 1) p,
     LATERAL (SELECT gen_random_uuid() AS id, i
              FROM generate_series($have, $((checks - 1))) i) g;
ANALYZE checks;
SQL
fi
if [[ $slugs == on ]]; then
  psql_bench -c "UPDATE checks SET slug = 'bench-' || left(id::text, 8) || '-' || right(id::text, 12)
    WHERE id IN (SELECT id FROM checks WHERE tags = 'bench' ORDER BY id LIMIT $checks) AND slug = ''"
  psql_bench -c "SELECT '/ping/' || p.ping_key || '/' || c.slug FROM checks c
    JOIN projects p ON p.id = c.project_id WHERE c.tags = 'bench' ORDER BY c.id LIMIT $checks" >"$work/paths.txt"
else
  psql_bench -c "SELECT '/ping/' || id FROM checks WHERE tags = 'bench' ORDER BY id LIMIT $checks" >"$work/paths.txt"
fi

# Rows stored now (n_pings counts every ping ever received, most of them
# pruned since).
stored=$(psql_bench -c "SELECT count(*) FROM pings")
if ((stored_pings > 0 && stored < stored_pings)); then
  per_check=$(((stored_pings + checks - 1) / checks))
  log "== storing about $stored_pings pings ($per_check per check; indexes rebuilt after)"
  started=$SECONDS
  # Without the key while loading (one sort at the end instead of ten
  # million random index insertions).
  psql_bench <<SQL
BEGIN;
ALTER TABLE pings DROP CONSTRAINT pings_pkey;
INSERT INTO pings (check_id, n, created, kind, scheme, method, remote_addr,
                   user_agent, body_size)
SELECT c.id, c.n_pings + g.n, now() - (($per_check - g.n) * interval '1 minute'),
       'success', 'http', 'GET', '127.0.0.1', 'bench-seed', 0
FROM (SELECT id, n_pings FROM checks WHERE tags = 'bench' ORDER BY id LIMIT $checks) c,
     generate_series(1, $per_check) g(n);
UPDATE checks SET n_pings = n_pings + $per_check
  WHERE id IN (SELECT id FROM checks WHERE tags = 'bench' ORDER BY id LIMIT $checks);
ALTER TABLE pings ADD PRIMARY KEY (check_id, n);
COMMIT;
VACUUM ANALYZE pings;
-- The load dirtied the whole table: write it out now, not in a checkpoint
-- during the measured run.
CHECKPOINT;
SQL
  log "   done in $((SECONDS - started)) s"
fi
# Each run starts from a vacuumed state: the stack lives a minute or two per
# run, autovacuum rarely finishes in that time, and the dead rows of earlier
# runs (millions after a few dozen) would otherwise make each run slower than
# the last. A long-running database is vacuumed as it goes.
log "== vacuuming what earlier runs left (VACUUM ANALYZE checks, pings; CHECKPOINT)"
started=$SECONDS
psql_bench -c "VACUUM ANALYZE checks, pings" -c "CHECKPOINT"
log "   done in $((SECONDS - started)) s"
stored_now=$(psql_bench -c "SELECT count(*) FROM pings")

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
worker_processes ${TOCSIN_NGINX_WORKERS:-auto};  # As the stack's nginx.
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

export PGDATA_DIR
PGDATA_DIR=$(shared_dir "$TOCSIN_STATE_DIR")/pg
log "== Tocsin: GET /ping/$([[ $slugs == on ]] && echo "<ping key>/<slug>" || echo "<uuid>") over $checks checks, $connections connections"
wrk -t2 -c"$connections" -d"$warmup"s -s "$TOCSIN_ROOT/bench/ping.lua" "$base" -- "$work/paths.txt" >/dev/null

burst_line=""
if [[ $burst == on ]]; then
  log "== burst: $burst_connections connections for ${burst_seconds}s"
  # wrk's own timeout (2 s) counts requests that got no answer in time.
  (ulimit -n 65536 2>/dev/null || true
   wrk -t2 -c"$burst_connections" -d"$burst_seconds"s --timeout 2s --latency \
     -s "$TOCSIN_ROOT/bench/ping_status.lua" "$base" -- "$work/paths.txt" >"$work/burst.txt")
  read -r burst_rps _ burst_p99 _ burst_sock _ <<<"$(parse_wrk "$work/burst.txt")"
  burst_statuses=$(sed -n 's/^statuses: //p' "$work/burst.txt")
  burst_timeouts=$(sed -n 's/.*timeout \([0-9]*\).*/\1/p' "$work/burst.txt")
  burst_timeouts=${burst_timeouts:-0}
  burst_rejected=$(python3 -c '
import sys
counts = dict(kv.split("=") for kv in sys.argv[1].split())
print(sum(int(v) for k, v in counts.items() if k in ("429", "503")))' "$burst_statuses")
  burst_line="burst_rps=$burst_rps burst_p99_ms=$burst_p99 burst_rejected=$burst_rejected burst_timeouts=$burst_timeouts burst_socket_errors=$burst_sock"
fi

# WAL written and checkpoints begun over the measured run: a checkpoint
# makes each page's next change write a full-page image. (Each connection
# adds its WAL to pg_stat_wal about once a second: the two ends of a 15 s
# run mostly cancel.) PostgreSQL 17 moved the checkpoint counts.
if (($(psql_bench -c "SHOW server_version_num") >= 170000)); then
  checkpoint_counts="SELECT num_requested + num_timed FROM pg_stat_checkpointer"
else
  checkpoint_counts="SELECT checkpoints_req + checkpoints_timed FROM pg_stat_bgwriter"
fi
wal_stats() {
  psql_bench -F ' ' -c "SELECT wal_bytes, wal_fpi, ($checkpoint_counts) FROM pg_stat_wal" 2>/dev/null ||
    echo "- - -"
}
read -r wal_bytes0 wal_fpi0 checkpoints0 <<<"$(wal_stats)"
python3 "$TOCSIN_ROOT/bench/procstat.py" snapshot "$TOCSIN_STATE_DIR" "$work/cpu0.json"
perf_pids=()
if [[ $profile == on ]]; then
  for name in gateway data; do
    perf record -F 999 -g -p "$(cat "$TOCSIN_STATE_DIR/run/$name.pid")" \
      -o "$work/perf.$name" -- sleep "$duration" >/dev/null 2>&1 &
    perf_pids+=($!)
  done
  pg_backends=$(pgrep -d, -P "$(head -n1 "$PGDATA_DIR/postmaster.pid")" || true)
  perf record -F 999 -g -p "$pg_backends" -o "$work/perf.postgres" -- sleep "$duration" >/dev/null 2>&1 &
  perf_pids+=($!)
fi
TIMEFORMAT='%U %S'
{ time wrk -t2 -c"$connections" -d"$duration"s --latency -s "$TOCSIN_ROOT/bench/ping.lua" "$base" \
  -- "$work/paths.txt" >"$work/ping.txt"; } 2>"$work/wrk_time.txt"
python3 "$TOCSIN_ROOT/bench/procstat.py" snapshot "$TOCSIN_STATE_DIR" "$work/cpu1.json"
read -r wal_bytes1 wal_fpi1 checkpoints1 <<<"$(wal_stats)"
for p in "${perf_pids[@]}"; do wait "$p" || true; done
read -r ping_rps ping_p50 ping_p99 non2xx sock_errors total <<<"$(parse_wrk "$work/ping.txt")"
batches=$(curl -fsS "http://127.0.0.1:$TOCSIN_DATA_METRICS_PORT/metrics" | python3 -c '
import sys
m = {}
for line in sys.stdin:
    if line.startswith("tocsin_ping_batch_"):
        k, v = line.split()[:2]
        m[k] = float(v)
n = m.get("tocsin_ping_batch_size_count", 0)
if n:
    size = m["tocsin_ping_batch_size_sum"] / n
    ms = 1000 * m["tocsin_ping_batch_seconds_sum"] / n
    # How each batch went: from the ping state cache, redone after a stale
    # entry, or with a lookup.
    ways = ", ".join("%s %d" % (w, m.get("tocsin_ping_batch_paths_total{path=\"%s\"}" % w, 0))
                     for w in ("cached", "stale", "lookup"))
    print(f"{size:.1f} pings per transaction, {ms:.2f} ms each (since the start; {ways})")
else:
    print("no batches recorded")')
hot=$(psql_bench -c "SELECT round(100.0 * n_tup_hot_upd / greatest(n_tup_upd, 1), 1) FROM pg_stat_user_tables WHERE relname = 'checks'")
sleep 2  # Idle, then measure memory.
LOAD_CPU_SECONDS=$(awk '{print $1 + $2}' "$work/wrk_time.txt") \
  python3 "$TOCSIN_ROOT/bench/procstat.py" report "$work/cpu0.json" "$work/cpu1.json" \
  "$total" "$TOCSIN_STATE_DIR" >"$work/cpu.txt"

if [[ $wal_bytes0 == - || $wal_bytes1 == - ]]; then
  wal_line="n/a (pg_stat_wal could not be read)"
else
  per=$((total > 0 ? total : 1))
  wal_line="$(((wal_bytes1 - wal_bytes0) / per)) bytes per ping, $(((wal_fpi1 - wal_fpi0) * 1000 / per)) full-page images per 1,000 pings; checkpoints begun: $((checkpoints1 - checkpoints0))"
fi

log "== ceiling 2: pgbench, one transaction per ping (16 clients, 2 threads)"
psql_bench -c "DROP TABLE IF EXISTS bench_check_ids" \
  -c "CREATE TABLE bench_check_ids AS SELECT row_number() OVER (ORDER BY id)::int AS k, id FROM checks WHERE tags = 'bench' ORDER BY id LIMIT $checks" \
  -c "ALTER TABLE bench_check_ids ADD PRIMARY KEY (k)"
nids=$(psql_bench -c "SELECT count(*) FROM bench_check_ids")
PGPASSWORD=$pw "$(pg_bindir)/pgbench" -h 127.0.0.1 -p "$TOCSIN_PG_PORT" -U tocsin -n -c 16 -j 2 \
  -T "$duration" -D nchecks="$nids" -f "$TOCSIN_ROOT/bench/ping_txn.sql" tocsin >"$work/pgbench.txt" 2>&1 ||
  { cat "$work/pgbench.txt" >&2; die "pgbench failed"; }
pgbench_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.txt" | head -n1)
psql_bench -c "DROP TABLE bench_check_ids"
ratio=$(python3 -c "import sys; print(f'{float(sys.argv[1]) / max(float(sys.argv[2]), 1):.2f}')" "$ping_rps" "$pgbench_tps")

cat <<REPORT

Ping ingest through nginx -> gateway -> data -> PostgreSQL ($(nproc) cores)
  checks: $checks   stored pings before the run: $stored_now   connections: $connections   duration: ${duration}s after ${warmup}s warm-up
  PostgreSQL: shared_buffers $(psql_bench -c "SHOW shared_buffers"), max_wal_size $(psql_bench -c "SHOW max_wal_size")
REPORT
if [[ $burst == on ]]; then
  cat <<REPORT
  burst before the run: $burst_connections connections for ${burst_seconds}s
    2xx: $burst_rps /s   p99 ${burst_p99} ms   answers by status: $burst_statuses
    refused with 429/503: $burst_rejected   timed out (no answer in 2 s): $burst_timeouts   socket errors: $burst_sock
REPORT
fi
cat <<REPORT
  Tocsin pings (2xx):       $ping_rps /s   p50 ${ping_p50} ms   p99 ${ping_p99} ms   (${ratio}x the pgbench ceiling)
  answers that were not 2xx: $non2xx   socket errors: $sock_errors   requests: $total
  ceiling, nginx alone:      $nginx_rps /s
  ceiling, pgbench 1 txn/ping (16 clients): $pgbench_tps tps
  data service batches: $batches
  check updates that were heap-only (HOT): ${hot}%
  PostgreSQL's WAL over the run: $wal_line
$(grep -v '=' "$work/cpu.txt")
REPORT
if [[ $profile == on ]]; then
  for name in gateway data postgres; do
    echo "  profile, $name (top symbols, self time):"
    top=$(perf report -i "$work/perf.$name" --no-children --sort dso,symbol -g none \
      --percent-limit 1.5 2>/dev/null | grep -E '^ +[0-9]' | head -n 15 |
      sed -E 's/ +/ /g; s/^/    /' | cut -c1-150 || true)
    echo "${top:-    (no samples)}"
  done
fi
echo
echo "ping_rps=$ping_rps ping_p99_ms=$ping_p99 non2xx=$((non2xx + sock_errors)) nginx_rps=$nginx_rps pgbench_tps=$pgbench_tps $(grep '=' "$work/cpu.txt")${burst_line:+ $burst_line}$([[ $slugs == on ]] && echo " ping_by=slug")"
