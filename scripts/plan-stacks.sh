#!/usr/bin/env bash
# Plans every stack and writes what `npm run plan:report` reads, one folder per stack:
#   <out>/<stack>[.<target>]/plan.json    terraform show -json   (holds sensitive values in clear: keep it private)
#   <out>/<stack>[.<target>]/plan.txt     terraform show -no-color (sensitive values masked)
#   <out>/<stack>[.<target>]/meta.json    {"stack": "...", "target": "..."}
#   <out>/<stack>[.<target>]/plan.tfplan  the binary plan, for `terraform apply` (holds secrets too)
#   <out>/<stack>[.<target>]/error.txt    instead of the plan files, when init or plan failed
# The folder is named <stack> for the environment's own target and <stack>.<target> under DEPLOY_TARGET.
# Every stack is planned even when one fails; the exit status is 1 if any failed (after writing everything).
#
# Usage: scripts/plan-stacks.sh <out-dir>
# Environment: ENVIRONMENTS, DEPLOY_TARGET, SETTINGS_DIR, ALLOW_DESTROY (as for synth), CDKTF_OUTDIR (default
#   cdktf.out), PLAN_STATE_DIR (state of each stack at <dir>/<stack>.tfstate instead of its backend),
#   PLAN_SKIP_SYNTH=1 (plan what is already in CDKTF_OUTDIR), and the TF_VAR_* secrets the stacks declare.
# Uses the toolchain's CLI config and Terraform/OpenTofu (eval "$(scripts/toolchain.sh env)") when set up.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -eq 1 ] || { sed -n '2,15s/^# \{0,1\}//p' "$0" >&2; exit 2; }
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
cd "$ROOT"

log() { printf '[plan-stacks] %s\n' "$*" >&2; }

if [ -z "${TF_CLI_CONFIG_FILE:-}" ]; then eval "$(scripts/toolchain.sh env 2>/dev/null)"; fi
TF="${TERRAFORM_BINARY_NAME:-terraform}"
export TF_IN_AUTOMATION=1 TF_INPUT=0
SYNTH_DIR="${CDKTF_OUTDIR:-cdktf.out}"
SYNTH_DIR="$(mkdir -p "$SYNTH_DIR" && cd "$SYNTH_DIR" && pwd)"

if [ "${PLAN_SKIP_SYNTH:-0}" != 1 ]; then
  log "synth into $SYNTH_DIR"
  CDKTF_OUTDIR="$SYNTH_DIR" node scripts/run-app.js
fi

# The platform a synthesized stack deploys to, from the facts synth writes beside it (stacks/stack-facts.ts).
target_of() {
  node -e 'process.stdout.write(require(process.argv[1]).platform)' "$1/stack.json"
}

failed=()
for dir in "$SYNTH_DIR"/stacks/*/; do
  dir="${dir%/}"
  stack="$(basename "$dir")"
  if [ -n "${ENVIRONMENTS:-}" ] && ! printf ',%s,' "${ENVIRONMENTS// /}" | grep -q ",$stack,"; then continue; fi
  target="$(target_of "$dir")"
  dest="$OUT/$stack"
  [ -z "${DEPLOY_TARGET:-}" ] || dest="$OUT/$stack.$target"
  rm -rf "$dest" && mkdir -p "$dest"
  printf '{"stack":"%s","target":"%s"}\n' "$stack" "$target" >"$dest/meta.json"
  backend=()
  [ -z "${PLAN_STATE_DIR:-}" ] || backend=(-reconfigure "-backend-config=path=$(mkdir -p "$PLAN_STATE_DIR" && cd "$PLAN_STATE_DIR" && pwd)/$stack.tfstate")
  log "$stack ($target): init + plan"
  if ! (cd "$dir" && "$TF" init -input=false -no-color "${backend[@]}" >"$dest/init.log" 2>&1); then
    mv "$dest/init.log" "$dest/error.txt"
  elif ! (cd "$dir" && "$TF" plan -input=false -no-color -lock-timeout=60s -out="$dest/plan.tfplan" >"$dest/plan.log" 2>&1); then
    mv "$dest/plan.log" "$dest/error.txt"
  else
    (cd "$dir" && "$TF" show -json "$dest/plan.tfplan" >"$dest/plan.json" && "$TF" show -no-color "$dest/plan.tfplan" >"$dest/plan.txt")
    grep -E '^(Plan:|No changes|Changes to Outputs)' "$dest/plan.txt" | sed "s/^/[plan-stacks]   /" >&2 || true
  fi
  rm -f "$dest/init.log" "$dest/plan.log"
  if [ -f "$dest/error.txt" ]; then
    rm -f "$dest/plan.tfplan"
    log "$stack ($target): FAILED (see $dest/error.txt)"
    failed+=("$stack")
  fi
done
[ "${#failed[@]}" -eq 0 ] || { log "failed: ${failed[*]}"; exit 1; }
