#!/usr/bin/env bash
# Checks the GitHub Actions workflows (.github/workflows/*.yml) with actionlint, built from the Go module pinned
# in tools/actionlint/ (go.mod + go.sum) into ${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}/actionlint-<version>/.
# The build is skipped when the binary of that go.mod/go.sum and Go version is already there.
#
# Usage: scripts/actionlint.sh            build (if needed), then check every workflow
#        scripts/actionlint.sh build      build only; prints the binary's path
#        scripts/actionlint.sh path       print the binary's path (built or not)
#        scripts/actionlint.sh FILE...    build (if needed), then check these files
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}"
MODDIR="$ROOT/tools/actionlint"
PKG="github.com/rhysd/actionlint/cmd/actionlint"

log() { printf '[actionlint] %s\n' "$*" >&2; }
die() { printf '[actionlint] ERROR: %s\n' "$*" >&2; exit 1; }

VERSION="$(awk '$1 == "github.com/rhysd/actionlint" { print $2 }' "$MODDIR/go.mod")"
[ -n "$VERSION" ] || die "cannot read the actionlint version from $MODDIR/go.mod"
OUTDIR="$CACHE/actionlint-${VERSION#v}"
BIN="$OUTDIR/actionlint"

build() {
  command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build actionlint)"
  local stamp
  stamp="$({ cat "$MODDIR/go.mod" "$MODDIR/go.sum"; go env GOVERSION GOOS GOARCH; } | sha256sum | cut -d' ' -f1)"
  if [ -x "$BIN" ] && [ "$(cat "$OUTDIR/.stamp" 2>/dev/null)" = "$stamp" ]; then return; fi
  log "building $PKG@$VERSION into $OUTDIR"
  mkdir -p "$OUTDIR"
  # Same settings as scripts/toolchain.sh: no cgo, no toolchain download, go.sum is authoritative.
  (
    cd "$MODDIR"
    export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" GOWORK=off
    go build -trimpath -ldflags "-s -w" -o "$BIN.tmp.$$" "$PKG"
  ) || die "build failed"
  mv -f "$BIN.tmp.$$" "$BIN"
  printf '%s\n' "$stamp" >"$OUTDIR/.stamp"
}

case "${1:-}" in
  path) printf '%s\n' "$BIN"; exit 0 ;;
  build) build; printf '%s\n' "$BIN"; exit 0 ;;
  -h|--help|help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac

build
cd "$ROOT"
if [ $# -eq 0 ]; then
  shopt -s nullglob
  set -- .github/workflows/*.yml .github/workflows/*.yaml
  [ $# -gt 0 ] || die "no workflow files in .github/workflows"
fi
# -no-color: the output lands in CI logs and test failures. shellcheck/pyflakes are used when on PATH.
"$BIN" -no-color "$@"
log "ok: $*"
