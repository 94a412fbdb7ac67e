#!/usr/bin/env bash
# End-to-end test of the kubernetes target against a real API server (scripts/cluster.sh: kind when it can
# run, else the local kwok control plane). Deploys staging, dev and prod with cdktf, checks every object
# through the API, changes a setting, steps staging's gray release, drifts live objects by hand, and
# destroys (prod only with ALLOW_DESTROY=prod). Prints the timings and "N passed, N failed".
#
# Usage: scripts/e2e-kubernetes.sh
#   E2E_KEEP_CLUSTER=1   leave the cluster running at the end (default: scripts/cluster.sh down)
#   E2E_REUSE_CLUSTER=1  reuse a running cluster (default: a fresh one, `down` then `up`)
#   E2E_LOG_DIR=dir      keep the logs there (default: a temporary folder, printed)
#   E2E_BUILDER_IMAGE    Go image the API is built in when the cluster is kind (default golang:1.26)
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/e2e-kubernetes.XXXXXX")"
LOGS="${E2E_LOG_DIR:-$WORK/logs}"
mkdir -p "$LOGS"
SETTINGS="$WORK/environments"        # a copy of environments/ the test edits (SETTINGS_DIR)
# Its own synth output, so a cdktf.out/stacks/<env> of another target or run is left alone. The stacks keep
# state at ../../../.state from their folder: for this output that is cdktf.out/.state, not the project's.
OUT="cdktf.out/e2e-kubernetes"
STATE_DIR="cdktf.out/.state"
ROLLOUT_SECONDS=120                  # bound of every wait on the cluster
E2E_START=$SECONDS

# --------------------------------------------------------------------------
# reporting
# --------------------------------------------------------------------------
PASSED=0
FAILED=0
TIMINGS=()
log()  { printf '[e2e] %s\n' "$*" >&2; }
die()  { printf '[e2e] ERROR: %s\n' "$*" >&2; exit 1; }
step() { printf '\n[e2e] == %s\n' "$*" >&2; }
pass() { PASSED=$((PASSED + 1)); printf '[e2e]   ok    %s\n' "$*" >&2; }
fail() { FAILED=$((FAILED + 1)); printf '[e2e]   FAIL  %s\n' "$*" >&2; }

# expect WHAT EXPECTED ACTUAL
expect() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
# expect_lines WHAT FILE_WITH_ACTUAL EXPECTED_LINES...: the file holds exactly these lines (any order).
expect_lines() {
  local what="$1" file="$2"; shift 2
  local expected actual
  expected="$(printf '%s\n' "$@" | sed '/^$/d' | sort)"
  actual="$(sed '/^$/d' "$file" | sort)"
  if [ "$expected" = "$actual" ]; then
    pass "$what"
    sed 's/^/[e2e]           /' "$file" >&2
  else
    fail "$what"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | sed 's/^/[e2e]           /' >&2 || true
  fi
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
record() { TIMINGS+=("$(printf '%-44s %8ss' "$1" "$2")"); log "$1: $2s"; }

# logged NAME CMD...: run CMD with its output in $LOGS/NAME.log; on failure show the end and stop.
logged() {
  local name="$1"; shift
  if ! "$@" >"$LOGS/$name.log" 2>&1; then
    tail -n 40 "$LOGS/$name.log" >&2
    die "$name failed (log: $LOGS/$name.log)"
  fi
}

on_exit() {
  local rc=$?
  rm -f "$WORK"/*.tfplan "$WORK"/*.plan.json     # a plan holds the secret in clear
  if [ "${E2E_KEEP_CLUSTER:-0}" != 1 ] && [ "${CLUSTER_STARTED:-0}" = 1 ]; then
    scripts/cluster.sh down >"$LOGS/cluster-down.log" 2>&1 || log "cluster down failed (log: $LOGS/cluster-down.log)"
  fi
  if [ "${#TIMINGS[@]}" -gt 0 ]; then
    printf '\n[e2e] timings\n' >&2
    printf '[e2e]   %s\n' "${TIMINGS[@]}" >&2
  fi
  printf '[e2e] logs: %s (total %ss)\n' "$LOGS" "$((SECONDS - E2E_START))" >&2
  printf '%s passed, %s failed\n' "$PASSED" "$FAILED"
  if [ "$rc" = 0 ] && [ "$FAILED" -gt 0 ]; then rc=1; fi
  exit "$rc"
}
trap on_exit EXIT

# --------------------------------------------------------------------------
# the tools
# --------------------------------------------------------------------------
step "toolchain (providers, Terraform CLI, CLI config) and node modules"
[ -d node_modules/cdktf-cli ] || logged npm-ci npm ci --no-audit --no-fund
TOOLCHAIN_SKIP_DOCKER=1 logged toolchain scripts/toolchain.sh all
eval "$(scripts/toolchain.sh env 2>/dev/null)"
TF="$TERRAFORM_BINARY_NAME"
export TF_IN_AUTOMATION=1 TF_INPUT=0
log "terraform CLI: $TF ($TOOLCHAIN_TF_KIND), CLI config $TF_CLI_CONFIG_FILE"

step "cluster"
if [ "${E2E_REUSE_CLUSTER:-0}" != 1 ]; then logged cluster-down-before scripts/cluster.sh down; fi
start="$(now)"
CLUSTER_STARTED=1
logged cluster-up scripts/cluster.sh up
up_line="$(grep '^cluster-up ' "$LOGS/cluster-up.log" | tail -n1)"     # cluster-up PROVIDER STATE cold|warm SECONDS
read -r _ PROVIDER_NAME CLUSTER_STATE CLUSTER_TEMPERATURE _ <<<"$up_line"
record "cluster up ($PROVIDER_NAME, $CLUSTER_STATE, $CLUSTER_TEMPERATURE)" "$(elapsed "$start" "$(now)")"
eval "$(scripts/cluster.sh env)"
CONTEXT="$CLUSTER_CONTEXT"
kc() { kubectl --context "$CONTEXT" --request-timeout=20s "$@"; }
log "server $(kc version -o json | sed -n '/serverVersion/,$ s/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -n1)"

TF_VAR_api_db_password="e2e-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export TF_VAR_api_db_password
cp -R environments "$SETTINGS"
export SETTINGS_DIR="$SETTINGS"

# kind runs real pods: the nodes need the API's images (the kwok provider's fake nodes run nothing).
if [ "$PROVIDER_NAME" = kind ]; then
  step "images for kind: build the API from app/ and load it into the nodes"
  for tag in 0.1.0 0.2.0 latest; do
    logged "image-$tag" docker build -t "envapi:$tag" --build-arg "VERSION=$tag" \
      --build-arg "BUILDER_IMAGE=${E2E_BUILDER_IMAGE:-golang:1.26}" app/
    logged "kind-load-$tag" kind load docker-image "envapi:$tag" --name "${CLUSTER_NAME:-envapi}"
  done
fi

# --------------------------------------------------------------------------
# helpers on stacks and the cluster
# --------------------------------------------------------------------------

# cdktf COMMAND ARGS...: the CLI on this test's output folder.
cdktf() { local command="$1"; shift; npx --no-install cdktf "$command" --output "$OUT" --no-color "$@"; }
# What `cdktf synth` runs (the app command of cdktf.json), without the CLI's start-up time.
synth() { CDKTF_OUTDIR="$OUT" logged synth node scripts/run-app.js; }
tf() { local env="$1"; shift; (cd "$OUT/stacks/$env" && "$TF" "$@"); }

# plan ENV: plan into $WORK/ENV.tfplan; PLAN_RC is terraform's -detailed-exitcode (0 none, 2 changes);
# $WORK/ENV.changes and $WORK/ENV.planned hold the summaries of scripts/_plan-changes.js.
plan() {
  local env="$1" rc=0
  tf "$env" plan -lock-timeout=60s -detailed-exitcode -out="$WORK/$env.tfplan" >"$LOGS/plan-$env.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ] && [ "$rc" != 2 ]; then tail -n 40 "$LOGS/plan-$env.log" >&2; die "plan of $env failed"; fi
  PLAN_RC="$rc"
  tf "$env" show -json "$WORK/$env.tfplan" >"$WORK/$env.plan.json"
  node scripts/_plan-changes.js <"$WORK/$env.plan.json" >"$WORK/$env.changes"
  node scripts/_plan-changes.js --planned <"$WORK/$env.plan.json" >"$WORK/$env.planned"
}
apply() { local env="$1"; logged "apply-$env" tf "$env" apply -lock-timeout=60s -auto-approve "$WORK/$env.tfplan"; }

# expect_no_changes ENV WHAT: a fresh plan of ENV shows nothing to do; records the time of the first one.
expect_no_changes() {
  local env="$1" what="$2" start; start="$(now)"
  plan "$env"
  [ -n "${NOOP_RECORDED:-}" ] || { record "no-op plan ($env, terraform plan)" "$(elapsed "$start" "$(now)")"; NOOP_RECORDED=1; }
  if [ "$PLAN_RC" = 0 ]; then pass "$env: no changes $what"; else fail "$env: plan $what shows changes: $(tr '\n' ';' <"$WORK/$env.changes")"; fi
}

# set_setting ENV SED_EXPRESSION: edit the copy of environments/ENV.yaml.
set_setting() { sed -i "$2" "$SETTINGS/$1.yaml"; }

# rollout_done NS DEPLOYMENT REPLICAS: the Deployment has REPLICAS replicas, all updated, ready and available.
rollout_done() {
  local fields spec updated ready available total generation observed
  fields="$(kc -n "$1" get deployment "$2" -o jsonpath='{.spec.replicas}/{.status.updatedReplicas}/{.status.readyReplicas}/{.status.availableReplicas}/{.status.replicas}/{.metadata.generation}/{.status.observedGeneration}' 2>/dev/null)" || return 1
  IFS=/ read -r spec updated ready available total generation observed <<<"$fields"
  [ "$generation" = "$observed" ] && [ "$spec" = "$3" ] && [ "${updated:-0}" = "$3" ] && [ "${ready:-0}" = "$3" ] \
    && [ "${available:-0}" = "$3" ] && [ "${total:-0}" = "$3" ]
}
expect_rollout() {
  local ns="$1" name="$2" replicas="$3" start=$SECONDS
  until rollout_done "$ns" "$name" "$replicas"; do
    if [ $((SECONDS - start)) -ge "$ROLLOUT_SECONDS" ]; then
      fail "$ns/$name rolled out with $replicas ready replicas (after ${ROLLOUT_SECONDS}s: $(kc -n "$ns" get deployment "$name" -o jsonpath='{.spec.replicas}/{.status.updatedReplicas}/{.status.readyReplicas}' 2>&1))"
      return
    fi
    sleep 2
  done
  pass "$ns/$name rolled out: $replicas ready replicas"
}

jp() { kc -n "$1" get "$2" -o "jsonpath=$3" 2>&1; }

# check_environment ENV NAMESPACE REPLICAS HOST PDB(yes|no): every object through the API.
check_environment() {
  local env="$1" ns="$2" replicas="$3" host="$4" pdb="$5" level
  step "$env: objects in namespace $ns"
  for level in enforce audit warn; do
    expect "namespace $ns pod-security.kubernetes.io/$level" restricted "$(kc get namespace "$ns" -o "jsonpath={.metadata.labels.pod-security\.kubernetes\.io/$level}")"
  done
  expect "namespace $ns label environment" "$env" "$(kc get namespace "$ns" -o 'jsonpath={.metadata.labels.environment}')"
  expect "$ns quota: pods, requests.cpu set" "yes yes" "$([ -n "$(jp "$ns" resourcequota/quota '{.spec.hard.pods}')" ] && echo yes) $([ -n "$(jp "$ns" resourcequota/quota '{.spec.hard.requests\.cpu}')" ] && echo yes)"
  expect "$ns quota counts the running pods" "$(kc -n "$ns" get pods --field-selector=status.phase=Running -o name | wc -l | tr -d ' ')" "$(jp "$ns" resourcequota/quota '{.status.used.pods}')"
  expect "$ns limit range container-defaults: default limits (environments/base.yaml)" "500m 256Mi" "$(jp "$ns" limitrange/container-defaults '{.spec.limits[0].default.cpu} {.spec.limits[0].default.memory}')"
  expect "$ns network policies" "allow-ingress-controller allow-same-namespace deny-all-ingress" "$(kc -n "$ns" get networkpolicies -o jsonpath='{.items[*].metadata.name}')"
  expect "$ns ConfigMap api-config APP_ENV" "$env" "$(jp "$ns" configmap/api-config '{.data.APP_ENV}')"
  expect "$ns Secret api-secrets DB_PASSWORD is the deploy-time variable" "$TF_VAR_api_db_password" "$(jp "$ns" secret/api-secrets '{.data.DB_PASSWORD}' | base64 -d)"
  expect_rollout "$ns" api "$replicas"
  expect "$ns pods: non-root, no privilege escalation, read-only root, ALL dropped, RuntimeDefault" \
    "$(for _ in $(seq 1 "$replicas"); do printf 'true false true ALL RuntimeDefault\n'; done)" \
    "$(kc -n "$ns" get pods -l app.kubernetes.io/name=api,track=stable -o jsonpath='{range .items[*]}{.spec.containers[0].securityContext.runAsNonRoot} {.spec.containers[0].securityContext.allowPrivilegeEscalation} {.spec.containers[0].securityContext.readOnlyRootFilesystem} {.spec.containers[0].securityContext.capabilities.drop[0]} {.spec.securityContext.seccompProfile.type}{"\n"}{end}')"
  expect "$ns Service api port 80 -> http" "80 http" "$(jp "$ns" service/api '{.spec.ports[0].port} {.spec.ports[0].targetPort}')"
  expect "$ns Service api endpoints: ready pods" "$replicas" "$(kc -n "$ns" get endpointslices -l kubernetes.io/service-name=api -o jsonpath='{range .items[*].endpoints[*]}{.conditions.ready}{"\n"}{end}' | grep -c true)"
  expect "$ns Ingress api host" "$host" "$(jp "$ns" ingress/api '{.spec.rules[0].host}')"
  if [ "$env" = dev ]; then
    expect "$ns has no HorizontalPodAutoscaler" "" "$(kc -n "$ns" get hpa -o name)"
  else
    expect "$ns HorizontalPodAutoscaler api targets Deployment api, min replicas" "Deployment/api $replicas" "$(jp "$ns" hpa/api '{.spec.scaleTargetRef.kind}/{.spec.scaleTargetRef.name} {.spec.minReplicas}')"
  fi
  if [ "$pdb" = yes ]; then
    expect "$ns PodDisruptionBudget api minAvailable" 2 "$(jp "$ns" pdb/api '{.spec.minAvailable}')"
  else
    expect "$ns has no PodDisruptionBudget" "" "$(kc -n "$ns" get pdb -o name)"
  fi
  # The API server enforces Pod Security admission: a privileged pod is refused in the namespace.
  local refused
  refused="$(kc -n "$ns" run e2e-privileged --image=envapi:probe --restart=Never --dry-run=server \
    --overrides='{"spec":{"containers":[{"name":"p","image":"envapi:probe","securityContext":{"privileged":true}}]}}' 2>&1 || true)"
  if [[ "$refused" == *'violates PodSecurity "restricted'* ]]; then pass "$ns refuses a privileged pod (PodSecurity restricted)"; else fail "$ns admitted a privileged pod: $refused"; fi
}

# objects_in_own_namespace ENV NAMESPACE: every object in the environment's state lives in its namespace.
objects_in_own_namespace() {
  local env="$1" ns="$2" others
  others="$(tf "$env" show -json | node -e '
    const ns = process.argv[1];
    const state = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const resources = ((state.values || {}).root_module || {}).resources || [];
    const wrong = resources.filter((r) => r.values.metadata).map((r) => r.values.metadata[0])
      .filter((m) => (m.namespace || m.name) !== ns).map((m) => `${m.namespace}/${m.name}`);
    console.log(resources.length === 0 ? "empty state" : wrong.join(" "));' "$ns")"
  expect "$env: every object of its state is in $ns" "" "$others"
}

# --------------------------------------------------------------------------
# 1. deploy staging with cdktf
# --------------------------------------------------------------------------
step "deploy staging (cdktf deploy)"
start="$(now)"
logged deploy-staging cdktf deploy staging --auto-approve --skip-provider-lock
record "cdktf deploy staging (create)" "$(elapsed "$start" "$(now)")"
check_environment staging envapi-staging 2 api.staging.localhost no

step "staging: a second plan shows no changes"
synth
expect_no_changes staging "after deploy"
start="$(now)"
logged diff-staging cdktf diff staging --skip-provider-lock
record "no-op plan (staging, cdktf diff)" "$(elapsed "$start" "$(now)")"
if grep -q 'No changes' "$LOGS/diff-staging.log"; then pass "staging: cdktf diff shows no changes"; else fail "staging: cdktf diff shows changes (log: $LOGS/diff-staging.log)"; fi

# --------------------------------------------------------------------------
# 2. dev and prod beside it
# --------------------------------------------------------------------------
step "deploy dev and prod (cdktf deploy)"
start="$(now)"
logged deploy-dev-prod cdktf deploy dev prod --auto-approve --skip-provider-lock
record "cdktf deploy dev prod (create)" "$(elapsed "$start" "$(now)")"
check_environment dev envapi-dev 1 api.dev.localhost no
check_environment prod envapi-prod 3 api.prod.localhost yes
step "three environments, nothing shared"
expect "namespaces of the project" "envapi-dev envapi-prod envapi-staging" "$(kc get namespaces -l app.kubernetes.io/part-of=envapi -o jsonpath='{.items[*].metadata.name}')"
for env in dev staging prod; do objects_in_own_namespace "$env" "envapi-$env"; done
states=0
for env in dev staging prod; do [ ! -f "$STATE_DIR/$env.kubernetes.tfstate" ] || states=$((states + 1)); done
expect "one state per environment" "3" "$states"
synth
for env in dev prod; do expect_no_changes "$env" "after deploy"; done

# --------------------------------------------------------------------------
# 3. an app setting changes: the ConfigMap and the pod template checksum, and the pods roll
# --------------------------------------------------------------------------
step "staging: change GREETING"
old_pods="$(kc -n envapi-staging get pods -l track=stable -o jsonpath='{.items[*].metadata.name}')"
old_checksum="$(jp envapi-staging deployment/api '{.spec.template.metadata.annotations.checksum/config}')"
set_setting staging 's/GREETING: hello from staging }/GREETING: hello again from staging }/'
synth
plan staging
expect_lines "staging plan: only the ConfigMap and the pod template checksum" "$WORK/staging.changes" \
  "update kubernetes_config_map_v1 api-config data.GREETING" \
  "update kubernetes_deployment_v1 api spec.0.template.0.metadata.0.annotations.checksum/config"
start="$(now)"
apply staging
record "apply a setting change (staging)" "$(elapsed "$start" "$(now)")"
expect "staging ConfigMap GREETING" "hello again from staging" "$(jp envapi-staging configmap/api-config '{.data.GREETING}')"
new_checksum="$(jp envapi-staging deployment/api '{.spec.template.metadata.annotations.checksum/config}')"
if [ -n "$new_checksum" ] && [ "$new_checksum" != "$old_checksum" ]; then pass "pod template checksum changed"; else fail "pod template checksum unchanged ($new_checksum)"; fi
expect_rollout envapi-staging api 2
new_pods="$(kc -n envapi-staging get pods -l track=stable -o jsonpath='{.items[*].metadata.name}')"
common="$(comm -12 <(tr ' ' '\n' <<<"$old_pods" | sort) <(tr ' ' '\n' <<<"$new_pods" | sort) | tr '\n' ' ')"
expect "staging pods replaced by the rollout (none of the old pods left)" "" "${common% }"
expect_no_changes staging "after the setting change"

# --------------------------------------------------------------------------
# 4. gray release 0 -> 5 -> 25 -> 100 (-> 0): replicas split as model/gray-release.ts says for 2 replicas;
#    autoscaling pauses while a canary runs
# --------------------------------------------------------------------------
# weight | stable | canary | HPA     (at 100% there is no stable Deployment at all: see web-service.ts)
GRAY_STEPS=("5 1 1 no" "25 1 1 no" "100 0 2 no" "0 2 0 yes")
for gray_step in "${GRAY_STEPS[@]}"; do
  read -r weight stable canary hpa <<<"$gray_step"
  step "staging: gray release at ${weight}% (expect stable=$stable canary=$canary, autoscaler: $hpa)"
  set_setting staging "s/grayRelease: { canaryWeight: [0-9]*,/grayRelease: { canaryWeight: $weight,/"
  synth
  plan staging
  log "plan:"; sed 's/^/[e2e]           /' "$WORK/staging.changes" >&2
  expected=()
  [ "$stable" = 0 ] || expected+=("kubernetes_deployment_v1 api replicas=$stable")
  [ "$canary" = 0 ] || expected+=("kubernetes_deployment_v1 api-canary replicas=$canary")
  [ "$hpa" = no ] || expected+=("kubernetes_horizontal_pod_autoscaler_v2 api")
  grep -E '^kubernetes_(deployment_v1|horizontal_pod_autoscaler_v2) ' "$WORK/staging.planned" >"$WORK/staging.split"
  expect_lines "staging plan at ${weight}%: the replica split" "$WORK/staging.split" "${expected[@]}"
  expect "staging plan at ${weight}%: split annotation" \
    "$(printf 'stable=%s canary=%s' "$stable" "$canary")" \
    "$(node -e 'const p = JSON.parse(require("fs").readFileSync(0, "utf8")); const r = (p.planned_values.root_module.resources || []).find((r) => r.type === "kubernetes_deployment_v1"); console.log(r.values.metadata[0].annotations["gray-release/split"].replace(/ effective=.*/, ""))' <"$WORK/staging.plan.json")"
  start="$(now)"
  apply staging
  record "apply gray release ${weight}% (staging)" "$(elapsed "$start" "$(now)")"
  if [ "$stable" = 0 ]; then
    expect "staging has no stable Deployment" "" "$(kc -n envapi-staging get deployment api -o name --ignore-not-found)"
  else
    expect_rollout envapi-staging api "$stable"
  fi
  if [ "$canary" = 0 ]; then
    expect "staging has no canary Deployment" "" "$(kc -n envapi-staging get deployment api-canary -o name --ignore-not-found)"
  else
    expect_rollout envapi-staging api-canary "$canary"
    expect "staging canary image" "envapi:0.2.0" "$(jp envapi-staging deployment/api-canary '{.spec.template.spec.containers[0].image}')"
  fi
  expect "staging ready pods behind Service api" "$((stable + canary))" "$(kc -n envapi-staging get endpointslices -l kubernetes.io/service-name=api -o jsonpath='{range .items[*].endpoints[*]}{.conditions.ready}{"\n"}{end}' | grep -c true)"
  expect_no_changes staging "after the ${weight}% step"
done

# --------------------------------------------------------------------------
# 5. drift: objects edited by hand show in the plan; apply restores them
# --------------------------------------------------------------------------
step "drift: edited by hand"
kc label namespace envapi-staging pod-security.kubernetes.io/enforce=privileged --overwrite >/dev/null
kc -n envapi-staging patch configmap api-config --type merge -p '{"data":{"GREETING":"edited by hand"}}' >/dev/null
kc -n envapi-dev scale deployment api --replicas=3 >/dev/null
plan staging
expect_lines "staging plan shows the drift" "$WORK/staging.changes" \
  "update kubernetes_config_map_v1 api-config data.GREETING" \
  "update kubernetes_namespace_v1 envapi-staging metadata.0.labels.pod-security.kubernetes.io/enforce"
plan dev
expect_lines "dev plan shows the drift" "$WORK/dev.changes" "update kubernetes_deployment_v1 api spec.0.replicas"
apply staging
apply dev
expect "staging Pod Security enforce restored" restricted "$(kc get namespace envapi-staging -o 'jsonpath={.metadata.labels.pod-security\.kubernetes\.io/enforce}')"
expect "staging GREETING restored" "hello again from staging" "$(jp envapi-staging configmap/api-config '{.data.GREETING}')"
expect_rollout envapi-dev api 1
expect_no_changes staging "after restoring the drift"
expect_no_changes dev "after restoring the drift"

# --------------------------------------------------------------------------
# 6. destroy: prod is protected; staging and dev are not
# --------------------------------------------------------------------------
step "destroy prod without the override is refused"
if cdktf destroy prod --auto-approve --skip-provider-lock >"$LOGS/destroy-prod-refused.log" 2>&1; then
  fail "cdktf destroy prod succeeded without ALLOW_DESTROY"
else
  pass "cdktf destroy prod refused (exit non-zero)"
fi
# cdktf prints only "Invoking Terraform CLI failed": Terraform's own message says why.
if tf prod plan -destroy -lock-timeout=60s >"$LOGS/plan-destroy-prod.log" 2>&1; then
  fail "terraform plan -destroy of prod succeeded without ALLOW_DESTROY"
elif grep -q 'prevent_destroy' "$LOGS/plan-destroy-prod.log"; then
  pass "prod: Terraform refuses the destroy plan (prevent_destroy: $(grep -c 'Instance cannot be destroyed' "$LOGS/plan-destroy-prod.log") protected objects)"
else
  fail "terraform plan -destroy of prod failed for another reason (log: $LOGS/plan-destroy-prod.log)"
fi
expect "prod namespace still there" "envapi-prod" "$(kc get namespace envapi-prod -o jsonpath='{.metadata.name}' 2>&1)"
expect_rollout envapi-prod api 3

step "destroy prod with ALLOW_DESTROY=prod, then staging and dev"
start="$(now)"
ALLOW_DESTROY=prod logged destroy-prod cdktf destroy prod --auto-approve --skip-provider-lock
record "cdktf destroy prod" "$(elapsed "$start" "$(now)")"
start="$(now)"
logged destroy-staging cdktf destroy staging --auto-approve --skip-provider-lock
record "cdktf destroy staging" "$(elapsed "$start" "$(now)")"
start="$(now)"
logged destroy-dev cdktf destroy dev --auto-approve --skip-provider-lock
record "cdktf destroy dev" "$(elapsed "$start" "$(now)")"
for ns in envapi-prod envapi-staging envapi-dev; do
  expect "namespace $ns deleted" "" "$(kc get namespace "$ns" -o name --ignore-not-found)"
done
for env in prod staging dev; do
  expect "$env state is empty" "0" "$(tf "$env" state list 2>/dev/null | wc -l | tr -d ' ')"
done
record "e2e total (without cluster down)" "$((SECONDS - E2E_START))"
