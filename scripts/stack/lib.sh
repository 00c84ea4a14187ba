#!/usr/bin/env bash
# Shared helpers for the local stack (scripts/stack/*.sh and components/*.sh).
# Source it; it defines functions and the STACK_* layout, and runs nothing else.

set -euo pipefail
# A CDPATH in the caller's environment would make `cd dir` print the
# directory, which the $(cd … && pwd) below would then capture twice.
unset CDPATH

STACK_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$STACK_LIB_DIR/../.." && pwd)"
STACK_DIR="${STACK_DIR:-$REPO_ROOT/.stack}"
FLIGHTDECK_CACHE="${FLIGHTDECK_CACHE:-$HOME/.cache/flightdeck}"
STACK_PID_DIR="$STACK_DIR/pids"
STACK_LOG_DIR="$STACK_DIR/logs"
STACK_ENV_DIR="$STACK_DIR/env.d"
export STACK_COMPONENT_DIR="$STACK_LIB_DIR/components"
export STACK_ENV_FILE="$STACK_DIR/env"
export REPO_ROOT STACK_DIR FLIGHTDECK_CACHE

# The fake AWS account the stack impersonates (fixed by the stack contract).
STACK_AWS_ACCOUNT_ID=123456789012
STACK_AWS_REGION=us-east-1
STACK_ECR_HOST="$STACK_AWS_ACCOUNT_ID.dkr.ecr.$STACK_AWS_REGION.amazonaws.com"

# The password inside moto's ECR GetAuthorizationToken (base64 of "AWS:<this>").
# moto 5.2.5 hard-codes it (moto/ecr/responses.py); moto.sh checks it on every up.
stack_ecr_password() { printf '%s-auth-token' "$STACK_AWS_ACCOUNT_ID"; }

# The one order in which components come up; down.sh walks it backwards.
# node (the real kubelet) comes after k8s, whose apiserver it registers
# with, and before kwok, so that KWOK never sees a node it should not manage.
STACK_ALL_COMPONENTS=(docker registry moto k8s node kwok)

# Elapsed time is measured from the outermost script, so nested components
# log on the same clock as up.sh.
STACK_T0="${STACK_T0:-${EPOCHREALTIME/,/.}}"
export STACK_T0

stack_init_dirs() {
  mkdir -p "$STACK_DIR" "$STACK_PID_DIR" "$STACK_LOG_DIR" "$STACK_ENV_DIR" "$FLIGHTDECK_CACHE"
}

# --- logging -----------------------------------------------------------------

stack_now() { echo "${EPOCHREALTIME/,/.}"; }

# Seconds elapsed since $1 (a stack_now value), one decimal.
stack_seconds_since() {
  awk -v a="$1" -v b="$(stack_now)" 'BEGIN { printf "%.1f", b - a }'
}

log() {
  local tag="${STACK_LOG_TAG:-stack}"
  printf '[%6ss] %-9s %s\n' "$(stack_seconds_since "$STACK_T0")" "$tag" "$*" >&2
}

warn() { log "WARNING: $*"; }

die() {
  log "ERROR: $*"
  exit 1
}

# Runs a command, logging what it is and how long it took; its output goes to
# the log file given as $1 so a failure can point at it.
stack_run_logged() {
  local logfile="$1" what="$2"
  shift 2
  local t0
  t0="$(stack_now)"
  log "$what ..."
  if ! "$@" >>"$logfile" 2>&1; then
    log "ERROR: $what failed after $(stack_seconds_since "$t0")s; last lines of $logfile:"
    tail -n 20 "$logfile" >&2 || true
    return 1
  fi
  log "$what done in $(stack_seconds_since "$t0")s"
}

stack_require_root() {
  [[ "$(id -u)" == 0 ]] || die "the local stack must run as root (it binds port 443 and edits /etc/hosts); rerun with sudo"
}

# --- pid files and processes -------------------------------------------------

stack_pid_file() { echo "$STACK_PID_DIR/$1.pid"; }

# Prints the pid recorded for process name $1, or nothing.
stack_read_pid() {
  local file
  file="$(stack_pid_file "$1")"
  [[ -s "$file" ]] && tr -dc '0-9' <"$file"
  return 0
}

stack_pid_alive() {
  local pid="$1"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # A zombie has exited; it only waits to be reaped.
  [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" != Z* ]]
}

# True when the pid file of $1 names a live process whose command line still
# contains $2 (guards against a recycled pid after a reboot).
stack_proc_running() {
  local name="$1" expected="${2:-}" pid
  pid="$(stack_read_pid "$name")"
  stack_pid_alive "$pid" || return 1
  [[ -z "$expected" ]] && return 0
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$expected"
}

# Every daemon of the stack, and whatever it forks, carries this variable (and
# FLIGHTDECK_STACK_COMPONENT=<component>), so down.sh can find a process that
# outlived the daemon that started it.
STACK_DAEMON_MARKER="FLIGHTDECK_STACK_DAEMON_OF=$STACK_DIR"

# Starts "$@" as a daemon in its own session, output to logs/<name>.log,
# and records its pid. The caller waits for it to become healthy.
# The daemon must not inherit the lock descriptor of up.sh, or it would hold
# the stack lock for its whole life and block every later up.sh and down.sh.
stack_start_daemon() {
  stack_launch_daemon inherit "$@"
}

# Like stack_start_daemon, but the daemon gets a clean environment: only PATH
# and the stack's markers, none of up.sh's (AWS keys, KUBECONFIG, a user's
# proxy settings). For the real node's daemons, whose environment reaches
# the processes they start (shims, CNI plugins, the credential provider).
stack_start_clean_daemon() {
  stack_launch_daemon clean "$@"
}

# stack_launch_daemon inherit|clean <name> <command...>
stack_launch_daemon() {
  local environment="$1" name="$2"
  shift 2
  local env_command=(env)
  [[ "$environment" == clean ]] && env_command=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
  local logfile="$STACK_LOG_DIR/$name.log"
  stack_init_dirs
  echo "--- $(date -u +%FT%TZ) starting: $1" >>"$logfile"
  setsid "${env_command[@]}" "$STACK_DAEMON_MARKER" "FLIGHTDECK_STACK_COMPONENT=${STACK_LOG_TAG:-$name}" "$@" \
    </dev/null >>"$logfile" 2>&1 9>&- &
  echo $! >"$(stack_pid_file "$name")"
  log "started $name (pid $!), log: ${logfile#"$REPO_ROOT"/}"
}

# Stops the process recorded for $1: SIGTERM, then SIGKILL after $2 seconds.
stack_stop_daemon() {
  local name="$1" grace="${2:-20}" pid deadline
  pid="$(stack_read_pid "$name")"
  if ! stack_pid_alive "$pid"; then
    rm -f "$(stack_pid_file "$name")"
    return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + grace))
  while stack_pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if stack_pid_alive "$pid"; then
    warn "$name (pid $pid) ignored SIGTERM for ${grace}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  stack_pid_alive "$pid" && die "$name (pid $pid) is still running after SIGKILL"
  stack_stop_session_leftovers "$name" "$pid"
  rm -f "$(stack_pid_file "$name")"
}

# A daemon started by stack_start_daemon leads its own session (setsid), so what is
# left in that session after it exited are children it failed to stop.
stack_stop_session_leftovers() {
  local name="$1" sid="$2" left="" pid
  for pid in $(pgrep -s "$sid" || true); do
    stack_pid_alive "$pid" && left+="$pid "
  done
  [[ -z "$left" ]] && return 0
  warn "$name left processes behind in its session: ${left}- stopping them"
  pkill -TERM -s "$sid" || true
  sleep 2
  pkill -KILL -s "$sid" || true
}

# Resident memory of a pid in MiB, or "-".
stack_rss_mib() {
  local kb
  kb="$(ps -o rss= -p "$1" 2>/dev/null | tr -d ' ')"
  [[ -n "$kb" ]] && awk -v k="$kb" 'BEGIN { printf "%.0f", k / 1024 }' || echo "-"
}

# stack_take_lock: serialises up.sh and down.sh (they race for ports and pid
# files). Held on descriptor 9 until the script exits; stack_start_daemon closes it.
stack_take_lock() {
  exec 9>"$STACK_DIR/.lock"
  flock -w 900 9 || die "another scripts/stack/up.sh or down.sh has held $STACK_DIR/.lock for 15 minutes; see 'fuser -v $STACK_DIR/.lock'"
}

# --- waiting -----------------------------------------------------------------

# stack_wait_until <timeout-seconds> <description> <command...>: polls the command.
stack_wait_until() {
  local timeout="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || {
      log "ERROR: timed out after ${timeout}s waiting for $what"
      return 1
    }
    sleep 0.3
  done
}

stack_port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

stack_wait_for_port() {
  local host="$1" port="$2" timeout="${3:-60}"
  stack_wait_until "$timeout" "$host:$port to accept connections" stack_port_open "$host" "$port"
}

# stack_wait_for_url <url> <timeout> [curl options...]: waits for any 2xx answer.
stack_wait_for_url() {
  local url="$1" timeout="${2:-60}"
  shift 2 || true
  stack_wait_until "$timeout" "$url" curl -fsS -o /dev/null --max-time 5 "$@" "$url"
}

# Which process listens on TCP port $1 (pid), if any.
stack_port_owner_pid() {
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true
}

# --- packages ----------------------------------------------------------------

# stack_ensure_apt <pkg>...: installs the Debian packages that are missing. The lock
# is shared with every other apt user on the machine; the package lists are
# refreshed at most once per hour however many components ask.
stack_ensure_apt() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing Debian packages: ${missing[*]}"
  local logfile="$STACK_LOG_DIR/apt.log" t0
  t0="$(stack_now)"
  stack_init_dirs
  # shellcheck disable=SC2016 # expanded by the inner shell, under the lock
  if ! flock /tmp/apt.lock bash -c '
      set -e
      stamp=/tmp/flightdeck-apt-updated
      if [[ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]]; then
        apt-get update -o DPkg::Lock::Timeout=600
        touch "$stamp"
      fi
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        -o DPkg::Lock::Timeout=600 "$@"
    ' stack_ensure_apt "${missing[@]}" >>"$logfile" 2>&1; then
    tail -n 20 "$logfile" >&2
    die "apt-get install ${missing[*]} failed; see ${logfile#"$REPO_ROOT"/}"
  fi
  log "installed ${missing[*]} in $(stack_seconds_since "$t0")s"
}

# --- env files ---------------------------------------------------------------

# stack_write_component_env <component> <<'EOF' ... EOF: the component's export lines.
stack_write_component_env() {
  stack_init_dirs
  local target="$STACK_ENV_DIR/$1.env"
  cat >"$target.tmp"
  mv "$target.tmp" "$target"
}

# stack_write_env: .stack/env = the fixed values of the stack contract, then
# every component's env.d file (later lines win, so a component may refine).
stack_write_env() {
  stack_init_dirs
  {
    echo "# Generated by scripts/stack/up.sh at $(date -u +%FT%TZ); source it, do not edit."
    echo "export AWS_REGION=$STACK_AWS_REGION"
    echo "export AWS_DEFAULT_REGION=$STACK_AWS_REGION"
    echo "export AWS_ACCOUNT_ID=$STACK_AWS_ACCOUNT_ID"
    echo "export AWS_ACCESS_KEY_ID=testing"
    echo "export AWS_SECRET_ACCESS_KEY=testing"
    echo "export AWS_ENDPOINT_URL=http://127.0.0.1:5000"
    echo "export ECR_REGISTRY=$STACK_ECR_HOST"
    echo "export REGISTRY_CA_FILE=$STACK_DIR/registry/certs/ca.crt"
    echo "export KUBECONFIG=$STACK_DIR/k8s/admin.kubeconfig"
    echo "export DEPLOYER_KUBECONFIG=$STACK_DIR/k8s/deployer.kubeconfig"
    echo "export KUBE_APISERVER=https://127.0.0.1:6443"
    echo "export STACK_DIR=$STACK_DIR"
    echo "export FLIGHTDECK_CACHE=$FLIGHTDECK_CACHE"
    local file
    for file in "$STACK_ENV_DIR"/*.env; do
      [[ -e "$file" ]] || continue
      echo "# from env.d/${file##*/}"
      cat "$file"
      echo
    done
  } >"$STACK_ENV_FILE.tmp"
  mv "$STACK_ENV_FILE.tmp" "$STACK_ENV_FILE"
}

stack_validate_component_names() {
  local name known k
  for name in "$@"; do
    known=0
    for k in "${STACK_ALL_COMPONENTS[@]}"; do [[ "$name" == "$k" ]] && known=1; done
    ((known)) || die "STACK_COMPONENTS names unknown component '$name'; known: ${STACK_ALL_COMPONENTS[*]}"
  done
}

# Lists (pid and command) every live process of the given components: any
# process whose environment carries the stack's daemon marker for one of them
# (stack_start_daemon puts it there; children such as dockerd's containerd inherit it),
# so a child that outlived its daemon is found too.
stack_leftover_processes() {
  local pid
  for pid in $(stack_marked_pids "$@"); do
    echo "$pid: $(ps -o args= -p "$pid" | cut -c1-140)"
  done
}

# stack_marked_pids <component>...: pids of live processes started for them.
stack_marked_pids() {
  local environ pid vars wanted
  for environ in /proc/[0-9]*/environ; do
    pid="${environ#/proc/}"
    pid="${pid%/environ}"
    vars="$(tr '\0' '\n' 2>/dev/null <"$environ")" || continue
    grep -qxF "$STACK_DAEMON_MARKER" <<<"$vars" || continue
    for wanted in "$@"; do
      if grep -qxF "FLIGHTDECK_STACK_COMPONENT=$wanted" <<<"$vars"; then
        stack_pid_alive "$pid" && echo "$pid"
        break
      fi
    done
  done
  return 0
}

# --- script entry points -----------------------------------------------------

# stack_begin: the shared prologue of up.sh and down.sh. Checks for root,
# makes the state directories, reads STACK_COMPONENTS (default: all, in
# order) into the array `components`, checks the names, and takes the stack
# lock so that two runs never race for the same ports and pid files.
stack_begin() {
  (($# == 0)) || die "$(basename "$0") takes no arguments (got '$*'); choose components with STACK_COMPONENTS, e.g. STACK_COMPONENTS=\"k8s node\""
  stack_require_root
  stack_init_dirs
  read -r -a components <<<"${STACK_COMPONENTS:-${STACK_ALL_COMPONENTS[*]}}"
  stack_validate_component_names "${components[@]}"
  stack_take_lock
}

# --- component entry point ---------------------------------------------------

# stack_component_main <name> "$@": dispatches up|down|status to <name>_up etc.
stack_component_main() {
  local name="$1" action="${2:-}"
  STACK_LOG_TAG="$name"
  case "$action" in
    up | down | status) "${name}_${action}" ;;
    *) die "usage: $0 up|down|status (got '${action}')" ;;
  esac
}
