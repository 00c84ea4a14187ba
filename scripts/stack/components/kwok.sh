#!/usr/bin/env bash
# KWOK plays the kubelets of the local cluster: it keeps fake nodes alive and
# moves pods through the stages in scripts/stack/kwok/stages.yaml (Ready at
# once, or the -unready / -crashloop / -pullerror faults). It runs out of
# cluster as the admin, on loopback, against k8s.sh's apiserver.
#
#   kwok.sh up      builds kwok once, starts it, registers the fake nodes
#   kwok.sh down    stops it by pid (the Node objects stay in etcd)
#   kwok.sh status  version, health, nodes
source "$(dirname "$0")/../lib.sh"
# shellcheck source=../k8s/settings.sh
source "$STACK_LIB_DIR/k8s/settings.sh"
# shellcheck source=../k8s/build.sh
source "$STACK_LIB_DIR/k8s/build.sh"

kwok_healthy() {
  curl -fsS --max-time 3 -o /dev/null "http://$K8S_HOST:$KWOK_PORT/healthz"
}

kwok_running() { stack_proc_running kwok "$KWOK_BIN"; }

kwok_version() {
  # "kwok version v0.8.0 go1.26.8 (linux/amd64)"
  "$KWOK_BIN" --version 2>/dev/null | awk '{ print $3 }'
}

# KWOK logs every status patch at INFO (megabytes per test run); WARN keeps
# errors only. `KWOK_LOG_LEVEL=INFO kwok.sh up` restarts it to trace which
# stage fired for which pod.
KWOK_LOG_LEVEL="${KWOK_LOG_LEVEL:-WARN}"

# The stages are read once at start: a changed file (or log level) needs a
# restart, which up does when they differ from what the running kwok got.
KWOK_CONFIG_STAMP="$STACK_DIR/kwok/stages.sha256"

kwok_config_hash() {
  { cat "$KWOK_STAGES"; echo "log-level=$KWOK_LOG_LEVEL"; } | sha256sum | cut -d' ' -f1
}

kwok_config_current() {
  [[ "$(cat "$KWOK_CONFIG_STAMP" 2>/dev/null)" == "$(kwok_config_hash)" ]]
}

start_kwok() {
  local owner
  owner="$(stack_port_owner_pid "$KWOK_PORT")"
  [[ -z "$owner" ]] ||
    die "port $KWOK_PORT, needed by kwok, is taken by pid $owner; stop that process and rerun"
  mkdir -p "$STACK_DIR/kwok"
  kwok_config_hash >"$KWOK_CONFIG_STAMP"
  # exec 8>&-: kwok must not inherit (and so hold) the lock's descriptor.
  (exec 8>&- && stack_start_daemon kwok "$KWOK_BIN" \
    --kubeconfig "$ADMIN_KUBECONFIG" \
    --config "$KWOK_STAGES" \
    --manage-nodes-with-annotation-selector "$KWOK_NODE_SELECTOR" \
    --server-address "$K8S_HOST:$KWOK_PORT" \
    --v "$KWOK_LOG_LEVEL")
}

ensure_kwok_running() {
  if kwok_running && ! kwok_config_current; then
    log "${KWOK_STAGES#"$REPO_ROOT"/} or the log level changed since kwok started; restarting it"
    stack_stop_daemon kwok 10
  fi
  if kwok_running && kwok_healthy; then
    log "kwok is running and healthy (pid $(stack_read_pid kwok)); reusing it"
    return 0
  fi
  kwok_running || start_kwok
  wait_daemon_healthy kwok 60 kwok_healthy || die "kwok exited during start-up; see .stack/logs/kwok.log"
}

ensure_fake_nodes() {
  kubectl_admin apply -f "$KWOK_NODES" >>"$STACK_LOG_DIR/kwok-apply.log" 2>&1 || {
    tail -n 20 "$STACK_LOG_DIR/kwok-apply.log" >&2
    die "registering the fake nodes from ${KWOK_NODES#"$REPO_ROOT"/} failed; see .stack/logs/kwok-apply.log"
  }
  kubectl_admin wait --for=condition=Ready node -l type=kwok --timeout=60s >/dev/null ||
    die "the fake nodes did not become Ready; see .stack/logs/kwok.log"
  # The node lifecycle controller taints a node not-ready until it reports
  # Ready; wait for the taint to go so the first pods schedule at once.
  stack_wait_until 60 "the not-ready taints to be removed from the fake nodes" fake_nodes_untainted ||
    die "the fake nodes are Ready but still tainted; see .stack/logs/kube-controller-manager.log"
}

fake_nodes_untainted() {
  [[ -z "$(kubectl_admin get nodes -l type=kwok -o jsonpath='{.items[*].spec.taints[*].key}')" ]]
}

write_kwok_env() {
  stack_write_component_env kwok <<EOF
export KWOK_VERSION="$KWOK_VERSION"
EOF
}

# One kwok.sh at a time (tests and up.sh may call it together).
lock_kwok() {
  stack_init_dirs
  exec 8>"$STACK_DIR/kwok.lock"
  flock -w 300 8 || die "another components/kwok.sh holds $STACK_DIR/kwok.lock"
}

kwok_up() {
  local t0
  t0="$(stack_now)"
  lock_kwok
  ensure_kwok_binary
  if ! { [[ -x "$KUBECTL" ]] && apiserver_ready; }; then
    die "the Kubernetes apiserver is not up at $KUBE_APISERVER; run scripts/stack/components/k8s.sh up first"
  fi
  ensure_kwok_running
  ensure_fake_nodes
  write_kwok_env
  log "kwok $(kwok_version) up with $(kubectl_admin get nodes -l type=kwok --no-headers | wc -l) fake nodes in $(stack_seconds_since "$t0")s"
}

kwok_down() {
  lock_kwok
  stack_stop_daemon kwok 10
  rm -f "$STACK_ENV_DIR/kwok.env"
}

kwok_status() {
  local pid state nodes="-"
  pid="$(stack_read_pid kwok)"
  if kwok_running && kwok_healthy; then state=healthy; elif kwok_running; then state=unhealthy; else state=down; fi
  if apiserver_ready 2>/dev/null; then
    nodes="$(kubectl_admin get nodes -l type=kwok --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)"
  fi
  printf '%-9s %-8s %-18s %s\n' kwok "$state" "$(kwok_version || echo -)" \
    "port=$KWOK_PORT pid=${pid:--} rss=$(stack_rss_mib "${pid:-0}")MiB ready-fake-nodes=$nodes"
  [[ "$state" == healthy ]]
}

stack_component_main kwok "$@"
