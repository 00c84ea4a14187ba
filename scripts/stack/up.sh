#!/usr/bin/env bash
# Brings the local stack up (idempotent: what is up and healthy is reused),
# then writes .stack/env for tests and tools.
#   STACK_COMPONENTS="docker registry moto"   limits it to some components.
source "$(dirname "$0")/lib.sh"

stack_begin "$@"

summary=()
for name in "${components[@]}"; do
  script="$STACK_COMPONENT_DIR/$name.sh"
  if [[ ! -f "$script" ]]; then
    log "skipping $name: ${script#"$REPO_ROOT"/} does not exist yet"
    summary+=("$(printf '%-9s %8s  %s' "$name" "-" "skipped (no component script)")")
    continue
  fi
  t0="$(stack_now)"
  log "--- $name"
  bash "$script" up || die "$name failed to come up; rerun with the same command after fixing it (what is up is reused)"
  took="$(stack_seconds_since "$t0")"
  log "$name up in ${took}s"
  summary+=("$(printf '%-9s %7ss  %s' "$name" "$took" "ok")")
done

stack_write_env
log "wrote ${STACK_ENV_FILE#"$REPO_ROOT"/}"
{
  echo "component     time  result"
  printf '%s\n' "${summary[@]}"
  printf '%-9s %7ss\n' total "$(stack_seconds_since "$STACK_T0")"
} >&2
