#!/usr/bin/env bash
# Records the plan fixtures of the plan-report tests (__tests__/fixtures/plans/) from real plans of this
# project's stacks, Kubernetes target, on a throwaway local cluster (scripts/cluster.sh, its own name and
# kubeconfig, so a developer's cluster is not touched):
#
#   1. synth every stack from environments/ and apply it to a local state in a temp folder
#      (TF_VAR_api_db_password=fixture-db-password-v1);
#   2. synth again from a copy of the settings with the change below (a pull request, as it were),
#      plan every stack against that state and record `terraform show -json` / `-no-color` of the plan:
#        dev      GREETING changes (update), a disruption budget is added (create), the DB password
#                 changes (update of a sensitive attribute: TF_VAR_api_db_password=fixture-db-password-v2)
#        staging  nothing changes (no-op)
#        prod     (protected) minAvailable 2 -> 1 (the PodDisruptionBudget is replaced), autoscaling off
#                 (the HorizontalPodAutoscaler is destroyed)
#   3. write <out>/change/<env>/{plan.json.gz,plan.txt,meta.json} and the changed settings to <out>/change.settings/.
#
# Usage: scripts/record-plan-fixtures.sh [out-dir]     (default __tests__/fixtures/plans)
# Needs: scripts/toolchain.sh all (providers in the mirror, CLI config) and what scripts/cluster.sh up needs.
# The secrets are dummies: a plan's JSON carries variable values in clear, which is why the report masks them.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(cd "$ROOT" && mkdir -p "${1:-__tests__/fixtures/plans}" && cd "${1:-__tests__/fixtures/plans}" && pwd)"
ENVIRONMENTS=(dev staging prod)
CLUSTER="${FIXTURE_CLUSTER_NAME:-envapi-plan-fixtures}"

log() { printf '[record-plan-fixtures] %s\n' "$*" >&2; }
die() { printf '[record-plan-fixtures] ERROR: %s\n' "$*" >&2; exit 1; }

cd "$ROOT"
eval "$(scripts/toolchain.sh env 2>/dev/null)"
[ -f "$TF_CLI_CONFIG_FILE" ] || die "no CLI config at $TF_CLI_CONFIG_FILE: run scripts/toolchain.sh all"
[ -x "$TERRAFORM_BINARY_NAME" ] || die "no Terraform CLI at $TERRAFORM_BINARY_NAME: run scripts/toolchain.sh all"
TF="$TERRAFORM_BINARY_NAME"
export TF_IN_AUTOMATION=1 TF_INPUT=0

WORK="$(mktemp -d "${TMPDIR:-/tmp}/plan-fixtures.XXXXXX")"
cleanup() {
  local rc=$?
  CLUSTER_NAME="$CLUSTER" CLUSTER_KUBECONFIG="$WORK/cluster.kubeconfig" scripts/cluster.sh down >/dev/null 2>&1 || true
  if [ "$rc" -eq 0 ]; then rm -rf "$WORK"; else log "failed; work files kept in $WORK"; fi
}
trap cleanup EXIT

# --- a cluster of our own; the stacks read context kind-envapi from ~/.kube/config, so terraform runs with
# HOME pointing at a folder whose kubeconfig names our cluster that way.
log "cluster $CLUSTER (scripts/cluster.sh up)"
CLUSTER_NAME="$CLUSTER" CLUSTER_KUBECONFIG="$WORK/cluster.kubeconfig" scripts/cluster.sh up >&2
mkdir -p "$WORK/home/.kube"
cp "$WORK/cluster.kubeconfig" "$WORK/home/.kube/config"
KUBECTL="$(command -v kubectl || true)"
[ -n "$KUBECTL" ] || KUBECTL="$(eval "$(scripts/cluster.sh env)"; command -v kubectl)"
"$KUBECTL" --kubeconfig "$WORK/home/.kube/config" config rename-context "kind-$CLUSTER" kind-envapi >/dev/null

# --- the settings before and after the change
mkdir -p "$WORK/settings-before" "$WORK/settings-after"
cp environments/*.yaml "$WORK/settings-before/"
cp environments/*.yaml "$WORK/settings-after/"
node - "$WORK/settings-after" <<'EOF'
// Merges each patch over one environment file the way the settings layer (settings/layering.ts deepMerge).
const fs = require("fs");
const path = require("path");
const { buildSync } = require("esbuild");
const { parse, stringify } = require("yaml");
const bundle = buildSync({ entryPoints: ["settings/layering.ts"], bundle: true, platform: "node", format: "cjs", write: false });
const layering = { exports: {} };
new Function("module", "exports", "require", bundle.outputFiles[0].text)(layering, layering.exports, require);
const patches = {
  dev: { services: [{ name: "api", config: { GREETING: "hello from dev, v2" }, disruptionBudget: { enabled: true, minAvailable: 1 } }] },
  prod: { services: [{ name: "api", autoscaling: { enabled: false }, disruptionBudget: { minAvailable: 1 } }] },
};
for (const [env, patch] of Object.entries(patches)) {
  const file = path.join(process.argv[2], `${env}.yaml`);
  const merged = layering.exports.deepMerge(parse(fs.readFileSync(file, "utf8")), patch);
  fs.writeFileSync(file, `# ${env}: environments/${env}.yaml with the change of scripts/record-plan-fixtures.sh\n${stringify(merged)}`);
}
EOF

# plans SETTINGS_DIR SYNTH_DIR PLANS_DIR ENVIRONMENTS PASSWORD: node scripts/cli.js plan with our state and cluster.
plans() {
  HOME="$WORK/home" SETTINGS_DIR="$1" CDKTF_OUTDIR="$2" ENVIRONMENTS="$4" DEPLOY_TARGET="" PLAN_STATE_DIR="$WORK/state" \
    TF_VAR_api_db_password="$5" node scripts/cli.js plan "$3" || die "planning $4 failed (see $3/*/error.txt)"
}

log "before the change: plan and apply ${ENVIRONMENTS[*]}"
plans "$WORK/settings-before" "$WORK/out-before" "$WORK/plans-before" "$(IFS=,; echo "${ENVIRONMENTS[*]}")" fixture-db-password-v1
for env in "${ENVIRONMENTS[@]}"; do
  (cd "$WORK/out-before/stacks/$env" && HOME="$WORK/home" "$TF" apply -input=false -no-color "$WORK/plans-before/$env/plan.tfplan") \
    >"$WORK/apply-$env.log" 2>&1 || { tail -n 40 "$WORK/apply-$env.log" >&2; die "apply of $env failed"; }
done

log "after the change: plan ${ENVIRONMENTS[*]}"
plans "$WORK/settings-after" "$WORK/out-after" "$WORK/plans-after" dev fixture-db-password-v2
plans "$WORK/settings-after" "$WORK/out-after" "$WORK/plans-after" staging,prod fixture-db-password-v1

rm -rf "$OUT/change" "$OUT/change.settings"
mkdir -p "$OUT/change.settings"
cp "$WORK/settings-after/"*.yaml "$OUT/change.settings/"
for env in "${ENVIRONMENTS[@]}"; do
  mkdir -p "$OUT/change/$env"
  cp "$WORK/plans-after/$env/"{plan.json,plan.txt,meta.json} "$OUT/change/$env/"
  gzip -n -9 -f "$OUT/change/$env/plan.json" # ~120 kB of JSON each; -n: no name or time, the same plan gives the same bytes
done
log "wrote $OUT/change and $OUT/change.settings"
