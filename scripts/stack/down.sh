#!/usr/bin/env bash
# Stops, by pid and in reverse order, everything up.sh started, then checks
# that no process of the stack is left. An engine that was running before the
# stack is left alone. Data (images, certificates, caches) is kept.
#   STACK_COMPONENTS="docker registry moto"   limits it to some components.
source "$(dirname "$0")/lib.sh"

stack_begin "$@"

# The env file describes a running stack; it goes first so nothing reuses it.
rm -f "$STACK_ENV_FILE"

failed=()
for ((i = ${#components[@]} - 1; i >= 0; i--)); do
  name="${components[i]}"
  script="$STACK_COMPONENT_DIR/$name.sh"
  [[ -f "$script" ]] || continue
  t0="$(stack_now)"
  if bash "$script" down; then
    log "$name down in $(stack_seconds_since "$t0")s"
  else
    failed+=("$name")
  fi
done

leftovers="$(stack_leftover_processes "${components[@]}")"
if [[ -n "$leftovers" ]]; then
  log "ERROR: processes of the stack are still running:"
  echo "$leftovers" >&2
  exit 1
fi
((${#failed[@]} == 0)) || die "these components failed to stop: ${failed[*]}"
log "stack down; no process of it is left (total $(stack_seconds_since "$STACK_T0")s)"
