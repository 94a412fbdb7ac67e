#!/usr/bin/env bash
# A private Docker engine for the base mode of `npm run plan:pr`: its own dockerd, data, containerd and network
# namespace, so the base revision's containers, networks, images and published ports never meet the ones the user
# runs (the user's engine keeps its 127.0.0.1:8080-8082). Its data root stays in the cache between runs (images and
# build cache), everything else it held is removed on `up`; `down` stops it and removes the namespace.
#
#   scripts/review-docker.sh up      start it (or reuse it), empty, and print REVIEW_DOCKER_HOST=unix://...
#   scripts/review-docker.sh load IMAGE...   copy images from the user's engine into it (those it lacks)
#   scripts/review-docker.sh down    stop it
#
# Needs root (a network namespace, a second dockerd); CI runners use their own throwaway engine instead
# (`plan:pr --docker-engine current`).
set -Eeuo pipefail

CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}"
NAME="${REVIEW_DOCKER_NAME:-envapi-review}"
STATE="$CACHE/review-docker/$NAME"
SOCKET="$STATE/docker.sock"
EXEC_ROOT="/run/$NAME-docker"
NETNS="$NAME"
WAIT_SECONDS="${REVIEW_DOCKER_WAIT_SECONDS:-60}"

log() { printf '[review-docker] %s\n' "$*" >&2; }
die() { printf '[review-docker] ERROR: %s\n' "$*" >&2; exit 1; }

private() { docker -H "unix://$SOCKET" "$@"; }
answers() { [ -S "$SOCKET" ] && timeout 10 docker -H "unix://$SOCKET" info >/dev/null 2>&1; }
daemon_pid() {
  local pid
  pid="$(cat "$STATE/dockerd.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then printf '%s' "$pid"; fi
}

unmount_under() { # unmount_under DIR: every mount at or below DIR, deepest first
  awk -v dir="$1" '$2 == dir || index($2, dir "/") == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
}

stop_daemon() {
  local pid _
  pid="$(daemon_pid)"
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/dockerd.pid" "$SOCKET"
  # What a killed daemon can leave: its containerd, container mounts under the exec root, the namespace.
  pkill -f -- "--state $EXEC_ROOT/containerd" 2>/dev/null || true
  if [ -d "$EXEC_ROOT" ]; then
    unmount_under "$EXEC_ROOT"
    rm -rf "$EXEC_ROOT"
  fi
  unmount_under "$STATE/data"
  ip netns del "$NETNS" 2>/dev/null || true
}

cmd_up() {
  [ "$(id -u)" = 0 ] || die "needs root (a network namespace and a second dockerd); use plan:pr --docker-engine current on a throwaway machine"
  command -v dockerd >/dev/null 2>&1 || die "no dockerd on PATH (scripts/toolchain.sh docker-up installs Debian's docker.io)"
  mkdir -p "$STATE"
  if ! answers; then
    stop_daemon
    ip netns add "$NETNS"
    ip netns exec "$NETNS" ip link set lo up
    log "starting a private dockerd in network namespace $NETNS (log: $STATE/dockerd.log)"
    # nsenter, not `ip netns exec`: that one also remounts /sys, which hides the cgroup mounts dockerd needs.
    # setsid: the daemon outlives this script.
    nsenter --net="/run/netns/$NETNS" setsid dockerd --data-root "$STATE/data" --exec-root "$EXEC_ROOT" \
      --pidfile "$STATE/dockerd.pid" -H "unix://$SOCKET" --containerd-namespace "$NAME" \
      --containerd-plugins-namespace "$NAME-plugins" --storage-driver "${REVIEW_DOCKER_DRIVER:-overlay2}" \
      >>"$STATE/dockerd.log" 2>&1 </dev/null &
    local waited=0
    until answers || [ "$waited" -ge "$WAIT_SECONDS" ]; do sleep 1; waited=$((waited + 1)); done
    answers || die "the private dockerd does not answer after ${WAIT_SECONDS}s (log: $STATE/dockerd.log)"
  fi
  # Empty: whatever an earlier, interrupted review left (containers, networks, volumes). Images stay.
  local containers
  containers="$(private ps -aq)"
  # shellcheck disable=SC2086 # one id per word
  [ -z "$containers" ] || private rm -f $containers >/dev/null
  private network prune -f >/dev/null
  private volume prune -f >/dev/null
  printf 'REVIEW_DOCKER_HOST=unix://%s\n' "$SOCKET"
}

cmd_load() {
  answers || die "the private dockerd is not running (scripts/review-docker.sh up)"
  local image
  for image in "$@"; do
    if private image inspect "$image" >/dev/null 2>&1; then continue; fi
    docker image inspect "$image" >/dev/null 2>&1 || die "image $image is not in the Docker engine (build it first: scripts/toolchain.sh all, scripts/proxy-image.sh)"
    log "loading $image"
    docker save "$image" | private load >/dev/null
  done
}

cmd_down() {
  stop_daemon
  log "stopped"
}

case "${1:-}" in
  up) cmd_up ;;
  load) shift; cmd_load "$@" ;;
  down) cmd_down ;;
  *) die "usage: scripts/review-docker.sh up|load IMAGE...|down" ;;
esac
