#!/usr/bin/env bash
# moto_server on 127.0.0.1:5000: the AWS API of the local stack.
# Runs from its own venv (.venv/stack) built from scripts/stack/requirements.txt.
source "$(dirname "$0")/../lib.sh"

MOTO_HOST=127.0.0.1
MOTO_PORT=5000
MOTO_URL="http://$MOTO_HOST:$MOTO_PORT"
MOTO_VENV="$REPO_ROOT/.venv/stack"
MOTO_REQUIREMENTS="$STACK_LIB_DIR/requirements.txt"
MOTO_BIN="$MOTO_VENV/bin/moto_server"
# Marks which requirements the venv was built from, so a bump rebuilds it.
MOTO_STAMP="$MOTO_VENV/.requirements.sha256"

moto_healthy() {
  # The config endpoint is cheap, touches no service state, and only moto answers it.
  curl -fsS --max-time 3 -o /dev/null "$MOTO_URL/moto-api/config"
}

# Read from the installed metadata: importing moto takes seconds.
moto_version() {
  local meta
  meta="$(compgen -G "$MOTO_VENV/lib/python3*/site-packages/moto-*.dist-info/METADATA" | head -n1 || true)"
  [[ -n "$meta" ]] && sed -n 's/^Version: //p' "$meta" || echo "not installed"
}

# Downloads the pinned wheels once per requirements version into the cache
# outside the repo: a fresh clone (CI) then installs without the network.
# pip's own cache does not help here: the index answers are not cacheable.
ensure_wheelhouse() {
  local wheelhouse="$1" logfile="$2"
  [[ -f "$wheelhouse/.complete" ]] && return 0
  rm -rf "$wheelhouse.partial"
  mkdir -p "$wheelhouse.partial"
  stack_run_logged "$logfile" "downloading moto's wheels to ${wheelhouse/#"$HOME"/\~}" \
    "$MOTO_VENV/bin/pip" download --quiet -d "$wheelhouse.partial" -r "$MOTO_REQUIREMENTS"
  touch "$wheelhouse.partial/.complete"
  rm -rf "$wheelhouse"
  mv "$wheelhouse.partial" "$wheelhouse"
}

ensure_moto_venv() {
  local want
  want="$(sha256sum "$MOTO_REQUIREMENTS" | cut -d' ' -f1)"
  if [[ -x "$MOTO_BIN" && "$(cat "$MOTO_STAMP" 2>/dev/null)" == "$want" ]]; then
    return 0
  fi
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    stack_ensure_apt python3-venv
  fi
  local logfile="$STACK_LOG_DIR/moto-install.log"
  local python_tag wheelhouse
  # Wheels with compiled parts only fit the Python that downloaded them.
  python_tag="$(python3 -c 'import sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}")')"
  wheelhouse="$FLIGHTDECK_CACHE/moto/wheels-$python_tag-${want:0:16}"
  stack_init_dirs
  rm -rf "$MOTO_VENV"
  stack_run_logged "$logfile" "creating venv ${MOTO_VENV#"$REPO_ROOT"/}" python3 -m venv "$MOTO_VENV"
  ensure_wheelhouse "$wheelhouse" "$logfile"
  # --no-compile halves the install on a busy machine; Python compiles the
  # few modules moto_server imports on first start instead.
  stack_run_logged "$logfile" "installing moto from the cached wheels" \
    "$MOTO_VENV/bin/pip" install --quiet --no-compile --no-index --find-links "$wheelhouse" -r "$MOTO_REQUIREMENTS"
  echo "$want" >"$MOTO_STAMP"
}

# The registry's htpasswd is built from stack_ecr_password (lib.sh) before moto
# runs; this proves moto still hands out exactly that password, so `docker login`
# with a real GetAuthorizationToken answer works. Signatures are not checked by
# moto, so a fixed SigV4-shaped header routes the call to ECR.
check_ecr_token() {
  local answer token decoded
  answer="$(curl -fsS --max-time 5 -X POST "$MOTO_URL/" \
    -H 'Content-Type: application/x-amz-json-1.1' \
    -H 'X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken' \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/$STACK_AWS_REGION/ecr/aws4_request, SignedHeaders=host, Signature=0" \
    -d '{}')" || die "moto did not answer ECR GetAuthorizationToken"
  token="$(sed -n 's/.*"authorizationToken": *"\([^"]*\)".*/\1/p' <<<"$answer")"
  decoded="$(base64 -d <<<"$token" 2>/dev/null || true)"
  [[ "$decoded" == "AWS:$(stack_ecr_password)" ]] ||
    die "moto's ECR token no longer decodes to AWS:<account>-auth-token; update stack_ecr_password in scripts/stack/lib.sh to match moto $(moto_version)"
}

write_moto_env() {
  stack_write_component_env moto <<ENV
export AWS_ENDPOINT_URL=$MOTO_URL
export MOTO_VERSION=$(moto_version)
ENV
}

moto_up() {
  stack_ensure_apt curl
  ensure_moto_venv
  if stack_proc_running moto "$MOTO_BIN" && moto_healthy; then
    log "reusing moto $(moto_version) at $MOTO_URL (pid $(stack_read_pid moto))"
    write_moto_env
    return 0
  fi
  local squatter
  squatter="$(stack_port_owner_pid "$MOTO_PORT")"
  if [[ -n "$squatter" ]]; then
    die "port $MOTO_PORT is taken by pid $squatter ($(ps -o args= -p "$squatter" | cut -c1-80)); stop it, then rerun up.sh"
  fi
  stack_start_daemon moto "$MOTO_BIN" -H "$MOTO_HOST" -p "$MOTO_PORT"
  stack_wait_until 60 "moto at $MOTO_URL" moto_healthy || {
    tail -n 20 "$STACK_LOG_DIR/moto.log" >&2
    die "moto did not become healthy; see .stack/logs/moto.log"
  }
  check_ecr_token
  log "moto $(moto_version) healthy at $MOTO_URL; its ECR token matches the registry's htpasswd"
  write_moto_env
}

moto_down() {
  stack_stop_daemon moto 10
}

moto_status() {
  local pid state
  pid="$(stack_read_pid moto)"
  if stack_proc_running moto "$MOTO_BIN" && moto_healthy; then state=healthy; else state=down; fi
  printf '%-9s %-8s %-18s %s\n' moto "$state" "$(moto_version)" "$MOTO_URL pid=${pid:--} rss=$(stack_rss_mib "${pid:-0}")MiB"
  [[ "$state" == healthy ]]
}

stack_component_main moto "$@"
