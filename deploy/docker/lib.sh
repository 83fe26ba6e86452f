# Shared by the container tests (smoke.sh, acme-test.sh): the podman API for
# docker-compose, a compose wrapper, podman's missing health-check timer, and
# cleanup of everything started, also on failure. Source it after setting
# COMPOSE_PROJECT_NAME and COMPOSE_FILES (an array of -f arguments).
export BUILDAH_FORMAT=docker
_api_was_running=0; [[ -f /run/podman/tocsin-api.pid ]] && _api_was_running=1
eval "export $(deploy/docker/podman-host.sh | tail -n1)"
_hc_pid=""
KEEP_STACK=${KEEP_STACK:-0}
work=$(mktemp -d "/tmp/tocsin-$COMPOSE_PROJECT_NAME.XXXXXX")
EXTRA_CLEANUP=${EXTRA_CLEANUP:-}

# Every compose call is bounded: a wedged podman API must fail the test,
# not hang it.
compose() { timeout "${COMPOSE_TIMEOUT:-600}" docker-compose "${COMPOSE_FILES[@]}" "$@"; }

# Names of this project's running containers of one service.
containers() { podman ps --format '{{.Names}}' | grep "^${COMPOSE_PROJECT_NAME}_$1_" || true; }

# podman 4.3 runs health checks from systemd timers, absent here.
start_healthchecks() {
  ( while true; do
      for c in $(podman ps --format '{{.Names}}' | grep "^${COMPOSE_PROJECT_NAME}_"); do
        timeout 20 podman healthcheck run "$c" >/dev/null 2>&1 || true
      done
      sleep 3
    done ) &
  _hc_pid=$!
}

# Waits until the edge answers /readyz over HTTPS on this host.
wait_edge() {
  for _ in $(seq "${1:-120}"); do
    curl -skf -m 5 https://127.0.0.1/readyz >/dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

_cleanup() {
  local rc=$?
  [[ -n $_hc_pid ]] && kill "$_hc_pid" 2>/dev/null
  [[ -n $EXTRA_CLEANUP ]] && eval "$EXTRA_CLEANUP"
  if ((KEEP_STACK == 0)); then
    compose down -v >/dev/null 2>&1 || true
    # The API socket too, when this run started it.
    ((_api_was_running)) || deploy/docker/podman-host.sh stop
  fi
  rm -rf "$work"
  exit "$rc"
}
trap _cleanup EXIT
