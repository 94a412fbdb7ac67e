#!/usr/bin/env bash
# The whole test run (`npm test`): type-check, Go tests, jest, then the real toolchain, real plans of
# every stack, and the end-to-end deploys. Set FAST=1 to stop after the unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "type-check (tsc)"
npm run --silent build

step "Go API tests"
(cd app && go vet ./... && go test ./...)

step "unit and synth tests (jest)"
npx jest

if [ "${FAST:-}" = "1" ]; then exit 0; fi
