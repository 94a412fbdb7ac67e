#!/usr/bin/env bash
# Local Kubernetes cluster for the `kubernetes` target: context `kind-envapi` in ~/.kube/config, the context
# environments/base.yaml points the stacks at.
#
#   kind     when `kind` and a Docker engine answer: a kind cluster `envapi`, ingress-ready (node label
#            ingress-ready=true, ports 80/443 on 127.0.0.1). Real pods: load the API image with `kind load`.
#   kwok     otherwise (air-gapped): etcd, kube-apiserver, kube-controller-manager and kube-scheduler run as
#            local processes (kwokctl, binary runtime) bound to 127.0.0.1, with fake nodes whose pods kwok
#            marks Ready. Every binary is built from Go modules (tools/kube, tools/etcd, tools/kwok) into
#            ${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code} and reused from there.
#
# Usage: scripts/cluster.sh up|down|status|env|build   (see `scripts/cluster.sh help`)
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}"
NAME="${CLUSTER_NAME:-envapi}"
CONTEXT="kind-$NAME"
PROVIDER="${CLUSTER_PROVIDER:-auto}"              # auto | kind | kwok
KUBECONFIG_FILE="${CLUSTER_KUBECONFIG:-$HOME/.kube/config}"
NODES="${CLUSTER_NODES:-2}"
WAIT_SECONDS="${CLUSTER_WAIT_SECONDS:-120}"
KIND_CONFIG="$ROOT/tools/kube/kind-config.yaml"

KUBE_TOOLS="$ROOT/tools/kube"
ETCD_TOOLS="$ROOT/tools/etcd"
KWOK_TOOLS="$ROOT/tools/kwok"
KUBE_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
# kwokctl keeps the cluster (pki, etcd data, logs, pids) here; `down` deletes it.
KWOK_WORKDIR="$CACHE/kwok-clusters"

# --------------------------------------------------------------------------
# output helpers
# --------------------------------------------------------------------------
log()  { printf '[cluster] %s\n' "$*" >&2; }
warn() { printf '[cluster] WARNING: %s\n' "$*" >&2; }
die()  { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# shellcheck source=scripts/_lib.sh
. "$ROOT/scripts/_lib.sh"

# One mutating run at a time per cache directory (builds and cluster changes). The lock is fd 8: whatever
# outlives this script (the control plane's processes) is started with 8>&- so it does not keep the lock.
LOCK_FILE="$CACHE/.cluster-sh.lock"
take_lock() {
  mkdir -p "$CACHE"
  exec 8>"$LOCK_FILE"
  if ! flock -n 8; then
    log "another cluster.sh run holds $LOCK_FILE; waiting for it"
    flock 8
  fi
}

# --------------------------------------------------------------------------
# building the binaries
# --------------------------------------------------------------------------
require_go() { command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build the local control plane)"; }

# Like scripts/toolchain.sh: no cgo, no toolchain download, go.sum is authoritative.
go_build_env() {
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" GOWORK=off
  unset GOOS GOARCH || true
}

# required_version GO_MOD MODULE: the version GO_MOD requires of MODULE.
required_version() {
  awk -v m="$2" '{ for (i = 1; i < NF; i++) if ($i == m && $(i+1) ~ /^v[0-9]/) { print $(i+1); exit } }' "$1"
}

KUBE_VERSION="$(required_version "$KUBE_TOOLS/go.mod" k8s.io/kubernetes)"
ETCD_VERSION="$(required_version "$ETCD_TOOLS/go.mod" go.etcd.io/etcd/server/v3)"
KWOK_VERSION="$(required_version "$KWOK_TOOLS/go.mod" sigs.k8s.io/kwok)"
KUBE_DIR="$CACHE/kube-$KUBE_VERSION"
ETCD_DIR="$CACHE/etcd-$ETCD_VERSION"
KWOK_DIR="$CACHE/kwok-$KWOK_VERSION"
KUBECTL="$KUBE_DIR/kubectl"

stamp_of() { # stamp_of DIR EXTRA...: fingerprint of a tools module and its build settings
  local dir="$1"; shift
  { cat "$dir/go.mod" "$dir/go.sum"; printf '%s\n' "$@" "$(go env GOVERSION)" "$(uname -sm)"; } | sha256sum | cut -d' ' -f1
}

# build_tools NAME MODULE_DIR OUT_DIR LDFLAGS BINARIES PACKAGE...: one `go build` for all packages (they share
# most of their dependencies), skipped when OUT_DIR holds BINARIES (space-separated) of the same module, flags
# and Go. A binary is named after its package's last path element (before a /vN suffix).
build_tools() {
  local name="$1" moddir="$2" outdir="$3" ldflags="$4" binaries="$5"; shift 5
  local stamp; stamp="$(stamp_of "$moddir" "$ldflags" "$@")"
  local bin missing=0
  for bin in $binaries; do [ -x "$outdir/$bin" ] || missing=1; done
  if [ "$missing" = 0 ] && [ "$(cat "$outdir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "$name: reusing $outdir"
    return 0
  fi
  require_go
  log "$name: building $(printf '%s ' "$@")(CGO_ENABLED=0, -trimpath; minutes on 2 cores)"
  local start; start="$(now)"
  rm -rf "$outdir/.tmp" && mkdir -p "$outdir/.tmp"
  (
    cd "$moddir"
    go_build_env
    run_logged "$outdir/build.log" go build -trimpath -ldflags "$ldflags" -o "$outdir/.tmp/" "$@"
  ) || die "build of $name failed (log: $outdir/build.log)"
  for bin in $binaries; do
    [ -x "$outdir/.tmp/$bin" ] || die "build of $name made no $bin (log: $outdir/build.log)"
    mv -f "$outdir/.tmp/$bin" "$outdir/$bin"
  done
  rm -rf "$outdir/.tmp"
  printf '%s\n' "$stamp" >"$outdir/.stamp"
  log "$name: built in $(elapsed "$start" "$(now)")s"
  BUILT_SOMETHING=1
}

# The version the binaries report: the provider and kubectl compare it, and kwokctl picks flags by it.
# Module builds have no git commit: gitCommit carries the module's go.sum hash instead (hex), so a binary
# still names exactly the sources it was built from; buildDate is the release's date, so builds repeat.
kube_ldflags() {
  local minor commit date p flags="-s -w"
  minor="$(printf '%s' "$KUBE_VERSION" | cut -d. -f2)"
  commit="$(awk -v v="$KUBE_VERSION" '$1 == "k8s.io/kubernetes" && $2 == v { sub(/^h1:/, "", $3); print $3 }' "$KUBE_TOOLS/go.sum" \
    | base64 -d 2>/dev/null | od -An -tx1 | tr -d ' \n')"
  # shellcheck disable=SC2015 # either part failing means "no date"
  date="$(cd "$KUBE_TOOLS" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes 2>/dev/null || true)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    flags+=" -X $p.gitCommit=${commit:-unknown} -X $p.gitTreeState=clean -X $p.buildDate=${date:-1970-01-01T00:00:00Z}"
  done
  printf '%s' "$flags"
}

cmd_build() {
  BUILT_SOMETHING=0
  build_tools "kubernetes $KUBE_VERSION" "$KUBE_TOOLS" "$KUBE_DIR" "$(kube_ldflags)" "${KUBE_COMMANDS[*]}" \
    "${KUBE_COMMANDS[@]/#/k8s.io/kubernetes/cmd/}"
  # etcd's main package is its server module's root, so go names the binary "server".
  build_tools "etcd $ETCD_VERSION" "$ETCD_TOOLS" "$ETCD_DIR" "-s -w" server go.etcd.io/etcd/server/v3
  ln -sfn server "$ETCD_DIR/etcd"
  build_tools "kwok $KWOK_VERSION" "$KWOK_TOOLS" "$KWOK_DIR" "-s -w" "kwok kwokctl" \
    sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
  local got
  got="$("$KUBECTL" version --client -o json 2>/dev/null | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -n1)"
  [ "$got" = "$KUBE_VERSION" ] || die "$KUBECTL reports version '$got', expected $KUBE_VERSION"
}

# --------------------------------------------------------------------------
# which provider
# --------------------------------------------------------------------------
docker_answers() { command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; }

select_provider() {
  case "$PROVIDER" in
    kind) command -v kind >/dev/null 2>&1 || die "CLUSTER_PROVIDER=kind but kind is not on PATH"
          docker_answers || die "CLUSTER_PROVIDER=kind but no Docker engine answers"
          ;;
    kwok) ;;
    auto) if command -v kind >/dev/null 2>&1 && docker_answers; then PROVIDER=kind; else PROVIDER=kwok; fi ;;
    *) die "CLUSTER_PROVIDER must be auto, kind or kwok (got '$PROVIDER')" ;;
  esac
}

# The kubectl to talk to the cluster with: ours when built, else one on PATH.
kubectl_bin() {
  if [ -x "$KUBECTL" ]; then printf '%s' "$KUBECTL"
  elif command -v kubectl >/dev/null 2>&1; then command -v kubectl
  else die "no kubectl: run scripts/cluster.sh build"
  fi
}
kc() { "$(kubectl_bin)" --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" --request-timeout=10s "$@"; }

api_ready() { kc get --raw /readyz >/dev/null 2>&1; }

# wait_until SECONDS WHAT CMD...: poll CMD every 2 s, at most SECONDS.
wait_until() {
  local limit="$1" what="$2" start=$SECONDS; shift 2
  until "$@"; do
    [ $((SECONDS - start)) -lt "$limit" ] || { warn "gave up waiting for $what after ${limit}s"; return 1; }
    sleep 2
  done
  log "$what ($((SECONDS - start))s)"
}

# --------------------------------------------------------------------------
# kind
# --------------------------------------------------------------------------
kind_exists() { kind get clusters 2>/dev/null | grep -qx "$NAME"; }

kind_up() {
  if kind_exists; then
    log "kind cluster $NAME exists; reusing it"
    kind export kubeconfig --name "$NAME" --kubeconfig "$KUBECONFIG_FILE" >&2
    CLUSTER_STATE=reused
  else
    log "creating kind cluster $NAME (config: ${KIND_CONFIG#"$ROOT"/})"
    local args=(create cluster --name "$NAME" --config "$KIND_CONFIG" --kubeconfig "$KUBECONFIG_FILE" --wait "${WAIT_SECONDS}s")
    [ -z "${KIND_NODE_IMAGE:-}" ] || args+=(--image "$KIND_NODE_IMAGE")
    kind "${args[@]}" >&2 8>&-
    CLUSTER_STATE=created
  fi
}

kind_down() {
  if kind_exists; then
    log "deleting kind cluster $NAME"
    kind delete cluster --name "$NAME" --kubeconfig "$KUBECONFIG_FILE" >&2
  else
    log "no kind cluster $NAME"
  fi
}

# --------------------------------------------------------------------------
# kwok (binary runtime)
# --------------------------------------------------------------------------
kwokctl() {
  KWOK_WORKDIR="$KWOK_WORKDIR" KWOK_RUNTIME=binary KWOK_KUBE_VERSION="$KUBE_VERSION" \
    KWOK_KUBE_APISERVER_BINARY="$KUBE_DIR/kube-apiserver" \
    KWOK_KUBE_CONTROLLER_MANAGER_BINARY="$KUBE_DIR/kube-controller-manager" \
    KWOK_KUBE_SCHEDULER_BINARY="$KUBE_DIR/kube-scheduler" \
    KWOK_KUBECTL_BINARY="$KUBECTL" \
    KWOK_ETCD_BINARY="$ETCD_DIR/etcd" \
    KWOK_CONTROLLER_BINARY="$KWOK_DIR/kwok" \
    "$KWOK_DIR/kwokctl" --v="${KWOK_LOG_LEVEL:-WARN}" "$@" 8>&-
}
kwok_cluster_dir() { printf '%s/clusters/%s' "$KWOK_WORKDIR" "$NAME"; }
kwok_exists() { [ -f "$(kwok_cluster_dir)/kwok.yaml" ]; }

# Every component listens on 127.0.0.1 only (kwokctl binds 0.0.0.0 unless told otherwise).
write_kwokctl_config() {
  local file="$KWOK_WORKDIR/kwokctl.yaml"
  mkdir -p "$KWOK_WORKDIR"
  cat >"$file" <<EOF
# Generated by scripts/cluster.sh.
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
EOF
  printf '%s' "$file"
}

# Fake nodes: kwok manages every node and reports its pods Running and Ready. No taints, so the API's
# Deployments schedule on them as they are; ephemeral storage is listed, or a pod that requests some never fits.
apply_nodes() {
  local i manifest=""
  for i in $(seq 0 $((NODES - 1))); do
    manifest+="$(cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NAME-node-$i
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: $NAME-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/agent: ""
    type: kwok
    ingress-ready: "true"
status:
  allocatable: { cpu: "8", memory: 16Gi, ephemeral-storage: 100Gi, pods: "110" }
  capacity: { cpu: "8", memory: 16Gi, ephemeral-storage: 100Gi, pods: "110" }
  nodeInfo: { kubeletVersion: fake, kubeProxyVersion: fake, operatingSystem: linux, architecture: amd64 }
---
EOF
)"$'\n'
  done
  printf '%s' "$manifest" | kc apply -f - >&2
  # apply leaves the status of a node that exists alone (a cluster made by an older version of this script): set
  # its resources through the status subresource, so every node offers what the pods request.
  local resources='{"cpu":"8","memory":"16Gi","ephemeral-storage":"100Gi","pods":"110"}'
  for i in $(seq 0 $((NODES - 1))); do
    kc patch node "$NAME-node-$i" --subresource=status --type=merge -p "{\"status\":{\"allocatable\":$resources,\"capacity\":$resources}}" >/dev/null
  done
}

nodes_ready() {
  local ready
  ready="$(kc get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null | grep -c True || true)"
  [ "$ready" -ge "$NODES" ]
}
default_sa_exists() { kc -n default get serviceaccount default >/dev/null 2>&1; }

# Context `kind-envapi` (cluster, user, context of that name, certificates embedded) in the kubeconfig
# the stacks read, made current like `kind create cluster` does.
merge_kubeconfig() {
  local src; src="$(kwok_cluster_dir)/kubeconfig.yaml"
  [ -f "$src" ] || die "kwokctl wrote no kubeconfig at $src"
  local tmp; tmp="$(mktemp "${TMPDIR:-/tmp}/cluster-kubeconfig.XXXXXX")"
  # kwokctl names everything kwok-<name>; base64 data has no '-', so the rename touches names only.
  KUBECONFIG="$src" "$KUBECTL" config view --raw --flatten | sed "s/\bkwok-$NAME\b/$CONTEXT/g" >"$tmp.new"
  mkdir -p "$(dirname "$KUBECONFIG_FILE")"
  remove_kubeconfig_entries
  if [ -s "$KUBECONFIG_FILE" ]; then
    KUBECONFIG="$tmp.new:$KUBECONFIG_FILE" "$KUBECTL" config view --raw --flatten >"$tmp"
  else
    cp "$tmp.new" "$tmp"
  fi
  KUBECONFIG="$tmp" "$KUBECTL" config use-context "$CONTEXT" >/dev/null
  install -m 600 "$tmp" "$KUBECONFIG_FILE"
  rm -f "$tmp" "$tmp.new"
  log "context $CONTEXT in $KUBECONFIG_FILE -> $(kc config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
}

remove_kubeconfig_entries() {
  [ -f "$KUBECONFIG_FILE" ] || return 0
  local k=("$KUBECTL" --kubeconfig "$KUBECONFIG_FILE")
  "${k[@]}" config get-contexts -o name 2>/dev/null | grep -qx "$CONTEXT" && "${k[@]}" config delete-context "$CONTEXT" >/dev/null 2>&1
  "${k[@]}" config get-clusters 2>/dev/null | grep -qx "$CONTEXT" && "${k[@]}" config delete-cluster "$CONTEXT" >/dev/null
  "${k[@]}" config get-users 2>/dev/null | grep -qx "$CONTEXT" && "${k[@]}" config delete-user "$CONTEXT" >/dev/null
  if [ "$("${k[@]}" config view -o jsonpath='{.current-context}' 2>/dev/null)" = "$CONTEXT" ]; then
    "${k[@]}" config unset current-context >/dev/null
  fi
  return 0
}

kwok_create() {
  log "creating kwok cluster $NAME (binary runtime, Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, 127.0.0.1 only)"
  kwokctl --config "$(write_kwokctl_config)" create cluster --name "$NAME" \
    --kubeconfig "$KWOK_WORKDIR/kwokctl-kubeconfig.yaml" --quiet-pull \
    --timeout "${WAIT_SECONDS}s" --wait "${WAIT_SECONDS}s" >&2
  CLUSTER_STATE=created
}

kwok_up() {
  cmd_build
  if ! kwok_exists; then
    kwok_create
  else
    merge_kubeconfig
    if api_ready; then
      log "kwok cluster $NAME is running; reusing it"
      CLUSTER_STATE=reused
    else
      log "kwok cluster $NAME exists but does not answer; starting it"
      CLUSTER_STATE=started
      kwokctl start cluster --name "$NAME" --timeout "${WAIT_SECONDS}s" --wait 60s >&2 || true
      if ! wait_until 60 "API server ready" api_ready; then
        # E.g. another process took its ports while it was stopped: a fresh cluster picks free ones.
        warn "kwok cluster $NAME does not come back (logs: $(kwok_cluster_dir)/logs); recreating it"
        kwok_delete
        kwok_create
      fi
    fi
  fi
  merge_kubeconfig
  wait_until "$WAIT_SECONDS" "API server ready" api_ready || die "the API server does not answer (logs: $(kwok_cluster_dir)/logs)"
  apply_nodes
  wait_until "$WAIT_SECONDS" "$NODES fake node(s) Ready" nodes_ready || die "nodes not Ready (logs: $(kwok_cluster_dir)/logs)"
  wait_until "$WAIT_SECONDS" "default service account exists" default_sa_exists || die "no default service account (kube-controller-manager log: $(kwok_cluster_dir)/logs)"
}

kwok_delete() {
  kwokctl delete cluster --name "$NAME" --kubeconfig "$KWOK_WORKDIR/kwokctl-kubeconfig.yaml" >&2
}

kwok_down() {
  if kwok_exists; then
    log "deleting kwok cluster $NAME"
    kwok_delete
  else
    log "no kwok cluster $NAME"
  fi
  if [ -x "$KUBECTL" ]; then remove_kubeconfig_entries; fi
}

# --------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------
cmd_up() {
  local start; start="$(now)"
  BUILT_SOMETHING=0
  select_provider
  log "provider: $PROVIDER (context $CONTEXT in $KUBECONFIG_FILE)"
  case "$PROVIDER" in
    kind) kind_up ;;
    kwok) kwok_up ;;
  esac
  local kind=warm
  [ "${BUILT_SOMETHING:-0}" = 1 ] && kind=cold
  log "cluster $NAME up ($PROVIDER, $CLUSTER_STATE, $kind) in $(elapsed "$start" "$(now)")s"
  printf 'cluster-up %s %s %s %s\n' "$PROVIDER" "$CLUSTER_STATE" "$kind" "$(elapsed "$start" "$(now)")"
}

cmd_down() {
  select_provider
  case "$PROVIDER" in
    kind) kind_down ;;
    kwok) kwok_down ;;
  esac
}

cmd_status() {
  select_provider
  printf 'provider:    %s\n' "$PROVIDER"
  printf 'context:     %s (%s)\n' "$CONTEXT" "$KUBECONFIG_FILE"
  if [ "$PROVIDER" = kwok ]; then
    printf 'kubernetes:  %s (%s)\n' "$KUBE_VERSION" "$([ -x "$KUBE_DIR/kube-apiserver" ] && echo "built in $KUBE_DIR" || echo "not built")"
    printf 'etcd:        %s (%s)\n' "$ETCD_VERSION" "$([ -x "$ETCD_DIR/etcd" ] && echo "built in $ETCD_DIR" || echo "not built")"
    printf 'kwok:        %s (%s)\n' "$KWOK_VERSION" "$([ -x "$KWOK_DIR/kwokctl" ] && echo "built in $KWOK_DIR" || echo "not built")"
    printf 'workdir:     %s\n' "$(kwok_cluster_dir)"
  fi
  if ! "$(kubectl_bin)" --kubeconfig "$KUBECONFIG_FILE" config get-contexts -o name 2>/dev/null | grep -qx "$CONTEXT"; then
    printf 'state:       down (no context %s)\n' "$CONTEXT"
    return 3
  fi
  if ! api_ready; then
    printf 'state:       not answering (%s)\n' "$(kc config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
    return 3
  fi
  printf 'state:       up (%s)\n' "$(kc config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  printf 'server:      %s\n' "$(kc version -o json | sed -n '/serverVersion/,$ s/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -n1)"
  kc get nodes -o wide
  kc get namespaces -l app.kubernetes.io/part-of=envapi 2>/dev/null || true
}

cmd_env() {
  printf 'export PATH=%q:"$PATH"\n' "$KUBE_DIR"
  printf 'export CLUSTER_CONTEXT=%q\n' "$CONTEXT"
  [ "$KUBECONFIG_FILE" = "$HOME/.kube/config" ] || printf 'export KUBECONFIG=%q\n' "$KUBECONFIG_FILE"
  [ -x "$KUBECTL" ] || printf '# %s is not built yet: run scripts/cluster.sh build\n' "$KUBECTL"
}

usage() {
  cat <<EOF
Usage: scripts/cluster.sh <command>

  up       create (or reuse) the cluster and write context $CONTEXT into $KUBECONFIG_FILE
  down     delete the cluster and its context
  status   provider, versions, state, nodes; exits 3 when the cluster is not up
  env      print export lines (kubectl $KUBE_VERSION on PATH): eval "\$(scripts/cluster.sh env)"
  build    only build (or reuse) the kwok provider's binaries
  help     this text

Environment:
  CLUSTER_PROVIDER      auto (default: kind when kind and Docker answer, else kwok) | kind | kwok
  CLUSTER_NAME          cluster name (default envapi; the context is kind-<name>)
  CLUSTER_KUBECONFIG    kubeconfig to write (default \$HOME/.kube/config, which the stacks read)
  CLUSTER_NODES         fake nodes of the kwok provider (default 2)
  CLUSTER_WAIT_SECONDS  bound of every wait (default 120)
  KIND_NODE_IMAGE       node image for kind (default: kind's own)
  KWOK_LOG_LEVEL        kwokctl's log level (default WARN; INFO shows each step)
  TOOLCHAIN_CACHE       cache directory (default \$HOME/.cache/env-as-code; now $CACHE)
EOF
}

main() {
  local cmd="${1:-help}"
  case "$cmd" in
    env) cmd_env; return ;;
    help|-h|--help) usage; return ;;
    status) cmd_status; return ;;
  esac
  take_lock
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    build) cmd_build ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
