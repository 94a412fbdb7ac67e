#!/usr/bin/env bash
# The cluster's traffic entry (cluster/traffic-entry.yaml): Traefik, built from its Go module (tools/traefik pins
# the release and its hash) into a FROM-scratch image, and the Gateway API CRDs of the sigs.k8s.io/gateway-api
# module at the version Traefik's go.mod requires. Nothing is fetched from anywhere but the Go module proxy.
#
#   scripts/traffic-entry.sh build              the binary (cached by version) and the image envapi-traefik:<version>
#   scripts/traffic-entry.sh image              print the image name
#   scripts/traffic-entry.sh install KUBECTL_ARGS...
#                                               apply the CRDs and the manifests with `kubectl KUBECTL_ARGS... apply`
#                                               (e.g. --kubeconfig F --context C); HTTP_HOST_PORT (default 80) is the
#                                               host port Traefik's web entry point takes on an ingress-ready node
#
# The binary is cached in ${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}/traefik-<version>/ (about 10 min on 2 cores
# the first time); the image carries the fingerprint of its inputs, so only a changed pin rebuilds it.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE_DIR="$ROOT/tools/traefik"
CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}"
REPOSITORY="${TRAEFIK_IMAGE_REPOSITORY:-envapi-traefik}"
MODULE=github.com/traefik/traefik/v3

log() { printf '[traffic-entry] %s\n' "$*" >&2; }
warn() { printf '[traffic-entry] WARNING: %s\n' "$*" >&2; }
die() { printf '[traffic-entry] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=scripts/_lib.sh
. "$ROOT/scripts/_lib.sh"

go_env() {
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" GOWORK=off
  unset GOOS GOARCH
}

VERSION="$(awk -v m="$MODULE" '$1 == "require" && $2 == m { print $3; exit } $1 == m { print $2; exit }' "$MODULE_DIR/go.mod")"
[ -n "$VERSION" ] || die "cannot read the Traefik version from $MODULE_DIR/go.mod"
IMAGE="$REPOSITORY:$VERSION"
OUT_DIR="$CACHE/traefik-$VERSION"
BIN="$OUT_DIR/traefik"
TEMP=""
trap '[ -z "$TEMP" ] || rm -rf "$TEMP"' EXIT

# The module's folder in the module cache, downloaded and checked against tools/traefik/go.sum.
module_dir() {
  (cd "$MODULE_DIR" && go_env && go mod download -json "$1" | awk -F'"' '$2 == "Dir" { print $4 }')
}

binary_stamp() { { cat "$MODULE_DIR/go.mod" "$MODULE_DIR/go.sum"; go env GOVERSION GOOS GOARCH; } | sha256sum | cut -d' ' -f1; }

build_binary() {
  local want="$1" src start=$SECONDS
  if [ -x "$BIN" ] && [ "$(cat "$OUT_DIR/.stamp" 2>/dev/null)" = "$want" ]; then
    log "traefik $VERSION: reusing $BIN"
    return
  fi
  src="$(module_dir "$MODULE@$VERSION")"
  [ -d "$src" ] || die "$MODULE@$VERSION is not in the module cache (go mod download failed)"
  mkdir -p "$OUT_DIR"
  TEMP="$(mktemp -d "${TMPDIR:-/tmp}/traefik-src.XXXXXX")"
  # A writable copy, built as the main module so Traefik's replace directives apply.
  cp -r "$src/." "$TEMP/"
  chmod -R u+w "$TEMP"
  log "traefik $VERSION: building ./cmd/traefik (about 10 min on 2 cores the first time; log: $OUT_DIR/build.log)"
  (
    cd "$TEMP"
    go_env
    export GOFLAGS="-mod=mod -buildvcs=false"
    go build -trimpath -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$VERSION" -o "$BIN.tmp" ./cmd/traefik
  ) >"$OUT_DIR/build.log" 2>&1 || { tail -n 30 "$OUT_DIR/build.log" >&2; die "traefik build failed"; }
  mv -f "$BIN.tmp" "$BIN"
  printf '%s\n' "$want" >"$OUT_DIR/.stamp"
  rm -rf "$TEMP"
  TEMP=""
  log "traefik $VERSION: built in $((SECONDS - start)) s ($(du -m "$BIN" | cut -f1) MB)"
}

build_image() {
  local want
  want="$({ printf '%s\n' "$1"; cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -d' ' -f1)"
  timeout 10 docker info >/dev/null 2>&1 || die "the docker engine does not answer (run: scripts/toolchain.sh docker-up)"
  if image_has_stamp "$IMAGE" "$want"; then
    log "image $IMAGE is current"
    return
  fi
  scratch_image "$IMAGE" "$BIN" /usr/bin/traefik "$want" "Traefik $VERSION built from its Go module by scripts/traffic-entry.sh" "" \
    'USER 65532:65532' \
    'EXPOSE 8000 9000' \
    'ENTRYPOINT ["/usr/bin/traefik"]' \
    "LABEL org.opencontainers.image.title=envapi-traefik org.opencontainers.image.version=$VERSION" \
    || die "could not import $IMAGE"
  docker run --rm --read-only --user 65532:65532 --network none "$IMAGE" version >&2 || die "$IMAGE does not run 'traefik version'"
}

install() {
  [ "$#" -gt 0 ] || die "install needs kubectl's arguments (e.g. --kubeconfig F --context C)"
  local crd_version crd_dir
  crd_version="$(awk '$1 == "sigs.k8s.io/gateway-api" { print $2; exit }' "$(module_dir "$MODULE@$VERSION")/go.mod")"
  [ -n "$crd_version" ] || die "Traefik $VERSION's go.mod names no sigs.k8s.io/gateway-api version"
  crd_dir="$(cd "$MODULE_DIR" && go_env && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/gateway-api@$crd_version" | awk -F'"' '$2 == "Dir" { print $4 }')/config/crd/standard"
  [ -d "$crd_dir" ] || die "no Gateway API CRDs at $crd_dir"
  log "Gateway API $crd_version CRDs (standard channel)"
  kubectl "$@" apply --server-side --force-conflicts -f "$crd_dir" >&2
  kubectl "$@" wait --for condition=Established --timeout=60s -f "$crd_dir" >/dev/null
  log "Traefik $VERSION ($IMAGE), IngressClass and GatewayClass traefik, Gateway traefik/envapi"
  TRAEFIK_IMAGE="$IMAGE" HTTP_HOST_PORT="${HTTP_HOST_PORT:-80}" \
    awk '{ gsub(/\$\{TRAEFIK_IMAGE\}/, ENVIRON["TRAEFIK_IMAGE"]); gsub(/\$\{HTTP_HOST_PORT\}/, ENVIRON["HTTP_HOST_PORT"]); print }' "$ROOT/cluster/traffic-entry.yaml" \
    | kubectl "$@" apply -f - >&2
}

main() {
  case "${1:-}" in
    build)
      command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build Traefik)"
      mkdir -p "$CACHE"
      exec 8>"$CACHE/.traffic-entry.lock"
      flock 8
      local stamp
      stamp="$(binary_stamp)"
      build_binary "$stamp"
      build_image "$stamp"
      printf '%s\n' "$IMAGE"
      ;;
    image) printf '%s\n' "$IMAGE" ;;
    install) shift; install "$@" ;;
    -h | --help | help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) die "usage: scripts/traffic-entry.sh build|image|install KUBECTL_ARGS..." ;;
  esac
}

main "$@"
