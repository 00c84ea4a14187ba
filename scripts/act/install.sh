#!/usr/bin/env bash
# Builds nektos/act, the workflow engine that runs the shipped workflows locally, from the Go module proxy
# (its release binaries cannot be downloaded here) and prints the binary's path. Cached by version outside the
# repo, like buildx and the stack's tools:
#   ${FLIGHTDECK_CACHE:-$HOME/.cache/flightdeck}/act/<version>/act
# `go install module@version` verifies act's own go.sum against the checksum database, so every module it
# links is pinned by act's release.
#   ACT_VERSION   default v0.2.89 (the first with node24 actions and --local-repository for remote actions)
set -euo pipefail

version="${ACT_VERSION:-v0.2.89}"
dir="${FLIGHTDECK_CACHE:-$HOME/.cache/flightdeck}/act/$version"

if [[ ! -x "$dir/act" ]]; then
  # A non-login shell (CI, sudo) may lack Go's default install dir on PATH.
  if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then PATH="/usr/local/go/bin:$PATH"; fi
  command -v go >/dev/null || { echo "act-install: Go is needed to build act $version (see scripts/stack/README.md)" >&2; exit 1; }
  echo "act-install: building nektos/act $version from the Go module proxy (about 2.5 minutes, once)" >&2
  started=$SECONDS
  mkdir -p "$dir"
  # Built into a scratch GOBIN and moved, so an interrupted build never leaves a half-written binary behind.
  scratch="$(mktemp -d "$dir/.build.XXXXXX")"
  trap 'rm -rf "$scratch"' EXIT
  CGO_ENABLED=0 GOBIN="$scratch" nice -n 10 go install -trimpath -ldflags "-s -w" "github.com/nektos/act@$version" >&2
  mv -f "$scratch/act" "$dir/act"
  echo "act-install: built in $((SECONDS - started))s" >&2
fi
echo "$dir/act"
