#!/usr/bin/env bash
# The whole test run (`npm test`): type-check, Go tests, jest, workflow lint, then the real toolchain, the local
# cluster (a real node where kind cannot run), real plans of every stack on both targets, the plan report, Checkov
# and kube-score against the accepted findings, the end-to-end deploys to Kubernetes (real pods, and fake nodes for
# the long plan-and-apply suite) and Docker, and the synth benchmark (printed, never asserted).
#   FAST=1 npm test   stop after the unit tests (no toolchain, no cluster, no Docker)
set -Eeuo pipefail
cd "$(dirname "$0")/.."

STARTED=$SECONDS
step() { printf '\n=== %s (at %ss)\n' "$*" "$((SECONDS - STARTED))"; }

step "type-check (tsc)"
npm run --silent build

step "Go API: vet and tests"
(cd app && go vet ./... && go test ./...)

step "unit and synth tests (jest)"
npx jest

step "lint: typescript-eslint and shellcheck (Debian's, installed when missing)"
scripts/lint.sh

step "GitHub workflows (actionlint, built from tools/actionlint; checks run: scripts with shellcheck)"
scripts/actionlint.sh

if [ "${FAST:-}" = "1" ]; then exit 0; fi

step "air-gapped toolchain: providers, CLI, Docker engine, base image"
scripts/toolchain.sh all
eval "$(scripts/toolchain.sh env)"

step "local Kubernetes cluster: kind where it runs, else the local control plane and a real node (scripts/cluster.sh)"
scripts/cluster.sh up

WORK="$(mktemp -d "${TMPDIR:-/tmp}/test-run.XXXXXX")"
export PLANS_DIR="$WORK/plans"
# A throwaway secret: plans must carry it only as a sensitive value.
export TF_VAR_api_db_password="plan-$RANDOM$RANDOM"

step "real plans of every stack, fresh state (Kubernetes target)"
PLAN_STATE_DIR="$WORK/state" CDKTF_OUTDIR="$WORK/synth" node scripts/cli.js plan "$PLANS_DIR"
for stack in dev staging prod; do
  (cd "$WORK/synth/stacks/$stack" && "$TERRAFORM_BINARY_NAME" validate -no-color)
done

step "real plans of every stack, fresh state (Docker target)"
DEPLOY_TARGET=docker PLAN_STATE_DIR="$WORK/state-docker" CDKTF_OUTDIR="$WORK/synth-docker" node scripts/cli.js plan "$PLANS_DIR"

step "assertions on the real plans (jest)"
npx jest __tests__/stack-plans.test.ts

step "plan report of the real plans"
npm run --silent plan:report -- --plans "$PLANS_DIR" --out "$WORK/report.md" --json "$WORK/summary.json"
head -n 20 "$WORK/report.md"

step "the field's own checkers: Checkov on every synthesized stack, kube-score on every Kubernetes stack applied to a cluster of its own (scripts/checkers.sh)"
scripts/checkers.sh

step "OpenTofu path: toolchain with TOOLCHAIN_TF=tofu, plan staging"
(
  TOOLCHAIN_TF=tofu scripts/toolchain.sh cli
  eval "$(TOOLCHAIN_TF=tofu scripts/toolchain.sh env)"
  "$TERRAFORM_BINARY_NAME" version | sed -n 1p  # sed reads all: head could end the pipe early (SIGPIPE, exit 141 under pipefail)
  ENVIRONMENTS=staging PLAN_STATE_DIR="$WORK/state-tofu" CDKTF_OUTDIR="$WORK/synth-tofu" node scripts/cli.js plan "$WORK/tofu"
  grep -q '"terraform_version"' "$WORK/tofu/staging/plan.json"
)

step "end-to-end suites (jest, jest.e2e.config.js): hostile settings planned for real on both targets; the Kubernetes target on real pods (the cluster above) and on fake nodes (kwok, cluster envapi-kwok); the Docker target; shared state on PostgreSQL and S3 (two applies at once); the pull-request review"
npx jest -c jest.e2e.config.js --testPathIgnorePatterns release-kubernetes

step "the Kubernetes release suite on a busy machine: beside E2E_CPU_HOG busy loops (default 2, one per core), so a timing race of the release path cannot land"
E2E_CPU_HOG="${E2E_CPU_HOG:-2}" npx jest -c jest.e2e.config.js __tests__/e2e/release-kubernetes.test.ts

step "synth benchmark (figures only, no threshold)"
npm run --silent bench:synth

step "all tests passed in $((SECONDS - STARTED)) s"
