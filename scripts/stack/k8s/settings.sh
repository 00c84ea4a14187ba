#!/usr/bin/env bash
# shellcheck disable=SC2034 # the variables are used by the scripts that source this file
# Versions, ports and paths of the local Kubernetes control plane and KWOK.
# Sourced by components/k8s.sh and components/kwok.sh after lib.sh; defines
# variables and a few small helpers, and runs nothing.

# Versions are pinned by the tools/ modules; these must match their go.mod.
KUBERNETES_VERSION=v1.34.4
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0

# Everything listens on loopback only. etcd's defaults (2379/2380) are moved
# aside so a Debian etcd or another cluster on the machine cannot clash.
K8S_HOST=127.0.0.1
ETCD_CLIENT_PORT=23790
ETCD_PEER_PORT=23800
APISERVER_PORT=6443
CONTROLLER_MANAGER_PORT=10257
SCHEDULER_PORT=10259
# KWOK serves /healthz here, so status can tell "running" from "working".
KWOK_PORT=10247
KUBE_APISERVER="https://$K8S_HOST:$APISERVER_PORT"

# In-cluster addressing. The first service IP (10.96.0.1) is the
# "kubernetes" Service and must be in the apiserver certificate.
SERVICE_CLUSTER_IP_RANGE=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
SERVICE_ACCOUNT_ISSUER=https://kubernetes.default.svc.cluster.local

# Sources (committed) and build outputs (cache, never committed).
K8S_TOOLS_DIR="$REPO_ROOT/tools/k8s"
ETCD_TOOLS_DIR="$REPO_ROOT/tools/etcd"
KWOK_TOOLS_DIR="$REPO_ROOT/tools/kwok"
# The build is kept in a directory named by the version and a hash of
# tools/k8s's content (go.mod, go.sum, *.go), so checkouts whose tools/k8s
# differ (one with the real node's kubelet, one without) each keep their own
# binary side by side instead of rebuilding over each other's; an unchanged
# tools/k8s finds its build again. build.sh keeps the few most recently used.
K8S_BUILD_KEY="$(cat "$K8S_TOOLS_DIR"/go.mod "$K8S_TOOLS_DIR"/go.sum "$K8S_TOOLS_DIR"/*.go | sha256sum | cut -c1-12)"
K8S_BIN_DIR="$FLIGHTDECK_CACHE/k8s/$KUBERNETES_VERSION-$K8S_BUILD_KEY"
ETCD_BIN_DIR="$FLIGHTDECK_CACHE/etcd/$ETCD_VERSION"
KWOK_BIN_DIR="$FLIGHTDECK_CACHE/kwok/$KWOK_VERSION"
K8S_MULTICALL_BIN="$K8S_BIN_DIR/flightdeck-k8s"
KUBECTL="$K8S_BIN_DIR/kubectl"
ETCD_BIN="$ETCD_BIN_DIR/etcd"
KWOK_BIN="$KWOK_BIN_DIR/kwok"

# Runtime state (gitignored .stack/).
K8S_STATE_DIR="$STACK_DIR/k8s"
K8S_PKI_DIR="$K8S_STATE_DIR/pki"
ETCD_DATA_DIR="$K8S_STATE_DIR/etcd-data"
ADMIN_KUBECONFIG="$K8S_STATE_DIR/admin.kubeconfig"
DEPLOYER_KUBECONFIG="$K8S_STATE_DIR/deployer.kubeconfig"
CONTROLLER_MANAGER_KUBECONFIG="$K8S_STATE_DIR/controller-manager.kubeconfig"
SCHEDULER_KUBECONFIG="$K8S_STATE_DIR/scheduler.kubeconfig"

# The deploy identity (deploy/rbac/deployer.yaml).
DEPLOYER_NAMESPACE=flightdeck-system
DEPLOYER_SERVICE_ACCOUNT=flightdeck-deployer
DEPLOYER_RBAC_MANIFEST="$REPO_ROOT/deploy/rbac/deployer.yaml"

# KWOK inputs (committed).
KWOK_STAGES="$REPO_ROOT/scripts/stack/kwok/stages.yaml"
KWOK_NODES="$REPO_ROOT/scripts/stack/kwok/nodes.yaml"
KWOK_NODE_SELECTOR="kwok.x-k8s.io/node=fake"

# curl options that authenticate as the cluster admin (system:masters).
admin_curl_opts() {
  printf '%s\n' --cacert "$K8S_PKI_DIR/ca.crt" \
    --cert "$K8S_PKI_DIR/admin.crt" --key "$K8S_PKI_DIR/admin.key"
}

# True when the apiserver answers $1 (/readyz, /livez) for the admin.
apiserver_check() {
  local path="$1" opts
  mapfile -t opts < <(admin_curl_opts)
  [[ -s "$K8S_PKI_DIR/admin.crt" ]] || return 1
  curl -fsS --max-time 5 -o /dev/null "${opts[@]}" "$KUBE_APISERVER$path"
}

apiserver_ready() { apiserver_check /readyz && apiserver_check /livez; }

# kubectl as the cluster admin; never reads the user's ~/.kube/config.
kubectl_admin() { "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" "$@"; }

# wait_daemon_healthy <name> <timeout> <health command...>: polls the health
# command. Returns 1 at once if the process exits meanwhile (after showing
# its log); dies if it stays unhealthy for <timeout> seconds.
wait_daemon_healthy() {
  local name="$1" timeout="$2"
  shift 2
  local deadline=$((SECONDS + timeout)) t0
  t0="$(stack_now)"
  until "$@" >/dev/null 2>&1; do
    if ! stack_pid_alive "$(stack_read_pid "$name")"; then
      tail -n 25 "$STACK_LOG_DIR/$name.log" >&2
      log "$name exited"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      tail -n 25 "$STACK_LOG_DIR/$name.log" >&2
      die "$name did not become healthy in ${timeout}s; see .stack/logs/$name.log"
    fi
    sleep 0.3
  done
  log "$name healthy after $(stack_seconds_since "$t0")s"
}
