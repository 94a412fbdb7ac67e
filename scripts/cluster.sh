#!/usr/bin/env bash
# Local Kubernetes cluster for the `kubernetes` target: context `kind-envapi` in ~/.kube/config, the context
# environments/base.yaml points the stacks at.
#
#   kind     when `kind` and a Docker engine answer: a kind cluster `envapi`, ingress-ready (node label
#            ingress-ready=true, ports 80/443 on 127.0.0.1). Real pods: load the API image with `kind load`.
#   local    otherwise (air-gapped): the control plane below, without fake nodes, and one real node on this
#            host: a kubelet with its own containerd (Debian's, own socket, state and root), runc, CNI bridge,
#            kube-proxy (iptables), kube-router's NetworkPolicy firewall, and CoreDNS as pods. Real containers;
#            every image it runs is built here and imported into the node's containerd (`load` for the API's).
#   kwok     only when asked (CLUSTER_PROVIDER=kwok; fast plan tests): etcd, kube-apiserver,
#            kube-controller-manager and kube-scheduler run as local processes (kwokctl, binary runtime) bound
#            to 127.0.0.1, with fake nodes whose pods kwok marks Ready.
#
# Every binary is built from Go modules (tools/kube, tools/etcd, tools/kwok, tools/kube-node, tools/coredns,
# tools/kube-router) into ${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}/<name>-<version> and reused from there.
#
# Usage: scripts/cluster.sh up|down|status|env|build|load   (see `scripts/cluster.sh help`)
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}"
NAME="${CLUSTER_NAME:-envapi}"
CONTEXT="kind-$NAME"
PROVIDER="${CLUSTER_PROVIDER:-auto}"              # auto | kind | local | kwok
KUBECONFIG_FILE="${CLUSTER_KUBECONFIG:-$HOME/.kube/config}"
NODES="${CLUSTER_NODES:-2}"
WAIT_SECONDS="${CLUSTER_WAIT_SECONDS:-120}"
KIND_CONFIG="$ROOT/tools/kube/kind-config.yaml"
# The local provider's networks: none clashes with Docker's (172.17.0.0/16 and up).
POD_CIDR="${LOCAL_POD_CIDR:-10.244.0.0/16}"
SERVICE_CIDR=10.96.0.0/16
# The local provider's API server port: outside the node-port range (30000-32767), whose local traffic kube-router
# accepts before any NetworkPolicy; kwokctl would otherwise pick a port in it, and pods denied egress reached the
# API server through that rule.
LOCAL_API_PORT="${LOCAL_API_PORT:-6443}"
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
NODE_NAME="$NAME-node"

KUBE_TOOLS="$ROOT/tools/kube"
ETCD_TOOLS="$ROOT/tools/etcd"
KWOK_TOOLS="$ROOT/tools/kwok"
NODE_TOOLS="$ROOT/tools/kube-node"
COREDNS_TOOLS="$ROOT/tools/coredns"
KUBE_ROUTER_TOOLS="$ROOT/tools/kube-router"
LOCAL_TOOLS="$ROOT/tools/local-node"
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
COREDNS_VERSION="$(required_version "$COREDNS_TOOLS/go.mod" github.com/coredns/coredns)"
KUBE_ROUTER_VERSION="$(required_version "$KUBE_ROUTER_TOOLS/go.mod" github.com/cloudnativelabs/kube-router/v2)"
NODE_DIR="$CACHE/kube-node-$KUBE_VERSION"
COREDNS_DIR="$CACHE/coredns-$COREDNS_VERSION"
KUBE_ROUTER_DIR="$CACHE/kube-router-$KUBE_ROUTER_VERSION"
# The pause binary's version is its source's hash: it has no upstream release.
PAUSE_VERSION="$(sha256sum "$LOCAL_TOOLS/pause.c" | cut -c1-12)"
PAUSE_DIR="$CACHE/pause-$PAUSE_VERSION"
PAUSE_IMAGE="envapi.local/pause:$PAUSE_VERSION"
COREDNS_IMAGE="envapi.local/coredns:$COREDNS_VERSION"

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
  build_control_plane
  if [ "$PROVIDER" = local ]; then build_node; fi
}

build_control_plane() {
  build_tools "kubernetes $KUBE_VERSION" "$KUBE_TOOLS" "$KUBE_DIR" "$(kube_ldflags)" "${KUBE_COMMANDS[*]}" \
    "${KUBE_COMMANDS[@]/#/k8s.io/kubernetes/cmd/}"
  # etcd's main package is its server module's root, so go names the binary "server".
  build_tools "etcd $ETCD_VERSION" "$ETCD_TOOLS" "$ETCD_DIR" "-s -w" server go.etcd.io/etcd/server/v3
  ln -sfn server "$ETCD_DIR/etcd"
  build_tools "kwok $KWOK_VERSION" "$KWOK_TOOLS" "$KWOK_DIR" "-s -w" "kwok kwokctl" \
    sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
  check_kubectl_version
}

check_kubectl_version() {
  local got
  got="$("$KUBECTL" version --client -o json 2>/dev/null | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -n1)"
  [ "$got" = "$KUBE_VERSION" ] || die "$KUBECTL reports version '$got', expected $KUBE_VERSION"
}

# The local provider's node: kubelet and kube-proxy of the control plane's release (tools/kube-node, a module
# of its own so the control plane's build fingerprint never moves), CoreDNS, kube-router, and a static pause.
build_node() {
  local node_version
  node_version="$(required_version "$NODE_TOOLS/go.mod" k8s.io/kubernetes)"
  [ "$node_version" = "$KUBE_VERSION" ] || die "tools/kube-node builds Kubernetes $node_version, the control plane $KUBE_VERSION: run tools/kube/gen-go-mod.sh $KUBE_VERSION"
  build_tools "kubelet and kube-proxy $KUBE_VERSION" "$NODE_TOOLS" "$NODE_DIR" "$(kube_ldflags)" "kubelet kube-proxy" \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
  # CoreDNS's main package is tools/coredns itself (the plugins it links); go names the binary after the module.
  build_tools "coredns $COREDNS_VERSION" "$COREDNS_TOOLS" "$COREDNS_DIR" "-s -w" coredns .
  build_tools "kube-router $KUBE_ROUTER_VERSION" "$KUBE_ROUTER_TOOLS" "$KUBE_ROUTER_DIR" \
    "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" kube-router \
    github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
  build_pause
  build_image coredns "$COREDNS_IMAGE" "$COREDNS_DIR" "$COREDNS_DIR/coredns" 65532 /coredns
  build_image pause "$PAUSE_IMAGE" "$PAUSE_DIR" "$PAUSE_DIR/pause" 65535 /pause
}

build_pause() {
  if [ -x "$PAUSE_DIR/pause" ]; then log "pause $PAUSE_VERSION: reusing $PAUSE_DIR"; return 0; fi
  command -v cc >/dev/null 2>&1 || install_packages gcc libc6-dev
  mkdir -p "$PAUSE_DIR"
  cc -static -Os -s -Wall -Wextra -o "$PAUSE_DIR/pause.tmp" "$LOCAL_TOOLS/pause.c" || die "cc could not build $LOCAL_TOOLS/pause.c"
  mv -f "$PAUSE_DIR/pause.tmp" "$PAUSE_DIR/pause"
  log "pause $PAUSE_VERSION: built (static, $(du -k "$PAUSE_DIR/pause" | cut -f1) kB)"
  BUILT_SOMETHING=1
}

# build_image NAME IMAGE DIR BINARY UID ENTRYPOINT: a FROM-scratch image holding one static binary, saved as
# DIR/image.tar (what the node imports), rebuilt when the binary is newer. Docker builds it: FROM scratch needs
# no registry.
build_image() {
  local name="$1" image="$2" dir="$3" binary="$4" uid="$5" entrypoint="$6"
  if [ "$dir/image.tar" -nt "$binary" ]; then return 0; fi
  ldd "$binary" >/dev/null 2>&1 && die "$binary is not static: it cannot run FROM scratch"
  docker_up
  local context; context="$(mktemp -d "${TMPDIR:-/tmp}/cluster-image.XXXXXX")"
  cp "$binary" "$context/${entrypoint#/}"
  printf 'FROM scratch\nCOPY %s %s\nUSER %s:%s\nENTRYPOINT ["%s"]\n' "${entrypoint#/}" "$entrypoint" "$uid" "$uid" "$entrypoint" >"$context/Dockerfile"
  run_logged "$dir/image.log" docker build -t "$image" "$context" || die "docker build of $image failed (log: $dir/image.log)"
  docker save -o "$dir/image.tar.tmp" "$image" && mv -f "$dir/image.tar.tmp" "$dir/image.tar"
  rm -rf "$context"
  log "$name: image $image saved to $dir/image.tar"
  BUILT_SOMETHING=1
}

docker_up() {
  docker_answers || "$ROOT/scripts/toolchain.sh" docker-up 8>&- || die "no Docker engine to build images with"
}

install_packages() {
  command -v apt-get >/dev/null 2>&1 || die "missing $*, and no apt-get to install them with"
  log "installing Debian packages: $* (log: $CACHE/apt.log)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >>"$CACHE/apt.log" 2>&1 \
    || die "apt-get install $* failed (log: $CACHE/apt.log)"
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
    local|kwok) ;;
    auto) if command -v kind >/dev/null 2>&1 && docker_answers; then PROVIDER=kind; else PROVIDER=local; fi ;;
    *) die "CLUSTER_PROVIDER must be auto, kind, local or kwok (got '$PROVIDER')" ;;
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
# The port the existing control plane's API server was created on (its own kubeconfig).
created_api_port() { sed -n 's|.*server: https\{0,1\}://[^:]*:\([0-9]*\).*|\1|p' "$(kwok_cluster_dir)/kubeconfig.yaml" 2>/dev/null | head -n1; }
in_node_port_range() { [ -n "$1" ] && [ "$1" -ge 30000 ] && [ "$1" -le 32767 ]; }
kwok_exists() { [ -f "$(kwok_cluster_dir)/kwok.yaml" ]; }

# Every component listens on 127.0.0.1 only (kwokctl binds 0.0.0.0 unless told otherwise). For the local
# provider the pods reach the API server on the node's address (the certificate kwokctl makes names the host's
# addresses), the API server reaches the kubelet (logs, exec, port-forward) with the admin certificate, and the
# controller manager gives the node its pod subnet. (Patches in the file: kwokctl 0.8's --extra-args mixes up
# the arguments of a second component.)
write_kwokctl_config() {
  local file="$KWOK_WORKDIR/kwokctl-$NAME.yaml" pki; pki="$(kwok_cluster_dir)/pki"
  mkdir -p "$KWOK_WORKDIR"
  {
    cat <<EOF
# Generated by scripts/cluster.sh.
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
EOF
    [ "$PROVIDER" != local ] || cat <<EOF
  # Pods reach the API server as the Service \`kubernetes\` (in-cluster clients: Traefik, kube-router).
  kubeApiserverCertSANs: [$KUBERNETES_SERVICE_IP, kubernetes, kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.$CLUSTER_DOMAIN]
  kubeApiserverPort: $LOCAL_API_PORT
componentsPatches:
  - name: kube-apiserver
    extraArgs:
      - { key: bind-address, value: 0.0.0.0 }
      - { key: advertise-address, value: "$NODE_IP" }
      - { key: service-cluster-ip-range, value: "$SERVICE_CIDR" }
      - { key: kubelet-client-certificate, value: "$pki/admin.crt" }
      - { key: kubelet-client-key, value: "$pki/admin.key" }
      - { key: kubelet-preferred-address-types, value: InternalIP }
  - name: kube-controller-manager
    extraArgs:
      - { key: allocate-node-cidrs, value: "true" }
      - { key: cluster-cidr, value: "$POD_CIDR" }
      - { key: node-cidr-mask-size, value: "24" }
      - { key: service-cluster-ip-range, value: "$SERVICE_CIDR" }
EOF
  } >"$file"
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

nodes_ready() { # nodes_ready N: at least N nodes Ready
  local ready
  ready="$(kc get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null | grep -c True || true)"
  [ "$ready" -ge "$1" ]
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

# The provider a control plane was made for: kwok's has fake nodes (and kwok's controller, which would take
# over any node), local's has neither.
provider_mark() { printf '%s/envapi-provider' "$(kwok_cluster_dir)"; }

kwok_create() {
  local args=()
  # Nodes are the kubelet's: kwok's controller would take them over.
  [ "$PROVIDER" != local ] || args+=(--disable kwok-controller)
  log "creating the control plane of $NAME for $PROVIDER (kwokctl binary runtime, Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION)"
  kwokctl --config "$(write_kwokctl_config)" create cluster --name "$NAME" \
    --kubeconfig "$KWOK_WORKDIR/kwokctl-kubeconfig.yaml" --quiet-pull \
    --timeout "${WAIT_SECONDS}s" --wait "${WAIT_SECONDS}s" "${args[@]}" >&2
  printf '%s\n' "$PROVIDER" >"$(provider_mark)"
  CLUSTER_STATE=created
}

# The control plane of NAME for PROVIDER: created, reused, restarted, or recreated (when it was made for the
# other provider, or does not come back).
control_plane_up() {
  if kwok_exists && [ "$(cat "$(provider_mark)" 2>/dev/null || echo kwok)" != "$PROVIDER" ]; then
    log "cluster $NAME was made for $(cat "$(provider_mark)" 2>/dev/null || echo kwok), not $PROVIDER: recreating it"
    node_down
    kwok_delete
  fi
  if [ "$PROVIDER" = local ] && kwok_exists && in_node_port_range "$(created_api_port)"; then
    log "the API server of $NAME listens on $(created_api_port), in the node-port range kube-router lets pods reach whatever their policies say (made by an older version of this script): recreating it on $LOCAL_API_PORT"
    node_down
    kwok_delete
  fi
  if ! kwok_exists; then
    kwok_create
  else
    merge_kubeconfig
    if api_ready; then
      log "control plane of $NAME is running; reusing it"
      CLUSTER_STATE=reused
    else
      log "control plane of $NAME exists but does not answer; starting it"
      CLUSTER_STATE=started
      kwokctl start cluster --name "$NAME" --timeout "${WAIT_SECONDS}s" --wait 60s >&2 || true
      if ! wait_until 60 "API server ready" api_ready; then
        # E.g. another process took its ports while it was stopped: a fresh cluster picks free ones.
        warn "control plane of $NAME does not come back (logs: $(kwok_cluster_dir)/logs); recreating it"
        kwok_delete
        kwok_create
      fi
    fi
  fi
  merge_kubeconfig
  wait_until "$WAIT_SECONDS" "API server ready" api_ready || die "the API server does not answer (logs: $(kwok_cluster_dir)/logs)"
}

kwok_up() {
  cmd_build
  control_plane_up
  apply_nodes
  wait_until "$WAIT_SECONDS" "$NODES fake node(s) Ready" nodes_ready "$NODES" || die "nodes not Ready (logs: $(kwok_cluster_dir)/logs)"
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
# local: one real node on this host, joined to the control plane above
# --------------------------------------------------------------------------
# Everything of the node lives in LOCAL_DIR (configs, logs, pids, containerd's root and state, the kubelet's root,
# the pods' IP leases); `down` deletes it. What is the host's own (iptables chains, the bridge, the kubepods
# cgroups, the kubelet's port) allows one node per host: HOST_CLAIM names the one that runs.
LOCAL_DIR="$CACHE/local-clusters/$NAME"
HOST_CLAIM=/run/envapi-local-node
CONTAINERD_SOCK="$LOCAL_DIR/run/containerd.sock"
CNI_BIN_DIR=/usr/lib/cni
BRIDGE=envapi0

# Start a daemon: start_daemon NAME CMD... runs CMD in its own session and in the node's cgroup (so `down`
# finds every process it leaves, containerd's shims included), output to logs/NAME.log, pid in pids/NAME.pid.
daemon_cgroup() {
  local root=/sys/fs/cgroup/pids
  [ -d "$root" ] || root=/sys/fs/cgroup
  printf '%s/envapi-local-%s' "$root" "$NAME"
}
pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
# A daemon's pid from its pid file, only while that process is still ours (in the node's cgroup): after a run
# killed half-way the number may have gone to an unrelated process, which must never be signalled.
daemon_pid() {
  local pid; pid="$(cat "$LOCAL_DIR/pids/$1.pid" 2>/dev/null || true)"
  if pid_alive "$pid" && grep -q "envapi-local-$NAME\$" "/proc/$pid/cgroup" 2>/dev/null; then printf '%s' "$pid"; fi
}
daemon_alive() { [ -n "$(daemon_pid "$1")" ]; }

start_daemon() {
  local name="$1"; shift
  local cgroup; cgroup="$(daemon_cgroup)"
  mkdir -p "$LOCAL_DIR/logs" "$LOCAL_DIR/pids" "$cgroup"
  (
    echo "$BASHPID" >"$cgroup/cgroup.procs"
    cd /
    exec setsid "$@" </dev/null >>"$LOCAL_DIR/logs/$name.log" 2>&1 8>&-
  ) &
  echo "$!" >"$LOCAL_DIR/pids/$name.pid"
  log "started $name (pid $!, log: $LOCAL_DIR/logs/$name.log)"
}

stop_daemon() { # TERM, up to 20 s, then KILL
  local pid; pid="$(daemon_pid "$1")"
  pid_alive "$pid" || return 0
  kill "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 40); do pid_alive "$pid" || return 0; sleep 0.5; done
  warn "$1 (pid $pid) ignored TERM for 20 s; killing it"
  kill -9 "$pid" 2>/dev/null || true
}

# kill_cgroup_tree DIR...: SIGKILL every process in the cgroups under DIR until none is left (bounded).
kill_cgroup_tree() {
  local i pids
  for i in $(seq 1 20); do
    pids="$(find "$@" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u | tr '\n' ' ')"
    [ -n "${pids// /}" ] || return 0
    # shellcheck disable=SC2086 # a list of pids
    kill -9 $pids 2>/dev/null || true
    sleep 0.5
  done
  warn "processes left in $*: $pids"
}

node_ip() {
  if [ -n "${LOCAL_NODE_IP:-}" ]; then printf '%s' "$LOCAL_NODE_IP"; return; fi
  local dev
  dev="$(ip -4 route show default 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')"
  [ -n "$dev" ] || die "no default route to take the node's address from: set LOCAL_NODE_IP"
  ip -4 -o addr show dev "$dev" scope global | awk '{ split($4, a, "/"); print a[1]; exit }'
}

ctr_() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }
containerd_answers() { ctr_ version >/dev/null 2>&1; }

# Debian's containerd, runc, CNI plugins, iptables and ipset (kube-router calls the last two).
node_packages() {
  local missing=()
  command -v containerd >/dev/null 2>&1 || missing+=(containerd)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  [ -x "$CNI_BIN_DIR/bridge" ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v ipset >/dev/null 2>&1 || missing+=(ipset)
  [ "${#missing[@]}" = 0 ] || install_packages "${missing[@]}"
}

write_node_configs() {
  local pki; pki="$(kwok_cluster_dir)/pki"
  mkdir -p "$LOCAL_DIR/run" "$LOCAL_DIR/cni/net.d" "$LOCAL_DIR/kubelet" "$LOCAL_DIR/pod-logs"
  cp "$(kwok_cluster_dir)/kubeconfig.yaml" "$LOCAL_DIR/kubeconfig"
  cat >"$LOCAL_DIR/containerd.toml" <<EOC
# Generated by scripts/cluster.sh: the local node's own containerd, apart from Docker's.
version = 2
root = "$LOCAL_DIR/containerd/root"
state = "$LOCAL_DIR/containerd/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[debug]
  address = "$LOCAL_DIR/run/containerd-debug.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Lowering oom_score_adj needs CAP_SYS_RESOURCE, which this host withholds: without this every sandbox
  # fails with "runc create failed: ... can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  # The pods' network namespaces under the state dir, so that \`down\` finds them with the rest.
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$LOCAL_DIR/cni/net.d"
EOC
  cat >"$LOCAL_DIR/kubelet.yaml" <<EOC
# Generated by scripts/cluster.sh. This host: cgroup v1 with the cgroupfs driver, swap left on.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
failSwapOn: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
address: $NODE_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $pki/ca.crt }
authorization: { mode: Webhook }
clusterDomain: $CLUSTER_DOMAIN
clusterDNS: [$DNS_IP]
podLogsDir: $LOCAL_DIR/pod-logs
serializeImagePulls: false
# Images are imported, never pulled: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: 100Mi, nodefs.available: 5%, imagefs.available: 5% }
EOC
  cat >"$LOCAL_DIR/kube-proxy.yaml" <<EOC
# Generated by scripts/cluster.sh.
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: { kubeconfig: $LOCAL_DIR/kubeconfig }
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [primary]
# Leave the host's conntrack settings as they are.
conntrack: { maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
EOC
}

# The node's pod subnet, once the controller manager allocated it: the bridge's, written when known.
write_cni_config() {
  cat >"$LOCAL_DIR/cni/net.d/10-envapi.conflist" <<EOC
{
  "cniVersion": "0.4.0",
  "name": "envapi",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$1" }]], "routes": [{ "dst": "0.0.0.0/0" }], "dataDir": "$LOCAL_DIR/cni/ipam" }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOC
}

node_pod_cidr() { kc get node "$NODE_NAME" -o jsonpath='{.spec.podCIDR}' 2>/dev/null | grep -q .; }
coredns_ready() {
  kc -n kube-system get pods -l k8s-app=kube-dns -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null | grep -qx True
}
node_running() { local d; for d in containerd kubelet kube-proxy kube-router; do daemon_alive "$d" || return 1; done; }
api_port() { kc config view --minify -o jsonpath='{.clusters[0].cluster.server}' | sed 's/.*://'; }

import_image() { # import_image TAR: into the node's containerd, for the CRI (namespace k8s.io)
  ctr_ images import "$1" >>"$LOCAL_DIR/logs/images.log" 2>&1 || die "could not import $1 (log: $LOCAL_DIR/logs/images.log)"
}

apply_coredns() {
  sed -e "s|@COREDNS_IMAGE@|$COREDNS_IMAGE|g" -e "s|@DNS_IP@|$DNS_IP|g" -e "s|@CLUSTER_DOMAIN@|$CLUSTER_DOMAIN|g" \
    -e "s|@API_SERVER@|https://$NODE_IP:$(api_port)|g" "$LOCAL_TOOLS/coredns.yaml" | kc apply -f - >&2
}

host_claimed_by_other() {
  local owner pid; owner="$(cat "$HOST_CLAIM" 2>/dev/null || true)"
  [ -n "$owner" ] && [ "$owner" != "$LOCAL_DIR" ] || return 1
  pid="$(cat "$owner/pids/kubelet.pid" 2>/dev/null || true)"
  pid_alive "$pid" && grep -q 'envapi-local-' "/proc/$pid/cgroup" 2>/dev/null
}

node_up() {
  if [ "$CLUSTER_STATE" = reused ] && node_running && nodes_ready 1; then
    log "node $NODE_NAME is running; reusing it"
    return 0
  fi
  host_claimed_by_other && die "another local node runs on this host ($(cat "$HOST_CLAIM")): the kubelet's port, iptables chains and cgroups are the host's; run scripts/cluster.sh down with its CLUSTER_NAME first"
  [ "$CLUSTER_STATE" = created ] || CLUSTER_STATE=started
  node_down keep-images # whatever an earlier run left, killed half-way or not: processes, mounts, rules, links
  printf '%s\n' "$LOCAL_DIR" >"$HOST_CLAIM"
  node_packages
  local ip
  for ip in "$NODE_IP" "$KUBERNETES_SERVICE_IP"; do
    openssl x509 -noout -in "$(kwok_cluster_dir)/pki/admin.crt" -checkip "$ip" 2>/dev/null | grep -q 'does match' \
      || die "the API server's certificate does not name $ip, an address pods reach it on (a cluster made by an older version of this script, or another LOCAL_NODE_IP): scripts/cluster.sh down, then up"
  done
  ! in_node_port_range "$(api_port)" \
    || die "the API server listens on $(api_port), in the node-port range, where kube-router lets pods through whatever their NetworkPolicies say (a cluster made by an older version of this script): scripts/cluster.sh down, then up"
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 >/dev/null
  write_node_configs
  start_daemon containerd containerd --config "$LOCAL_DIR/containerd.toml"
  if ! wait_until 30 "containerd answers" containerd_answers; then
    warn "containerd does not start on the root an earlier run left (log: $LOCAL_DIR/logs/containerd.log); starting it on an empty one"
    stop_daemon containerd
    rm -rf "$LOCAL_DIR/containerd"
    start_daemon containerd containerd --config "$LOCAL_DIR/containerd.toml"
    wait_until 30 "containerd answers" containerd_answers || die "containerd does not answer (log: $LOCAL_DIR/logs/containerd.log)"
  fi
  import_image "$PAUSE_DIR/image.tar"
  import_image "$COREDNS_DIR/image.tar"
  if kc get node "$NODE_NAME" >/dev/null 2>&1; then
    # Its status and its pods' are an earlier kubelet's, whose containers are gone: start from a fresh
    # registration, so every Ready seen below is this run's (controllers recreate the pods).
    log "node $NODE_NAME is registered from an earlier run: removing it and its pods"
    kc delete pods --all-namespaces --field-selector "spec.nodeName=$NODE_NAME" --force --grace-period=0 >/dev/null 2>&1 || true
    kc delete node "$NODE_NAME" >&2
  fi
  start_daemon kubelet "$NODE_DIR/kubelet" --config "$LOCAL_DIR/kubelet.yaml" --kubeconfig "$LOCAL_DIR/kubeconfig" \
    --root-dir "$LOCAL_DIR/kubelet" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --node-labels ingress-ready=true
  wait_until "$WAIT_SECONDS" "node $NODE_NAME registered with a pod CIDR" node_pod_cidr || die "node $NODE_NAME not registered (log: $LOCAL_DIR/logs/kubelet.log)"
  write_cni_config "$(kc get node "$NODE_NAME" -o jsonpath='{.spec.podCIDR}')"
  start_daemon kube-proxy "$NODE_DIR/kube-proxy" --config "$LOCAL_DIR/kube-proxy.yaml"
  # Only the firewall: NetworkPolicies as iptables rules and ipsets. Routing and Services stay the bridge's
  # and kube-proxy's.
  start_daemon kube-router "$KUBE_ROUTER_DIR/kube-router" --kubeconfig "$LOCAL_DIR/kubeconfig" \
    --hostname-override "$NODE_NAME" --run-firewall=true --run-router=false --run-service-proxy=false \
    --enable-cni=false --enable-ipv6=false --service-cluster-ip-range "$SERVICE_CIDR" --metrics-port 0
  wait_until "$WAIT_SECONDS" "node $NODE_NAME Ready" nodes_ready 1 || die "node $NODE_NAME not Ready (log: $LOCAL_DIR/logs/kubelet.log)"
  apply_coredns
  wait_until "$WAIT_SECONDS" "CoreDNS ready at $DNS_IP" coredns_ready || die "CoreDNS not ready (kubectl -n kube-system describe pods)"
}

# Everything a node of this cluster left on the host, whether it stopped cleanly or was killed half-way.
# `node_down keep-images` keeps containerd's root (images, like a node's disk across a reboot) for the restart
# that follows; anything else removes all.
node_down() {
  [ -d "$LOCAL_DIR" ] || return 0
  local keep="${1:-}"
  local shared=1
  if host_claimed_by_other; then shared=0; fi
  log "stopping node $NODE_NAME: processes, containers, mounts$([ "$shared" = 0 ] || echo ", iptables rules, ipsets, bridge, cgroups")"
  stop_daemon kubelet
  if daemon_alive containerd; then
    # Deleting the tasks lets each shim exit by itself (and remove its socket).
    local task
    for task in $(ctr_ tasks ls -q 2>/dev/null); do timeout 15 ctr --address "$CONTAINERD_SOCK" --namespace k8s.io tasks delete --force "$task" >/dev/null 2>&1 || true; done
  fi
  [ "$shared" = 0 ] || kill_cgroup_tree /sys/fs/cgroup/pids/kubepods
  stop_daemon kube-router
  stop_daemon kube-proxy
  stop_daemon containerd
  kill_cgroup_tree "$(daemon_cgroup)"
  # Shims killed rather than stopped leave their sockets in containerd's shared /run/containerd/s; each task's
  # folder names its own.
  local address
  for address in "$LOCAL_DIR"/containerd/state/io.containerd.runtime.v2.task/*/*/address; do
    [ -f "$address" ] && rm -f "$(sed 's|^unix://||' "$address")"
  done
  unmount_under "$LOCAL_DIR"
  if [ "$shared" = 1 ]; then
    remove_chains
    ipset list -n 2>/dev/null | grep -E '^(inet6:)?(KUBE-|kube-router)' | xargs -r -n1 ipset destroy 2>/dev/null || true
    ip link del "$BRIDGE" 2>/dev/null || true
    local dir
    for dir in /sys/fs/cgroup/*/kubepods; do [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null; done
    rm -f "$HOST_CLAIM"
  fi
  rmdir "$(daemon_cgroup)" 2>/dev/null || true
  find /var/log/containers -maxdepth 1 -type l -lname "$LOCAL_DIR/*" -delete 2>/dev/null || true
  if [ "$keep" = keep-images ] && [ -d "$LOCAL_DIR/containerd/root" ]; then
    find "$LOCAL_DIR" -mindepth 1 -maxdepth 1 ! -name containerd -exec rm -rf {} +
    rm -rf "$LOCAL_DIR/containerd/state"
  else
    rm -rf "$LOCAL_DIR"
  fi
}

# unmount_under DIR: every mount point below DIR (volumes, shm, rootfs, network namespaces), deepest first.
unmount_under() {
  local targets target i
  for i in 1 2 3; do
    targets="$(findmnt -rn -o TARGET | awk -v d="$1/" 'index($0, d) == 1' | sort -r)"
    [ -n "$targets" ] || return 0
    while IFS= read -r target; do umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || true; done <<<"$targets"
  done
  warn "mounts left under $1: $targets"
}

# Every KUBE-* and CNI-* chain (the kubelet's, kube-proxy's, kube-router's, the CNI plugins') and every rule
# that jumps to one, in each table, IPv4 and IPv6.
remove_chains() {
  local family table script
  for family in iptables ip6tables; do
    command -v "$family-save" >/dev/null 2>&1 || continue
    for table in filter nat mangle raw; do
      script="$("$family-save" -t "$table" 2>/dev/null | awk '
        /^:(KUBE-|CNI-)/ { chains[++n] = substr($1, 2) }
        /^-A / && $2 !~ /^(KUBE-|CNI-)/ && / -[jg] (KUBE-|CNI-)/ { sub(/^-A /, "-D "); print }
        END { for (i = 1; i <= n; i++) print "-F " chains[i]; for (i = 1; i <= n; i++) print "-X " chains[i] }')"
      [ -n "$script" ] || continue
      printf '*%s\n%s\nCOMMIT\n' "$table" "$script" | "$family-restore" --noflush || warn "could not remove every chain of $family table $table"
    done
  done
}

local_up() {
  NODE_IP="$(node_ip)"
  cmd_build
  control_plane_up
  node_up
  wait_until "$WAIT_SECONDS" "default service account exists" default_sa_exists || die "no default service account (kube-controller-manager log: $(kwok_cluster_dir)/logs)"
}

local_down() {
  node_down
  kwok_down
}

# in_node IMAGE: the node's containerd holds IMAGE by that name, with the configuration Docker has for it (its ID).
in_node() {
  local id; id="$(docker image inspect --format '{{.Id}}' "$1" 2>/dev/null)" || return 1
  ctr_ images ls -q "name==$1" 2>/dev/null | grep -q . && ctr_ content ls -q 2>/dev/null | grep -qx "$id"
}

# load_images IMAGE...: images from the local Docker engine into the cluster's node(s); on the local node only
# those it does not hold already (its containerd keeps them across down keep-images and up).
load_images() {
  case "$PROVIDER" in
    kind) kind load docker-image --name "$NAME" "$@" >&2 ;;
    kwok) log "kwok runs no containers: nothing to load" ;;
    local)
      node_running || die "the node of $NAME is not running: scripts/cluster.sh up"
      local start=$SECONDS image missing=()
      for image in "$@"; do in_node "$image" || missing+=("$image"); done
      if [ "${#missing[@]}" = 0 ]; then log "node $NODE_NAME holds $* already"; return 0; fi
      docker save "${missing[@]}" | ctr_ images import - >>"$LOCAL_DIR/logs/images.log" 2>&1 || die "could not import ${missing[*]} (log: $LOCAL_DIR/logs/images.log)"
      log "loaded ${missing[*]} into node $NODE_NAME ($((SECONDS - start))s)"
      ;;
  esac
}

cmd_load() {
  [ "$#" -gt 0 ] || die "usage: scripts/cluster.sh load IMAGE..."
  select_provider
  load_images "$@"
}

traefik_ready() {
  [ "$(kc -n traefik get deployment traefik -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" = 1 ] \
    && [ "$(kc -n traefik get deployment traefik -o jsonpath='{.status.updatedReplicas}' 2>/dev/null)" = 1 ]
}

# The traffic entry (scripts/traffic-entry.sh, cluster/traffic-entry.yaml) on every provider, so every environment
# stack plans and deploys alone and owns only its routes: the Gateway API CRDs, Traefik in namespace traefik,
# IngressClass and GatewayClass traefik, Gateway traefik/envapi. Its image is built (cached by version) and loaded
# where pods run; kwok's fake node only needs its name.
traffic_entry_up() {
  local entry="$ROOT/scripts/traffic-entry.sh" image
  if [ "$PROVIDER" = kwok ]; then
    image="$("$entry" image)"
  else
    docker_up
    image="$("$entry" build 8>&-)" || die "could not build the traffic entry's image (scripts/traffic-entry.sh build)"
    load_images "$image"
  fi
  PATH="$KUBE_DIR:$PATH" "$entry" install --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" 8>&- \
    || die "could not install the traffic entry (scripts/traffic-entry.sh install)"
  wait_until "$WAIT_SECONDS" "traffic entry ready (Traefik, $image)" traefik_ready \
    || die "Traefik is not ready (kubectl -n traefik describe pods; kubectl -n traefik logs deployment/traefik)"
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
    local) local_up ;;
    kwok) kwok_up ;;
  esac
  traffic_entry_up
  local kind=warm
  [ "${BUILT_SOMETHING:-0}" = 1 ] && kind=cold
  log "cluster $NAME up ($PROVIDER, $CLUSTER_STATE, $kind) in $(elapsed "$start" "$(now)")s"
  printf 'cluster-up %s %s %s %s\n' "$PROVIDER" "$CLUSTER_STATE" "$kind" "$(elapsed "$start" "$(now)")"
}

cmd_down() {
  select_provider
  case "$PROVIDER" in
    kind) kind_down ;;
    local|kwok) local_down ;;
  esac
}

cmd_status() {
  select_provider
  printf 'provider:    %s\n' "$PROVIDER"
  printf 'context:     %s (%s)\n' "$CONTEXT" "$KUBECONFIG_FILE"
  if [ "$PROVIDER" != kind ]; then
    printf 'kubernetes:  %s (%s)\n' "$KUBE_VERSION" "$([ -x "$KUBE_DIR/kube-apiserver" ] && echo "built in $KUBE_DIR" || echo "not built")"
    printf 'etcd:        %s (%s)\n' "$ETCD_VERSION" "$([ -x "$ETCD_DIR/etcd" ] && echo "built in $ETCD_DIR" || echo "not built")"
    printf 'kwok:        %s (%s)\n' "$KWOK_VERSION" "$([ -x "$KWOK_DIR/kwokctl" ] && echo "built in $KWOK_DIR" || echo "not built")"
    printf 'workdir:     %s\n' "$(kwok_cluster_dir)"
  fi
  if [ "$PROVIDER" = local ]; then
    printf 'node:        %s (kubelet, kube-proxy in %s; %s)\n' "$NODE_NAME" "$NODE_DIR" "$(node_running && echo "running, $LOCAL_DIR" || echo "not running")"
    printf 'coredns:     %s (%s)\n' "$COREDNS_VERSION" "$COREDNS_IMAGE"
    printf 'kube-router: %s (%s)\n' "$KUBE_ROUTER_VERSION" "$KUBE_ROUTER_DIR"
  fi
  printf 'traffic:     %s (scripts/traffic-entry.sh)\n' "$("$ROOT/scripts/traffic-entry.sh" image)"
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

  up          create (or reuse) the cluster, write context $CONTEXT into $KUBECONFIG_FILE, and install the
              traffic entry (Traefik, Gateway API CRDs, IngressClass/GatewayClass traefik; scripts/traffic-entry.sh)
  down        delete the cluster and its context (local: and everything its node left on the host)
  status      provider, versions, state, nodes; exits 3 when the cluster is not up
  env         print export lines (kubectl $KUBE_VERSION on PATH): eval "\$(scripts/cluster.sh env)"
  build       only build (or reuse) the binaries and images of the provider
  load IMG..  copy images from the Docker engine into the cluster's node(s) (kind load, or the local
              node's containerd; nothing for kwok)
  help        this text

Environment:
  CLUSTER_PROVIDER      auto (default: kind when kind and Docker answer, else local) | kind | local | kwok
  CLUSTER_NAME          cluster name (default envapi; the context is kind-<name>)
  CLUSTER_KUBECONFIG    kubeconfig to write (default \$HOME/.kube/config, which the stacks read)
  CLUSTER_NODES         fake nodes of the kwok provider (default 2)
  CLUSTER_WAIT_SECONDS  bound of every wait (default 120)
  LOCAL_NODE_IP         the local node's address (default: that of the default route's interface)
  LOCAL_POD_CIDR        the local provider's pod network (default $POD_CIDR; services $SERVICE_CIDR)
  HTTP_HOST_PORT        the host port of the traffic entry's HTTP entry point (default 80)
  LOCAL_API_PORT        the local provider's API server port, outside 30000-32767 (default 6443)
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
    build) select_provider; cmd_build ;;
    load) shift; cmd_load "$@" ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
