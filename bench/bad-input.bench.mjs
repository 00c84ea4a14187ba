// Time to refusal: how long each bundled action takes, from spawn to exit, to refuse one bad input
// (the run a typo costs). The deploy actions are timed twice: with an EKS cluster name, and with a
// kubeconfig file, which they parse with the other inputs (the kubeconfig parser and YAML are loaded
// on demand, for that case only). `BENCH_DIST=<dir>` times another build, e.g. an older dist/.
// Run alone with `node bench/bad-input.bench.mjs`. Nothing here asserts timing; it checks each run was refused.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.env.BENCH_DIST ?? join(root, 'dist'));
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'fd-bench-bad-input-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  [
    'apiVersion: v1',
    'kind: Config',
    'current-context: bench',
    'clusters: [{name: bench, cluster: {server: "https://127.0.0.1:1"}}]',
    'users: [{name: bench, user: {token: bench-token}}]',
    'contexts: [{name: bench, context: {cluster: bench, user: bench}}]',
    '',
  ].join('\n'),
  { mode: 0o600 },
);

const EKS = { 'cluster-name': 'prod', 'aws-region': 'us-east-1' };
const KUBECONFIG = { kubeconfig };
/** One bad input per action, the others valid: [case, inputs]. */
const CASES = {
  'build-push-ecr': [['repository missing', {}]],
  'run-tests': [['annotations-limit "many"', { 'annotations-limit': 'many' }]],
  ...Object.fromEntries(
    ['canary-deploy', 'release'].map((action) => [
      action,
      [
        ['percentage 0, EKS', { ...EKS, manifests: 'k8s/', percentage: '0' }],
        ['percentage 0, kubeconfig', { ...KUBECONFIG, manifests: 'k8s/', percentage: '0' }],
      ],
    ]),
  ),
  ...Object.fromEntries(
    ['rolling-promote', 'rollback'].map((action) => [
      action,
      [
        ['deployment "Bad Name", EKS', { ...EKS, deployment: 'Bad Name' }],
        ['deployment "Bad Name", kubeconfig', { ...KUBECONFIG, deployment: 'Bad Name' }],
      ],
    ]),
  ),
};

function stepEnv(inputs) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: dir };
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV']) {
    env[name] = join(dir, name.toLowerCase());
    writeFileSync(env[name], '');
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return env;
}

// CPU time, user and system, as the child counts it at exit: the wall time moves with the machine's load, this much less.
const CPU_MARK = '##bench-cpu ';
const CPU_HOOK = `data:text/javascript,${encodeURIComponent(
  `import { writeSync } from 'node:fs'; process.on('exit', () => { const { user, system } = process.cpuUsage(); writeSync(2, '\\n${CPU_MARK}' + (user + system) / 1000 + '\\n'); });`,
)}`;

/** Milliseconds from spawn to exit, with the exit code and whether the run reported an error annotation. */
function timeToExit(args, env) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolvePromise({
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        cpuMs: Number(output.split(CPU_MARK)[1]?.split('\n')[0]),
        code,
        refused: output.includes('::error::'),
      }),
    );
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const baseline = [];
for (let i = 0; i <= RUNS; i++) baseline.push(await timeToExit(['--import', CPU_HOOK, '-e', '0'], stepEnv({})));
const ms = (value) => `${value.toFixed(1)} ms`;
const summary = (runs) =>
  [median(runs.map((run) => run.ms)), Math.min(...runs.map((run) => run.ms)), median(runs.map((run) => run.cpuMs))].map(ms).join(' | ');
console.log(`${dist}, Node ${process.version}, median of ${RUNS} runs.`);
console.log('');
// The fastest run too: on a shared machine the median moves with the load, the fastest run and the CPU time much less.
console.log('| action | bad input | time to refusal, median | fastest | CPU time, median | exit code | refused |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
console.log(`| (\`node -e 0\`) | | ${summary(baseline.slice(1))} | 0 | |`);
for (const [action, cases] of Object.entries(CASES)) {
  const bundle = join(dist, action, 'index.js');
  if (!existsSync(bundle)) continue;
  for (const [name, inputs] of cases) {
    const env = stepEnv(inputs);
    await timeToExit(['--import', CPU_HOOK, bundle], env); // warm the page cache once
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await timeToExit(['--import', CPU_HOOK, bundle], env));
    const last = runs.at(-1);
    const refused = runs.every((run) => run.refused && run.code === 1);
    console.log(`| ${action} | ${name} | ${summary(runs)} | ${last.code} | ${refused ? 'yes' : 'NO'} |`);
  }
}
