#!/usr/bin/env bash
# The local cluster's certificates, made with openssl under $K8S_PKI_DIR.
# Sourced after lib.sh and settings.sh.
#
# They are made once and kept: the kubeconfigs and the deployer token stay
# valid across restarts. Delete .stack/k8s to start over.

PKI_DAYS=3650

# ECDSA P-256 keys: Kubernetes accepts them everywhere (serving, client and
# service-account signing, ES256), and they take milliseconds to make where
# RSA key generation crawls on a busy 2-core machine.
new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# issue_cert <name> <subject> <extensions> [<ca name>]
# Writes <name>.key and <name>.crt signed by <ca name> (default "ca").
issue_cert() {
  local name="$1" subject="$2" extensions="$3" ca="${4:-ca}"
  local dir="$K8S_PKI_DIR"
  new_key "$dir/$name.key"
  openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr"
  printf '%s\n' "$extensions" >"$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" \
    -CAcreateserial -days "$PKI_DAYS" -sha256 -extfile "$dir/$name.ext" \
    -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

issue_ca() {
  local name="$1" common_name="$2"
  new_key "$K8S_PKI_DIR/$name.key"
  openssl req -x509 -new -key "$K8S_PKI_DIR/$name.key" -sha256 -days "$PKI_DAYS" \
    -out "$K8S_PKI_DIR/$name.crt" \
    -subj "/CN=$common_name" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
}

client_extensions() {
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=clientAuth"
}

serving_extensions() {
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
    "subjectAltName=$1"
}

# The files the control plane reads; if one is missing the set is remade.
PKI_FILES=(ca.crt ca.key apiserver.crt apiserver.key front-proxy-ca.crt
  front-proxy-client.crt front-proxy-client.key sa.key sa.pub admin.crt admin.key
  controller-manager.crt controller-manager.key scheduler.crt scheduler.key)

pki_complete() {
  local file
  for file in "${PKI_FILES[@]}"; do [[ -s "$K8S_PKI_DIR/$file" ]] || return 1; done
}

ensure_pki() {
  pki_complete && return 0
  log "generating certificates in ${K8S_PKI_DIR#"$REPO_ROOT"/}"
  command -v openssl >/dev/null || stack_ensure_apt openssl
  rm -rf "$K8S_PKI_DIR"
  mkdir -p "$K8S_PKI_DIR"
  # Private keys are readable by root only.
  local old_umask
  old_umask="$(umask)"
  umask 077

  issue_ca ca flightdeck-local-kubernetes-ca
  local sans="DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  sans+=",DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$KUBERNETES_SERVICE_IP"
  issue_cert apiserver "/CN=kube-apiserver" "$(serving_extensions "$sans")"

  # The aggregation layer authenticates to extension apiservers with this
  # pair; the apiserver logs errors for aggregated APIs without it.
  issue_ca front-proxy-ca flightdeck-local-front-proxy-ca
  issue_cert front-proxy-client "/CN=front-proxy-client" "$(client_extensions)" front-proxy-ca

  # Service account tokens are signed with sa.key and verified with sa.pub.
  new_key "$K8S_PKI_DIR/sa.key"
  openssl pkey -in "$K8S_PKI_DIR/sa.key" -pubout -out "$K8S_PKI_DIR/sa.pub" 2>/dev/null

  # The CN is the user name and O the group RBAC sees. system:masters is
  # cluster-admin by definition; the bootstrap ClusterRoleBindings of the
  # controller manager and scheduler name exactly these users.
  issue_cert admin "/O=system:masters/CN=flightdeck-admin" "$(client_extensions)"
  issue_cert controller-manager "/CN=system:kube-controller-manager" "$(client_extensions)"
  issue_cert scheduler "/CN=system:kube-scheduler" "$(client_extensions)"

  umask "$old_umask"
  chmod 0644 "$K8S_PKI_DIR"/*.crt "$K8S_PKI_DIR/sa.pub"
  rm -f "$K8S_PKI_DIR"/*.srl
  pki_complete || die "certificate generation in $K8S_PKI_DIR is incomplete"
}

# ensure_leaf_cert <name> <subject> <extensions>: a certificate added after the
# stack's PKI was first made (the apiserver's kubelet client, the real node's)
# is issued on its own from the existing CA, so adding one never remakes the
# CA and so never invalidates every kubeconfig and token. It is reissued when
# its subject or extensions change (<name>.spec records them) or it no longer
# verifies against the CA.
ensure_leaf_cert() {
  local name="$1" subject="$2" extensions="$3" dir="$K8S_PKI_DIR" spec
  spec="$(printf '%s\n%s\n' "$subject" "$extensions")"
  if [[ -s "$dir/$name.crt" && -s "$dir/$name.key" && "$(cat "$dir/$name.spec" 2>/dev/null)" == "$spec" ]] &&
    openssl verify -CAfile "$dir/ca.crt" "$dir/$name.crt" >/dev/null 2>&1; then
    return 0
  fi
  log "issuing the $name certificate ($subject)"
  (
    umask 077
    issue_cert "$name" "$subject" "$extensions"
  )
  chmod 0644 "$dir/$name.crt"
  printf '%s\n' "$spec" >"$dir/$name.spec"
  rm -f "$dir"/*.srl
}

# The apiserver's identity towards kubelets (kubectl logs, exec, port-forward).
# Not system:masters: k8s.sh binds it to system:kubelet-api-admin, which is
# exactly the kubelet API.
APISERVER_KUBELET_CLIENT_USER=kube-apiserver-kubelet-client

ensure_apiserver_kubelet_client_cert() {
  ensure_leaf_cert apiserver-kubelet-client "/CN=$APISERVER_KUBELET_CLIENT_USER" "$(client_extensions)"
}
