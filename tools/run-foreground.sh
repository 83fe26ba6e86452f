#!/usr/bin/env bash
# `make run`: starts the local stack, follows its logs, stops it on Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${TOCSIN_STATE_DIR:-$root/.local}
trap '"$root/deploy/local/stack" stop; exit 0' INT TERM
"$root/deploy/local/stack" start
echo "Following logs; press Ctrl-C to stop the stack."
tail -n 0 -F "$state"/logs/data.log "$state"/logs/scheduler.log "$state"/logs/gateway.log &
wait $!
