#!/usr/bin/env bash
# The servers the shared-backend tests keep Terraform state in, made available here (the tests start and stop
# their own private instances):
#
#   postgresql  Debian's PostgreSQL (initdb, pg_ctl, postgres), installed with apt-get when missing.
#   versitygw   an S3-compatible server built from its Go module (tools/versitygw, pinned in go.mod + go.sum)
#               into the cache, keyed by version, rebuilt only when the module, flags or Go change.
#
# Usage: scripts/state-servers.sh build      build or reuse both; prints what it did and how long it took
#        eval "$(scripts/state-servers.sh env)"   STATE_SERVERS_PG_BIN, STATE_SERVERS_VERSITYGW
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}"
VERSITYGW_TOOLS="$ROOT/tools/versitygw"
VERSITYGW_MODULE="github.com/versity/versitygw"

log()  { printf '[state-servers] %s\n' "$*" >&2; }
warn() { printf '[state-servers] WARNING: %s\n' "$*" >&2; }
die()  { printf '[state-servers] ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=scripts/_lib.sh
. "$ROOT/scripts/_lib.sh"

# required_version GO_MOD MODULE: the version GO_MOD requires of MODULE.
required_version() {
  awk -v m="$2" '{ for (i = 1; i < NF; i++) if ($i == m && $(i+1) ~ /^v[0-9]/) { print $(i+1); exit } }' "$1"
}

VERSITYGW_VERSION="$(required_version "$VERSITYGW_TOOLS/go.mod" "$VERSITYGW_MODULE")"
VERSITYGW_DIR="$CACHE/versitygw-$VERSITYGW_VERSION"
VERSITYGW_BIN="$VERSITYGW_DIR/versitygw"

take_lock() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.state-servers.lock"
  if ! flock -n 9; then
    log "another state-servers.sh run holds $CACHE/.state-servers.lock; waiting for it"
    flock 9
  fi
}

# The newest PostgreSQL server Debian installed (its binaries are not on PATH), or nothing.
pg_bin() {
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n1)"
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && printf '%s' "$dir"
  return 0
}

build_postgresql() {
  local bin; bin="$(pg_bin)"
  if [ -n "$bin" ]; then
    log "postgresql: reusing $bin ($("$bin/postgres" --version))"
    return
  fi
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed (Debian: sudo apt-get install postgresql)"
  log "postgresql: installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$CACHE"
  if ! apt-get install -y --no-install-recommends postgresql >"$CACHE/apt-postgresql.log" 2>&1; then
    apt-get update >>"$CACHE/apt-postgresql.log" 2>&1 || die "apt-get update failed (log: $CACHE/apt-postgresql.log)"
    apt-get install -y --no-install-recommends postgresql >>"$CACHE/apt-postgresql.log" 2>&1 \
      || die "apt-get install postgresql failed (log: $CACHE/apt-postgresql.log)"
  fi
  bin="$(pg_bin)"
  [ -n "$bin" ] || die "postgresql is installed but no /usr/lib/postgresql/*/bin/initdb was found"
  log "postgresql: installed $bin ($("$bin/postgres" --version))"
}

# Fingerprint of the tools module and the build settings: the binary is rebuilt when any of them changes.
stamp_of() {
  { cat "$VERSITYGW_TOOLS/go.mod" "$VERSITYGW_TOOLS/go.sum"; printf '%s\n' "$@" "$(go env GOVERSION)" "$(uname -sm)"; } | sha256sum | cut -d' ' -f1
}

build_versitygw() {
  local ldflags="-s -w -X main.Version=$VERSITYGW_VERSION"
  local stamp; stamp="$(stamp_of "$ldflags")"
  if [ -x "$VERSITYGW_BIN" ] && [ "$(cat "$VERSITYGW_DIR/.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "versitygw $VERSITYGW_VERSION: reusing $VERSITYGW_BIN"
    return
  fi
  command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build versitygw)"
  log "versitygw $VERSITYGW_VERSION: building $VERSITYGW_MODULE/cmd/versitygw (CGO_ENABLED=0, -trimpath, niced)"
  mkdir -p "$VERSITYGW_DIR"
  (
    cd "$VERSITYGW_TOOLS"
    # No cgo, no toolchain download, go.sum is authoritative; niced, as the machine is shared.
    export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" GOWORK=off
    unset GOOS GOARCH || true
    run_logged "$VERSITYGW_DIR/build.log" \
      nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$VERSITYGW_BIN.tmp" "$VERSITYGW_MODULE/cmd/versitygw"
  ) || die "build of versitygw failed (log: $VERSITYGW_DIR/build.log)"
  mv -f "$VERSITYGW_BIN.tmp" "$VERSITYGW_BIN"
  printf '%s\n' "$stamp" >"$VERSITYGW_DIR/.stamp"
  "$VERSITYGW_BIN" --version | grep -q "Version  : $VERSITYGW_VERSION" || die "$VERSITYGW_BIN does not report version $VERSITYGW_VERSION"
}

cmd_build() {
  take_lock
  local start=$SECONDS
  build_postgresql
  build_versitygw
  log "ready in $((SECONDS - start)) s: $(pg_bin), $VERSITYGW_BIN"
}

cmd_env() {
  local bin; bin="$(pg_bin)"
  [ -n "$bin" ] || warn "PostgreSQL is not installed yet: run scripts/state-servers.sh build"
  [ -x "$VERSITYGW_BIN" ] || warn "$VERSITYGW_BIN is not built yet: run scripts/state-servers.sh build"
  printf 'export STATE_SERVERS_PG_BIN=%q\n' "$bin"
  printf 'export STATE_SERVERS_VERSITYGW=%q\n' "$VERSITYGW_BIN"
}

usage() {
  cat <<EOF
Usage: scripts/state-servers.sh <command>

  build   install Debian's PostgreSQL when missing, build versitygw $VERSITYGW_VERSION into $VERSITYGW_DIR
  env     print export lines: eval "\$(scripts/state-servers.sh env)"
  help    this text

Environment:
  TOOLCHAIN_CACHE   cache directory (default \$HOME/.cache/env-as-code; now $CACHE)
EOF
}

main() {
  case "${1:-help}" in
    build) cmd_build ;;
    env) cmd_env ;;
    help|-h|--help) usage ;;
    *) usage >&2; die "unknown command '$1'" ;;
  esac
}

main "$@"; exit "$?"
