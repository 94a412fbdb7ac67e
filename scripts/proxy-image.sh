#!/usr/bin/env bash
# The reverse proxy image of the Docker target, built without any registry: Caddy compiled from its Go module
# (tools/caddy: go.mod + go.sum pin the version) into a FROM-scratch image imported into the local engine.
#
# Usage: scripts/proxy-image.sh [build]   build the binary and the image unless both are current (idempotent)
#        scripts/proxy-image.sh name      print the image name (envapi-proxy:caddy-<version>)
#
# The binary is cached in ${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}/caddy-<version>/; the image carries the
# fingerprint of its inputs as a label, so a changed go.sum or main.go rebuilds both and nothing else does.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE_DIR="$ROOT/tools/caddy"
CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}"
REPOSITORY="${PROXY_IMAGE_REPOSITORY:-envapi-proxy}"

log() { printf '[proxy-image] %s\n' "$*" >&2; }
warn() { printf '[proxy-image] WARNING: %s\n' "$*" >&2; }
die() { printf '[proxy-image] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=scripts/_lib.sh
. "$ROOT/scripts/_lib.sh"

caddy_version() {
  awk '$1 == "github.com/caddyserver/caddy/v2" && $2 ~ /^v/ { sub(/^v/, "", $2); print $2; exit }' "$MODULE_DIR/go.mod"
}

VERSION="$(caddy_version)"
[ -n "$VERSION" ] || die "cannot read the Caddy version from $MODULE_DIR/go.mod"
IMAGE="$REPOSITORY:caddy-$VERSION"
OUT_DIR="$CACHE/caddy-$VERSION"
BIN="$OUT_DIR/caddy"

# Fingerprints of what the binary is made of, and of the binary plus how this script packs it.
binary_stamp() {
  command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build Caddy)"
  { cat "$MODULE_DIR/go.mod" "$MODULE_DIR/go.sum" "$MODULE_DIR"/*.go; go env GOVERSION GOOS GOARCH; } | sha256sum | cut -d' ' -f1
}
image_stamp() { { printf '%s\n' "$1"; cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -d' ' -f1; }

build_binary() {
  local want="$1"
  if [ -x "$BIN" ] && [ "$(cat "$OUT_DIR/.stamp" 2>/dev/null)" = "$want" ]; then
    log "caddy $VERSION: reusing $BIN"
    return
  fi
  log "caddy $VERSION: building from tools/caddy (CGO_ENABLED=0, -trimpath; log: $OUT_DIR/build.log)"
  mkdir -p "$OUT_DIR"
  local start=$SECONDS
  (
    cd "$MODULE_DIR"
    export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" GOWORK=off
    unset GOOS GOARCH
    go build -trimpath -ldflags "-s -w" -o "$BIN.tmp" .
  ) >"$OUT_DIR/build.log" 2>&1 || { tail -n 30 "$OUT_DIR/build.log" >&2; die "caddy build failed"; }
  mv -f "$BIN.tmp" "$BIN"
  printf '%s\n' "$want" >"$OUT_DIR/.stamp"
  log "caddy $VERSION: built in $((SECONDS - start)) s ($(du -m "$BIN" | cut -f1) MB)"
}

build_image() {
  local want="$1"
  timeout 10 docker info >/dev/null 2>&1 || die "the docker engine does not answer (run: scripts/toolchain.sh docker-up)"
  if image_has_stamp "$IMAGE" "$want"; then
    log "image $IMAGE is current"
    return
  fi
  scratch_image "$IMAGE" "$BIN" /usr/bin/caddy "$want" "Caddy $VERSION built from its Go module by scripts/proxy-image.sh" /etc/caddy \
    'USER 65532:65532' \
    'ENV XDG_CONFIG_HOME=/tmp/config XDG_DATA_HOME=/tmp/data HOME=/tmp' \
    'EXPOSE 8080' \
    'CMD ["/usr/bin/caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]' \
    "LABEL org.opencontainers.image.title=envapi-proxy org.opencontainers.image.version=$VERSION" \
    || die "could not import $IMAGE"
  docker run --rm --read-only --user 65532:65532 --network none "$IMAGE" /usr/bin/caddy version >&2 \
    || die "$IMAGE does not run 'caddy version'"
}

main() {
  case "${1:-build}" in
    name) printf '%s\n' "$IMAGE" ;;
    build)
      mkdir -p "$CACHE"
      exec 8>"$CACHE/.proxy-image.lock"
      flock 8
      local binary
      binary="$(binary_stamp)"
      build_binary "$binary"
      build_image "$(image_stamp "$binary")"
      printf '%s\n' "$IMAGE"
      ;;
    -h | --help | help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$1' (build, name or help)" ;;
  esac
}

main "$@"
