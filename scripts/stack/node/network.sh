#!/usr/bin/env bash
# The real node's network on the host: the pod bridge, the routes that keep
# every in-cluster address on the machine, and the FORWARD guard. Sourced by
# components/node.sh after lib.sh, k8s/settings.sh and node/settings.sh.
#
# The VM has a default route through eth0, so any packet to an in-cluster
# address that nothing translates would leave the machine. up installs all of
# this before the kubelet or kube-proxy start; down removes exactly what up
# added.

NODE_GUARD_COMMENT="flightdeck-node: nothing leaves or enters the pod bridge"

node_network_up() {
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    ip link add "$NODE_BRIDGE" type bridge
  fi
  # IPv4 only: no link-local IPv6 on the bridge, nothing for kube-proxy's
  # IPv6 side to route.
  sysctl -qw "net.ipv6.conf.$NODE_BRIDGE.disable_ipv6=1" 2>/dev/null || true
  ip addr replace "$NODE_IP/$NODE_POD_PREFIX" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  # A ClusterIP that kube-proxy does not translate (none yet, a Service with
  # no endpoints, kube-proxy down) dies on our own bridge, not on eth0.
  ip route replace "$SERVICE_CLUSTER_IP_RANGE" dev "$NODE_BRIDGE"
  # KWOK's pods and nodes exist only as API objects: refuse at once.
  local range
  for range in "${NODE_FAKE_RANGES[@]}"; do
    ip route replace unreachable "$range"
  done
  node_guard_up
}

# The FORWARD guard, first in FORWARD: nothing from the pod bridge to another
# interface, and nothing from another interface (eth0, docker0) into it.
# REJECT rather than DROP, so a stray connection fails at once and a test can
# see that it was refused here.
node_guard_up() {
  local table=filter
  iptables -w -t "$table" -N "$NODE_GUARD_CHAIN" 2>/dev/null || true
  iptables -w -t "$table" -F "$NODE_GUARD_CHAIN"
  iptables -w -t "$table" -A "$NODE_GUARD_CHAIN" -i "$NODE_BRIDGE" ! -o "$NODE_BRIDGE" \
    -m comment --comment "$NODE_GUARD_COMMENT" -j REJECT --reject-with icmp-admin-prohibited
  iptables -w -t "$table" -A "$NODE_GUARD_CHAIN" ! -i "$NODE_BRIDGE" -o "$NODE_BRIDGE" \
    -m comment --comment "$NODE_GUARD_COMMENT" -j REJECT --reject-with icmp-admin-prohibited
  node_guard_first
}

# kube-proxy adds its own jumps to FORWARD; ours must stay the first rule.
node_guard_first() {
  local first
  first="$(iptables -w -S FORWARD 2>/dev/null | sed -n 2p)"
  [[ "$first" == "-A FORWARD -j $NODE_GUARD_CHAIN" ]] && return 0
  while iptables -w -D FORWARD -j "$NODE_GUARD_CHAIN" 2>/dev/null; do :; done
  iptables -w -I FORWARD 1 -j "$NODE_GUARD_CHAIN"
}

# iptables-save, not iptables -S: listing a table through iptables-nft makes
# its nft table when it is missing, which would be a change of its own.
node_network_installed() {
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 ||
    iptables-save -t filter 2>/dev/null | grep -q "^:$NODE_GUARD_CHAIN " ||
    node_routes_present
}

node_routes_present() {
  ip route show "$SERVICE_CLUSTER_IP_RANGE" | grep -q "dev $NODE_BRIDGE" && return 0
  local range
  for range in "${NODE_FAKE_RANGES[@]}"; do
    ip route show type unreachable "$range" | grep -q . && return 0
  done
  return 1
}

node_network_down() {
  local range link
  if iptables-save -t filter 2>/dev/null | grep -q "^:$NODE_GUARD_CHAIN "; then
    while iptables -w -D FORWARD -j "$NODE_GUARD_CHAIN" 2>/dev/null; do :; done
    iptables -w -F "$NODE_GUARD_CHAIN" 2>/dev/null || true
    iptables -w -X "$NODE_GUARD_CHAIN" 2>/dev/null || true
  fi
  for range in "${NODE_FAKE_RANGES[@]}"; do
    ip route del unreachable "$range" 2>/dev/null || true
  done
  ip route del "$SERVICE_CLUSTER_IP_RANGE" dev "$NODE_BRIDGE" 2>/dev/null || true
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    # Pods' veths that outlived their netns (a crash) hang on the bridge.
    for link in $(ip -o link show master "$NODE_BRIDGE" | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
      ip link del "$link" 2>/dev/null || true
    done
    ip link del "$NODE_BRIDGE"
  fi
}
