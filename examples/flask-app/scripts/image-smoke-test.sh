#!/usr/bin/env bash
# Builds the app's image and checks the running container end to end: the probes, the version
# baked from the build argument, the notes API, the Docker HEALTHCHECK, the non-root user, a
# read-only root filesystem (as in the Kubernetes manifest), and a clean stop on SIGTERM.
#
# Usage: examples/flask-app/scripts/image-smoke-test.sh
# Needs: a running Docker engine, curl, root for the first base image build.
# Environment: SMOKE_PORT (default 18080), the host port the container is published on.
set -euo pipefail

app_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_root=$(cd "$app_dir/../.." && pwd)
port=${SMOKE_PORT:-18080}
version="smoke-$(date +%s)"
image="flask-app:$version"
container="flask-app-smoke-$$"
base_url="http://127.0.0.1:$port"
failures=0

log() { printf 'smoke: %s\n' "$*" >&2; }
check() {
  local what=$1 expected=$2 actual=$3
  if [[ $actual == "$expected" ]]; then
    log "ok   $what"
  else
    log "FAIL $what: expected '$expected', got '$actual'"
    failures=$((failures + 1))
  fi
}
cleanup() {
  docker rm -f "$container" >/dev/null 2>&1 || true
  docker rmi "$image" >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$repo_root/scripts/base-image.sh"

log "building $image"
build_started=$(date +%s)
DOCKER_BUILDKIT=0 docker build --quiet --build-arg APP_VERSION="$version" -t "$image" "$app_dir" >/dev/null
log "built in $(($(date +%s) - build_started))s, $(($(docker image inspect -f '{{.Size}}' "$image") / 1000 / 1000)) MB"

# Read-only root and writable tmpfs for the SQLite file and /tmp, as the Deployment mounts them.
docker run -d --name "$container" -p "127.0.0.1:$port:8080" \
  --read-only --tmpfs /tmp --tmpfs /app/instance:uid=10001,gid=10001,mode=0700 \
  "$image" >/dev/null

for _ in $(seq 1 60); do
  curl -fs "$base_url/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done

check "GET /healthz" '{"status":"ok"}' "$(curl -s "$base_url/healthz")"
check "GET /readyz" '200 {"status":"ready"}' "$(curl -s -w '%{http_code} ' -o /tmp/$container.body "$base_url/readyz"; cat /tmp/$container.body)"
check "GET /version" "{\"version\":\"$version\"}" "$(curl -s "$base_url/version")"

created=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' -d '{"title":"smoke","body":"from the image"}' "$base_url/api/notes")
check "POST /api/notes status" 201 "${created##* }"
note_id=$(sed -E 's/.*"id":([0-9]+).*/\1/' <<<"${created% *}")
check "GET /api/notes/$note_id" smoke "$(curl -s "$base_url/api/notes/$note_id" | sed -E 's/.*"title":"([^"]*)".*/\1/')"
check "POST invalid note" 400 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{"title":""}' "$base_url/api/notes")"
check "DELETE /api/notes/$note_id" 204 "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$base_url/api/notes/$note_id")"
check "GET deleted note" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$base_url/api/notes/$note_id")"
rm -f "/tmp/$container.body"

check "runs as" "10001:10001" "$(docker exec "$container" sh -c 'echo "$(id -u):$(id -g)"')"
check "root filesystem is read-only" "read-only" \
  "$(docker exec "$container" sh -c 'touch /app/x 2>/dev/null && echo writable || echo read-only')"

for _ in $(seq 1 40); do
  [[ $(docker inspect -f '{{.State.Health.Status}}' "$container") == healthy ]] && break
  sleep 1
done
check "Docker HEALTHCHECK" healthy "$(docker inspect -f '{{.State.Health.Status}}' "$container")"

check "no ERROR lines in the container log" 0 "$(docker logs "$container" 2>&1 | grep -c '\[ERROR\]' || true)"
log "memory in use: $(docker stats --no-stream --format '{{.MemUsage}}' "$container")"

stop_started=$(date +%s)
docker stop -t 20 "$container" >/dev/null
stop_seconds=$(($(date +%s) - stop_started))
check "stops on SIGTERM, exit code" 0 "$(docker inspect -f '{{.State.ExitCode}}' "$container")"
log "stopped in ${stop_seconds}s"

if ((failures > 0)); then
  log "$failures check(s) failed; container logs:"
  docker logs "$container" 2>&1 | tail -n 30 >&2
  exit 1
fi
log "all checks passed"
