#!/usr/bin/env bash
# One real node, flightdeck-node, beside KWOK's fake ones: a second
# containerd (Debian's, with its own root, state and socket), the CNI bridge,
# and the kubelet and kube-proxy of the flightdeck-k8s multi-call binary. Pods
# on it run the app's real image, pulled from the registry at the ECR hostname
# with credentials from moto's ECR, and Services reach them through
# kube-proxy. The node is tainted: only pods that tolerate the taint (the
# real-node tests' overlay, test/fixtures/real-node) run here.
#
#   node.sh up      network guard first, then containerd, kubelet, kube-proxy;
#                   reuses a healthy node, repairs what a crash left
#   node.sh down    pods, daemons, chains, sysctls, mounts, cgroups, bridge
#                   and routes: the host as it was before up
#   node.sh status  each daemon, the node and its pods
source "$(dirname "$0")/../lib.sh"
# shellcheck source=../k8s/settings.sh
source "$STACK_LIB_DIR/k8s/settings.sh"
# shellcheck source=../k8s/build.sh
source "$STACK_LIB_DIR/k8s/build.sh"
# shellcheck source=../k8s/pki.sh
source "$STACK_LIB_DIR/k8s/pki.sh"
# shellcheck source=../k8s/kubeconfig.sh
source "$STACK_LIB_DIR/k8s/kubeconfig.sh"
# shellcheck source=../node/settings.sh
source "$STACK_LIB_DIR/node/settings.sh"
# shellcheck source=../node/config.sh
source "$STACK_LIB_DIR/node/config.sh"
# shellcheck source=../node/network.sh
source "$STACK_LIB_DIR/node/network.sh"
# shellcheck source=../node/host-state.sh
source "$STACK_LIB_DIR/node/host-state.sh"
# shellcheck source=../node/pause.sh
source "$STACK_LIB_DIR/node/pause.sh"

node_ctr() { ctr --address "$CONTAINERD_SOCKET" --namespace k8s.io "$@"; }

# --- version pin -------------------------------------------------------------

# The kubelet must stay on 1.34 here (see NODE_KUBERNETES_MINOR); a raised
# control-plane version stops the node with the reason, not with a kubelet
# that refuses this host's cgroups in some log.
check_node_version() {
  local minor module_version
  minor="$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
  module_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$K8S_TOOLS_DIR/go.mod")"
  if [[ "$minor" != "$NODE_KUBERNETES_MINOR" || "$module_version" != v1."$NODE_KUBERNETES_MINOR".* ]]; then
    die "the real node is pinned to Kubernetes 1.$NODE_KUBERNETES_MINOR (this machine has cgroup v1 only, which kubelet 1.35 refuses by default and later releases drop), but KUBERNETES_VERSION is $KUBERNETES_VERSION and tools/k8s/go.mod asks for k8s.io/kubernetes $module_version. Keep tools/k8s on v1.$NODE_KUBERNETES_MINOR.x, or leave the node out with STACK_COMPONENTS (without 'node')"
  fi
}

# --- health ------------------------------------------------------------------

containerd_healthy() {
  node_ctr plugins ls 2>/dev/null | awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" { found = ($NF == "ok") } END { exit !found }'
}

kubelet_healthy() {
  [[ "$(curl -fsS --max-time 3 "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz" 2>/dev/null)" == ok ]]
}

kube-proxy_healthy() {
  curl -fsS --max-time 3 -o /dev/null "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz" 2>/dev/null
}

node_daemon_running() { stack_proc_running "$1" "$1"; }

node_processes_gone() { [[ -z "$(stack_marked_pids node)" ]]; }

kube_proxy_synced() { iptables -w -S FORWARD 2>/dev/null | grep -q -- '-j KUBE-FORWARD'; }

node_ready() {
  [[ "$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

# Ready, and no taint but ours: the node lifecycle controller lifts its
# not-ready taint a moment after Ready.
node_schedulable() {
  node_ready || return 1
  [[ "$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.spec.taints[*].key}' 2>/dev/null)" == "$NODE_TAINT_KEY" ]]
}

node_all_healthy() {
  local name
  for name in "${NODE_DAEMONS[@]}"; do
    node_daemon_running "$name" && "${name}_healthy" || return 1
  done
  node_configs_current && node_ready
}

# --- command lines -----------------------------------------------------------

containerd_command() {
  printf '%s\n' containerd --config "$CONTAINERD_CONFIG"
}

kubelet_command() {
  # --containerd points cAdvisor at our containerd; by default it would read
  # the Docker engine's (/run/containerd/containerd.sock).
  printf '%s\n' "$K8S_BIN_DIR/kubelet" \
    --config "$KUBELET_CONFIG" \
    --kubeconfig "$KUBELET_KUBECONFIG" \
    --root-dir "$KUBELET_ROOT" \
    --hostname-override "$NODE_NAME" \
    --node-ip "$NODE_IP" \
    --node-labels "topology.kubernetes.io/region=$NODE_REGION,topology.kubernetes.io/zone=$NODE_ZONE,$NODE_LABEL" \
    --image-credential-provider-config "$CREDENTIAL_PROVIDER_CONFIG" \
    --image-credential-provider-bin-dir "$K8S_BIN_DIR" \
    --containerd "$CONTAINERD_SOCKET"
}

kube-proxy_command() {
  printf '%s\n' "$K8S_BIN_DIR/kube-proxy" --config "$KUBE_PROXY_CONFIG"
}

# A daemon runs with the command line and files it was started with; its
# stamp says which, so a change in either restarts the node on the next up.
node_stamp_file() { echo "$NODE_DIR/$1.config-sha256"; }

node_daemon_stamp() {
  { node_config_hash "$1"; "${1}_command"; } | sha256sum | cut -d' ' -f1
}

node_configs_current() {
  local name
  for name in "${NODE_DAEMONS[@]}"; do
    [[ "$(cat "$(node_stamp_file "$name")" 2>/dev/null)" == "$(node_daemon_stamp "$name")" ]] || return 1
  done
}

start_node_daemon() {
  local name="$1"
  local -a command
  mapfile -t command < <("${name}_command")
  node_daemon_stamp "$name" >"$(node_stamp_file "$name")"
  # exec 8>&-: the daemon must not hold node.sh's lock for its life.
  (
    exec 8>&-
    stack_start_clean_daemon "$name" "${command[@]}"
  )
  wait_daemon_healthy "$name" 90 "${name}_healthy" ||
    die "$name exited during start-up; see .stack/logs/$name.log"
}

# --- up ------------------------------------------------------------------------

# Anything of a node that is not (fully) running: daemons, pods' processes,
# mounts, cgroups, the network.
# Prints what it found.
node_leftovers() {
  local found=()
  [[ -z "$(stack_marked_pids node)" ]] || found+=(processes)
  [[ -z "$(node_mounts)" ]] || found+=(mounts)
  [[ -z "$(node_cgroup_dirs)" ]] || found+=(cgroups)
  node_network_installed && found+=(network)
  [[ ! -d "$KUBELET_ROOT" && ! -d "$CONTAINERD_STATE" ]] || found+=(state)
  [[ ! -s "$NODE_SAVED_DIR/sysctl.conf" ]] || found+=("saved host state")
  ((${#found[@]} > 0)) || return 1
  echo "${found[*]}"
}

# The packages the node runs on (containerd and runc come with docker.io).
ensure_node_packages() {
  local missing=()
  [[ -x "$CNI_BIN_DIR/bridge" ]] || missing+=(containernetworking-plugins)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v nft >/dev/null || missing+=(nftables)
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  command -v iptables-save >/dev/null || missing+=(iptables)
  ((${#missing[@]} == 0)) || stack_ensure_apt "${missing[@]}"
}

wait_for_node() {
  stack_wait_until 120 "node $NODE_NAME to register and report Ready" node_ready || {
    tail -n 30 "$STACK_LOG_DIR/kubelet.log" >&2
    die "the kubelet is healthy but node $NODE_NAME is not Ready; see .stack/logs/kubelet.log"
  }
  stack_wait_until 60 "the not-ready taint to be lifted from $NODE_NAME" node_schedulable ||
    die "node $NODE_NAME is Ready but still has taints $(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.spec.taints[*].key}'); see .stack/logs/kube-controller-manager.log"
}

write_node_env() {
  stack_write_component_env node <<EOF
export REAL_NODE_NAME="$NODE_NAME"
export REAL_NODE_IP="$NODE_IP"
export REAL_NODE_POD_CIDR="$NODE_POD_CIDR"
export REAL_NODE_TAINT_KEY="$NODE_TAINT_KEY"
export REAL_NODE_BRIDGE="$NODE_BRIDGE"
export REAL_NODE_GUARD_CHAIN="$NODE_GUARD_CHAIN"
export REAL_NODE_CRI_ENDPOINT="$CRI_ENDPOINT"
EOF
}

node_up() {
  local t0 repaired=0
  t0="$(stack_now)"
  lock_node
  check_node_version
  if ! { [[ -x "$KUBECTL" ]] && apiserver_ready; }; then
    die "the Kubernetes apiserver is not up at $KUBE_APISERVER; run scripts/stack/components/k8s.sh up first"
  fi
  ensure_node_packages
  ensure_kubernetes_binaries
  write_node_configs
  if node_all_healthy; then
    node_guard_first
    write_node_env
    log "node $NODE_NAME is running and Ready (containerd $(stack_read_pid containerd), kubelet $(stack_read_pid kubelet), kube-proxy $(stack_read_pid kube-proxy)); reusing it"
    return 0
  fi
  local leftovers
  if leftovers="$(node_leftovers)"; then
    # A crash, a kill or a changed config: start from a clean host rather
    # than reason about which half survived. Pods are recreated by their
    # controllers once the node is back.
    log "a node (or what is left of one: $leftovers) is here but not fully up; taking it down first"
    node_teardown
    write_node_configs
    repaired=1
  fi

  node_save_host_state
  # Before any daemon: no packet may find a way out, even for a moment.
  node_network_up
  node_cgroups_up
  mkdir -p "$KUBELET_ROOT" "$KUBELET_POD_LOGS" "$CNI_IPAM_DIR" "$RUNC_ROOT"

  start_node_daemon containerd
  # Sandboxes a crash left in containerd's metadata go before the kubelet starts.
  ((repaired == 0)) || "$K8S_BIN_DIR/cri-reset" --endpoint "$CRI_ENDPOINT" >>"$STACK_LOG_DIR/node-reset.log" 2>&1 ||
    warn "cri-reset after the repair failed; see .stack/logs/node-reset.log"
  ensure_pause_image
  start_node_daemon kubelet
  wait_for_node
  start_node_daemon kube-proxy
  # kube-proxy puts its jumps at the top of FORWARD on its first sync; ours
  # goes back in front of them once they are there.
  stack_wait_until 60 "kube-proxy's first iptables sync" kube_proxy_synced ||
    die "kube-proxy is healthy but programmed no rules; see .stack/logs/kube-proxy.log"
  node_guard_first
  write_node_env
  log "node $NODE_NAME Ready at $NODE_IP (pods $NODE_POD_CIDR) in $(stack_seconds_since "$t0")s"
}

# --- down ----------------------------------------------------------------------

# Pods bound to the node go from the API with it: nothing would ever run them.
remove_node_object() {
  if ! { [[ -x "$KUBECTL" ]] && apiserver_ready; }; then
    [[ -d "$NODE_DIR" ]] && warn "the apiserver is down; node $NODE_NAME and its pods stay in etcd until the next node.sh down"
    return 0
  fi
  kubectl_admin delete pods --all-namespaces --field-selector "spec.nodeName=$NODE_NAME" \
    --force --grace-period=0 --wait=false >>"$STACK_LOG_DIR/node-down.log" 2>&1 || true
  kubectl_admin delete node "$NODE_NAME" --ignore-not-found --wait=false >>"$STACK_LOG_DIR/node-down.log" 2>&1 || true
}

# Everything up did, undone; also what a crashed node left. Order matters:
# the kubelet first (or it recreates what is removed), the pods through
# containerd (so CNI DEL runs), then kube-proxy's and the kubelet's rules,
# the host settings, and the network last.
node_teardown() {
  local runtime_files
  runtime_files="$(node_runtime_files)"
  stack_stop_daemon kubelet 20
  stack_stop_daemon kube-proxy 10
  local reset=0 leftover _
  if node_daemon_running containerd && containerd_healthy; then
    if "$K8S_BIN_DIR/cri-reset" --endpoint "$CRI_ENDPOINT" >>"$STACK_LOG_DIR/node-reset.log" 2>&1; then
      reset=1
    else
      warn "cri-reset failed (see .stack/logs/node-reset.log); removing what is left by hand"
    fi
  fi
  stack_stop_daemon containerd 20
  # After a reset the shims are exiting on their own (and remove their
  # sockets); a moment for them before anything left is killed.
  if ((reset)); then
    for _ in {1..25}; do
      node_processes_gone && break
      sleep 0.2
    done
  fi
  leftover="$(stack_marked_pids node)"
  if [[ -n "$leftover" ]]; then
    # containerd's shims (they outlive it by design) and anything else of ours.
    warn "stopping processes of the node that outlived their daemon: $(echo "$leftover" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # one pid per word
    kill -KILL $leftover 2>/dev/null || true
    stack_wait_until 10 "the node's processes to exit" node_processes_gone || true
  fi
  node_cgroups_down
  node_remove_runtime_files "$runtime_files"
  node_unmount_all
  # Only when there is something to clean: any iptables call makes the nft
  # table it touches, which would be a change of our own on a clean host.
  if [[ -x "$K8S_BIN_DIR/kube-proxy" && -n "$(node_iptables_leftovers)" ]]; then
    "$K8S_BIN_DIR/kube-proxy" --cleanup >>"$STACK_LOG_DIR/node-down.log" 2>&1 || true
  fi
  node_iptables_down
  node_network_down
  node_restore_host_state
  # Images stay (containerd's root): the next up needs no pull. Pod state,
  # sockets and configs go.
  if [[ -z "$(node_mounts)" && -d "$NODE_DIR" ]]; then
    find "$NODE_DIR" -mindepth 1 -maxdepth 1 ! -name containerd -exec rm -rf --one-file-system {} +
    find "$CONTAINERD_DIR" -mindepth 1 -maxdepth 1 ! -name root -exec rm -rf --one-file-system {} + 2>/dev/null || true
  fi
  rm -f "$STACK_ENV_DIR/node.env"
}

node_down() {
  lock_node
  remove_node_object
  node_teardown
  local left
  left="$(node_iptables_leftovers)"
  [[ -z "$left" ]] || warn "iptables still names the node's chains:"$'\n'"$left"
}

# --- status ------------------------------------------------------------------------

node_status() {
  local name pid state healthy=0 node="absent" pods="" count="-"
  for name in "${NODE_DAEMONS[@]}"; do
    pid="$(stack_read_pid "$name")"
    if node_daemon_running "$name" && "${name}_healthy"; then
      state=healthy
    elif node_daemon_running "$name"; then
      state=unhealthy
      healthy=1
    else
      state=down
      healthy=1
    fi
    printf '%-9s %-8s %-18s %s\n' node "$state" "$(node_daemon_version "$name")" \
      "$name pid=${pid:--} rss=$(stack_rss_mib "${pid:-0}")MiB"
  done
  if apiserver_ready 2>/dev/null; then
    node="$(kubectl_admin get node "$NODE_NAME" --no-headers 2>/dev/null | awk '{ print $2 }')"
    pods="$(kubectl_admin get pods --all-namespaces --field-selector "spec.nodeName=$NODE_NAME" --no-headers 2>/dev/null)"
    count="$(grep -c . <<<"$pods" || true)"
  fi
  printf '%-9s %-8s %-18s %s\n' node "${node:-absent}" "$KUBERNETES_VERSION" \
    "$NODE_NAME ip=$NODE_IP pods=$count bridge=$NODE_BRIDGE"
  # The node's pods, a line each: namespace/name, ready, status, restarts.
  [[ -n "$pods" ]] && awk '{ printf "%-9s %-8s %-18s pod %s/%s ready=%s restarts=%s\n", "node", $4, "", $1, $2, $3, $5 }' <<<"$pods"
  [[ "$node" == Ready ]] || healthy=1
  return "$healthy"
}

node_daemon_version() {
  case "$1" in
    containerd) containerd --version 2>/dev/null | awk '{ print $3 }' ;;
    *) "$K8S_BIN_DIR/$1" --version 2>/dev/null | awk '{ print $NF }' ;;
  esac
  return 0
}

# One node.sh at a time: a test's down/up and up.sh may meet.
lock_node() {
  stack_init_dirs
  exec 8>"$STACK_DIR/node.lock"
  flock -w 300 8 || die "another components/node.sh holds $STACK_DIR/node.lock"
}

stack_component_main node "$@"
