#!/usr/bin/env bash
# shellcheck disable=SC2034 # the variables are used by the scripts that source this file
# Names, addresses and paths of the real node. Sourced by components/node.sh
# and the other node/*.sh after lib.sh and k8s/settings.sh; defines
# variables only.

# The kubelet is pinned to this minor: this machine has cgroup v1 only, which
# kubelet 1.35 deprecates (failCgroupV1 defaults to true) and later releases
# drop. node.sh refuses to start another minor; see the README's "real node".
NODE_KUBERNETES_MINOR=34

NODE_NAME=flightdeck-node
NODE_REGION="$STACK_AWS_REGION"
NODE_ZONE="${STACK_AWS_REGION}a"
# Tolerated by the real-node tests' overlay (test/fixtures/real-node); keeps
# every other test's pods on the KWOK nodes, where they start at once.
NODE_TAINT_KEY=flightdeck.dev/real-node
NODE_TAINT="$NODE_TAINT_KEY=true:NoSchedule"
NODE_LABEL=flightdeck.dev/real-node=true

# --- addresses ---------------------------------------------------------------
# The pod bridge and its gateway, which is also the node's IP: the kubelet
# refuses a loopback node IP, and eth0's address must never be one. Clear of
# docker0 (172.17/16), KWOK's ranges and the VM's 192.0.2/24.
NODE_BRIDGE=fdk0
NODE_IP=10.250.0.1
NODE_POD_CIDR=10.250.0.0/24
NODE_POD_PREFIX=24
# Addresses KWOK hands to its fake pods and nodes (kwok/stages.yaml,
# kwok/nodes.yaml). kube-proxy programs Services backed by fake pods too, so
# a packet to one of them is made unreachable here instead of following the
# default route out of eth0.
NODE_FAKE_RANGES=(10.244.0.0/16 10.1.0.0/24)
# The FORWARD guard: anything from the pod bridge to another interface.
NODE_GUARD_CHAIN=FLIGHTDECK-NODE-FWD

# --- ports (all on loopback or the bridge address) ---------------------------
KUBELET_PORT=10250
KUBELET_HEALTHZ_PORT=10248
KUBE_PROXY_HEALTHZ_PORT=10256
KUBE_PROXY_METRICS_PORT=10249

# --- paths -------------------------------------------------------------------
NODE_DIR="$STACK_DIR/node"
# What the host had before the node changed it (sysctls, nft tables,
# directories). Outside NODE_DIR, which down removes; made by the first up
# and kept across crashes, so it always holds the true original values.
NODE_SAVED_DIR="$STACK_DIR/node-host-state"

CONTAINERD_DIR="$NODE_DIR/containerd"
CONTAINERD_CONFIG="$CONTAINERD_DIR/config.toml"
CONTAINERD_ROOT="$CONTAINERD_DIR/root"
CONTAINERD_STATE="$CONTAINERD_DIR/state"
CONTAINERD_SOCKET="$CONTAINERD_DIR/containerd.sock"
CRI_ENDPOINT="unix://$CONTAINERD_SOCKET"
RUNC_ROOT="$NODE_DIR/runc"
REGISTRY_HOSTS_DIR="$NODE_DIR/certs.d"

CNI_CONF_DIR="$NODE_DIR/cni/net.d"
CNI_IPAM_DIR="$NODE_DIR/cni/ipam"
CNI_BIN_DIR=/usr/lib/cni

KUBELET_ROOT="$NODE_DIR/kubelet"
KUBELET_CONFIG="$NODE_DIR/kubelet.yaml"
KUBELET_KUBECONFIG="$NODE_DIR/kubelet.kubeconfig"
KUBELET_POD_LOGS="$NODE_DIR/pod-logs"
CREDENTIAL_PROVIDER_CONFIG="$NODE_DIR/credential-provider.yaml"
KUBE_PROXY_CONFIG="$NODE_DIR/kube-proxy.yaml"
KUBE_PROXY_KUBECONFIG="$NODE_DIR/kube-proxy.kubeconfig"

# Pods' cgroups go under this parent in every hierarchy (the kubelet's
# cgroupRoot), so down can find and remove all of them.
NODE_CGROUP_PARENT=flightdeck-node

# The kubelet makes this and symlinks every container's log into it; the
# path is hard-coded in the kubelet (kuberuntime.ContainerLogsDir).
HOST_CONTAINER_LOGS_DIR=/var/log/containers

# The pause image: built from Kubernetes' own pause.c, never pulled.
PAUSE_VERSION=3.10.1
PAUSE_IMAGE="flightdeck.local/pause:$PAUSE_VERSION"
NODE_CACHE_DIR="$FLIGHTDECK_CACHE/node"

# The node's daemons, in start order; down stops them backwards.
NODE_DAEMONS=(containerd kubelet kube-proxy)

# Host sysctls the kubelet, kube-proxy or the CNI bridge plugin may change;
# saved before the first start and restored by down.
NODE_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward
  net.ipv4.conf.all.route_localnet net.bridge.bridge-nf-call-iptables
  net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait)

# iptables chains the node leaves behind unless removed: the kubelet's own
# (KUBE-FIREWALL, KUBE-IPTABLES-HINT, KUBE-KUBELET-CANARY), kube-proxy's
# (KUBE-*, removed by kube-proxy --cleanup first), portmap's (CNI-*) and ours.
NODE_CHAIN_PATTERN='^(KUBE-|CNI-|FLIGHTDECK-NODE-)'
