#!/usr/bin/env bash
# Air-gapped toolchain for env-as-code.
#
# Everything the project needs to synth/plan/apply without reaching a provider
# registry or an image registry is built locally from Go modules (fetched
# through the Go module proxy) and cached outside the repository:
#
#   providers   Terraform providers built from tools/provider-*/ (go.mod + go.sum
#               pinned there) into a filesystem mirror that serves both
#               provider hosts Terraform and OpenTofu resolve short sources to.
#   cli         `terraform` from PATH when it is >= 1.10, otherwise OpenTofu built
#               from tools/opentofu/ (TOOLCHAIN_TF=tofu forces OpenTofu).
#   config      CLI config file: providers only from the mirror, no checkpoint.
#   docker-up   Docker engine (installs Debian's docker.io when missing, starts
#               dockerd in the background, waits until `docker info` answers).
#   base-image  golang:<major.minor> builder image imported from the local Go
#               toolchain plus a busybox userland: no image registry needed.
#
# Usage: scripts/toolchain.sh <command>   (see `scripts/toolchain.sh help`)
#        eval "$(scripts/toolchain.sh env)"
# shellcheck disable=SC2317 # functions are reached through the dispatch in main and the EXIT trap
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$ROOT/tools"
CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/env-as-code}"
TOOLCHAIN_TF="${TOOLCHAIN_TF:-auto}"          # auto | terraform | tofu
TF_MIN_VERSION="1.10.0"          # the S3 backend's lock file (use_lockfile) needs 1.10
BASE_IMAGE="${TOOLCHAIN_BASE_IMAGE:-}"        # default: golang:<go major.minor>
DOCKER_WAIT_SECONDS="${TOOLCHAIN_DOCKER_WAIT:-60}"

# Providers: name | namespace | type | version label | tools module dir |
#            main package | linker variable that carries the version.
# The Go module version that is built is pinned in tools/<dir>/go.mod (+go.sum);
# the version label is what Terraform sees in the mirror. Keep both in step.
PROVIDERS=(
  "kubernetes|hashicorp|kubernetes|3.2.2-dev.3a33fb6cc605|provider-kubernetes|github.com/hashicorp/terraform-provider-kubernetes|main.Version"
  "docker|kreuzwerker|docker|4.6.1-dev.96d331c98ff4|provider-docker|github.com/terraform-providers/terraform-provider-docker|main.version"
)
# Hosts the mirror serves: short sources resolve to the first under Terraform
# and to the second under OpenTofu.
MIRROR_HOSTS=("registry.terraform.io" "registry.opentofu.org")

TOFU_TOOLS="$TOOLS_DIR/opentofu"
TOFU_MODULE="github.com/opentofu/opentofu"
TOFU_PACKAGE="github.com/opentofu/opentofu/cmd/tofu"

MIRROR_DIR="$CACHE/providers/mirror"
CLI_CONFIG="$CACHE/terraform.rc"
DOCKER_STATE="$CACHE/docker"

# --------------------------------------------------------------------------
# output helpers
# --------------------------------------------------------------------------
log()  { printf '[toolchain] %s\n' "$*" >&2; }
warn() { printf '[toolchain] WARNING: %s\n' "$*" >&2; }
die()  { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

SUMMARY_PARTS=()
SUMMARY_STATUS=()
SUMMARY_SECS=()
SUMMARY_NOTE=()
CURRENT_PART=""
PART_STATUS=""
PART_NOTE=""

now() { printf '%s' "${EPOCHREALTIME:-$(date +%s)}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# run_part NAME FUNCTION [ARGS...]: time a step and record it in the summary.
run_part() {
  local name="$1"; shift
  local start; start="$(now)"
  CURRENT_PART="$name"; PART_STATUS="done"; PART_NOTE=""
  log "== $name"
  "$@"
  SUMMARY_PARTS+=("$name")
  SUMMARY_STATUS+=("$PART_STATUS")
  SUMMARY_SECS+=("$(elapsed "$start" "$(now)")")
  SUMMARY_NOTE+=("$PART_NOTE")
  CURRENT_PART=""
}

print_summary() {
  [ "${#SUMMARY_PARTS[@]}" -gt 0 ] || [ -n "$CURRENT_PART" ] || return 0
  {
    printf '\n%-34s %-8s %8s  %s\n' "PART" "STATUS" "SECONDS" "NOTE"
    printf '%-34s %-8s %8s  %s\n' "----" "------" "-------" "----"
    local i
    for i in "${!SUMMARY_PARTS[@]}"; do
      printf '%-34s %-8s %8s  %s\n' "${SUMMARY_PARTS[$i]}" "${SUMMARY_STATUS[$i]}" \
        "${SUMMARY_SECS[$i]}" "${SUMMARY_NOTE[$i]}"
    done
    if [ -n "$CURRENT_PART" ]; then
      printf '%-34s %-8s %8s  %s\n' "$CURRENT_PART" "FAILED" "-" "see messages above"
    fi
  } >&2
}
on_exit() {
  local rc=$?
  if [ "${TOOLCHAIN_QUIET_SUMMARY:-0}" != 1 ]; then print_summary; fi
  exit "$rc"
}

# shellcheck source=scripts/_lib.sh
. "$ROOT/scripts/_lib.sh"

# One mutating toolchain run at a time per cache directory.
take_lock() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  if ! flock -n 9; then
    log "another toolchain run holds $CACHE/.lock; waiting for it"
    flock 9
  fi
}

# --------------------------------------------------------------------------
# Go helpers
# --------------------------------------------------------------------------
require_go() {
  command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build the toolchain)"
}

# Environment for every Go build: no cgo, no toolchain download, go.sum is
# authoritative (-mod=readonly), no VCS stamping (module builds carry none).
go_build_env() {
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false"
  unset GOOS GOARCH GOWORK || true
  export GOWORK=off
}

platform() {
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os="$(uname -s | tr '[:upper:]' '[:lower:]')" ;; esac
  case "$(uname -m)" in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
  printf '%s_%s' "$os" "$arch"
}

# module_version GO_MOD MODULE_PATH: version that GO_MOD requires (or the
# replacement version when the module is replaced).
module_version() {
  awk -v m="$2" '
    $1 == "replace" { for (i = 2; i < NF; i++) if ($i == m && $(i+1) == "=>") { rep = $(NF) } }
    { for (i = 1; i < NF; i++) if ($i == m && $(i+1) ~ /^v[0-9]/) { req = $(i+1) } }
    END { if (rep != "") print rep; else print req }' "$1"
}

# stamp DIR EXTRA...: fingerprint of a tools module + build settings.
stamp_of() {
  local dir="$1"; shift
  { cat "$dir/go.mod" "$dir/go.sum"; printf '%s\n' "$@" "$(go env GOVERSION)" "$(platform)"; } \
    | sha256sum | cut -d' ' -f1
}

# --------------------------------------------------------------------------
# providers
# --------------------------------------------------------------------------
build_provider() {
  local name ns type version tools pkg ldvar
  IFS='|' read -r name ns type version tools pkg ldvar <<<"$1"
  local plat; plat="$(platform)"
  local moddir="$TOOLS_DIR/$tools"
  [ -f "$moddir/go.mod" ] || die "missing $moddir/go.mod"
  local outdir="$CACHE/providers/$type-$version"
  local bin="$outdir/terraform-provider-${type}_v${version}"
  local ldflags="-s -w -X $ldvar=$version"
  local stamp; stamp="$(stamp_of "$moddir" "$ldflags")"
  local modver; modver="$(module_version "$moddir/go.mod" "${pkg}")"

  if [ -x "$bin" ] && [ "$(cat "$outdir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "$ns/$type $version: reusing $bin"
    PART_STATUS="reused"
  else
    log "$ns/$type $version: building $pkg@$modver (CGO_ENABLED=0, -trimpath)"
    mkdir -p "$outdir"
    (
      cd "$moddir"
      go_build_env
      run_logged "$outdir/build.log" \
        go build -trimpath -ldflags "$ldflags" -o "$bin.tmp" "$pkg"
    ) || die "build of $ns/$type failed (log: $outdir/build.log)"
    mv -f "$bin.tmp" "$bin"
    printf '%s\n' "$stamp" >"$outdir/.stamp"
    printf '%s %s\n' "$pkg" "$modver" >"$outdir/module.txt"
    PART_STATUS="built"
  fi
  PART_NOTE="$ns/$type $version ($(du -m "$bin" | cut -f1) MB)"

  local host dest
  for host in "${MIRROR_HOSTS[@]}"; do
    dest="$MIRROR_DIR/$host/$ns/$type/$version/$plat"
    mkdir -p "$dest"
    # Drop stale binaries of other builds in this version dir, then link.
    find "$dest" -maxdepth 1 -type f ! -name "terraform-provider-${type}_v${version}" -delete
    if [ ! "$dest/terraform-provider-${type}_v${version}" -ef "$bin" ]; then
      ln -f "$bin" "$dest/terraform-provider-${type}_v${version}" 2>/dev/null \
        || cp -f "$bin" "$dest/terraform-provider-${type}_v${version}"
    fi
  done
}

cmd_providers() {
  require_go
  local p name
  for p in "${PROVIDERS[@]}"; do
    name="${p%%|*}"
    run_part "provider $name" build_provider "$p"
  done
}

# --------------------------------------------------------------------------
# Terraform CLI (terraform >= 1.10 or OpenTofu)
# --------------------------------------------------------------------------
version_ge() { # version_ge A B: A >= B
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

terraform_version() { # prints the version of terraform on PATH, or nothing
  command -v terraform >/dev/null 2>&1 || return 0
  CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null terraform version -json 2>/dev/null \
    | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n1
}

tofu_version() { module_version "$TOFU_TOOLS/go.mod" "$TOFU_MODULE" | sed 's/^v//'; }
tofu_bin() { printf '%s/opentofu-%s/tofu' "$CACHE" "$(tofu_version)"; }

# Decide which CLI to use without building anything: sets CLI_KIND, CLI_BIN.
select_cli() {
  local tfv
  case "$TOOLCHAIN_TF" in
    tofu) CLI_KIND=tofu; CLI_BIN="$(tofu_bin)"; return ;;
    terraform|auto) ;;
    *) die "TOOLCHAIN_TF must be auto, terraform or tofu (got '$TOOLCHAIN_TF')" ;;
  esac
  tfv="$(terraform_version)"
  if [ -n "$tfv" ] && version_ge "$tfv" "$TF_MIN_VERSION"; then
    CLI_KIND=terraform; CLI_BIN="$(command -v terraform)"; CLI_VERSION="$tfv"; return
  fi
  if [ "$TOOLCHAIN_TF" = terraform ]; then
    die "TOOLCHAIN_TF=terraform but no terraform >= $TF_MIN_VERSION on PATH (found '${tfv:-none}')"
  fi
  [ -n "$tfv" ] && log "terraform $tfv on PATH is older than $TF_MIN_VERSION; using OpenTofu"
  CLI_KIND=tofu; CLI_BIN="$(tofu_bin)"
}

build_tofu() {
  local version; version="$(tofu_version)"
  [ -n "$version" ] || die "cannot read the OpenTofu version from $TOFU_TOOLS/go.mod"
  local outdir="$CACHE/opentofu-$version"
  local bin="$outdir/tofu"
  local ldflags="-s -w -X github.com/opentofu/opentofu/version.dev=no"
  local stamp; stamp="$(stamp_of "$TOFU_TOOLS" "$ldflags")"
  if [ -x "$bin" ] && [ "$(cat "$outdir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "OpenTofu $version: reusing $bin"
    PART_STATUS="reused"
  else
    log "OpenTofu $version: building $TOFU_PACKAGE (CGO_ENABLED=0, -trimpath)"
    mkdir -p "$outdir"
    (
      cd "$TOFU_TOOLS"
      go_build_env
      run_logged "$outdir/build.log" \
        go build -trimpath -ldflags "$ldflags" -o "$bin.tmp" "$TOFU_PACKAGE"
    ) || die "build of OpenTofu failed (log: $outdir/build.log)"
    mv -f "$bin.tmp" "$bin"
    printf '%s\n' "$stamp" >"$outdir/.stamp"
    PART_STATUS="built"
  fi
  local got; got="$("$bin" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n1)"
  [ "$got" = "$version" ] || die "$bin reports version '$got', expected $version"
  PART_NOTE="tofu $version"
}

cli_part() {
  select_cli
  if [ "$CLI_KIND" = terraform ]; then
    log "using terraform $CLI_VERSION at $CLI_BIN"
    PART_STATUS="reused"; PART_NOTE="terraform $CLI_VERSION (PATH)"
  else
    require_go
    build_tofu
  fi
}
cmd_cli() { run_part "cli" cli_part; }

# --------------------------------------------------------------------------
# CLI config
# --------------------------------------------------------------------------
config_part() {
  local tmp="$CLI_CONFIG.tmp.$$"
  mkdir -p "$CACHE" "$MIRROR_DIR"
  cat >"$tmp" <<EOF
# Generated by scripts/toolchain.sh: do not edit (re-run the script instead).
# Providers are installed only from the local filesystem mirror; there is no
# direct (network) installation method, so a provider missing from the mirror
# fails 'init' instead of being downloaded.
disable_checkpoint = true

provider_installation {
  filesystem_mirror {
    path = "$MIRROR_DIR"
  }
}
EOF
  if cmp -s "$tmp" "$CLI_CONFIG" 2>/dev/null; then
    rm -f "$tmp"; PART_STATUS="reused"
  else
    mv -f "$tmp" "$CLI_CONFIG"; PART_STATUS="built"
  fi
  PART_NOTE="$CLI_CONFIG"
}
cmd_config() { run_part "cli config" config_part; }

# --------------------------------------------------------------------------
# Docker engine
# --------------------------------------------------------------------------
docker_answers() { timeout 10 docker info >/dev/null 2>&1; }

dockerd_pid() { # pid of the dockerd this script started, if it still runs
  local pid
  pid="$(cat "$DOCKER_STATE/dockerd.pid" 2>/dev/null || true)"
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] \
    && printf '%s' "$pid"
  return 0
}

apt_install() {
  [ "$(id -u)" = 0 ] || die "need root to apt-get install $*"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "$@" >"$CACHE/apt.log" 2>&1; then
    log "apt-get install failed; running apt-get update first"
    apt-get update >>"$CACHE/apt.log" 2>&1 || die "apt-get update failed (log: $CACHE/apt.log)"
    apt-get install -y --no-install-recommends "$@" >>"$CACHE/apt.log" 2>&1 \
      || die "apt-get install $* failed (log: $CACHE/apt.log)"
  fi
}

wait_for_docker() { # wait_for_docker PID SECONDS
  local pid="$1" limit="$2" start=$SECONDS
  while [ $((SECONDS - start)) -lt "$limit" ]; do
    if docker_answers; then return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 1
  done
  return 1
}

stop_pid() { # stop_pid PID: TERM, wait up to 20 s, then KILL
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

docker_up_part() {
  mkdir -p "$DOCKER_STATE"
  if docker_answers; then
    log "docker engine already answers"
    PART_STATUS="reused"; PART_NOTE="$(docker info --format '{{.ServerVersion}} {{.Driver}}' 2>/dev/null || true)"
    return
  fi
  local pid; pid="$(dockerd_pid)"
  if [ -n "$pid" ]; then
    log "dockerd (pid $pid) is running but not answering yet; waiting"
    if wait_for_docker "$pid" "$DOCKER_WAIT_SECONDS"; then
      PART_STATUS="reused"; PART_NOTE="$(docker info --format '{{.ServerVersion}} {{.Driver}}')"
      return
    fi
    die "dockerd (pid $pid) does not answer; see $DOCKER_STATE/dockerd.log or run docker-down"
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    log "installing Debian's docker.io (dockerd, containerd, runc)"
    apt_install docker.io
  fi
  command -v docker >/dev/null 2>&1 || die "no docker client on PATH"

  # Try the driver that worked last time first, then overlay2, then vfs
  # (vfs is slow and disk-hungry but works inside any container).
  local drivers=() d last
  last="$(cat "$DOCKER_STATE/storage-driver" 2>/dev/null || true)"
  [ -n "$last" ] && drivers+=("$last")
  for d in ${TOOLCHAIN_DOCKER_DRIVERS:-overlay2 vfs}; do [ "$d" = "$last" ] || drivers+=("$d"); done
  for d in "${drivers[@]}"; do
    log "starting dockerd with storage driver $d (log: $DOCKER_STATE/dockerd.log)"
    rm -f "$DOCKER_STATE/dockerd.pid"
    printf '\n==== %s: dockerd --storage-driver=%s %s\n' "$(date -u +%FT%TZ)" "$d" \
      "${TOOLCHAIN_DOCKERD_ARGS:-}" >>"$DOCKER_STATE/dockerd.log"
    # setsid: the daemon outlives this script and is not in its process group.
    # 9>&-: do not hand the toolchain lock to the long-lived daemon.
    # shellcheck disable=SC2086 # TOOLCHAIN_DOCKERD_ARGS is a list of flags
    setsid dockerd --storage-driver="$d" --pidfile="$DOCKER_STATE/dockerd.pid" \
      ${TOOLCHAIN_DOCKERD_ARGS:-} >>"$DOCKER_STATE/dockerd.log" 2>&1 </dev/null 9>&- &
    pid=$!
    if wait_for_docker "$pid" "$DOCKER_WAIT_SECONDS"; then
      printf '%s\n' "$d" >"$DOCKER_STATE/storage-driver"
      pid="$(dockerd_pid)"
      PART_STATUS="started"; PART_NOTE="$(docker info --format '{{.ServerVersion}} {{.Driver}}') pid $pid"
      return
    fi
    warn "dockerd with $d did not come up; last log lines:"
    tail -n 5 "$DOCKER_STATE/dockerd.log" >&2 || true
    stop_pid "$pid"
  done
  die "could not start dockerd (log: $DOCKER_STATE/dockerd.log)"
}
cmd_docker_up() { run_part "docker engine" docker_up_part; }

docker_down_part() {
  local pid; pid="$(dockerd_pid)"
  if [ -z "$pid" ]; then
    log "no dockerd started by this script is running"
    PART_STATUS="skipped"; return
  fi
  log "stopping dockerd (pid $pid)"
  stop_pid "$pid"
  rm -f "$DOCKER_STATE/dockerd.pid"
  PART_STATUS="stopped"; PART_NOTE="pid $pid"
}
cmd_docker_down() { run_part "docker engine stop" docker_down_part; }

# --------------------------------------------------------------------------
# Go builder image from the local Go toolchain
# --------------------------------------------------------------------------
base_image_part() {
  require_go
  docker_answers || die "docker engine is not answering; run: scripts/toolchain.sh docker-up"
  local goroot gover tag
  goroot="$(go env GOROOT)"
  gover="$(go env GOVERSION)"             # e.g. go1.26.8
  tag="${BASE_IMAGE:-golang:$(printf '%s' "${gover#go}" | cut -d. -f1,2)}"
  local have
  have="$(docker image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$tag" 2>/dev/null \
    | sed -n 's/^GOLANG_VERSION=//p')" || true
  if [ "$have" = "${gover#go}" ]; then
    log "image $tag (Go $have) already exists"
    PART_STATUS="reused"; PART_NOTE="$tag ($gover)"; return
  elif [ -n "$have" ] || docker image inspect "$tag" >/dev/null 2>&1; then
    log "image $tag holds Go '${have:-unknown}', the local toolchain is $gover: re-importing"
  fi
  if [ ! -x /bin/busybox ] || ! /bin/busybox --list 2>/dev/null | grep -qx sh \
     || ! file_is_static /bin/busybox; then
    log "installing Debian's busybox-static (userland for the image)"
    apt_install busybox-static
  fi

  local stage="$CACHE/base-image/rootfs-$gover"
  rm -rf "$stage"
  mkdir -p "$stage"/{bin,etc,tmp,root,go/bin,usr/local,etc/ssl/certs}
  chmod 1777 "$stage/tmp"
  log "staging rootfs in $stage (Go tree from $goroot)"
  # Hard links when possible (same filesystem), copies otherwise.
  cp -al "$goroot" "$stage/usr/local/go" 2>/dev/null || cp -a "$goroot" "$stage/usr/local/go"
  cp /bin/busybox "$stage/bin/busybox"
  local applet
  for applet in $("$stage/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$stage/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$stage/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"
  printf 'hosts: files dns\n' >"$stage/etc/nsswitch.conf"
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    cp /etc/ssl/certs/ca-certificates.crt "$stage/etc/ssl/certs/ca-certificates.crt"
  fi

  log "importing $tag"
  tar -C "$stage" --numeric-owner --owner=0 --group=0 -cf - . \
    | docker import \
        --change 'ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "ENV GOLANG_VERSION=${gover#go}" \
        --change 'ENV GOPATH=/go' \
        --change 'ENV GOTOOLCHAIN=local' \
        --change 'ENV GOFLAGS=-buildvcs=false' \
        --change 'ENV CGO_ENABLED=0' \
        --change 'WORKDIR /go' \
        --change 'CMD ["/bin/sh"]' \
        --message "Go ${gover#go} from the local toolchain + busybox (scripts/toolchain.sh)" \
        - "$tag" >/dev/null
  rm -rf "$stage"
  if ! docker run --rm --network none "$tag" sh -c 'go version && go env GOROOT' >&2; then
    docker rmi "$tag" >/dev/null 2>&1 || true   # never leave a broken image to be "reused"
    die "$tag does not run 'go version'"
  fi
  PART_STATUS="built"; PART_NOTE="$tag ($gover)"
}
file_is_static() { ! ldd "$1" >/dev/null 2>&1; }
cmd_base_image() { run_part "base image" base_image_part; }

# --------------------------------------------------------------------------
# env: export lines for eval
# --------------------------------------------------------------------------
cmd_env() {
  select_cli
  [ -x "$CLI_BIN" ] || warn "$CLI_BIN is not built yet: run scripts/toolchain.sh all"
  [ -f "$CLI_CONFIG" ] || warn "$CLI_CONFIG does not exist yet: run scripts/toolchain.sh all"
  printf 'export TOOLCHAIN_CACHE=%q\n' "$CACHE"
  printf 'export TF_CLI_CONFIG_FILE=%q\n' "$CLI_CONFIG"
  printf 'export TERRAFORM_BINARY_NAME=%q\n' "$CLI_BIN"
  printf 'export TOOLCHAIN_TF_KIND=%q\n' "$CLI_KIND"
  printf 'export CHECKPOINT_DISABLE=1\n'
  printf 'export CDKTF_AIRGAPPED=1\n'
  printf 'unset TF_PLUGIN_CACHE_DIR\n'
  # The versions the mirror holds, for the stacks to pin (the prebuilt bindings name older ones).
  local p type version pins=()
  for p in "${PROVIDERS[@]}"; do
    IFS='|' read -r _ _ type version _ <<<"$p"
    pins+=("$type=$version")
  done
  printf 'export TF_PROVIDER_VERSIONS=%q\n' "$(IFS=,; printf '%s' "${pins[*]}")"
}

# --------------------------------------------------------------------------
# verify: init/validate/plan a throwaway config against the mirror
# --------------------------------------------------------------------------
verify_part() {
  local kind="$1"
  local bin
  if [ "$kind" = tofu ]; then bin="$(tofu_bin)"; else bin="$(command -v terraform || true)"; fi
  [ -x "$bin" ] || die "no $kind binary (run scripts/toolchain.sh cli, TOOLCHAIN_TF=$kind)"
  local dir; dir="$(mktemp -d "${TMPDIR:-/tmp}/toolchain-verify-$kind.XXXXXX")"
  local p name ns type version with_docker=0
  docker_answers && with_docker=1
  {
    printf 'terraform {\n  required_providers {\n'
    for p in "${PROVIDERS[@]}"; do
      IFS='|' read -r name ns type version _ <<<"$p"
      printf '    %s = {\n      source  = "%s/%s"\n      version = "%s"\n    }\n' "$type" "$ns" "$type" "$version"
    done
    printf '  }\n}\n\n'
    cat <<'EOF'
provider "kubernetes" {
  host = "https://127.0.0.1:6443"
}

resource "kubernetes_namespace_v1" "verify" {
  metadata {
    name = "toolchain-verify"
  }
}
EOF
    if [ "$with_docker" = 1 ]; then
      cat <<'EOF'

provider "docker" {}

resource "docker_network" "verify" {
  name = "toolchain-verify"
}
EOF
    fi
  } >"$dir/main.tf"
  log "verifying with $kind ($bin) in $dir (docker_network: $([ "$with_docker" = 1 ] && echo yes || echo no, engine down))"
  (
    cd "$dir"
    export TF_CLI_CONFIG_FILE="$CLI_CONFIG" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
    unset TF_PLUGIN_CACHE_DIR
    "$bin" init -input=false -no-color >"$dir/init.log" 2>&1 || { cat "$dir/init.log" >&2; exit 1; }
    grep -E 'Installing|Installed' "$dir/init.log" >&2 || true
    "$bin" validate -no-color >&2
    "$bin" plan -input=false -no-color -out="$dir/plan.out" >"$dir/plan.log" 2>&1 || { cat "$dir/plan.log" >&2; exit 1; }
    grep -E '^Plan:|will be created' "$dir/plan.log" >&2
  ) || die "verification with $kind failed (files in $dir)"
  rm -rf "$dir"
  PART_STATUS="ok"; PART_NOTE="$kind init+validate+plan$([ "$with_docker" = 1 ] && echo ' (+docker_network)')"
}
cmd_verify() {
  local kinds=("$@")
  if [ "${#kinds[@]}" -eq 0 ]; then select_cli; kinds=("$CLI_KIND"); fi
  local k
  for k in "${kinds[@]}"; do run_part "verify $k" verify_part "$k"; done
}

usage() {
  cat <<EOF
Usage: scripts/toolchain.sh <command>

  all          providers + cli + config + docker-up + base-image
  providers    build the Terraform providers into the filesystem mirror
  cli          select terraform (>= $TF_MIN_VERSION on PATH) or build OpenTofu
  config       write the CLI config file ($CLI_CONFIG)
  docker-up    install (if needed) and start the Docker engine; wait for it
  docker-down  stop the Docker engine started by docker-up
  base-image   import the Go builder image (golang:<go major.minor>) from the local Go
  env          print export lines: eval "\$(scripts/toolchain.sh env)"
  verify [terraform|tofu]...
               init/validate/plan a throwaway config against the mirror
  help         this text

Environment:
  TOOLCHAIN_CACHE       cache directory (default \$HOME/.cache/env-as-code; now $CACHE)
  TOOLCHAIN_TF          auto (default) | terraform | tofu
  TOOLCHAIN_BASE_IMAGE  tag for the builder image (default golang:<go major.minor>)
  TOOLCHAIN_DOCKER_WAIT seconds to wait for dockerd to answer (default 60)
  TOOLCHAIN_DOCKERD_ARGS extra dockerd flags for docker-up (e.g. --iptables=false)
  TOOLCHAIN_DOCKER_DRIVERS storage drivers docker-up tries in order (default "overlay2 vfs")
  TOOLCHAIN_SKIP_DOCKER=1  make 'all' skip docker-up and base-image
EOF
}

main() {
  local cmd="${1:-help}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    env) cmd_env; return ;;
    help|-h|--help) usage; return ;;
  esac
  trap on_exit EXIT
  take_lock
  case "$cmd" in
    all)
      cmd_providers
      cmd_cli
      cmd_config
      if [ "${TOOLCHAIN_SKIP_DOCKER:-0}" != 1 ]; then
        cmd_docker_up
        cmd_base_image
      fi
      ;;
    providers)   cmd_providers ;;
    cli)         cmd_cli ;;
    config)      cmd_config ;;
    docker-up)   cmd_docker_up ;;
    docker-down) cmd_docker_down ;;
    base-image)  cmd_base_image ;;
    verify)      cmd_verify "$@" ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

# One line, so bash has read it whole before running: edits to this file while
# it runs cannot make bash read a shifted remainder.
main "$@"; exit "$?"
