#!/usr/bin/env bash
# Prints each component with its state, version and details.
# Exits 0 only when every selected component that has a script is healthy.
#   STACK_COMPONENTS="docker registry moto"   limits it to some components.
source "$(dirname "$0")/lib.sh"

read -r -a components <<<"${STACK_COMPONENTS:-${STACK_ALL_COMPONENTS[*]}}"
stack_validate_component_names "${components[@]}"

printf '%-9s %-8s %-18s %s\n' COMPONENT STATE VERSION DETAILS
unhealthy=0
for name in "${components[@]}"; do
  script="$STACK_COMPONENT_DIR/$name.sh"
  if [[ ! -f "$script" ]]; then
    printf '%-9s %-8s %-18s %s\n' "$name" absent - "no ${script#"$REPO_ROOT"/} yet"
    continue
  fi
  bash "$script" status || unhealthy=$((unhealthy + 1))
done
if [[ -f "$STACK_ENV_FILE" ]]; then
  echo "env: ${STACK_ENV_FILE#"$REPO_ROOT"/}"
else
  echo "env: ${STACK_ENV_FILE#"$REPO_ROOT"/} missing (run scripts/stack/up.sh)"
fi
exit $((unhealthy > 0))
