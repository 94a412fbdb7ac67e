#!/usr/bin/env bash
# Lint: typescript-eslint (type-aware) on all TypeScript, shellcheck on every script. shellcheck comes from
# Debian's package, installed here when missing: the npm wrapper downloads its binary from a site this machine
# cannot reach. With shellcheck on PATH, actionlint also checks the workflows' run: scripts.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

if ! command -v shellcheck >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[lint] installing Debian's shellcheck" >&2
    apt-get install -y -qq shellcheck >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null; }
  else
    echo "[lint] shellcheck is not installed (Debian: sudo apt-get install shellcheck)" >&2
    exit 1
  fi
fi

npx eslint .
git ls-files -z '*.sh' | xargs -0 shellcheck
echo "[lint] eslint and shellcheck: no findings" >&2
