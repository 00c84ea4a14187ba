/**
 * Runs one of the shipped workflows under nektos/act, in host mode (no job containers), the way a fresh
 * self-hosted runner would: a clean environment with only what the job needs (as `env -i` would), Node 24
 * first on PATH (act runs node24 actions on whatever `node` it finds, and never checks the version), the
 * three third-party actions swapped for their local stand-ins, and nothing that can reach off the machine
 * (no version check, no cache server bound to an outbound address, no action downloads).
 *
 * Variables and secrets go to act in files, dispatch inputs in the event payload, never in argv. act's --json log is parsed as it
 * streams and never written anywhere: its fields carry secrets unmasked (see act-log.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ActLogParser, type ActJob, type ActLog } from './act-log';
import { standInFlags } from './stand-ins';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const NODE24_BIN = join(REPO_ROOT, 'node_modules/node/bin');
/** Where the tools and the runner's caches live between runs, as the stack's builds do. */
export const CACHE_DIR = process.env.FLIGHTDECK_CACHE ?? join(process.env.HOME ?? tmpdir(), '.cache/flightdeck');
const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export type ActEvent = 'push' | 'pull_request' | 'workflow_dispatch';

export interface ActRunOptions {
  /** The repository act runs in: its HEAD is github.sha, its .github/workflows what runs. */
  repositoryDir: string;
  event: ActEvent;
  payload: Record<string, unknown>;
  /** The workflow file, relative to the repository. */
  workflow: string;
  /** The runner's environment for every step (act --env-file), on top of act's GITHUB_* variables. */
  env?: Record<string, string>;
  /** Configuration variables (vars.*). act has one flat set: environment-scoped ones cannot be told apart. */
  vars?: Record<string, string>;
  /** Secrets (secrets.*), GITHUB_TOKEN included; masked in the log. */
  secrets?: Record<string, string>;
  /** workflow_dispatch inputs, given to act in the event payload (see dispatchPayload). */
  inputs?: Record<string, string>;
  /** Each masked log line, as it comes (progress for a demo, nothing for a test). */
  onLine?: (line: string) => void;
  timeoutMs?: number;
}

export interface ActRun extends ActLog {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  /** The job act calls `name` ("flask-app/checks/test"); throws, listing the jobs, when there is none. */
  job(name: string): ActJob;
}

/** Builds act once per version into the cache (scripts/act/install.sh) and returns its path. */
export function ensureAct(): string {
  return execFileSync(join(REPO_ROOT, 'scripts/act/install.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** The act process's whole environment: what a bare runner host has, and the caches that keep runs offline and quick. */
export function actProcessEnv(home: string): Record<string, string> {
  return {
    PATH: [NODE24_BIN, ...SYSTEM_PATH].join(':'),
    HOME: home,
    LANG: 'C.UTF-8',
    ACT_DISABLE_VERSION_CHECK: '1',
    // Shared with later runs, as a self-hosted runner's caches are: pip and npm answer from them when they can.
    PIP_CACHE_DIR: join(CACHE_DIR, 'act/pip'),
    npm_config_cache: join(CACHE_DIR, 'act/npm'),
  };
}

function checkNode24(): void {
  let version = '';
  try {
    version = execFileSync(join(NODE24_BIN, 'node'), ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // reported below
  }
  if (!/^v24\./.test(version)) {
    throw new Error(
      `${NODE24_BIN}/node is ${version || 'missing'}; act runs node24 actions on it. Run "npm ci" (the node@24 devDependency).`,
    );
  }
}

/**
 * The event payload act reads, with the dispatch inputs in its `inputs`, as GitHub sends them. act takes a
 * workflow_dispatch's inputs from there (github.event.inputs and inputs alike); its --input-file cannot carry
 * them, since its parser (godotenv) refuses a "-" in a name, and the workflows' inputs are named image-ref,
 * bake-time. Inputs of any other event are an error: GitHub sends none.
 */
export function dispatchPayload(
  event: ActEvent,
  payload: Record<string, unknown>,
  inputs: Record<string, string>,
): Record<string, unknown> {
  if (Object.keys(inputs).length === 0) return payload;
  if (event !== 'workflow_dispatch') throw new Error(`a ${event} event takes no inputs; only workflow_dispatch does`);
  return { ...payload, inputs: { ...((payload.inputs as Record<string, string> | undefined) ?? {}), ...inputs } };
}

/** KEY=value lines for act's --env-file, --var-file and --secret-file (godotenv syntax). */
function dotenv(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) throw new Error(`"${key}" is not a variable name act accepts`);
      if (/[\n\r]/.test(value)) throw new Error(`the value of ${key} spans lines, which act's files cannot carry`);
      return `${key}=${JSON.stringify(value)}`;
    })
    .join('\n');
}

export async function runAct(options: ActRunOptions): Promise<ActRun> {
  checkNode24();
  const act = ensureAct();
  const runDir = mkdtempSync(join(tmpdir(), 'fd-act-run-'));
  const home = join(runDir, 'home');
  mkdirSync(home);
  const file = (name: string, text: string) => {
    const path = join(runDir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const args = [
    options.event,
    '--workflows',
    options.workflow,
    '--eventpath',
    file('event.json', JSON.stringify(dispatchPayload(options.event, options.payload, options.inputs ?? {}))),
    // Host mode: steps run on this machine, as on a self-hosted runner.
    '-P',
    'ubuntu-24.04=-self-hosted',
    '-P',
    'ubuntu-latest=-self-hosted',
    // act's cache server would listen on the outbound address, not loopback; nothing here uses actions/cache.
    '--no-cache-server',
    '--action-offline-mode',
    '--action-cache-path',
    join(runDir, 'actions'),
    // Both checkouts go through the stand-in, so the job sees the commit, not act's copy of the working tree.
    '--no-skip-checkout',
    '--defaultbranch',
    'main',
    '--actor',
    'flightdeck-bot',
    '--env-file',
    file('env', dotenv(options.env ?? {})),
    '--var-file',
    file('vars', dotenv(options.vars ?? {})),
    '--secret-file',
    file('secrets', dotenv(options.secrets ?? {})),
    ...standInFlags(REPO_ROOT, options.workflow),
    '--json',
  ];
  const started = Date.now();
  const parser = new ActLogParser();
  const child = spawn(act, args, {
    cwd: options.repositoryDir,
    env: actProcessEnv(home),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let seen = 0;
  const forward = () => {
    for (; seen < parser.lines.length; seen++) options.onLine?.(parser.lines[seen]!);
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    parser.push(chunk);
    forward();
  });
  // act's own errors ("Error: Job 'x' failed") come on stderr as plain lines.
  let stderrPartial = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (stderrPartial + chunk).split('\n');
    stderrPartial = lines.pop() ?? '';
    lines.forEach((line) => parser.plain(line));
    forward();
  });
  // The whole process group: act's steps (docker builds, pip) must not outlive a run that timed out.
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), options.timeoutMs ?? 20 * 60_000);
  const { exitCode, signal } = await new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => resolveRun({ exitCode: code, signal: sig }));
  });
  clearTimeout(timer);
  parser.plain(stderrPartial);
  const log = parser.end();
  forward();
  rmSync(runDir, { recursive: true, force: true });
  return {
    ...log,
    exitCode,
    signal,
    durationMs: Date.now() - started,
    job(name) {
      const job = log.jobs.get(name);
      if (!job) throw new Error(`act ran no job "${name}"; it ran: ${[...log.jobs.keys()].join(', ') || 'none'}`);
      return job;
    },
  };
}
