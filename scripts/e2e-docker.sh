#!/usr/bin/env bash
# End-to-end test of the Docker target with the real toolchain, a real engine and real `cdktf deploy`:
# staging and dev as containers, checked through their proxies; network isolation between them; a setting
# change that plans as exactly that change and rolls the replicas; a no-op plan; an apply interrupted midway
# that a re-run converges (after `npm run orphans`, which `npm run deploy` runs first); destroy that leaves
# nothing behind; and the time each of those took.
#
# Usage: scripts/e2e-docker.sh
# Env:   E2E_TIMEOUT=900  limit in seconds for the test itself, after the toolchain is ready (every wait is
#                         bounded too; a cold toolchain build has its own limit of 40 minutes)
#        E2E_KEEP=1       leave the environments running at the end instead of destroying them
#        E2E_WORK_DIR     settings copy, state, plans and logs (default: a new directory under $TMPDIR)
#        E2E_CPU_HOG=N    N busy loops in a container beside the test's (bounded by E2E_TIMEOUT): the load of an
#                         image build on the same engine, which is what starves a container of CPU
#
# The environments run from a copy of environments/ (SETTINGS_DIR) whose only differences are the state
# location (in the work dir, never .state/) and an `e2e-run` label on everything, which is how leftovers of an
# interrupted run are found and removed. Synth output goes to cdktf.out/e2e-docker. Traffic goes only to
# 127.0.0.1 and to the containers made here.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEADLINE=$((SECONDS + 2400)) # until the toolchain is ready; then E2E_TIMEOUT
WORK="${E2E_WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/e2e-docker.XXXXXX")}"
SETTINGS="$WORK/settings"
# Its own synth output, so the cdktf.out/stacks/<env> of a normal deploy (or another target's test) is left alone.
OUT="cdktf.out/e2e-docker"
LOGS="$WORK/logs"
RUN_ID="run-$(date +%s)-$$"
HOG="envapi-e2e-cpu-hog-$$"
ENVS=(staging dev)

PASSED=0
FAILED=0
TIMINGS=()

log() { printf '[e2e] %s\n' "$*" >&2; }
pass() { PASSED=$((PASSED + 1)); printf '[e2e] PASS %s\n' "$*" >&2; }
fail() { FAILED=$((FAILED + 1)); printf '[e2e] FAIL %s\n' "$*" >&2; }
die() { printf '[e2e] ERROR: %s\n\ne2e-docker: %d passed, %d failed\n' "$*" "$PASSED" "$((FAILED + 1))" >&2; exit 1; }
# check DESCRIPTION COMMAND...: one assertion; the run goes on either way.
check() { local what="$1"; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

# bounded SECONDS COMMAND...: run with a time limit that never passes the overall deadline.
bounded() {
  local limit="$1" left=$((DEADLINE - SECONDS)); shift
  [ "$left" -gt 0 ] || { log "out of time (E2E_TIMEOUT)"; return 124; }
  [ "$limit" -le "$left" ] || limit="$left"
  timeout --kill-after=15 "$limit" "$@"
}

# timed NAME COMMAND...: run and record how long it took.
timed() {
  local name="$1" start="$EPOCHREALTIME" rc=0; shift
  "$@" || rc=$?
  TIMINGS+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" -v n="$name" 'BEGIN { printf "%-44s %6.1f s", n, b - a }')")
  return "$rc"
}

# --------------------------------------------------------------------------------------------------------------
# settings, deploys and plans
# --------------------------------------------------------------------------------------------------------------

# patch_settings ENV JSON: merge JSON over the copy's <ENV>.yaml with the project's own deepMerge.
patch_settings() {
  node -e '
    const fs = require("fs");
    const { parse, stringify } = require("yaml");
    const { outputFiles } = require("esbuild").buildSync({
      entryPoints: ["settings/layering.ts"], bundle: true, platform: "node", format: "cjs", write: false,
    });
    const m = { exports: {} };
    new Function("module", "exports", "require", outputFiles[0].text)(m, m.exports, require);
    const [file, patch] = process.argv.slice(1);
    fs.writeFileSync(file, stringify(m.exports.deepMerge(parse(fs.readFileSync(file, "utf8")) ?? {}, JSON.parse(patch))));
  ' "$SETTINGS/$1.yaml" "$2"
}

# The CLI with the e2e settings, on the Docker target.
CDKTF=(env SETTINGS_DIR="$SETTINGS" DEPLOY_TARGET=docker CI=1 npx --no-install cdktf)

deploy() { # deploy ENV LOGNAME
  log "cdktf deploy $1 (log: $LOGS/$2.log)"
  if ! bounded 600 "${CDKTF[@]}" deploy "$1" --output "$OUT" --auto-approve --skip-provider-lock --no-color >"$LOGS/$2.log" 2>&1; then
    tail -n 40 "$LOGS/$2.log" >&2
    return 1
  fi
}

destroy() { # destroy ENV LOGNAME
  log "cdktf destroy $1 (log: $LOGS/$2.log)"
  if ! bounded 300 "${CDKTF[@]}" destroy "$1" --output "$OUT" --auto-approve --no-color >"$LOGS/$2.log" 2>&1; then
    tail -n 40 "$LOGS/$2.log" >&2
    return 1
  fi
}

synth() {
  bounded 120 "${CDKTF[@]}" synth --output "$OUT" --no-color >"$LOGS/synth-$1.log" 2>&1 || { tail -n 20 "$LOGS/synth-$1.log" >&2; return 1; }
}

# plan ENV OUT: terraform plan in the synthesized stack; its -detailed-exitcode (0 none, 2 changes) in PLAN_RC.
plan() {
  PLAN_RC=0
  bounded 180 "$TERRAFORM_BINARY_NAME" -chdir="$OUT/stacks/$1" plan -input=false -no-color -lock-timeout=30s \
    -detailed-exitcode -out="$2" >"$2.log" 2>&1 || PLAN_RC=$?
  [ "$PLAN_RC" -ne 1 ] || tail -n 30 "$2.log" >&2
}

# --------------------------------------------------------------------------------------------------------------
# what runs on the Docker host
# --------------------------------------------------------------------------------------------------------------

mine() { printf 'label=e2e-run=%s' "$RUN_ID"; }
# containers_of ENV: its containers, except the FileVolume loaders (created, never started, no health check).
containers_of() {
  docker ps -a --filter "$(mine)" --filter "label=environment=$1" --format '{{.Names}} {{.State}}' | awk '$2 != "created" { print $1 }' | sort
}

# wait_healthy ENV: every container of ENV healthy, within 90 s.
wait_healthy() {
  local env="$1" names status
  for _ in $(seq 1 45); do
    names="$(containers_of "$env")"
    # shellcheck disable=SC2086 # a list of container names, split on purpose
    status="$(docker inspect --format '{{.State.Health.Status}}' $names 2>/dev/null | sort -u | tr '\n' ' ')"
    if [ -n "$names" ] && [ "$status" = "healthy " ]; then return 0; fi
    [ $((DEADLINE - SECONDS)) -gt 2 ] || return 1
    sleep 2
  done
  log "$env not healthy: $(docker ps -a --filter "$(mine)" --filter "label=environment=$env" --format '{{.Names}}={{.Status}}' | tr '\n' ' ')"
  return 1
}

# http ENV PATH [HOST]: GET through ENV's proxy on 127.0.0.1 with a Host header; body on stdout, status in $CODE.
declare -A PORT=([staging]=8082 [dev]=8081)
declare -A HOST=([staging]=api.staging.localhost [dev]=api.dev.localhost)
http() {
  local out="$WORK/http.out"
  CODE="$(curl -sS --max-time 5 -o "$out" -w '%{http_code}' -H "Host: ${3:-${HOST[$1]}}" "http://127.0.0.1:${PORT[$1]}$2" || true)"
  cat "$out" 2>/dev/null || true
}
status_is() { http "$1" "$2" "${4:-}" >/dev/null; [ "$CODE" = "$3" ]; }
json_is() { [ "$(http "$1" "$2" | jq -r "$3" 2>/dev/null)" = "$4" ]; }
body_lacks() { ! http "$1" "$2" | grep -qF "$3"; }
fails() { ! "$@"; }

# probe NETWORK URL: the API image's own healthcheck, run as a throwaway container on NETWORK.
probe() {
  docker run --rm --network "$1" --label "e2e-run=$RUN_ID" --read-only --user 65532:65532 --cap-drop ALL \
    --security-opt no-new-privileges:true "envapi:latest" healthcheck --url "$2" --timeout 2s >/dev/null 2>&1
}

descendants() { local child; for child in $(pgrep -P "$1"); do echo "$child"; descendants "$child"; done; }

# remove_labelled FILTER: remove every container, volume, network and built image carrying the label.
# shellcheck disable=SC2086 # lists of IDs, split on purpose
remove_labelled() {
  local ids
  ids="$(docker ps -aq --filter "$1")"; [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
  ids="$(docker volume ls -q --filter "$1")"; [ -z "$ids" ] || docker volume rm $ids >/dev/null 2>&1 || true
  ids="$(docker network ls -q --filter "$1")"; [ -z "$ids" ] || docker network rm $ids >/dev/null 2>&1 || true
  ids="$(docker images -q --filter "$1" | sort -u)"; [ -z "$ids" ] || docker rmi -f $ids >/dev/null 2>&1 || true
}

leftovers() { # leftovers ENV: what of ENV is still on the Docker host
  {
    docker ps -a --filter "$(mine)" --filter "label=environment=$1" --format 'container {{.Names}}'
    docker network ls --filter "$(mine)" --filter "label=environment=$1" --format 'network {{.Name}}'
    docker volume ls --filter "$(mine)" --filter "label=environment=$1" --format 'volume {{.Name}}'
    docker images --filter "$(mine)" --filter "label=environment=$1" --format 'image {{.Repository}}:{{.Tag}}'
  } | sort
}

cleanup() {
  local rc=$? env
  docker rm -f "$HOG" >/dev/null 2>&1 || true
  if [ "${E2E_KEEP:-0}" = 1 ]; then
    log "E2E_KEEP=1: leaving the environments running (settings: $SETTINGS; remove with label e2e-run=$RUN_ID)"
  else
    for env in "${ENVS[@]}"; do
      if [ -n "$(leftovers "$env")" ]; then
        log "cleaning up $env"
        DEADLINE=$((SECONDS + 300)) destroy "$env" "cleanup-$env" || true
      fi
    done
    remove_labelled "$(mine)"
    rm -rf "$WORK/state" "$WORK/plans" # they hold the test secret; the logs stay
  fi
  return "$rc"
}

# --------------------------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------------------------

main() {
  local tool
  for tool in docker curl jq node go flock timeout; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH"
  done
  mkdir -p "$LOGS" "$WORK/state" "$WORK/plans"
  log "work dir $WORK, run $RUN_ID"

  log "toolchain: providers, CLI config, docker engine, builder image, proxy image"
  timed "toolchain (scripts/toolchain.sh all)" bounded 2400 scripts/toolchain.sh all >"$LOGS/toolchain.log" 2>&1 \
    || { tail -n 30 "$LOGS/toolchain.log" >&2; die "toolchain failed"; }
  eval "$(scripts/toolchain.sh env)"
  timed "proxy image (scripts/proxy-image.sh)" bounded 1200 scripts/proxy-image.sh >"$LOGS/proxy-image.log" 2>&1 \
    || { tail -n 30 "$LOGS/proxy-image.log" >&2; die "proxy image failed"; }
  DEADLINE=$((SECONDS + ${E2E_TIMEOUT:-900}))

  # Leftovers of an earlier run carry an e2e-run label of their own; a real deployment does not and is kept.
  remove_labelled "label=e2e-run"
  local env
  for env in "${ENVS[@]}"; do
    [ -z "$(docker ps -aq --filter "name=^envapi-$env-")" ] \
      || die "containers envapi-$env-* exist on this Docker host and are not from a test run; not touching them"
    ! (exec 3<>"/dev/tcp/127.0.0.1/${PORT[$env]}") 2>/dev/null || die "port ${PORT[$env]} on 127.0.0.1 is in use"
  done
  trap cleanup EXIT
  if [ "${E2E_CPU_HOG:-0}" -gt 0 ]; then
    # A sibling container with Docker's default CPU weight (1024), as an image build is: host processes sit in
    # another cgroup and barely touch the weight a container gets among its siblings.
    log "E2E_CPU_HOG=$E2E_CPU_HOG: $E2E_CPU_HOG busy loops in container $HOG, for at most ${E2E_TIMEOUT:-900} s"
    docker run -d --rm --name "$HOG" --label "e2e-run=$RUN_ID" --network none "${BUILDER_IMAGE:-golang:1.26}" \
      sh -c "for i in \$(seq $E2E_CPU_HOG); do timeout ${E2E_TIMEOUT:-900} sh -c 'while :; do :; done' & done; wait" >/dev/null
  fi
  rm -rf "$OUT" # its stacks remember the previous run's state location

  cp -R environments "$SETTINGS"
  for env in "${ENVS[@]}"; do
    patch_settings "$env" "{\"labels\": {\"e2e-run\": \"$RUN_ID\"},
      \"backend\": {\"kind\": \"local\", \"path\": \"$WORK/state/$env.tfstate\"}}"
  done
  CANARY="e2e-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export TF_VAR_api_db_password="$CANARY"

  # ---- staging --------------------------------------------------------------------------------------------
  timed "deploy staging (first)" deploy staging deploy-staging || die "deploy of staging failed"
  check "staging: every container is healthy" wait_healthy staging
  check "staging: /readyz answers 200 through the proxy" status_is staging /readyz 200
  check "staging: Host with the port routes too" status_is staging /readyz 200 "api.staging.localhost:8082"
  check "staging: an unknown host gets 404" status_is staging /readyz 404 "api.prod.localhost"
  check "staging: /config shows staging's greeting" json_is staging /config .greeting "hello from staging"
  check "staging: /config shows the environment" json_is staging /config .environment "staging"
  check "staging: the app has its secret (reported set)" json_is staging /config .secrets.DB_PASSWORD "set"
  check "staging: /config does not show the secret's value" body_lacks staging /config "$CANARY"
  check "staging: /version is the built version" json_is staging /version .version "0.1.0"
  for _ in $(seq 1 8); do http staging /version >/dev/null; done
  check "staging: the proxy spreads requests over both replicas" bash -c '
    for c in envapi-staging-api-1 envapi-staging-api-2; do docker logs "$c" 2>&1 | grep -q "\"path\":\"/version\"" || exit 1; done'
  check "the secret appears in no synthesized file" bash -c '! grep -rqF "$1" "$2"' _ "$CANARY" "$OUT"
  if grep -qF "$CANARY" "$WORK/state/staging.docker.tfstate"; then log "(as expected, the state file holds the secret: keep state private)"; fi

  # ---- dev beside it, and isolation -------------------------------------------------------------------------
  timed "deploy dev (beside staging)" deploy dev deploy-dev || die "deploy of dev failed"
  check "dev: every container is healthy" wait_healthy dev
  check "dev: /config shows dev's greeting" json_is dev /config .greeting "hello from dev"
  check "dev: /version is the dev build" json_is dev /version .version "latest"
  check "staging is still served" json_is staging /config .greeting "hello from staging"
  local staging_ip
  staging_ip="$(docker inspect --format '{{ (index .NetworkSettings.Networks "envapi-staging").IPAddress }}' envapi-staging-api-1)"
  check "dev's network reaches a dev replica" probe envapi-dev "http://envapi-dev-api-1:8080/readyz"
  check "dev's network cannot resolve a staging replica" fails probe envapi-dev "http://envapi-staging-api-1:8080/readyz"
  check "dev's network cannot reach a staging replica by IP ($staging_ip)" fails probe envapi-dev "http://$staging_ip:8080/readyz"
  check "staging's own network reaches the same replica" probe envapi-staging "http://envapi-staging-api-1:8080/readyz"

  # ---- one setting changes: the plan shows that change only -------------------------------------------------
  patch_settings staging '{"services": [{"name": "api", "config": {"GREETING": "hello again from staging"}}]}'
  synth change || die "synth failed"
  timed "plan staging (one setting changed)" plan staging "$WORK/plans/change.tfplan"
  check "the changed setting makes a plan with changes (exit 2)" test "$PLAN_RC" = 2
  "$TERRAFORM_BINARY_NAME" -chdir="$OUT/stacks/staging" show -json "$WORK/plans/change.tfplan" >"$WORK/plans/change.json"
  # What the plan does, per resource: its actions and the attributes that force them (replace_paths).
  jq -r '.resource_changes[] | select(.change.actions != ["no-op"])
         | "\(.address | sub("_[0-9A-F]{8}$"; "")) \(.change.actions | join("+")) \([.change.replace_paths[]? | join(".")] | join(","))"' \
    "$WORK/plans/change.json" | sort >"$WORK/plans/change.summary"
  log "plan: $(grep -E '^Plan:' "$WORK/plans/change.tfplan.log" || true)"
  sed 's/^/[e2e]   /' "$WORK/plans/change.summary" >&2
  check "the plan replaces the two API replicas because of env, and touches nothing else" diff <(printf '%s\n' \
    "docker_container.docker-environment_api_stable-1_container delete+create env" \
    "docker_container.docker-environment_api_stable-2_container delete+create env") "$WORK/plans/change.summary"
  check "the new env holds the new greeting" jq -e '[.resource_changes[].change.after.env // [] | .[]]
    | index("GREETING=hello again from staging")' "$WORK/plans/change.json" >/dev/null
  timed "deploy staging (setting change)" deploy staging deploy-staging-change || fail "deploy of the setting change"
  check "staging: the new greeting is served" json_is staging /config .greeting "hello again from staging"
  check "staging: every container is healthy after the roll" wait_healthy staging

  timed "plan staging (no changes)" plan staging "$WORK/plans/noop.tfplan"
  check "a second plan after apply shows no changes (exit 0)" test "$PLAN_RC" = 0
  [ "$PLAN_RC" = 0 ] || grep -E '^  # |must be replaced|will be' "$WORK/plans/noop.tfplan.log" | head -20 >&2

  # ---- an apply interrupted midway, then a re-run ------------------------------------------------------------
  # The change: a 50% canary (builds the 0.2.0 image, replaces a replica and the proxy's config). Terraform gets
  # one SIGINT, as from Ctrl-C on `terraform apply`: it cancels what is in flight, records it, and exits.
  # (The signal goes to terraform alone: cdktf answers an interrupt of its own by killing terraform a second
  # time, and terraform killed twice cannot record a container it just created; see docs/docker-target.md.)
  patch_settings staging '{"services": [{"name": "api", "grayRelease": {"canaryWeight": 50}}]}'
  local before pid rc tf waited=0
  before="$(docker ps -a --filter "$(mine)" --filter label=environment=staging --format '{{.ID}}' | sort | tr '\n' ' ')"
  log "cdktf deploy staging (50% canary), to be interrupted once it starts changing containers"
  setsid "${CDKTF[@]}" deploy staging --output "$OUT" --auto-approve --skip-provider-lock --no-color \
    >"$LOGS/deploy-staging-interrupted.log" 2>&1 </dev/null &
  pid=$!
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 480 ] \
    && [ "$(docker ps -a --filter "$(mine)" --filter label=environment=staging --format '{{.ID}}' | sort | tr '\n' ' ')" = "$before" ]; do
    sleep 0.5; waited=$((waited + 1))
  done
  # cdktf runs the apply under a pseudo-terminal, in a session of its own: find it among cdktf's descendants.
  tf="$(for p in $(descendants "$pid"); do ps -o pid=,args= -p "$p"; done | awk '$2 ~ /(terraform|tofu)$/ && $3 == "apply" { print $1; exit }')"
  if kill -0 "$pid" 2>/dev/null && [ -n "$tf" ]; then
    log "interrupting the apply (one SIGINT to terraform, pid $tf) $((waited / 2)) s after it started"
    kill -INT "$tf" 2>/dev/null || true
    for _ in $(seq 1 180); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then log "still running after 90 s: SIGKILL"; kill -KILL -- "-$pid" 2>/dev/null || true; fi
    rc=0; wait "$pid" || rc=$?
    check "the interrupted apply stopped with an error (exit $rc)" test "$rc" != 0
    grep -E "Interrupt received|Stopping operation|Error" "$LOGS/deploy-staging-interrupted.log" | head -n 5 | sed 's/^/[e2e]   /' >&2 || true
  else
    log "no apply to interrupt after $((waited / 2)) s: $(for p in $(descendants "$pid"); do ps -o args= -p "$p"; done | cut -c1-60 | tr '\n' ';')"
    wait "$pid" || true
    fail "the apply finished before it could be interrupted"
  fi
  # What `npm run deploy` does first: an interrupt that lands while the engine creates a container leaves one
  # the state never recorded, and the re-run would stop on its name.
  check "containers the interrupted apply left unrecorded are found and removed" \
    env CDKTF_OUTDIR="$OUT" SETTINGS_DIR="$SETTINGS" node scripts/cli.js orphans staging
  timed "deploy staging (re-run after interrupt)" deploy staging deploy-staging-rerun || fail "re-run after the interrupt"
  check "staging: every container is healthy after the re-run" wait_healthy staging
  plan staging "$WORK/plans/after-rerun.tfplan"
  check "after the re-run a plan shows no changes (exit 0)" test "$PLAN_RC" = 0
  check "staging: a stable and a canary replica run" \
    test "$(containers_of staging | tr '\n' ' ')" = "envapi-staging-api-1 envapi-staging-api-canary-1 envapi-staging-proxy "
  local versions
  versions="$(for _ in $(seq 1 20); do http staging /version | jq -r .version; done | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')"
  log "versions over 20 requests: $versions"
  check "the canary gets half of the requests" test "$versions" = "0.1.0=10 0.2.0=10 "

  # The case that interrupt can leave, made certain: a container the engine runs but the state does not hold.
  local proxy_address
  proxy_address="$("$TERRAFORM_BINARY_NAME" -chdir="$OUT/stacks/staging" state list | grep 'docker_container\..*ingress_proxy_container')"
  "$TERRAFORM_BINARY_NAME" -chdir="$OUT/stacks/staging" state rm "$proxy_address" >/dev/null
  local swept
  swept="$(CDKTF_OUTDIR="$OUT" SETTINGS_DIR="$SETTINGS" node scripts/cli.js orphans staging 2>&1)" || true
  printf '%s\n' "$swept" >&2
  check "an unrecorded container is found and removed" grep -q 'never recorded: envapi-staging-proxy$' <<<"$swept"
  timed "deploy staging (after removing the unrecorded container)" deploy staging deploy-staging-orphan || fail "deploy after removing the unrecorded container"
  check "staging: every container is healthy again" wait_healthy staging
  plan staging "$WORK/plans/after-orphan.tfplan"
  check "after that deploy a plan shows no changes (exit 0)" test "$PLAN_RC" = 0

  # ---- destroy ---------------------------------------------------------------------------------------------
  if [ "${E2E_KEEP:-0}" != 1 ]; then
    timed "destroy staging" destroy staging destroy-staging || fail "destroy of staging"
    timed "destroy dev" destroy dev destroy-dev || fail "destroy of dev"
    for env in "${ENVS[@]}"; do
      check "$env: destroy left no container, network, volume or built image" test -z "$(leftovers "$env")"
      leftovers "$env" | sed 's/^/[e2e]   left: /' >&2
    done
  fi

  printf '\nDocker target timings (this machine: %s cores)\n' "$(nproc)"
  printf '  %s\n' "${TIMINGS[@]}"
  printf '\ne2e-docker: %d passed, %d failed\n' "$PASSED" "$FAILED"
  [ "$FAILED" -eq 0 ]
}

main "$@"
