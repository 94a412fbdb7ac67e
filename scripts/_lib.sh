# shellcheck shell=bash
# Shell helpers shared by scripts/toolchain.sh and scripts/cluster.sh (sourced; the caller defines log and warn).

# run_logged LOG CMD...: run a long command with its output in LOG, printing a progress line every
# minute; on failure show the end of the log.
run_logged() {
  local logfile="$1"; shift
  mkdir -p "$(dirname "$logfile")"
  local start=$SECONDS
  "$@" >"$logfile" 2>&1 &
  local pid=$! next=60 rc=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    if [ $((SECONDS - start)) -ge "$next" ]; then
      log "   ... still running ($((SECONDS - start))s, log: $logfile)"
      next=$((next + 60))
    fi
  done
  wait "$pid" || rc=$?
  if [ "$rc" -ne 0 ]; then
    warn "command failed (exit $rc): $*"
    tail -n 30 "$logfile" >&2 || true
  fi
  return "$rc"
}
