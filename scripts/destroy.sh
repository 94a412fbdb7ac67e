#!/usr/bin/env bash
# Counterpart of scripts/deploy.sh: `cdktf destroy <env>` on the environment's target (DEPLOY_TARGET overrides),
# with the toolchain's environment and the secrets deploy.sh generated. A protected environment (prod) needs
# ALLOW_DESTROY=<env>; without it Terraform refuses (prevent_destroy).
#   scripts/destroy.sh <env> [extra cdktf destroy flags]
set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ $# -ge 1 ] || { echo "usage: scripts/destroy.sh <env> [cdktf destroy flags]" >&2; exit 2; }
env_name="$1"; shift
CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}"

# A protected environment without the override would only fail inside Terraform with cdktf's generic
# "Invoking Terraform CLI failed": say why up front.
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
CDKTF_OUTDIR="$probe" ENVIRONMENTS="$env_name" node scripts/run-app.js
if grep -q '"prevent_destroy": true' "$probe/stacks/$env_name/cdk.tf.json"; then
  echo "[destroy] ERROR: $env_name is protected (prevent_destroy); run with ALLOW_DESTROY=$env_name to destroy it" >&2
  exit 1
fi

eval "$(scripts/toolchain.sh env)"
# Terraform asks for every variable without a value, even to destroy: use deploy.sh's generated secret, or a
# placeholder (destroying never uses a secret's value).
variables="$(node -e 'const j = require(process.argv[1]); process.stdout.write(Object.keys(j.variable || {}).join(" "))' "$probe/stacks/$env_name/cdk.tf.json")"
for variable in $variables; do
  env_var="TF_VAR_$variable"
  [ -z "${!env_var:-}" ] || continue
  file="$CACHE/secrets/$env_name/$variable"
  if [ -s "$file" ]; then export "$env_var=$(cat "$file")"; else export "$env_var=unused-by-destroy"; fi
done
npx cdktf destroy "$env_name" --auto-approve --skip-provider-lock "$@"
