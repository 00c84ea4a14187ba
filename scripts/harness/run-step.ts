/**
 * Runs a bundled action (dist/<name>/index.js) the way the GitHub runner does:
 * inputs as INPUT_* env with action.yml defaults applied, the GITHUB_OUTPUT,
 * GITHUB_STATE, GITHUB_ENV and GITHUB_STEP_SUMMARY files, then the post step
 * with the saved state as STATE_* env. Nothing in the action knows it is under test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
}

export interface StepResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** Every command line seen on the machine while the step ran, when `watchArgv` was set. */
  argvSeen: string[];
}

export interface ActionRun extends StepResult {
  post?: StepResult;
}

export interface RunOptions {
  inputs?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** The workspace the step runs in (GITHUB_WORKSPACE and cwd). */
  cwd?: string;
  /** Run the action's post step after main, as the runner does (default: when action.yml declares one). */
  post?: boolean;
  /** Sample /proc/<pid>/cmdline of every process while the step runs, to prove secrets stay out of argv. */
  watchArgv?: boolean;
  timeoutMs?: number;
  /** What `${{ github.token }}` in an action.yml default evaluates to; the runner fills in the job's token. */
  githubToken?: string;
}

interface ActionMetadata {
  inputs?: Record<string, { default?: unknown }>;
  runs: { using: string; main: string; post?: string };
}

function actionDir(name: string): string {
  return name === 'release' ? REPO_ROOT : join(REPO_ROOT, 'actions', name);
}

export function readActionMetadata(name: string): ActionMetadata {
  return parseYaml(readFileSync(join(actionDir(name), 'action.yml'), 'utf8')) as ActionMetadata;
}

/** The runner upper-cases the name and replaces spaces with underscores; hyphens stay. */
export function inputEnvName(input: string): string {
  return `INPUT_${input.replace(/ /g, '_').toUpperCase()}`;
}

/** Parses the `name<<delimiter` / `name=value` file format of GITHUB_OUTPUT and GITHUB_STATE. */
export function parseCommandFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, key, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      result[key!] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      result[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return result;
}

/** Workflow commands such as `::error file=a.py,line=3::message` as the runner would read them. */
export function parseAnnotations(stdout: string): Annotation[] {
  const found: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
      const at = pair.indexOf('=');
      properties[pair.slice(0, at)] = unescapeProperty(pair.slice(at + 1));
    }
    found.push({ level: match[1] as Annotation['level'], message: unescapeData(match[3]!), properties });
  }
  return found;
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

export interface RunningStep {
  child: ChildProcess;
  result: Promise<StepResult>;
}

interface StepFiles {
  dir: string;
  output: string;
  state: string;
  summary: string;
  env: string;
  path: string;
}

function makeStepFiles(root: string, phase: string): StepFiles {
  const dir = join(root, phase);
  mkdirSync(dir, { recursive: true });
  const files = {
    dir,
    output: join(dir, 'output'),
    state: join(dir, 'state'),
    summary: join(dir, 'summary.md'),
    env: join(dir, 'env'),
    path: join(dir, 'path'),
  };
  for (const file of [files.output, files.state, files.summary, files.env, files.path]) writeFileSync(file, '');
  return files;
}

function baseEnv(runDir: string, workspace: string): Record<string, string> {
  const eventPath = join(runDir, 'event.json');
  if (!existsSync(eventPath)) writeFileSync(eventPath, JSON.stringify({ repository: { full_name: 'flightdeck-dev/sample' } }));
  const runnerTemp = join(runDir, 'runner-temp');
  mkdirSync(runnerTemp, { recursive: true });
  return {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'flightdeck-dev/sample',
    GITHUB_REPOSITORY_OWNER: 'flightdeck-dev',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_JOB: 'e2e',
    GITHUB_ACTOR: 'flightdeck-bot',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9',
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_DEBUG: '1',
  };
}

function spawnStep(name: string, entry: string, env: Record<string, string>, files: StepFiles, options: RunOptions): RunningStep {
  const child = spawn(process.execPath, [join(REPO_ROOT, entry)], {
    cwd: options.cwd ?? REPO_ROOT,
    env: {
      ...env,
      GITHUB_OUTPUT: files.output,
      GITHUB_STATE: files.state,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const argvSeen = new Set<string>();
  const sampler = options.watchArgv ? setInterval(() => sampleArgv(argvSeen), 5) : undefined;
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
  const result = new Promise<StepResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      resolvePromise({
        exitCode,
        signal,
        stdout,
        stderr,
        outputs: parseCommandFile(readFileSync(files.output, 'utf8')),
        state: parseCommandFile(readFileSync(files.state, 'utf8')),
        summary: readFileSync(files.summary, 'utf8'),
        annotations: parseAnnotations(stdout),
        argvSeen: [...argvSeen],
      });
    });
  });
  void name;
  return { child, result };
}

function sampleArgv(seen: Set<string>): void {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmdline) seen.add(cmdline);
    } catch {
      // the process ended between readdir and read
    }
  }
}

/** The runner evaluates expressions in input defaults; the only one our action.yml files use is the job token. */
function evaluateDefault(value: unknown, githubToken: string): string {
  return String(value).replace(/\$\{\{\s*github\.token\s*\}\}/g, githubToken);
}

function inputEnv(name: string, inputs: Record<string, string>, githubToken: string): Record<string, string> {
  const metadata = readActionMetadata(name);
  const known = Object.keys(metadata.inputs ?? {});
  for (const given of Object.keys(inputs)) {
    if (!known.includes(given)) throw new Error(`Test passes input "${given}", which actions/${name}/action.yml does not declare.`);
  }
  const env: Record<string, string> = {};
  for (const [input, spec] of Object.entries(metadata.inputs ?? {})) {
    if (spec.default !== undefined) env[inputEnvName(input)] = evaluateDefault(spec.default, githubToken);
  }
  for (const [input, value] of Object.entries(inputs)) env[inputEnvName(input)] = value;
  return env;
}

function composeEnv(name: string, runDir: string, options: RunOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // A real step never inherits another step's inputs or state.
    if (value !== undefined && !key.startsWith('INPUT_') && !key.startsWith('STATE_') && !key.startsWith('GITHUB_')) env[key] = value;
  }
  Object.assign(env, baseEnv(runDir, options.cwd ?? REPO_ROOT), inputEnv(name, options.inputs ?? {}, options.githubToken ?? ''));
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Starts the main step and returns the live child, for tests that signal it (cancellation). */
export function startStep(name: string, options: RunOptions = {}): RunningStep & { runDir: string; env: Record<string, string> } {
  const runDir = mkdtempSync(join(tmpdir(), `fd-${name}-`));
  const env = composeEnv(name, runDir, options);
  const metadata = readActionMetadata(name);
  const step = spawnStep(name, entryPath(name, metadata.runs.main), env, makeStepFiles(runDir, 'main'), options);
  return { ...step, runDir, env };
}

function entryPath(name: string, main: string): string {
  return join(name === 'release' ? '' : join('actions', name), main);
}

/** Runs the post step with the state the main step saved, as the runner does after the job's steps. */
export async function runPost(
  name: string,
  main: { runDir: string; env: Record<string, string> },
  state: Record<string, string>,
  options: RunOptions = {},
): Promise<StepResult> {
  const metadata = readActionMetadata(name);
  if (!metadata.runs.post) throw new Error(`actions/${name}/action.yml declares no post step.`);
  const env = { ...main.env };
  for (const [key, value] of Object.entries(state)) env[`STATE_${key}`] = value;
  return spawnStep(name, entryPath(name, metadata.runs.post), env, makeStepFiles(main.runDir, 'post'), options).result;
}

export async function runStep(name: string, options: RunOptions = {}): Promise<ActionRun> {
  const started = startStep(name, options);
  const main = await started.result;
  const metadata = readActionMetadata(name);
  const wantPost = options.post ?? Boolean(metadata.runs.post);
  if (!wantPost || !metadata.runs.post) return main;
  return { ...main, post: await runPost(name, started, main.state, options) };
}
