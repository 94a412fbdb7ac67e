#!/usr/bin/env bash
# Debian's Prometheus, for a release's analysis with grayRelease.analysis.source: prometheus. The release command
# starts and stops its own instance (cli/prometheus.ts); this script only makes sure the binary is there.
#
# Usage: scripts/prometheus.sh install   (apt-get install prometheus when `prometheus` is not on PATH)
set -Eeuo pipefail

log() { printf '[prometheus] %s\n' "$*" >&2; }
die() { printf '[prometheus] ERROR: %s\n' "$*" >&2; exit 1; }

install() {
  if command -v prometheus >/dev/null 2>&1; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || die "prometheus is not on PATH and there is no apt-get to install Debian's package"
  log "installing Debian's prometheus package"
  # Without systemd (a container) the package's service is not started; the release runs its own instance.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >&2 \
    || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >&2; }
  command -v prometheus >/dev/null 2>&1 || die "prometheus is still not on PATH after installing the package"
}

case "${1:-}" in
  install) install ;;
  *) die "usage: scripts/prometheus.sh install" ;;
esac
