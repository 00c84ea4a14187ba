#!/usr/bin/env bash
# A real Kubernetes control plane on loopback: etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler, built from Go modules
# (tools/k8s, tools/etcd), with certificates, kubeconfigs and the deployer RBAC.
# KWOK (kwok.sh) plays most nodes and pods; node.sh adds one real node.
#
#   k8s.sh up      builds once (cached per version), starts what is not
#                  running or healthy, restarts only what died
#   k8s.sh down    stops the four daemons by pid, newest first
#   k8s.sh status  versions, health, pids and memory
source "$(dirname "$0")/../lib.sh"
# shellcheck source=../k8s/settings.sh
source "$STACK_LIB_DIR/k8s/settings.sh"
# shellcheck source=../k8s/build.sh
source "$STACK_LIB_DIR/k8s/build.sh"
# shellcheck source=../k8s/pki.sh
source "$STACK_LIB_DIR/k8s/pki.sh"
# shellcheck source=../k8s/kubeconfig.sh
source "$STACK_LIB_DIR/k8s/kubeconfig.sh"

# The daemons in start order; down walks it backwards.
K8S_DAEMONS=(etcd kube-apiserver kube-controller-manager kube-scheduler)

# --- health ------------------------------------------------------------------

etcd_healthy() {
  curl -fsS --max-time 3 "http://$K8S_HOST:$ETCD_CLIENT_PORT/health" | grep -q '"health":"true"'
}

# The controller manager and scheduler serve /healthz on their secure ports
# with a self-signed certificate they make at start; -k is for that probe only.
component_healthz() {
  curl -fsSk --max-time 3 -o /dev/null "https://$K8S_HOST:$1/healthz"
}

kube-apiserver_healthy() { apiserver_ready; }
kube-controller-manager_healthy() { component_healthz "$CONTROLLER_MANAGER_PORT"; }
kube-scheduler_healthy() { component_healthz "$SCHEDULER_PORT"; }

daemon_port() {
  case "$1" in
    etcd) echo "$ETCD_CLIENT_PORT" ;;
    kube-apiserver) echo "$APISERVER_PORT" ;;
    kube-controller-manager) echo "$CONTROLLER_MANAGER_PORT" ;;
    kube-scheduler) echo "$SCHEDULER_PORT" ;;
  esac
}

# --- command lines -----------------------------------------------------------

etcd_command() {
  local peer="http://$K8S_HOST:$ETCD_PEER_PORT" client="http://$K8S_HOST:$ETCD_CLIENT_PORT"
  # Plain HTTP on loopback: only the apiserver talks to it. --unsafe-no-fsync
  # because this data is disposable and fsync stalls on a shared CI disk
  # slow every write the apiserver makes.
  printf '%s\n' "$ETCD_BIN" --name flightdeck --data-dir "$ETCD_DATA_DIR" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "flightdeck=$peer" --initial-cluster-state new \
    --unsafe-no-fsync --log-level warn
}

kube-apiserver_command() {
  local pki="$K8S_PKI_DIR"
  # Loopback advertise address: there is no default route to derive one
  # from, and the endpoint reconciler refuses loopback, hence "none".
  # The watch grace period makes SIGTERM close open watches (the controller
  # manager's, the scheduler's, KWOK's) so a stop takes seconds; without it
  # the server waits out its 60s request timeout for them.
  # The kubelet flags are for the real node (node.sh): the apiserver calls
  # its kubelet for logs and exec with its own client certificate, checks
  # the kubelet's serving certificate against the cluster CA, and dials the
  # node's InternalIP (its hostname resolves nowhere). Always set, so that
  # bringing the node up or down never restarts the apiserver.
  printf '%s\n' "$K8S_BIN_DIR/kube-apiserver" \
    --advertise-address "$K8S_HOST" --bind-address "$K8S_HOST" --secure-port "$APISERVER_PORT" \
    --endpoint-reconciler-type none \
    --etcd-servers "http://$K8S_HOST:$ETCD_CLIENT_PORT" \
    --service-cluster-ip-range "$SERVICE_CLUSTER_IP_RANGE" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --authorization-mode Node,RBAC \
    --service-account-issuer "$SERVICE_ACCOUNT_ISSUER" \
    --service-account-key-file "$pki/sa.pub" \
    --service-account-signing-key-file "$pki/sa.key" \
    --requestheader-client-ca-file "$pki/front-proxy-ca.crt" \
    --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User \
    --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$pki/front-proxy-client.crt" \
    --proxy-client-key-file "$pki/front-proxy-client.key" \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$pki/ca.crt" \
    --kubelet-preferred-address-types InternalIP \
    --shutdown-watch-termination-grace-period 2s \
    --allow-privileged=true --profiling=false
}

kube-controller-manager_command() {
  local kubeconfig="$CONTROLLER_MANAGER_KUBECONFIG"
  # --use-service-account-credentials gives each controller its own identity
  # (system:serviceaccount:kube-system:<controller>), as in a real cluster.
  # The private key turns on the token controller; the CA goes into every
  # namespace's kube-root-ca.crt. Higher API QPS lets the ReplicaSet
  # controller create a 200-replica rollout's pods without client throttling.
  # A long node-monitor grace period: on a loaded machine a late KWOK
  # node-lease renewal made the node lifecycle controller mark every node
  # NotReady, which turned healthy stable pods unready mid-test. (The
  # controller itself must run: it lifts the not-ready taint from new nodes.)
  printf '%s\n' "$K8S_BIN_DIR/kube-controller-manager" \
    --kubeconfig "$kubeconfig" \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address "$K8S_HOST" --secure-port "$CONTROLLER_MANAGER_PORT" \
    --service-account-private-key-file "$K8S_PKI_DIR/sa.key" \
    --root-ca-file "$K8S_PKI_DIR/ca.crt" \
    --cluster-signing-cert-file "$K8S_PKI_DIR/ca.crt" \
    --cluster-signing-key-file "$K8S_PKI_DIR/ca.key" \
    --use-service-account-credentials --leader-elect=false \
    --controllers '*' --node-monitor-grace-period 10m \
    --kube-api-qps 100 --kube-api-burst 200 \
    --profiling=false
}

kube-scheduler_command() {
  local kubeconfig="$SCHEDULER_KUBECONFIG"
  printf '%s\n' "$K8S_BIN_DIR/kube-scheduler" \
    --kubeconfig "$kubeconfig" \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address "$K8S_HOST" --secure-port "$SCHEDULER_PORT" \
    --leader-elect=false --profiling=false
}

# --- lifecycle -----------------------------------------------------------------

daemon_running() { stack_proc_running "$1" "$1"; }

# ensure_daemon <name> <timeout>: reuses a healthy daemon, waits for one that
# is still starting, and (re)starts one that is not running. A daemon found
# unhealthy may be shutting down (someone sent SIGTERM); when it exits, a new
# one is started.
ensure_daemon() {
  local name="$1" timeout="$2"
  if daemon_running "$name" && ! daemon_command_current "$name"; then
    log "$name runs with other flags than this checkout gives it; restarting it"
    stack_stop_daemon "$name" 20
  fi
  if daemon_running "$name"; then
    if "${name}_healthy"; then
      log "$name is running and healthy (pid $(stack_read_pid "$name")); reusing it"
      return 0
    fi
    log "$name (pid $(stack_read_pid "$name")) is running but not healthy; waiting"
    wait_daemon_healthy "$name" "$timeout" "${name}_healthy" && return 0
    log "starting a new $name"
  fi
  start_k8s_daemon "$name"
  wait_daemon_healthy "$name" "$timeout" "${name}_healthy" ||
    die "$name exited during start-up; see .stack/logs/$name.log"
}

# True when the running process has exactly the command line up would give
# it, so a changed flag in this file takes effect on the next up.
daemon_command_current() {
  local pid
  pid="$(stack_read_pid "$1")"
  [[ "$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null)" == "$("${1}_command")" ]]
}

start_k8s_daemon() {
  local name="$1" port owner
  local -a command
  mapfile -t command < <("${name}_command")
  port="$(daemon_port "$name")"
  owner="$(stack_port_owner_pid "$port")"
  if [[ -n "$owner" ]]; then
    # Ours, with its pid file lost (e.g. .stack was wiped): take it back.
    if [[ "$(tr '\0' '\n' <"/proc/$owner/cmdline" 2>/dev/null)" == "$(printf '%s\n' "${command[@]}")" ]]; then
      echo "$owner" >"$(stack_pid_file "$name")"
      log "adopted the running $name (pid $owner), whose pid file was lost"
      return 0
    fi
    die "port $port, needed by $name, is taken by pid $owner ($(tr '\0' ' ' <"/proc/$owner/cmdline" 2>/dev/null | cut -c1-120)); stop that process and rerun"
  fi
  # The daemon must not inherit the lock's descriptor, or it would hold
  # the lock for as long as it runs.
  (
    exec 8>&-
    stack_start_daemon "$name" "${command[@]}"
  )
}

stop_all_daemons() {
  local i
  for ((i = ${#K8S_DAEMONS[@]} - 1; i >= 0; i--)); do
    stack_stop_daemon "${K8S_DAEMONS[i]}" 20
  done
}

# The apiserver's kubelet client may use the kubelet API (logs, exec, port
# forwarding, metrics), which the kubelet authorizes by asking the apiserver.
ensure_kubelet_api_access() {
  kubectl_admin apply -f - >>"$STACK_LOG_DIR/k8s-apply.log" 2>&1 <<EOF ||
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: flightdeck:apiserver-kubelet-client
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:kubelet-api-admin
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: User
    name: $APISERVER_KUBELET_CLIENT_USER
EOF
    die "binding $APISERVER_KUBELET_CLIENT_USER to system:kubelet-api-admin failed; see .stack/logs/k8s-apply.log"
}

# --- deployer identity -------------------------------------------------------

DEPLOYER_USER="system:serviceaccount:$DEPLOYER_NAMESPACE:$DEPLOYER_SERVICE_ACCOUNT"
# Valid for a year: the stack is torn down long before, and a token that
# expires under a long-lived dev stack would fail in confusing ways. Up
# replaces it whenever the apiserver stops accepting it.
DEPLOYER_TOKEN_DURATION=8760h

deployer_kubeconfig_valid() {
  [[ -s "$DEPLOYER_KUBECONFIG" ]] || return 1
  local user
  user="$("$KUBECTL" --kubeconfig "$DEPLOYER_KUBECONFIG" auth whoami \
    -o jsonpath='{.status.userInfo.username}' 2>/dev/null)" || return 1
  [[ "$user" == "$DEPLOYER_USER" ]]
}

# The token comes from the TokenRequest API (kubectl create token), not from
# a legacy kubernetes.io/service-account-token Secret: it is bound to the
# ServiceAccount's uid (deleting the account revokes it), has an explicit
# expiry, and is never stored in etcd where anyone who can read Secrets in
# flightdeck-system could copy it.
ensure_deployer_access() {
  kubectl_admin apply -f "$DEPLOYER_RBAC_MANIFEST" >>"$STACK_LOG_DIR/k8s-apply.log" 2>&1 || {
    tail -n 20 "$STACK_LOG_DIR/k8s-apply.log" >&2
    die "applying ${DEPLOYER_RBAC_MANIFEST#"$REPO_ROOT"/} failed; see .stack/logs/k8s-apply.log"
  }
  if deployer_kubeconfig_valid; then
    log "deployer kubeconfig is valid; keeping it"
    return 0
  fi
  local token
  # The token only ever lives in this variable and the 0600 file; printf is
  # a builtin, so it never shows in a process list.
  token="$(kubectl_admin create token "$DEPLOYER_SERVICE_ACCOUNT" -n "$DEPLOYER_NAMESPACE" \
    --duration "$DEPLOYER_TOKEN_DURATION")" || die "could not request a token for $DEPLOYER_USER"
  write_token_kubeconfig "$DEPLOYER_KUBECONFIG" "$DEPLOYER_SERVICE_ACCOUNT" "$token"
  deployer_kubeconfig_valid || die "the new deployer kubeconfig is rejected by the apiserver"
  log "deployer kubeconfig written (TokenRequest, $DEPLOYER_TOKEN_DURATION)"
}

# The controllers work once the serviceaccount controller has made the
# "default" ServiceAccount; pods cannot be admitted without it.
wait_for_controllers() {
  stack_wait_until 90 "the controller manager to create the default ServiceAccount" \
    kubectl_admin get serviceaccount default -n default ||
    die "kube-controller-manager is healthy but its controllers do not act; see .stack/logs/kube-controller-manager.log"
}

# A restarted apiserver answers /readyz before its RBAC authorizer has loaded
# the roles, and refuses every non-admin request meanwhile (403 naming
# "clusterrole system:basic-user not found"). Wait until an ordinary
# identity is authorized for what every authenticated user may do.
rbac_effective() {
  [[ "$(kubectl_admin auth can-i get /version --as=system:serviceaccount:flightdeck-system:flightdeck-deployer 2>/dev/null)" == yes ]]
}

wait_for_rbac() {
  stack_wait_until 90 "the apiserver's RBAC authorizer to load the roles" rbac_effective ||
    die "the apiserver is ready but still refuses ordinary users; see .stack/logs/kube-apiserver.log"
}

write_k8s_env() {
  stack_write_component_env k8s <<EOF
export KUBECONFIG="$ADMIN_KUBECONFIG"
export DEPLOYER_KUBECONFIG="$DEPLOYER_KUBECONFIG"
export KUBE_APISERVER="$KUBE_APISERVER"
export KUBERNETES_VERSION="$KUBERNETES_VERSION"
export PATH=$K8S_BIN_DIR:\$PATH
EOF
}

# --- entry points --------------------------------------------------------------

# One k8s.sh at a time: tests restart the apiserver through `k8s.sh up`
# while up.sh may be running it too, and two ups would start every daemon
# twice. (up.sh's own lock is a different file, so up.sh → k8s.sh is fine.)
lock_k8s() {
  stack_init_dirs
  exec 8>"$STACK_DIR/k8s.lock"
  flock -w 600 8 || die "another components/k8s.sh holds $STACK_DIR/k8s.lock"
}

k8s_up() {
  local t0
  t0="$(stack_now)"
  lock_k8s
  ensure_kubernetes_binaries
  ensure_etcd_binary
  if ! pki_complete; then
    # Daemons still running on old certificates would reject the new ones.
    stop_all_daemons
    ensure_pki
  fi
  ensure_apiserver_kubelet_client_cert
  ensure_component_kubeconfigs
  mkdir -p "$ETCD_DATA_DIR"
  chmod 0700 "$ETCD_DATA_DIR"

  ensure_daemon etcd 60
  ensure_daemon kube-apiserver 120
  ensure_daemon kube-controller-manager 60
  ensure_daemon kube-scheduler 60
  wait_for_controllers
  wait_for_rbac
  ensure_kubelet_api_access
  ensure_deployer_access
  write_k8s_env
  log "Kubernetes $KUBERNETES_VERSION up at $KUBE_APISERVER in $(stack_seconds_since "$t0")s"
}

k8s_down() {
  lock_k8s
  stop_all_daemons
  local name port owner
  for name in "${K8S_DAEMONS[@]}"; do
    port="$(daemon_port "$name")"
    owner="$(stack_port_owner_pid "$port")"
    [[ -z "$owner" ]] || warn "port $port ($name) is still held by pid $owner, which this stack did not start"
  done
  rm -f "$STACK_ENV_DIR/k8s.env"
}

binary_version() {
  case "$1" in
    etcd) "$ETCD_BIN" --version 2>/dev/null | sed -n 's/^etcd Version: /v/p' ;;
    *) "$K8S_BIN_DIR/$1" --version 2>/dev/null | awk '{ print $NF }' ;;
  esac
}

k8s_status() {
  local name pid state healthy=0
  for name in "${K8S_DAEMONS[@]}"; do
    pid="$(stack_read_pid "$name")"
    if daemon_running "$name" && "${name}_healthy"; then
      state=healthy
    elif daemon_running "$name"; then
      state=unhealthy
      healthy=1
    else
      state=down
      healthy=1
    fi
    # Columns of status.sh: COMPONENT STATE VERSION DETAILS.
    printf '%-9s %-8s %-18s %s\n' k8s "$state" "$(binary_version "$name" || echo -)" \
      "$name port=$(daemon_port "$name") pid=${pid:--} rss=$(stack_rss_mib "${pid:-0}")MiB"
  done
  return "$healthy"
}

stack_component_main k8s "$@"
