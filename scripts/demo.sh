#!/usr/bin/env bash
# `make demo`: the sample app's real pipeline (.github/workflows/flask-app.yml), run by nektos/act on this
# machine against the local stack, with the app's pods on the stack's real node, in five stages: a pull
# request, a push to main (QA canary and promotion), a dispatch to production, a broken build that QA rolls
# back by itself, and that broken digest refused by production's evidence gate (scripts/demo/main.ts).
# Everything it needs is installed by the project's own scripts: the stack (scripts/stack/up.sh), the app's
# base image (scripts/base-image.sh, which installs debootstrap) and act (scripts/act/install.sh, from the Go
# module proxy). DEMO_KEEP=1 leaves it all up to look around; otherwise the demo stops the stack it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/node/bin:$PWD/node_modules/.bin:$PATH"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$SECONDS

# A stack that was up before the demo is left up; one the demo starts is stopped at the end (unless DEMO_KEEP=1).
stack_was_up=0
if scripts/stack/status.sh >/dev/null 2>&1; then stack_was_up=1; fi
# shellcheck disable=SC2317 # run by the EXIT trap below
stop_stack() {
  if [[ "${DEMO_KEEP:-}" != 1 && "$stack_was_up" == 0 ]]; then
    say "Stopping the stack the demo started"
    scripts/stack/down.sh || true
  fi
}
trap stop_stack EXIT

say "Local stack: Docker engine, registry at the ECR hostname, moto, Kubernetes with KWOK and one real node"
stack_started=$SECONDS
scripts/stack/up.sh
echo "stack up in $((SECONDS - stack_started))s"
# shellcheck disable=SC1091
source .stack/env

say "The app's base image (built locally: nothing can be pulled from Docker Hub) and nektos/act"
scripts/base-image.sh
echo "act: $(scripts/act/install.sh)"

say "The deployer's least-privilege ClusterRole (deploy/rbac/deployer.yaml)"
kubectl apply -f deploy/rbac/deployer.yaml >/dev/null
echo "applied"

rc=0
node --experimental-transform-types --disable-warning=ExperimentalWarning --import ./scripts/demo/ts-hooks.mjs \
  scripts/demo/main.ts || rc=$?
echo "make demo: $((SECONDS - started))s in all, exit $rc"
exit "$rc"
