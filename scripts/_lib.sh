# shellcheck shell=bash
# Shell helpers shared by the scripts (sourced; the caller defines log and warn).

# run_logged LOG CMD...: run a long command with its output in LOG, printing a progress line every
# minute; on failure show the end of the log.
run_logged() {
  local logfile="$1"; shift
  mkdir -p "$(dirname "$logfile")"
  local start=$SECONDS
  "$@" >"$logfile" 2>&1 &
  local pid=$! next=60 rc=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    if [ $((SECONDS - start)) -ge "$next" ]; then
      log "   ... still running ($((SECONDS - start))s, log: $logfile)"
      next=$((next + 60))
    fi
  done
  wait "$pid" || rc=$?
  if [ "$rc" -ne 0 ]; then
    warn "command failed (exit $rc): $*"
    tail -n 30 "$logfile" >&2 || true
  fi
  return "$rc"
}

# image_has_stamp IMAGE STAMP: the Docker engine holds IMAGE, labelled env-as-code.stamp=STAMP (the fingerprint
# of what it was made from).
image_has_stamp() {
  [ "$(docker image inspect --format '{{ index .Config.Labels "env-as-code.stamp" }}' "$1" 2>/dev/null)" = "$2" ]
}

# scratch_image IMAGE BINARY DEST STAMP MESSAGE DIRS CHANGE...: a FROM-scratch image of one static binary (at DEST),
# /tmp (mode 1777), the extra folders DIRS (space-separated, may be empty) and a passwd naming nonroot 65532,
# imported with `docker import`: no builder and no base image, the tarball is the whole filesystem. Each CHANGE is a
# Dockerfile instruction; the label env-as-code.stamp=STAMP is added. The image it replaces is left without a name:
# removed unless a container still uses it.
scratch_image() {
  local image="$1" binary="$2" dest="$3" stamp="$4" message="$5" dirs="$6"; shift 6
  local rootfs previous change dir changes=() rc=0
  rootfs="$(mktemp -d "${TMPDIR:-/tmp}/scratch-rootfs.XXXXXX")"
  mkdir -p "$rootfs/$(dirname "$dest")" "$rootfs/etc" "$rootfs/tmp"
  for dir in $dirs; do mkdir -p "$rootfs/$dir"; done
  chmod 1777 "$rootfs/tmp"
  cp "$binary" "$rootfs/$dest"
  printf 'root:x:0:0:root:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
  for change in "$@" "LABEL env-as-code.stamp=$stamp"; do changes+=(--change "$change"); done
  previous="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  log "importing $image (FROM scratch: $dest, /tmp${dirs:+, $dirs})"
  tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -cf - . | docker import "${changes[@]}" --message "$message" - "$image" >/dev/null || rc=$?
  rm -rf "$rootfs"
  [ "$rc" = 0 ] || { warn "docker import of $image failed"; return "$rc"; }
  [ -z "$previous" ] || [ "$previous" = "$(docker image inspect --format '{{.Id}}' "$image")" ] || docker rmi "$previous" >/dev/null 2>&1 || true
}
