#!/usr/bin/env bash
# One command from a fresh clone to a deployed environment: toolchain, local target, then `cdktf deploy`.
#   scripts/deploy.sh <env> [extra cdktf deploy flags]      e.g. scripts/deploy.sh staging
# The target is the environment's target.platform (DEPLOY_TARGET=docker|kubernetes overrides it):
#   kubernetes  a local cluster (kind when available, else the air-gapped local control plane), context kind-envapi
#   docker      the local Docker engine
# Secrets: every TF_VAR_* a stack declares must be set. For an unprotected environment a missing one is
# generated once and kept under the toolchain cache, so a local deploy works out of the box.
set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[deploy] %s\n' "$*" >&2; }
die() { printf '[deploy] ERROR: %s\n' "$*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: scripts/deploy.sh <env> [cdktf deploy flags]"
env_name="$1"; shift
CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}"

# Synth first: bad settings or an unknown environment stop here, before anything is installed or started.
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
CDKTF_OUTDIR="$probe" ENVIRONMENTS="$env_name" node scripts/run-app.js
stack_json="$probe/stacks/$env_name/cdk.tf.json"
field() { node -e "const j = require(process.argv[1]); process.stdout.write(String(($1)(j)))" "$stack_json"; }
platform="$(field 'j => Object.keys(j.provider).find((p) => p === "kubernetes" || p === "docker")')"
protected="$(field 'j => JSON.stringify(j.resource).includes("\"prevent_destroy\":true")')"
variables="$(field 'j => Object.entries(j.variable || {}).filter(([, v]) => v.sensitive).map(([k]) => k).join(" ")')"
log "$env_name → $platform"

scripts/toolchain.sh all
eval "$(scripts/toolchain.sh env)"
case "$platform" in
  kubernetes) scripts/cluster.sh up ;;
  docker) scripts/proxy-image.sh ;;
esac

for variable in $variables; do
  env_var="TF_VAR_$variable"
  [ -z "${!env_var:-}" ] || continue
  [ "$protected" = "false" ] || die "$env_var is not set (a protected environment never gets a generated secret)"
  file="$CACHE/secrets/$env_name/$variable"
  if [ ! -s "$file" ]; then
    mkdir -p "$(dirname "$file")" && (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$file")
    log "$env_var was not set: generated one into $file"
  fi
  export "$env_var=$(cat "$file")"
done

# A container an interrupted apply created but never recorded would stop this apply on its name.
if [ "$platform" = docker ]; then node scripts/docker-orphans.js "$stack_json" "cdktf.out/stacks/$env_name"; fi

started=$(date +%s)
npx cdktf deploy "$env_name" --auto-approve --skip-provider-lock "$@"
log "deployed $env_name to $platform in $(( $(date +%s) - started )) s"
