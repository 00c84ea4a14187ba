import { describe, expect, it } from 'vitest';
import { commandsOf, functionsOf } from './shell-commands';

const commands = (script: string) => commandsOf(script).map((use) => use.command);

describe('the programs a script runs', () => {
  it('reads pipelines, lists, substitutions (inside quotes too) and the commands prefixes run', () => {
    const script = [
      'set -euo pipefail',
      'x="$(git rev-parse HEAD)" && sha256sum "$f" | cut -d" " -f1 || die "no: a; b (c)"',
      'if ! flock /tmp/apt.lock env DEBIAN_FRONTEND=noninteractive apt-get install -y curl; then',
      '  nice -n 10 go build ./...; sudo -n true',
      'fi',
      'run_logged "$log" \'label\' docker pull x',
      'exec 9>"$lock"',
      'exec dockerd --iptables=false',
      'find . -name x | xargs -r rm -f',
    ].join('\n');
    expect(commands(script)).toEqual(['set', 'git', 'sha256sum', 'cut', 'die', 'apt-get', 'go', 'true', 'docker', 'dockerd', 'find', 'rm']);
  });

  it('skips comments, heredoc bodies, multi-line quotes and arrays, case patterns, tests and arithmetic', () => {
    const script = [
      '# curl is mentioned here only',
      'cat <<EOF',
      'wget this is text',
      'EOF',
      "awk '",
      '  { print } END { exit 1 }',
      "' file",
      'FILES=(ca.crt',
      '  ca.key)',
      '[[ -s f ]] || found+=("saved host state" \'two words\')',
      'case "$1" in',
      '  up | down) "$1"_run ;;',
      '  status) report ;;',
      'esac',
      '[[ -f x && -n y ]] && echo yes',
      '(( n += 1 )); echo $((n * 2))',
      'for name in a b; do echo "$name"; done',
      'command -v debootstrap >/dev/null',
      '"$venv/bin/pip" install x; ./local-tool',
    ].join('\n');
    expect(commands(script)).toEqual(['cat', 'awk', 'report', 'echo', 'echo', 'echo']);
  });

  it('names the functions a script defines', () => {
    expect(functionsOf('log() { :; }\nfunction die {\n:\n}\n  ensure_apt() {\n')).toEqual(['log', 'die', 'ensure_apt']);
  });
});
