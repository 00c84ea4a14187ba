#!/usr/bin/env bash
# Builds the docker buildx CLI plugin from the Go module proxy (its release binaries cannot be downloaded here,
# and Debian bookworm packages none) and prints the binary's path. Cached by version outside the repo:
#   ${FLIGHTDECK_CACHE:-$HOME/.cache/flightdeck}/buildx/<version>/buildx
# Nothing is installed system-wide: a test links it into its own $DOCKER_CONFIG/cli-plugins, so every other
# docker user on the machine keeps the classic builder.
#   BUILDX_VERSION   default v0.38.2 (tagged dependencies only; older releases pin docker/cli pseudo-versions
#                    that the module proxy refuses)
set -euo pipefail

version="${BUILDX_VERSION:-v0.38.2}"
dir="${FLIGHTDECK_CACHE:-$HOME/.cache/flightdeck}/buildx/$version"

if [[ ! -x "$dir/buildx" ]]; then
  command -v go >/dev/null || { echo "install-buildx: Go is needed to build buildx $version (apt-get install golang or see scripts/stack)" >&2; exit 1; }
  echo "install-buildx: building docker buildx $version from the Go module proxy (about 13 minutes on 2 busy cores, once)" >&2
  started=$SECONDS
  mkdir -p "$dir"
  CGO_ENABLED=0 GOBIN="$dir" go install -ldflags "-X github.com/docker/buildx/version.Version=$version" \
    "github.com/docker/buildx/cmd/buildx@$version" >&2
  echo "install-buildx: built in $((SECONDS - started))s" >&2
fi
echo "$dir/buildx"
