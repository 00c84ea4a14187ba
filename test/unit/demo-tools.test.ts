/**
 * `make demo` on a fresh machine must install what it runs (README: "Both install what is missing"). It once
 * stopped at `base-image: error: debootstrap not found`. This test reads every script on the demo's path,
 * from scripts/demo.sh down through the stack's components, the TypeScript the demo runs (scripts/demo/main.ts
 * and every module it imports, scripts/act/ included), the act stand-ins it swaps in (test/act/), and what act
 * then runs: the workflows' `run:` steps and the local actions' sources. It lists each program they run, and
 * requires each to be a shell builtin or function, part of Debian's base system (an Essential, required or
 * important package on this machine), installed by one of the project's own scripts (the table below, each
 * entry checked against that script's text), or one of the few documented prerequisites.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { commandsOf, functionsOf } from './shell-commands';

const ROOT = resolve(import.meta.dirname, '../..');

/** Programs the project's scripts install, and the line of the installing script that proves it. */
const INSTALLED_BY: Record<string, { script: string; proof: RegExp }> = {
  debootstrap: { script: 'scripts/base-image.sh', proof: /apt-get install -y -o DPkg::Lock::Timeout=600 debootstrap/ },
  docker: { script: 'scripts/stack/components/docker.sh', proof: /ensure_apt docker\.io/ },
  curl: { script: 'scripts/stack/components/moto.sh', proof: /ensure_apt curl/ },
  openssl: { script: 'scripts/stack/k8s/pki.sh', proof: /ensure_apt openssl/ },
  htpasswd: { script: 'scripts/stack/components/registry.sh', proof: /ensure_apt docker-registry apache2-utils/ },
  'docker-registry': { script: 'scripts/stack/components/registry.sh', proof: /ensure_apt docker-registry/ },
  python3: { script: 'scripts/stack/components/moto.sh', proof: /ensure_apt python3-venv/ },
  kubectl: { script: 'scripts/stack/k8s/build.sh', proof: /K8S_COMMANDS=\(kube-apiserver kube-controller-manager kube-scheduler kubectl/ },
  containerd: { script: 'scripts/stack/components/node.sh', proof: /missing\+=\(containerd\)/ },
  // containerd's client, from the same package.
  ctr: { script: 'scripts/stack/components/node.sh', proof: /missing\+=\(containerd\)/ },
  iptables: { script: 'scripts/stack/components/node.sh', proof: /missing\+=\(iptables\)/ },
  nft: { script: 'scripts/stack/components/node.sh', proof: /missing\+=\(nftables\)/ },
  'iptables-save': { script: 'scripts/stack/components/node.sh', proof: /missing\+=\(iptables\)/ },
  gcc: { script: 'scripts/stack/node/pause.sh', proof: /stack_ensure_apt gcc libc6-dev/ },
  // The workflow engine the demo runs the pipeline with, built from the Go module proxy.
  act: { script: 'scripts/act/install.sh', proof: /go install -trimpath -ldflags "-s -w" "github\.com\/nektos\/act@\$version"/ },
  // binutils, which gcc depends on.
  strip: { script: 'scripts/stack/node/pause.sh', proof: /stack_ensure_apt gcc libc6-dev/ },
};

/** What the machine must have before `make`: each says where it is documented. */
const PREREQUISITES: Record<string, { documented: string; says: RegExp }> = {
  go: { documented: 'scripts/stack/README.md', says: /Building needs Go 1\.26 or newer/ },
  node: { documented: 'package.json', says: /"node": ">=24"/ },
  npm: { documented: 'Makefile', says: /npm ci --no-audit --no-fund/ },
  systemctl: { documented: 'scripts/stack/README.md', says: /systemd/ },
  // The checkout itself is a git clone; the demo commits to a scratch clone of it.
  git: { documented: 'README.md', says: /`make demo` needs .*git/ },
};

interface Use {
  command: string;
  where: string;
}

/** The scripts a script runs or sources, resolved the ways the project's scripts name them. */
function referencedScripts(file: string, source: string): string[] {
  const found = new Set<string>();
  // A script named in a comment is not run.
  const text = source
    .split('\n')
    .filter((line) => !/^\s*(#|\/\/|\*|\/\*)/.test(line))
    .join('\n');
  const dir = dirname(file);
  for (const match of text.matchAll(/(?<![\w$/.-])((?:\.\/)?scripts\/[\w./-]+\.(?:sh|mjs|ts))/g)) found.add(match[1]!.replace(/^\.\//, ''));
  for (const match of text.matchAll(/\$\(dirname "\$(?:0|\{BASH_SOURCE\[0\]\})"\)\/([\w./-]+\.sh)/g))
    found.add(relative(ROOT, resolve(ROOT, dir, match[1]!)));
  for (const match of text.matchAll(/\$STACK_LIB_DIR\/([\w./-]+\.sh)/g)) found.add(`scripts/stack/${match[1]}`);
  for (const match of text.matchAll(/\$repo_root\/(scripts\/[\w./-]+\.sh)/g)) found.add(match[1]!);
  // up.sh runs every component the stack knows (lib.sh's STACK_ALL_COMPONENTS).
  if (text.includes('$STACK_COMPONENT_DIR/$name.sh')) {
    const components = /STACK_ALL_COMPONENTS=\(([^)]*)\)/
      .exec(readFileSync(join(ROOT, 'scripts/stack/lib.sh'), 'utf8'))![1]!
      .trim()
      .split(/\s+/);
    for (const name of components) found.add(`scripts/stack/components/${name}.sh`);
  }
  // `npm run <script>` runs package.json's command.
  for (const match of text.matchAll(/npm run ([\w:-]+)/g)) {
    const command = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
      match[1]!
    ];
    for (const script of command?.match(/scripts\/[\w./-]+\.(?:mjs|sh)/g) ?? []) found.add(script);
  }
  if (/\.(ts|mjs)$/.test(file)) for (const imported of importsOf(file, text)) found.add(imported);
  // The act stand-ins (scripts/act/stand-ins.ts names their folders): act runs each one's action.yml main.
  for (const match of text.matchAll(/'(test\/act\/[\w-]+)'/g)) found.add(actionMain(match[1]!));
  // The workflow act runs (scripts/act/pipeline.ts's PIPELINE_WORKFLOW), with what it calls.
  for (const match of text.matchAll(/'(\.github\/workflows\/[\w-]+\.yml)'/g)) found.add(match[1]!);
  if (file.endsWith('.yml')) for (const called of workflowCalls(text)) found.add(called);
  return [...found].filter((script) => existsSync(join(ROOT, script)));
}

/** The repository's modules a TypeScript or JavaScript file imports, as the bundler and the demo's hook resolve them. */
function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  const specifiers = [
    ...[...text.matchAll(/^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?'(\.{1,2}\/[^']+)'/gm)]
      .filter((match) => !/^\s*(?:import|export)\s+type\s/.test(match[0]))
      .map((match) => match[1]!),
    // Lazy imports: await import('./publish').
    ...[...text.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)].map((match) => match[1]!),
  ];
  for (const specifier of specifiers) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), specifier));
    const candidate = [target, `${target}.ts`, `${target}/index.ts`].find(
      (path) => existsSync(join(ROOT, path)) && /\.(ts|mjs)$/.test(path),
    );
    if (candidate) found.push(candidate);
  }
  return found;
}

/** The file an action folder's action.yml runs (runs.main). */
function actionMain(folder: string): string {
  const metadata = parseYaml(readFileSync(join(ROOT, folder, 'action.yml'), 'utf8')) as { runs: { main: string } };
  return join(folder, metadata.runs.main);
}

interface WorkflowFile {
  jobs?: Record<string, { uses?: string; steps?: { uses?: string; run?: string }[] }>;
}

/**
 * What a workflow hands act besides its `run:` steps: the local reusable workflows it calls and the sources of
 * the repository's own actions it uses (`./.flightdeck/actions/<name>`, `./.flightdeck` for the root release).
 */
function workflowCalls(text: string): string[] {
  const workflow = parseYaml(text) as WorkflowFile;
  const found: string[] = [];
  for (const job of Object.values(workflow.jobs ?? {})) {
    if (job.uses?.startsWith('./')) found.push(job.uses.slice(2));
    for (const step of job.steps ?? []) {
      const local = /^\.\/\.flightdeck(?:\/actions\/([\w-]+))?$/.exec(step.uses ?? '');
      if (local) found.push(local[1] ? `actions/${local[1]}/index.ts` : 'actions/release/index.ts');
    }
  }
  return found;
}

/** The shell a workflow's `run:` steps execute, one script per step, with the line each starts at. */
function runScriptsOf(text: string): { script: string; line: number }[] {
  const workflow = parseYaml(text) as WorkflowFile;
  const lines = text.split('\n');
  const scripts: { script: string; line: number }[] = [];
  for (const job of Object.values(workflow.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (!step.run) continue;
      const first = step.run.split('\n')[0]!;
      scripts.push({ script: step.run, line: lines.findIndex((line) => line.includes(first)) + 1 });
    }
  }
  return scripts;
}

/** The demo's scripts, from scripts/demo.sh, transitively. */
function demoScripts(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of referencedScripts(file, readFileSync(join(ROOT, file), 'utf8'))) visit(next);
  };
  visit('scripts/demo.sh');
  return [...seen];
}

/**
 * Programs a JavaScript or TypeScript script starts by name (execFileSync('kubectl', …), spawn('docker', …), and
 * the actions' runCommand('docker', …) from packages/core/exec.ts).
 */
function programsOfJs(text: string): { command: string; line: number }[] {
  return [...text.matchAll(/\b(?:execFileSync|execFile|spawnSync|spawn|runCommand|mustRun|runProgram)\(\s*'([\w.-]+)'/g)].map((match) => ({
    command: match[1]!,
    line: text.slice(0, match.index).split('\n').length,
  }));
}

function usesOf(files: string[]): { uses: Use[]; functions: Set<string> } {
  const uses: Use[] = [];
  const functions = new Set<string>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const found = file.endsWith('.sh')
      ? commandsOf(text)
      : file.endsWith('.yml')
        ? runScriptsOf(text).flatMap(({ script, line }) =>
            commandsOf(script).map((use) => ({ command: use.command, line: line + use.line - 1 })),
          )
        : programsOfJs(text);
    for (const use of found) uses.push({ command: use.command, where: `${file}:${use.line}` });
    if (file.endsWith('.sh')) for (const name of functionsOf(text)) functions.add(name);
  }
  return { uses, functions };
}

const builtins = new Set(execFileSync('bash', ['-c', 'compgen -b; compgen -k'], { encoding: 'utf8' }).split('\n').filter(Boolean));
const hasDpkg = spawnSync('dpkg-query', ['--version']).status === 0;

/**
 * Which of `commands` come, on this machine, from a package every Debian install has (Essential, or priority
 * required or important). Three processes for all of them: dpkg is slow to start.
 */
function inBaseSystem(commands: string[]): Set<string> {
  const paths = spawnSync('bash', ['-c', 'for c in "$@"; do printf "%s\\t%s\\n" "$c" "$(command -v -- "$c")"; done', 'bash', ...commands], {
    encoding: 'utf8',
  })
    .stdout.split('\n')
    .map((line) => line.split('\t') as [string, string])
    .filter(([, path]) => path?.startsWith('/'));
  // /bin is /usr/bin on current Debian, and alternatives (awk → mawk) are links: dpkg knows one of the names.
  // pkill is a link to pgrep: one path can stand for several commands.
  const names = new Map<string, Set<string>>();
  for (const [command, path] of paths) {
    for (const candidate of [path, path.startsWith('/usr/') ? path.slice(4) : `/usr${path}`, realpathSync(path)]) {
      names.set(candidate, (names.get(candidate) ?? new Set()).add(command));
    }
  }
  const owners = new Map<string, string[]>();
  for (const line of spawnSync('dpkg-query', ['--search', ...names.keys()], { encoding: 'utf8' }).stdout.split('\n')) {
    const [packages, path] = line.split(': ');
    for (const command of (path && names.get(path.trim())) || []) {
      owners.set(command, [...(owners.get(command) ?? []), ...packages!.split(',').map((name) => name.trim())]);
    }
  }
  const packages = [...new Set([...owners.values()].flat())];
  const base = new Set(
    spawnSync('dpkg-query', ['-W', '-f', '${Package} ${Essential} ${Priority}\\n', ...packages], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((line) => / yes /.test(line) || / (required|important)$/.test(line))
      .map((line) => line.split(' ')[0]!.split(':')[0]!),
  );
  return new Set([...owners].filter(([, owned]) => owned.some((name) => base.has(name.split(':')[0]!))).map(([command]) => command));
}

describe("the demo's set-up", () => {
  const scripts = demoScripts();

  it('reads the whole path, down to the stack components and the base image', () => {
    for (const script of [
      'scripts/stack/up.sh',
      'scripts/stack/lib.sh',
      'scripts/stack/components/docker.sh',
      'scripts/stack/components/k8s.sh',
      'scripts/base-image.sh',
      'scripts/demo/main.ts',
      // What the demo imports, down to the act runner and the stand-in services.
      'scripts/act/pipeline.ts',
      'scripts/act/run-act.ts',
      'scripts/act/install.sh',
      'scripts/act/scratch-repo.ts',
      'test/support/eks-front.ts',
      // What act runs: the stand-ins, the workflows and the repository's own actions.
      'test/act/checkout/index.mjs',
      'test/act/setup-python/index.mjs',
      '.github/workflows/flask-app.yml',
      '.github/workflows/pr-checks.yml',
      '.github/workflows/deploy.yml',
      'actions/build-push-ecr/index.ts',
      'actions/release/index.ts',
      'packages/docker/docker.ts',
    ]) {
      expect(scripts).toContain(script);
    }
  });

  it('finds the programs the pipeline under act runs', () => {
    const commands = new Set(usesOf(scripts).uses.map((use) => use.command));
    // git: the scratch repository and the checkout stand-in; docker: build-push-ecr; npm: the commit lint step.
    for (const command of ['git', 'docker', 'npm']) expect(commands, command).toContain(command);
  });

  it('finds the program that once stopped a fresh machine', () => {
    expect(usesOf(['scripts/base-image.sh']).uses.map((use) => use.command)).toContain('debootstrap');
  });

  it.skipIf(!hasDpkg)(
    'runs only programs that are built in, in the base system, installed by its own scripts, or documented prerequisites',
    () => {
      const { uses, functions } = usesOf(scripts);
      const candidates = uses.filter(
        ({ command }) => !builtins.has(command) && !functions.has(command) && !INSTALLED_BY[command] && !PREREQUISITES[command],
      );
      const base = inBaseSystem([...new Set(candidates.map(({ command }) => command))]);
      const unexplained = new Map<string, string[]>();
      for (const { command, where } of candidates.filter(({ command }) => !base.has(command))) {
        unexplained.set(command, [...(unexplained.get(command) ?? []), where]);
      }
      const report = [...unexplained].map(([command, where]) => `${command} (${where.join(', ')})`);
      expect(
        report,
        'install these in the script that needs them (as scripts/stack/lib.sh ensure_apt does), then list them in INSTALLED_BY',
      ).toEqual([]);
    },
  );

  it('installs each tool where the table says, on the demo path', () => {
    for (const [command, { script, proof }] of Object.entries(INSTALLED_BY)) {
      expect(scripts, `${command}: ${script}`).toContain(script);
      expect(readFileSync(join(ROOT, script), 'utf8'), `${command}: ${script}`).toMatch(proof);
    }
    for (const [command, { documented, says }] of Object.entries(PREREQUISITES)) {
      expect(readFileSync(join(ROOT, documented), 'utf8'), `${command}: ${documented}`).toMatch(says);
    }
  });
});
