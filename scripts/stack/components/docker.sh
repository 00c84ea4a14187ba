#!/usr/bin/env bash
# The Docker engine of the local stack.
# Reuses a dockerd that is already running (and then never stops it); otherwise
# installs Debian's docker.io if needed and starts dockerd itself, recording its
# pid so down.sh stops only the engine the stack started.
source "$(dirname "$0")/../lib.sh"

# Without iptables the engine needs no NAT rules (which a sandboxed kernel may
# refuse): bridge containers still reach the host (172.17.0.1, the host's IPs),
# but not the internet. Builds use local base images, so that is enough.
DOCKERD_ARGS=(--iptables=false)
DOCKER_DATA_DIR="$STACK_DIR/docker"
# Written when the engine was already running before the stack, so status
# and down.sh can say whose engine it is.
DOCKER_EXTERNAL_MARK="$DOCKER_DATA_DIR/external-engine"

docker_healthy() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

docker_server_version() {
  local version
  # On a failure the CLI still prints the client half of the template; drop it.
  version="$(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null)" || version="-"
  echo "$version"
}

# The pid of the running engine, from its own pid file.
# shellcheck disable=SC2015 # tr cannot fail once the file is readable
engine_pid() { [[ -r /var/run/docker.pid ]] && tr -dc '0-9' </var/run/docker.pid || true; }

ensure_docker_installed() {
  command -v dockerd >/dev/null && command -v docker >/dev/null && return 0
  # docker.io brings dockerd, containerd, runc and a docker CLI.
  stack_ensure_apt docker.io
}

# Where systemd runs, installing docker.io starts docker.service; that engine
# is the machine's, so it is reused rather than raced with a second dockerd.
engine_started_by_systemd() {
  [[ -d /run/systemd/system ]] && systemctl is-active --quiet docker.service 2>/dev/null || return 1
  stack_wait_until 60 "docker.service to answer 'docker info'" docker_healthy
}

# A dockerd someone else just started answers after a few seconds; wait for
# it instead of failing on its pid file.
engine_starting_elsewhere() {
  stack_pid_alive "$(engine_pid)" || return 1
  stack_wait_until 30 "the running dockerd (pid $(engine_pid)) to answer 'docker info'" docker_healthy ||
    die "dockerd pid $(engine_pid) is running but does not answer 'docker info'; see its log or stop it"
}

docker_up() {
  mkdir -p "$DOCKER_DATA_DIR"
  if docker_healthy; then
    if stack_proc_running dockerd dockerd; then
      log "reusing the engine the stack started: $(docker_server_version), pid $(stack_read_pid dockerd)"
    else
      engine_pid >"$DOCKER_EXTERNAL_MARK"
      log "reusing an engine that was already running (pid $(engine_pid)): $(docker_server_version); down.sh will leave it running"
    fi
  elif ensure_docker_installed && { engine_started_by_systemd || engine_starting_elsewhere; }; then
    engine_pid >"$DOCKER_EXTERNAL_MARK"
    log "reusing an engine started outside the stack (pid $(engine_pid)): $(docker_server_version); down.sh will leave it running"
  else
    rm -f "$DOCKER_EXTERNAL_MARK"
    local stale
    stale="$(engine_pid)"
    if [[ -n "$stale" ]] && ! stack_pid_alive "$stale"; then
      # dockerd refuses to start while a pid file of a dead engine is left over.
      log "removing stale /var/run/docker.pid (pid $stale is gone)"
      rm -f /var/run/docker.pid
    fi
    stack_start_daemon dockerd dockerd "${DOCKERD_ARGS[@]}"
    stack_wait_until 90 "dockerd to answer 'docker info'" docker_healthy || {
      tail -n 20 "$STACK_LOG_DIR/dockerd.log" >&2
      die "dockerd did not come up; see .stack/logs/dockerd.log"
    }
    log "dockerd healthy: $(docker_server_version)"
  fi
  check_api_versions
  stack_write_component_env docker <<ENV
export DOCKER_HOST=unix:///var/run/docker.sock
ENV
}

# A newer CLI negotiates down to the engine's API version by itself; only a
# pinned DOCKER_API_VERSION above the engine's maximum breaks it.
check_api_versions() {
  local server_api
  server_api="$(docker version --format '{{.Server.APIVersion}}' 2>/dev/null || true)"
  if [[ -n "${DOCKER_API_VERSION:-}" && -n "$server_api" ]] &&
    [[ "$(printf '%s\n%s\n' "$DOCKER_API_VERSION" "$server_api" | sort -V | tail -n1)" != "$server_api" ]]; then
    die "DOCKER_API_VERSION=$DOCKER_API_VERSION is newer than the engine's API $server_api; unset it (the CLI negotiates) or set it to $server_api"
  fi
}

docker_down() {
  if [[ -z "$(stack_read_pid dockerd)" ]]; then
    [[ -f "$DOCKER_EXTERNAL_MARK" ]] && log "leaving the engine that was running before the stack (pid $(cat "$DOCKER_EXTERNAL_MARK")) alone"
    rm -f "$DOCKER_EXTERNAL_MARK"
    return 0
  fi
  # dockerd stops its containers and its own containerd on SIGTERM; that can
  # take the containers' stop timeout, so allow more than the usual grace.
  stack_stop_daemon dockerd 40
}

docker_status() {
  local state=down owner=none pid
  docker_healthy && state=healthy
  if stack_proc_running dockerd dockerd; then
    owner="stack"
    pid="$(stack_read_pid dockerd)"
  elif stack_pid_alive "$(engine_pid)"; then
    owner="external"
    pid="$(engine_pid)"
  fi
  # dockerd runs its own containerd as a child; its memory counts too.
  local containerd_pid
  containerd_pid="$(pgrep -P "${pid:-0}" -x containerd || true)"
  printf '%-9s %-8s %-18s %s\n' docker "$state" "$(docker_server_version | cut -d' ' -f1)" \
    "engine=$owner pid=${pid:--} rss=$(stack_rss_mib "${pid:-0}")MiB containerd-rss=$(stack_rss_mib "${containerd_pid:-0}")MiB client=$(docker version --format '{{.Client.Version}}' 2>/dev/null || echo -)"
  [[ "$state" == healthy ]]
}

stack_component_main docker "$@"
