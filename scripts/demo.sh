#!/usr/bin/env bash
# `make demo`: the whole pipeline on this machine, as GitHub would run it, against the local stack:
# test → build and push to "ECR" → first release → canary, analysis and promotion → a bad release rolled back.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Local stack (Docker engine, registry at the ECR hostname, moto, Kubernetes with KWOK)"
scripts/stack/up.sh
# shellcheck disable=SC1091
source .stack/env

say "Base image for the sample app (built locally: nothing can be pulled from Docker Hub)"
scripts/base-image.sh

say "Bundles"
[[ -f dist/release/index.js && -f dist/run-tests/index.js && -f dist/build-push-ecr/index.js ]] || npm run build

say "Namespace flask-app-demo, with the deployer ServiceAccount bound to the least-privilege Role"
kubectl apply -f deploy/rbac/deployer.yaml >/dev/null
kubectl create namespace flask-app-demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl create rolebinding flightdeck-deployer -n flask-app-demo --clusterrole=flightdeck-deployer \
  --serviceaccount=flightdeck-system:flightdeck-deployer --dry-run=client -o yaml | kubectl apply -f - >/dev/null

node scripts/demo.mjs
