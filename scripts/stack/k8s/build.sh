#!/usr/bin/env bash
# Builds the control plane, etcd and KWOK from the pinned tools/ modules into
# $FLIGHTDECK_CACHE, once per version. Sourced after lib.sh and settings.sh.
#
# A build is reused while the stamp beside the binary matches the sources
# (go.mod, go.sum, *.go) and flags, so a bump or a code change in tools/
# rebuilds while an unchanged checkout never does. GOMODCACHE and
# GOCACHE are left at Go's defaults so other builds on the machine share them.

GO_MIN_MINOR=26 # tools/kwok needs Go 1.26; the others need 1.24

ensure_go() {
  # A non-login shell (CI, sudo) may lack Go's default install dir on PATH.
  if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
    PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null ||
    die "Go 1.$GO_MIN_MINOR or newer is needed to build Kubernetes, etcd and KWOK, and 'go' is not on PATH; install it (e.g. to /usr/local/go) and rerun"
  local minor
  minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
  ((minor >= GO_MIN_MINOR)) ||
    die "found $(go env GOVERSION), but building KWOK $KWOK_VERSION needs Go 1.$GO_MIN_MINOR or newer; upgrade Go and rerun"
}

# Hash of what a build depends on: the module's sources and the build flags.
# The Go version is not part of it, so a built binary is used even where Go
# is absent; it is recorded in <binary>.build-times.
build_stamp() {
  local module_dir="$1"
  shift
  {
    printf '%s\n' "$@"
    cat "$module_dir"/go.mod "$module_dir"/go.sum "$module_dir"/*.go
  } | sha256sum | cut -d' ' -f1
}

# go_build_cached <label> <module dir> <output binary> <package> [ldflags]
# Downloads modules and compiles as two timed steps, records both in
# <output>.build-times, and installs the binary atomically.
go_build_cached() {
  local label="$1" module_dir="$2" output="$3" package="$4" ldflags="${5:-}"
  local stamp_file="$output.stamp" want
  want="$(build_stamp "$module_dir" "$package" "$ldflags")"
  if [[ -x "$output" && "$(cat "$stamp_file" 2>/dev/null)" == "$want" ]]; then
    return 0
  fi
  ensure_go

  local logfile="$STACK_LOG_DIR/build-$label.log" t0 download_s compile_s
  stack_init_dirs
  mkdir -p "$(dirname "$output")"
  log "building $label into ${output/#$HOME/\~} (first time only; Kubernetes takes many minutes on 2 cores)"

  t0="$(stack_now)"
  (cd "$module_dir" && stack_run_logged "$logfile" "$label: go mod download" go mod download)
  download_s="$(stack_seconds_since "$t0")"

  t0="$(stack_now)"
  # -mod=readonly: the committed go.sum must already be complete, so a
  # build never rewrites tracked files. CGO off gives static binaries.
  (cd "$module_dir" && stack_run_logged "$logfile" "$label: go build" \
    env CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath \
    -ldflags "-s -w $ldflags" -o "$output.tmp" "$package")
  compile_s="$(stack_seconds_since "$t0")"

  mv -f "$output.tmp" "$output"
  echo "$want" >"$stamp_file"
  printf 'download_seconds=%s\ncompile_seconds=%s\nsize_bytes=%s\ngo=%s\n' \
    "$download_s" "$compile_s" "$(stat -c %s "$output")" "$(go env GOVERSION)" >"$output.build-times"
  log "$label built: download ${download_s}s, compile ${compile_s}s, $(($(stat -c %s "$output") / 1048576)) MiB"
}

# -X flags so that /version and `kubectl version` report the real release
# instead of v0.0.0-master; both component-base and client-go carry a copy.
kubernetes_version_ldflags() {
  local minor pkg flags=""
  minor="$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean"
  done
  echo "$flags"
}

# The names of the multi-call binary (tools/k8s/main.go): the symlink name
# picks the component.
K8S_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl
  kubelet kube-proxy ecr-credential-provider cri-reset)

# Builds kept per Kubernetes version (one per distinct tools/k8s, see
# K8S_BIN_DIR in settings.sh): enough for a few checkouts at once, bounded.
K8S_BUILDS_KEPT=3

ensure_kubernetes_binaries() {
  go_build_cached kubernetes "$K8S_TOOLS_DIR" "$K8S_MULTICALL_BIN" . "$(kubernetes_version_ldflags)"
  local name
  for name in "${K8S_COMMANDS[@]}"; do
    ln -sfn flightdeck-k8s "$K8S_BIN_DIR/$name"
  done
  # The directory's time says when a checkout last used it; the oldest go.
  touch "$K8S_BIN_DIR"
  prune_kubernetes_builds
}

# Removes all but the K8S_BUILDS_KEPT most recently used build directories of
# this version. A running daemon keeps its deleted binary open, so this never
# breaks a stack that is up; it only costs a rebuild if that checkout comes back.
prune_kubernetes_builds() {
  local dir
  find "$(dirname "$K8S_BIN_DIR")" -mindepth 1 -maxdepth 1 -type d -name "$KUBERNETES_VERSION-*" -printf '%T@ %p\n' |
    sort -rn | tail -n +$((K8S_BUILDS_KEPT + 1)) | cut -d' ' -f2- |
    while read -r dir; do
      log "removing the old Kubernetes build ${dir/#$HOME/\~} (least recently used of $((K8S_BUILDS_KEPT + 1)))"
      rm -rf -- "$dir"
    done
}

ensure_etcd_binary() {
  go_build_cached etcd "$ETCD_TOOLS_DIR" "$ETCD_BIN" .
}

ensure_kwok_binary() {
  go_build_cached kwok "$KWOK_TOOLS_DIR" "$KWOK_BIN" sigs.k8s.io/kwok/cmd/kwok
}
