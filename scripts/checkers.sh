#!/usr/bin/env bash
# The field's own checkers on what this project generates:
#   Checkov     (PyPI; every file pinned and hashed in tools/checkov/requirements.txt, installed into a venv in
#               ${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}/checkov-<version>/) on every synthesized stack of both
#               targets (framework terraform_json) and on the repository's Dockerfiles, which make the images
#               the stacks run (framework dockerfile);
#   kube-score  (Go module pinned in tools/kube-score, built into ${TOOLCHAIN_CACHE}/kube-score-<version>/) on the
#               objects of every Kubernetes stack as the API server holds them after a real apply, on a throwaway
#               local cluster of its own (kwok, CLUSTER_NAME envapi-score, its own kubeconfig and state), so the
#               user's cluster and state are never touched.
# Then __tests__/checker-runs.test.ts holds every finding against checkers/accepted-findings.yaml: a finding
# not listed fails, and so does a listed one that no longer occurs.
#
# Usage: scripts/checkers.sh [OUT]      everything; outputs in OUT (default: a temp folder, removed on success)
#        scripts/checkers.sh install    only install Checkov and build kube-score (reused when present)
# Needs: python3 with venv (Debian's python3-venv, installed here as root when missing), go, and what
# scripts/toolchain.sh and scripts/cluster.sh need.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}"
SCORE_CLUSTER="${CHECKERS_CLUSTER_NAME:-envapi-score}"

log()  { printf '[checkers] %s\n' "$*" >&2; }
warn() { printf '[checkers] WARNING: %s\n' "$*" >&2; }
die()  { printf '[checkers] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# shellcheck source=scripts/_lib.sh
. "$ROOT/scripts/_lib.sh"

CHECKOV_REQUIREMENTS="$ROOT/tools/checkov/requirements.txt"
CHECKOV_VERSION="$(sed -n 's/^checkov==\([^ ]*\).*/\1/p' "$CHECKOV_REQUIREMENTS")"
[ -n "$CHECKOV_VERSION" ] || die "cannot read checkov's version from $CHECKOV_REQUIREMENTS"
CHECKOV_DIR="$CACHE/checkov-$CHECKOV_VERSION"
CHECKOV="$CHECKOV_DIR/bin/checkov"

KUBE_SCORE_MODULE="$ROOT/tools/kube-score"
KUBE_SCORE_VERSION="$(awk '$1 == "github.com/zegl/kube-score" { print $2 }' "$KUBE_SCORE_MODULE/go.mod")"
[ -n "$KUBE_SCORE_VERSION" ] || die "cannot read kube-score's version from $KUBE_SCORE_MODULE/go.mod"
KUBE_SCORE_DIR="$CACHE/kube-score-${KUBE_SCORE_VERSION#v}"
KUBE_SCORE="$KUBE_SCORE_DIR/kube-score"

# One install or build at a time per cache (test runs of several worktrees share it).
take_install_lock() {
  mkdir -p "$CACHE"
  exec 7>"$CACHE/.checkers-install.lock"
  flock 7
}

ensure_python_venv() {
  if command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's python3-venv"
    apt-get install -y -qq python3-venv >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; }
  else
    die "python3 with the venv module is needed (Debian: sudo apt-get install python3-venv)"
  fi
}

# The venv is built in place (a venv cannot move) and marked complete by its stamp, written last: a run killed
# half-way leaves no stamp, and the next run starts the venv again.
install_checkov() {
  ensure_python_venv
  local stamp
  stamp="$({ cat "$CHECKOV_REQUIREMENTS"; python3 -c 'import sys; print(sys.version)'; uname -sm; } | sha256sum | cut -d' ' -f1)"
  if [ -x "$CHECKOV" ] && [ "$(cat "$CHECKOV_DIR/.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "checkov $CHECKOV_VERSION: reusing $CHECKOV_DIR"
    return
  fi
  log "checkov $CHECKOV_VERSION: installing into $CHECKOV_DIR (pinned and hashed: tools/checkov/requirements.txt)"
  local start; start="$(now)"
  rm -rf "$CHECKOV_DIR"
  python3 -m venv "$CHECKOV_DIR"
  run_logged "$CACHE/checkov-install.log" "$CHECKOV_DIR/bin/pip" install --quiet --disable-pip-version-check \
    --require-hashes -r "$CHECKOV_REQUIREMENTS" \
    || die "installing checkov failed (log: $CACHE/checkov-install.log; the hashes are for CPython 3.11 on x86-64 Linux)"
  "$CHECKOV" --version >/dev/null || die "$CHECKOV does not run"
  printf '%s\n' "$stamp" >"$CHECKOV_DIR/.stamp"
  log "checkov $CHECKOV_VERSION: installed in $(elapsed "$start" "$(now)")s"
}

# Like scripts/cluster.sh's tools: no cgo, no toolchain download, go.sum is authoritative, keyed by version.
build_kube_score() {
  local stamp
  stamp="$({ cat "$KUBE_SCORE_MODULE/go.mod" "$KUBE_SCORE_MODULE/go.sum"; go env GOVERSION GOOS GOARCH; } | sha256sum | cut -d' ' -f1)"
  if [ -x "$KUBE_SCORE" ] && [ "$(cat "$KUBE_SCORE_DIR/.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "kube-score $KUBE_SCORE_VERSION: reusing $KUBE_SCORE_DIR"
    return
  fi
  command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build kube-score)"
  log "kube-score $KUBE_SCORE_VERSION: building into $KUBE_SCORE_DIR"
  local start; start="$(now)"
  mkdir -p "$KUBE_SCORE_DIR"
  (
    cd "$KUBE_SCORE_MODULE"
    export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" GOWORK=off
    run_logged "$KUBE_SCORE_DIR/build.log" go build -trimpath -ldflags "-s -w" -o "$KUBE_SCORE.tmp.$$" github.com/zegl/kube-score/cmd/kube-score
  ) || die "build of kube-score failed (log: $KUBE_SCORE_DIR/build.log)"
  mv -f "$KUBE_SCORE.tmp.$$" "$KUBE_SCORE"
  printf '%s\n' "$stamp" >"$KUBE_SCORE_DIR/.stamp"
  log "kube-score $KUBE_SCORE_VERSION: built in $(elapsed "$start" "$(now)")s"
}

install_tools() {
  take_install_lock
  install_checkov
  build_kube_score
  exec 7>&-
}

# Checkov over one folder holding every stack's cdk.tf.json (<target>/<stack>/) and the Dockerfiles (image/): one
# process (its start-up is most of its time). Its own network look-ups are off: this machine reaches none.
run_checkov() {
  local out="$1" input="$1/checkov-input" target stack
  rm -rf "$input"
  for target in kubernetes docker; do
    for stack in "$out/synth-$target/stacks/"*/; do
      stack="$(basename "$stack")"
      mkdir -p "$input/$target/$stack"
      cp "$out/synth-$target/stacks/$stack/cdk.tf.json" "$input/$target/$stack/"
    done
  done
  (cd "$ROOT" && git ls-files -- '*Dockerfile') | while read -r dockerfile; do
    mkdir -p "$input/image/$(dirname "$dockerfile")"
    cp "$ROOT/$dockerfile" "$input/image/$dockerfile"
  done
  local start; start="$(now)"
  BC_SKIP_MAPPING=TRUE "$CHECKOV" --directory "$input" --framework terraform_json dockerfile --output json \
    --skip-download --soft-fail >"$out/checkov.json" 2>"$out/checkov.log" \
    || { tail -n 30 "$out/checkov.log" >&2; die "checkov failed (log: $out/checkov.log)"; }
  log "checkov: $(elapsed "$start" "$(now)")s"
}

# Every Kubernetes stack applied to a cluster of our own, then its objects as the API server holds them.
run_kube_score() {
  local out="$1" start kubectl stack
  start="$(now)"
  # Always a fresh cluster: one left by a run that was killed holds that run's namespaces.
  CLUSTER_PROVIDER=kwok CLUSTER_NAME="$SCORE_CLUSTER" CLUSTER_KUBECONFIG="$out/cluster.kubeconfig" scripts/cluster.sh down >/dev/null 2>&1 || true
  CLUSTER_PROVIDER=kwok CLUSTER_NAME="$SCORE_CLUSTER" CLUSTER_KUBECONFIG="$out/cluster.kubeconfig" scripts/cluster.sh up >&2
  # The stacks read context kind-envapi from ~/.kube/config: Terraform runs with HOME pointing at a folder whose
  # kubeconfig names our cluster that way (as scripts/record-plan-fixtures.sh does).
  mkdir -p "$out/home/.kube"
  cp "$out/cluster.kubeconfig" "$out/home/.kube/config"
  kubectl="$(eval "$(scripts/cluster.sh env)"; command -v kubectl)"
  "$kubectl" --kubeconfig "$out/home/.kube/config" config rename-context "kind-$SCORE_CLUSTER" kind-envapi >/dev/null
  log "cluster $SCORE_CLUSTER up: $(elapsed "$start" "$(now)")s"

  start="$(now)"
  # A throwaway secret, as scripts/test.sh's plans use.
  HOME="$out/home" TOOLCHAIN_CACHE="$CACHE" DEPLOY_TARGET="" PLAN_SKIP_SYNTH=1 CDKTF_OUTDIR="$out/synth-kubernetes" \
    PLAN_STATE_DIR="$out/state" TF_VAR_api_db_password="checkers-$RANDOM$RANDOM" \
    node scripts/cli.js plan "$out/plans" >&2 || die "planning the stacks failed (see $out/plans/*/error.txt)"
  for stack in "$out/plans/"*/; do
    stack="$(basename "$stack")"
    (cd "$out/synth-kubernetes/stacks/$stack" && HOME="$out/home" TF_IN_AUTOMATION=1 "$TERRAFORM_BINARY_NAME" apply -input=false -no-color "$out/plans/$stack/plan.tfplan") \
      >"$out/apply-$stack.log" 2>&1 || { tail -n 30 "$out/apply-$stack.log" >&2; die "apply of $stack failed (log: $out/apply-$stack.log)"; }
  done
  log "applied $(basename -a "$out/plans/"*/ | paste -sd' '): $(elapsed "$start" "$(now)")s"

  # Every namespace: the judge keeps the environments' namespaces and says what it left out.
  "$kubectl" --kubeconfig "$out/home/.kube/config" --context kind-envapi get --all-namespaces -o yaml \
    deployments,services,networkpolicies,poddisruptionbudgets,horizontalpodautoscalers,ingresses >"$out/objects.yaml"
  start="$(now)"
  local rc=0
  "$KUBE_SCORE" score --output-format json --kubernetes-version "$(kube_version)" "$out/objects.yaml" >"$out/kube-score.json" 2>"$out/kube-score.log" || rc=$?
  # Exit 1 means critical findings, which the judge weighs; anything else is kube-score failing.
  if [ "$rc" -gt 1 ] || [ ! -s "$out/kube-score.json" ]; then cat "$out/kube-score.log" >&2; die "kube-score failed (exit $rc)"; fi
  log "kube-score: $(elapsed "$start" "$(now)")s"
}

# The control plane's version (vMAJOR.MINOR), which kube-score's API-version checks compare against.
kube_version() {
  awk '$1 == "k8s.io/kubernetes" { split($2, v, "."); print v[1] "." v[2]; exit }' "$ROOT/tools/kube/go.mod"
}

# The throwaway cluster goes whatever happens; the outputs stay when asked for or when something failed.
cleanup() {
  local rc=$?
  CLUSTER_PROVIDER=kwok CLUSTER_NAME="$SCORE_CLUSTER" CLUSTER_KUBECONFIG="$OUT/cluster.kubeconfig" "$ROOT/scripts/cluster.sh" down >/dev/null 2>&1 || true
  if [ "$rc" -eq 0 ] && [ "$KEEP" = 0 ]; then rm -rf "$OUT"; elif [ "$rc" -ne 0 ]; then log "failed; outputs kept in $OUT"; fi
}

main() {
  case "${1:-}" in
    install) install_tools; return ;;
    -h|--help|help) sed -n '2,18s/^# \{0,1\}//p' "$0"; return ;;
  esac
  local started out
  started="$(now)"
  KEEP=1
  if [ -n "${1:-}" ]; then OUT="$(mkdir -p "$1" && cd "$1" && pwd)"; else OUT="$(mktemp -d "${TMPDIR:-/tmp}/checkers.XXXXXX")"; KEEP=0; fi
  out="$OUT"
  cd "$ROOT"
  install_tools
  eval "$(scripts/toolchain.sh env 2>/dev/null)"
  [ -x "${TERRAFORM_BINARY_NAME:-}" ] || die "no Terraform CLI: run scripts/toolchain.sh all"
  trap cleanup EXIT

  log "synth both targets into $out"
  DEPLOY_TARGET="" CDKTF_OUTDIR="$out/synth-kubernetes" node scripts/run-app.js
  DEPLOY_TARGET=docker CDKTF_OUTDIR="$out/synth-docker" node scripts/run-app.js
  run_checkov "$out"
  run_kube_score "$out"
  log "judging the findings against checkers/accepted-findings.yaml"
  CHECKERS_DIR="$out" npx jest --silent=false __tests__/checker-runs.test.ts
  log "done in $(elapsed "$started" "$(now)")s"
}

main "$@"
