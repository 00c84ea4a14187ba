#!/usr/bin/env bash
# Every infrastructure check, in one command (called by `make test`):
#   cfn-lint and checkov on infra/cloudformation/, the security properties,
#   a deployment of every template into moto's CloudFormation (its own moto
#   server on 127.0.0.1:${INFRA_MOTO_PORT:-5055}), and a browser render of every
#   Mermaid block in docs/architecture.md.
# It installs what is missing first: the .venv/infra virtualenv and Debian's
# chromium. The npm tools (mermaid-cli, puppeteer) come with the root `npm ci`.
# Extra arguments go to pytest, e.g. `infra/tests/run.sh -k security`.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
started=$(date +%s)

venv="$repo_root/.venv/infra"
# The lock pins every transitive package of infra/requirements.txt.
requirements="$repo_root/infra/requirements.lock"
node24="$repo_root/node_modules/.bin/node"

say() { printf 'infra: %s\n' "$*"; }
die() { printf 'infra: error: %s\n' "$*" >&2; exit 2; }

# One run at a time in this work tree: two would reinstall the same venv and
# node_modules under each other, and race for the moto port.
mkdir -p "$repo_root/.cache/infra"
exec 9> "$repo_root/.cache/infra/run.lock"
flock 9 || die "cannot lock $repo_root/.cache/infra/run.lock"

# --- Python tools: reinstalled only when infra/requirements.lock changes ---
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" ]]; then
  say "creating $venv"
  python3 -m venv "$venv" || die "python3 -m venv failed; install python3-venv"
fi
if [[ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  say "installing $requirements into $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$wanted" > "$stamp"
fi

# --- Debian's chromium, for the Mermaid render (puppeteer's own download is not reachable) ---
if [[ ! -x /usr/bin/chromium ]]; then
  say "installing Debian's chromium"
  if ! flock /tmp/apt.lock apt-get install -y -o DPkg::Lock::Timeout=600 chromium >/dev/null; then
    flock /tmp/apt.lock apt-get update >/dev/null
    flock /tmp/apt.lock apt-get install -y -o DPkg::Lock::Timeout=600 chromium >/dev/null
  fi
fi

# --- mermaid-cli and puppeteer come from the root package.json (npm ci, `make deps`) ---
[[ -x "$node24" ]] || die "$node24 is missing: run 'npm ci' at the repository root (make deps) first"
for package in @mermaid-js/mermaid-cli puppeteer; do
  [[ -f "$repo_root/node_modules/$package/package.json" ]] \
    || die "node_modules/$package is missing: run 'npm ci' at the repository root (make deps) first"
done

say "tools ready after $(( $(date +%s) - started ))s; running the checks"
# exec: pytest's own summary ("N passed in Ns") is the last line, and its exit code is ours.
INFRA_NODE="$node24" exec "$venv/bin/pytest" -c infra/tests/pytest.ini infra/tests -p no:cacheprovider "$@"
