#!/usr/bin/env bash
# Audits .github/workflows with zizmor, installing it first if needed (PyPI, pinned in scripts/lint-requirements.txt,
# into .venv/lint). Offline: the audits that would ask the GitHub API are skipped. Any finding of medium severity or
# above fails; an ignore must be an inline "# zizmor: ignore[<audit>]" comment with its reason beside it.
#
# Usage: scripts/zizmor.sh [zizmor args...]
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lint-venv.sh
source "$repo_root/scripts/lint-venv.sh"
ensure_lint_venv

cd "$repo_root"
echo "zizmor $("$lint_venv/bin/zizmor" --version | cut -d' ' -f2): .github/workflows" >&2
"$lint_venv/bin/zizmor" --offline --min-severity medium --no-progress "$@" .github/workflows
