#!/usr/bin/env bash
# Runs shellcheck over every tracked shell script: the *.sh files and any
# other tracked file whose first line is a bash or sh shebang (e.g. .ci/run).
# Installs Debian's shellcheck first when it is missing.
#
# Usage: scripts/shellcheck.sh [shellcheck args...]
set -euo pipefail
unset CDPATH

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

if ! command -v shellcheck >/dev/null; then
  echo "shellcheck: not found; installing Debian's package" >&2
  sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  # Shared with the stack's own apt calls (scripts/stack/lib.sh).
  "${sudo[@]}" flock /tmp/apt.lock bash -c '
    set -e
    apt-get update -o DPkg::Lock::Timeout=600 >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 shellcheck >/dev/null
  '
fi

mapfile -t scripts < <(
  {
    git ls-files --cached --others --exclude-standard -- '*.sh'
    git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
      [[ $file == *.sh || ! -f $file ]] && continue
      head -n1 "$file" 2>/dev/null | grep -qE '^#!(/usr)?/bin/(env )?(bash|sh)\b' && echo "$file"
    done
  } | sort -u
)
echo "shellcheck $(shellcheck --version | sed -n 's/^version: //p'): ${#scripts[@]} scripts" >&2
# .shellcheckrc: sourced files are followed relative to each script.
shellcheck "$@" "${scripts[@]}"
