#!/usr/bin/env bash
# The pause image, every pod's sandbox: built from Kubernetes' own pause.c
# (in the k8s.io/kubernetes module the control plane is built from) as a
# static binary, packed by hand into an OCI image archive, and imported into
# the node's containerd. Nothing is pulled: registry.k8s.io is unreachable.
# Sourced by components/node.sh after lib.sh, k8s/settings.sh, k8s/build.sh
# and node/settings.sh.

# pause.c in the module cache (downloaded if missing).
pause_source() {
  ensure_go
  local dir
  dir="$(cd "$K8S_TOOLS_DIR" && go list -m -f '{{.Dir}}' k8s.io/kubernetes 2>/dev/null)" || true
  if [[ -z "$dir" || ! -f "$dir/build/pause/linux/pause.c" ]]; then
    (cd "$K8S_TOOLS_DIR" && go mod download k8s.io/kubernetes) >>"$STACK_LOG_DIR/node-pause.log" 2>&1
    dir="$(cd "$K8S_TOOLS_DIR" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)"
  fi
  echo "$dir/build/pause/linux/pause.c"
}

# blob <file>: moves a file into the layout's blobs, prints "sha256:<hex> <size>".
oci_blob() {
  local file="$1" layout="$2" hex size
  hex="$(sha256sum "$file" | cut -d' ' -f1)"
  size="$(stat -c %s "$file")"
  mkdir -p "$layout/blobs/sha256"
  mv "$file" "$layout/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}

build_pause_archive() {
  local source="$1" archive="$2" work layer config manifest
  work="$(mktemp -d)"
  mkdir -p "$work/rootfs" "$work/layout"
  # As upstream's build/pause Makefile: static, small, with its version.
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-flightdeck" -o "$work/rootfs/pause" "$source"
  strip "$work/rootfs/pause"
  # A reproducible layer: fixed owner, mode and time.
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/rootfs" -cf "$work/layer.tar" pause
  read -r layer layer_size < <(oci_blob "$work/layer.tar" "$work/layout")
  printf '%s' "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":[\"/pause\"],\"User\":\"65535:65535\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"$layer\"]}}" >"$work/config.json"
  read -r config config_size < <(oci_blob "$work/config.json" "$work/layout")
  printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$config\",\"size\":$config_size},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"$layer\",\"size\":$layer_size}]}" >"$work/manifest.json"
  read -r manifest manifest_size < <(oci_blob "$work/manifest.json" "$work/layout")
  printf '%s' "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$manifest\",\"size\":$manifest_size,\"annotations\":{\"io.containerd.image.name\":\"$PAUSE_IMAGE\",\"org.opencontainers.image.ref.name\":\"$PAUSE_VERSION\"}}]}" >"$work/layout/index.json"
  printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/layout" -cf "$archive.tmp" oci-layout index.json blobs
  mv "$archive.tmp" "$archive"
  rm -rf "$work"
}

ensure_pause_image() {
  if node_ctr images check "name==$PAUSE_IMAGE" 2>/dev/null | grep -q complete; then
    return 0
  fi
  # Cached per Kubernetes release (whose pause.c it is): built once per machine.
  local archive="$NODE_CACHE_DIR/pause-$PAUSE_VERSION-k8s-$KUBERNETES_VERSION.tar" source
  if [[ ! -s "$archive" ]]; then
    command -v gcc >/dev/null || stack_ensure_apt gcc libc6-dev
    source="$(pause_source)"
    mkdir -p "$NODE_CACHE_DIR"
    stack_run_logged "$STACK_LOG_DIR/node-pause.log" "building $PAUSE_IMAGE from Kubernetes $KUBERNETES_VERSION's pause.c" \
      build_pause_archive "$source" "$archive"
  fi
  node_ctr images import "$archive" >>"$STACK_LOG_DIR/node-pause.log" 2>&1 ||
    die "importing $PAUSE_IMAGE from $archive failed; see .stack/logs/node-pause.log"
  log "imported $PAUSE_IMAGE ($(stat -c %s "$archive") bytes)"
}
