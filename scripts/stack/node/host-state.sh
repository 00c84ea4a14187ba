#!/usr/bin/env bash
# What the real node changes on the host besides its network, saved before
# the first start and undone by down: sysctls, nft tables iptables-nft makes,
# directories the kubelet and CNI create outside .stack, pods' cgroups,
# mounts under .stack/node, and iptables chains. Sourced by
# components/node.sh after lib.sh, k8s/settings.sh and node/settings.sh.
#
# Every function here is safe to run again and on a host where the node
# never ran, so up can use the same code to repair what a crash left.

# Directories outside .stack that the node's programs create when missing:
# the kubelet's container log links, libcni's cache.
NODE_HOST_DIRS=("$HOST_CONTAINER_LOGS_DIR" /var/lib/cni)

# --- saved before the first start ----------------------------------------------

# Records the host's values once: a crash that skips down leaves the file, so
# the next up keeps the true originals instead of saving the kubelet's.
node_save_host_state() {
  [[ -s "$NODE_SAVED_DIR/sysctl.conf" ]] && return 0
  mkdir -p "$NODE_SAVED_DIR"
  local key value dir
  for key in "${NODE_SYSCTLS[@]}"; do
    value="$(sysctl -n "$key" 2>/dev/null)" || continue
    printf '%s = %s\n' "$key" "$value"
  done >"$NODE_SAVED_DIR/sysctl.conf.tmp"
  nft list tables 2>/dev/null >"$NODE_SAVED_DIR/nft-tables" || true
  for dir in "${NODE_HOST_DIRS[@]}"; do
    [[ -e "$dir" ]] && echo "$dir"
  done >"$NODE_SAVED_DIR/existing-dirs"
  mv "$NODE_SAVED_DIR/sysctl.conf.tmp" "$NODE_SAVED_DIR/sysctl.conf"
  log "saved the host's sysctls and tables to ${NODE_SAVED_DIR#"$REPO_ROOT"/}"
}

node_restore_host_state() {
  [[ -s "$NODE_SAVED_DIR/sysctl.conf" ]] || return 0
  local key value current changed=()
  while IFS=' = ' read -r key value; do
    [[ -n "$key" ]] || continue
    current="$(sysctl -n "$key" 2>/dev/null)" || continue
    if [[ "$current" != "$value" ]]; then
      sysctl -qw "$key=$value" && changed+=("$key $current→$value")
    fi
  done <"$NODE_SAVED_DIR/sysctl.conf"
  ((${#changed[@]} == 0)) || log "restored sysctls: ${changed[*]}"
  node_remove_new_nft_tables
  node_remove_new_host_dirs
  rm -rf "$NODE_SAVED_DIR"
}

# iptables-nft makes an nft table the first time a rule goes into an
# iptables table; one the host did not have before, and that is empty once
# the chains are gone, is deleted again.
node_remove_new_nft_tables() {
  command -v nft >/dev/null || return 0
  local family name
  while read -r _ family name; do
    [[ -n "$name" ]] || continue
    grep -qxF "table $family $name" "$NODE_SAVED_DIR/nft-tables" 2>/dev/null && continue
    if [[ -z "$(nft_table_rules "$family" "$name")" ]]; then
      nft delete table "$family" "$name" && log "deleted the empty nft table $family $name"
    fi
  done < <(nft list tables 2>/dev/null)
}

# The rule lines of an nft table: everything but its table, chain, hook and
# closing-brace lines.
nft_table_rules() {
  nft list table "$1" "$2" 2>/dev/null |
    grep -vE '^\s*(table |chain |type .* hook |\}|$)' || true
}

# Links the kubelet left (to our pod logs) go; a directory the host did not
# have goes when empty. Never recursive: these are shared places.
node_remove_new_host_dirs() {
  local dir link
  if [[ -d "$HOST_CONTAINER_LOGS_DIR" ]]; then
    for link in "$HOST_CONTAINER_LOGS_DIR"/*; do
      [[ -L "$link" && "$(readlink "$link")" == "$KUBELET_POD_LOGS"/* ]] && rm -f "$link"
    done
  fi
  for dir in "${NODE_HOST_DIRS[@]}"; do
    grep -qxF "$dir" "$NODE_SAVED_DIR/existing-dirs" 2>/dev/null && continue
    [[ -d "$dir" ]] && find "$dir" -depth -type d -empty -delete 2>/dev/null
  done
  return 0
}

# --- processes and cgroups -------------------------------------------------------

# Every cgroup hierarchy's mount point (v1 controllers and the v2 one).
cgroup_mounts() { awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/mounts; }

# Every cgroup directory of the node's pods, deepest first, in every hierarchy.
node_cgroup_dirs() {
  local mount
  while read -r mount; do
    [[ -d "$mount/$NODE_CGROUP_PARENT" ]] && find "$mount/$NODE_CGROUP_PARENT" -depth -type d
  done < <(cgroup_mounts)
  return 0
}

# Pids still in the node's pod cgroups: containers whose shim died with them.
node_cgroup_pids() {
  local dir
  while read -r dir; do
    cat "$dir/cgroup.procs" 2>/dev/null
  done < <(node_cgroup_dirs) | sort -u
}

node_cgroups_empty() { [[ -z "$(node_cgroup_pids)" ]]; }

node_cgroups_up() {
  local mount
  while read -r mount; do
    mkdir -p "$mount/$NODE_CGROUP_PARENT"
  done < <(cgroup_mounts)
}

# Kills what is left in the pods' cgroups, then removes the cgroups.
node_cgroups_down() {
  local pids dir
  pids="$(node_cgroup_pids)"
  if [[ -n "$pids" ]]; then
    warn "processes of the node's pods outlived their runtime; killing them: $(echo "$pids" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # one pid per word
    kill -KILL $pids 2>/dev/null || true
    stack_wait_until 10 "the pods' processes to exit" node_cgroups_empty || true
  fi
  while read -r dir; do
    rmdir "$dir" 2>/dev/null || warn "could not remove cgroup $dir"
  done < <(node_cgroup_dirs)
}

# --- files of killed shims and pods --------------------------------------------------

# A shim that is killed (a crash, or one still exiting when down stops it)
# leaves its socket in /run/containerd/s, a directory the Docker engine's
# shims share; libcni keeps the results of a pod whose CNI DEL never ran. So
# a teardown first notes, from containerd's task bundles, our shims' sockets
# and our sandboxes' ids, and removes exactly those files at the end.
node_runtime_files() {
  local bundle address
  for bundle in "$CONTAINERD_STATE"/io.containerd.runtime.v2.task/*/*; do
    [[ -d "$bundle" ]] || continue
    if [[ -f "$bundle/address" ]]; then
      address="$(cat "$bundle/address")"
      echo "socket ${address#unix://}"
    fi
    echo "sandbox ${bundle##*/}"
  done
  return 0
}

# node_remove_runtime_files <what node_runtime_files printed>
node_remove_runtime_files() {
  local kind value
  while read -r kind value; do
    case "$kind" in
      socket) [[ "$value" == /run/containerd/s/* && -S "$value" ]] && rm -f "$value" ;;
      # <network>-<sandbox id>-<interface>: ours, and the loopback one go-cni adds.
      sandbox) rm -f /var/lib/cni/results/*-"$value"-* 2>/dev/null ;;
    esac
  done <<<"$1"
  rm -f /var/lib/cni/results/flightdeck-node-* 2>/dev/null || true
}

# --- mounts ----------------------------------------------------------------------

# Mount points under .stack/node, deepest first: the kubelet's rshared bind of
# its root dir, pod volumes (tmpfs), pod network namespaces, containers'
# rootfs overlays.
node_mounts() {
  awk -v prefix="$NODE_DIR/" '$5 == substr(prefix, 1, length(prefix) - 1) || index($5, prefix) == 1 { print $5 }' \
    /proc/self/mountinfo | sort -ru
}

node_unmount_all() {
  local mount_point _
  for _ in 1 2 3; do
    [[ -z "$(node_mounts)" ]] && return 0
    while read -r mount_point; do
      umount "$mount_point" 2>/dev/null || umount -l "$mount_point" 2>/dev/null || true
    done < <(node_mounts)
  done
  [[ -z "$(node_mounts)" ]] || warn "mounts left under ${NODE_DIR#"$REPO_ROOT"/}: $(node_mounts | tr '\n' ' ')"
}

# --- iptables ----------------------------------------------------------------------

# The node's chains (NODE_CHAIN_PATTERN) and every rule that jumps to them,
# removed from each table of iptables and ip6tables in one restore per table:
# the kubelet never removes its own, and kube-proxy --cleanup only its own.
node_iptables_down() {
  local family table saved kept
  for family in iptables ip6tables; do
    command -v "$family-save" >/dev/null || continue
    for table in filter nat mangle raw; do
      saved="$("$family-save" -t "$table" 2>/dev/null)" || continue
      grep -qE "^:${NODE_CHAIN_PATTERN#^}|-j ${NODE_CHAIN_PATTERN#^}" <<<"$saved" || continue
      kept="$(awk -v pattern="$NODE_CHAIN_PATTERN" '
        /^:/ { chain = substr($1, 2); if (chain ~ pattern) next }
        /^-A / {
          if ($2 ~ pattern) next
          for (i = 3; i < NF; i++) if (($i == "-j" || $i == "-g") && $(i + 1) ~ pattern) next
        }
        { print }' <<<"$saved")"
      "$family-restore" -w -T "$table" <<<"$kept" || warn "$family-restore of table $table failed"
    done
  done
}

# Lines of iptables-save naming one of the node's chains, for status and tests.
node_iptables_leftovers() {
  local family
  for family in iptables ip6tables; do
    command -v "$family-save" >/dev/null || continue
    "$family-save" 2>/dev/null | grep -E "^:${NODE_CHAIN_PATTERN#^}|-j ${NODE_CHAIN_PATTERN#^}" | sed "s/^/$family: /"
  done
  return 0
}
