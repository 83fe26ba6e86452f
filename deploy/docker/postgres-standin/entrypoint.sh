#!/usr/bin/env bash
# Initialises the cluster on first start (user, password, database), then
# runs the server in the foreground, as the official image does.
set -euo pipefail
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
if [[ -n ${POSTGRES_PASSWORD_FILE:-} ]]; then POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE"); fi
# An initialisation cut short (no marker) starts over.
if [[ -s $PGDATA/PG_VERSION && ! -e $PGDATA/.initialised ]]; then
  find "$PGDATA" -mindepth 1 -delete
fi
if [[ ! -s $PGDATA/PG_VERSION ]]; then
  pwfile=$(mktemp)
  printf '%s' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD or _FILE is required}" >"$pwfile"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [[ $POSTGRES_DB != postgres ]]; then
    psql -U "$POSTGRES_USER" -d postgres -qc "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  touch "$PGDATA/.initialised"
fi
# As the official image: a command of "postgres ARGS..." adds ARGS.
[[ ${1:-} == postgres ]] && shift
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
