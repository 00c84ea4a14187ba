#!/usr/bin/env bash
# Kubeconfig files for the local cluster. Sourced after lib.sh and settings.sh.
#
# Certificates and keys are embedded (…-data) so each file stands alone: the
# TypeScript test helpers and the actions read one file, not a PKI folder.
# Files are written 0600 through a temp file; secrets never pass through argv.

b64_file() { base64 -w0 <"$1"; }

# write_cert_kubeconfig <path> <user> <cert name in pki dir>
write_cert_kubeconfig() {
  local path="$1" user="$2" cert="$3"
  write_kubeconfig "$path" "$user" \
    "    client-certificate-data: $(b64_file "$K8S_PKI_DIR/$cert.crt")
    client-key-data: $(b64_file "$K8S_PKI_DIR/$cert.key")"
}

# write_token_kubeconfig <path> <user> <token>
write_token_kubeconfig() {
  write_kubeconfig "$1" "$2" "    token: $3"
}

# write_kubeconfig <path> <user> <credential lines of users[0].user>
write_kubeconfig() {
  local path="$1" user="$2" credentials="$3"
  (
    umask 077
    cat >"$path.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: flightdeck-local
  cluster:
    server: $KUBE_APISERVER
    certificate-authority-data: $(b64_file "$K8S_PKI_DIR/ca.crt")
users:
- name: $user
  user:
$credentials
contexts:
- name: $user@flightdeck-local
  context:
    cluster: flightdeck-local
    user: $user
    namespace: default
current-context: $user@flightdeck-local
EOF
  )
  mv -f "$path.tmp" "$path"
}

ensure_component_kubeconfigs() {
  mkdir -p "$K8S_STATE_DIR"
  write_cert_kubeconfig "$ADMIN_KUBECONFIG" flightdeck-admin admin
  write_cert_kubeconfig "$CONTROLLER_MANAGER_KUBECONFIG" system:kube-controller-manager controller-manager
  write_cert_kubeconfig "$SCHEDULER_KUBECONFIG" system:kube-scheduler scheduler
}
