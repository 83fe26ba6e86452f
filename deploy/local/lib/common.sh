# Shared helpers of the local stack and the test harness. Source, don't run.

TOCSIN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# Newest PostgreSQL server binaries installed by Debian's packages.
pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [[ -x $d/postgres ]] || die "PostgreSQL server not installed (run tools/install-deps.sh)"
  printf '%s\n' "$d"
}

# A directory the PostgreSQL server user and nginx workers can reach for this
# state directory. A checkout under a closed home directory (/root) is out of
# their reach, so as root such files live under /var/lib/tocsin/<hash>.
shared_dir() {
  local state=$1
  if is_root; then
    local id
    id=$(printf '%s' "$state" | sha1sum | cut -c1-12)
    printf '/var/lib/tocsin/%s\n' "$id"
  else
    printf '%s\n' "$state"
  fi
}

# Runs a command as the PostgreSQL cluster's owner.
as_pg() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A size for PostgreSQL (shared_buffers, max_wal_size) as the stack passes
# it on (it goes into pg_ctl's -o, which a shell reads): empty, or whole MB
# or GB.
is_pg_size() { [[ -z $1 || $1 =~ ^[1-9][0-9]{0,5}(MB|GB)$ ]]; }

# Creates (once) and starts a private cluster.
# Args: DATADIR PORT USER PWFILE LOG [SHARED_BUFFERS [MAX_WAL_SIZE]]
pg_cluster_up() {
  local datadir=$1 port=$2 user=$3 pwfile=$4 logfile=$5 shared_buffers=${6:-} max_wal_size=${7:-} bindir
  is_pg_size "$shared_buffers" || die "shared_buffers must be a size such as 256MB or 1GB"
  is_pg_size "$max_wal_size" || die "max_wal_size must be a size such as 1GB or 8GB"
  bindir=$(pg_bindir)
  if [[ ! -f $datadir/PG_VERSION ]]; then
    log "postgres: creating cluster in $datadir"
    mkdir -p "$datadir"
    chmod 700 "$datadir"
    local pwcopy="$datadir.pw"
    install -m 600 "$pwfile" "$pwcopy"
    if is_root; then
      chown postgres: "$datadir" "$pwcopy" "$(dirname "$datadir")"
    fi
    as_pg "$bindir/initdb" -D "$datadir" -U "$user" --pwfile="$pwcopy" \
      --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null ||
      die "initdb failed"
    rm -f "$pwcopy"
  fi
  if as_pg "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
    # Already running (left by an earlier start): its settings are what it
    # was started with. Say so, rather than let a new one seem applied.
    pg_warn_if_size_differs "$port" "$user" "$pwfile" shared_buffers "$shared_buffers"
    pg_warn_if_size_differs "$port" "$user" "$pwfile" max_wal_size "$max_wal_size"
    return 0
  fi
  touch "$logfile"
  if is_root; then chown postgres: "$logfile"; fi
  as_pg "$bindir/pg_ctl" -D "$datadir" -l "$logfile" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' -c max_connections=200${shared_buffers:+ -c shared_buffers=$shared_buffers}${max_wal_size:+ -c max_wal_size=$max_wal_size}" \
    start >/dev/null || die "PostgreSQL did not start; see $logfile"
}

# Warns when the running server's size setting NAME is not WANT (empty:
# nothing asked). Set with -c at its start, it changes only with a restart.
pg_warn_if_size_differs() {
  local port=$1 user=$2 pwfile=$3 name=$4 want=$5 got
  [[ -n $want && $name =~ ^[a-z_]+$ ]] && is_pg_size "$want" || return 0
  got=$(PGPASSWORD=$(cat "$pwfile") PGCONNECT_TIMEOUT=5 psql -w -h 127.0.0.1 -p "$port" -U "$user" -d postgres -Atc \
    "SELECT current_setting('$name') || ' ' ||
            (pg_size_bytes(current_setting('$name')) = pg_size_bytes('$want'))" 2>/dev/null) || return 0
  [[ ${got##* } == true ]] ||
    log "postgres: warning: already running with $name ${got% *}; $want applies once it restarts (a stop, then a start)"
}

pg_cluster_down() {
  local datadir=$1 bindir
  bindir=$(pg_bindir)
  [[ -f $datadir/PG_VERSION ]] || return 0
  if as_pg "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
    as_pg "$bindir/pg_ctl" -D "$datadir" -m fast -w -t 60 stop >/dev/null
  fi
}

pg_cluster_running() {
  local datadir=$1
  [[ -f $datadir/PG_VERSION ]] && as_pg "$(pg_bindir)/pg_ctl" -D "$datadir" status >/dev/null 2>&1
}

# Creates DB owned by USER if missing. Args: PORT USER PWFILE DB
pg_ensure_db() {
  local port=$1 user=$2 pwfile=$3 db=$4
  local exists
  exists=$(PGPASSWORD=$(cat "$pwfile") psql -h 127.0.0.1 -p "$port" -U "$user" -d postgres -Atc \
    "SELECT 1 FROM pg_database WHERE datname = '$db'") || die "cannot reach PostgreSQL on port $port"
  if [[ $exists != 1 ]]; then
    PGPASSWORD=$(cat "$pwfile") psql -h 127.0.0.1 -p "$port" -U "$user" -d postgres -qc \
      "CREATE DATABASE \"$db\"" >/dev/null || die "cannot create database $db"
  fi
}

# Writes a random secret to FILE (mode 0600) unless it exists.
ensure_secret() {
  local file=$1 chars=${2:-48}
  if [[ ! -s $file ]]; then
    mkdir -p "$(dirname "$file")"
    (umask 077 && head -c 256 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c "$chars" >"$file")
  fi
  chmod 600 "$file"
}

# Waits until COMMAND succeeds, up to SECONDS. Args: SECONDS WHAT COMMAND...
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.1
  done
}
