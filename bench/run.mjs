// `npm run bench`: bundle size and cold start of every action, then each bench/*.bench.mjs in turn.
// `npm run bench -- startup` (or a suite's file name, e.g. `deploy`) runs only those parts.
// Figures go to stdout and to bench/results.json for the issue notes; nothing here asserts timing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BUNDLE_LIMIT = 1024 * 1024;
// The leanest peer on its missing-input path, measured on Node 24 (issue 2): Azure/k8s-deploy.
const PEER = { name: 'Azure/k8s-deploy', overheadMs: 46, rssMb: 66 };
// Every action is started on its bad-input path, as the peer was: all inputs empty, except `run-tests`,
// whose inputs are all optional (empty inputs would run pytest over this repository).
const BAD_INPUT = { 'run-tests': { 'INPUT_ANNOTATIONS-LIMIT': 'many' } };
const parts = process.argv.slice(2);
const wanted = (part) => parts.length === 0 || parts.some((p) => part.startsWith(p));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Milliseconds from spawn to the first byte on stdout or stderr (or exit), with the action's inputs all empty. */
function timeToFirstOutput(args, env) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let first;
    const mark = () => (first ??= Number(process.hrtime.bigint() - started) / 1e6);
    child.stdout.once('data', mark);
    child.stderr.once('data', mark);
    child.on('error', reject);
    child.on('close', () => resolvePromise(first ?? Number(process.hrtime.bigint() - started) / 1e6));
  });
}

/** Peak RSS in MB through GNU time, when the machine has it. */
function peakRssMb(args, env) {
  if (!existsSync('/usr/bin/time')) return undefined;
  const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { env, encoding: 'utf8' });
  const kb = Number(result.stderr.trim().split('\n').pop());
  return Number.isFinite(kb) ? kb / 1024 : undefined;
}

function stepEnv() {
  const dir = mkdtempSync(join(tmpdir(), 'fd-bench-'));
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: dir };
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV']) {
    env[name] = join(dir, name.toLowerCase());
    writeFileSync(env[name], '');
  }
  return env;
}

async function sample(args, env) {
  await timeToFirstOutput(args, env); // warm the page cache once
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(await timeToFirstOutput(args, env));
  return median(times);
}

const results = { node: process.version, runs: RUNS, actions: {}, suites: {} };
const env = stepEnv();
if (wanted('startup')) await startupTable();

async function startupTable() {
  const baseline = await sample(['-e', '0'], env);
  const baselineRss = peakRssMb(['-e', '0'], env);
  results.baseline = { startMs: baseline, rssMb: baselineRss };
  console.log(
    `Node ${process.version}, median of ${RUNS} runs. Baseline \`node -e 0\`: ${baseline.toFixed(1)} ms, ${baselineRss?.toFixed(0) ?? '?'} MB RSS`,
  );
  console.log('');
  console.log(
    '| action | entry | with chunks | entry ≤ 1 MB | first output | overhead | peak RSS | vs ' +
      PEER.name +
      ' (+' +
      PEER.overheadMs +
      ' ms, ' +
      PEER.rssMb +
      ' MB) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const distDir = join(root, 'dist');
  for (const name of existsSync(distDir) ? readdirSync(distDir).sort() : []) {
    const bundle = join(distDir, name, 'index.js');
    if (!existsSync(bundle)) continue;
    const bytes = statSync(bundle).size;
    // Chunks are loaded on demand (after the inputs validate), so the entry alone decides the start-up.
    const allBytes = readdirSync(join(distDir, name))
      .filter((f) => f.endsWith('.js'))
      .reduce((sum, f) => sum + statSync(join(distDir, name, f)).size, 0);
    const actionEnv = { ...env, ...BAD_INPUT[name] };
    const start = await sample([bundle], actionEnv);
    const rss = peakRssMb([bundle], actionEnv);
    const overhead = start - baseline;
    results.actions[name] = { bytes, allBytes, startMs: start, overheadMs: overhead, rssMb: rss };
    const verdict = overhead <= PEER.overheadMs && (rss === undefined || rss <= PEER.rssMb) ? 'at or under' : 'over';
    console.log(
      `| ${name} | ${(bytes / 1024).toFixed(0)} KiB | ${(allBytes / 1024).toFixed(0)} KiB | ${bytes <= BUNDLE_LIMIT ? 'yes' : 'NO'} | ${start.toFixed(1)} ms | +${overhead.toFixed(1)} ms | ${rss?.toFixed(0) ?? '?'} MB | ${verdict} |`,
    );
  }
}

for (const file of readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.mjs') && wanted(f))
  .sort()) {
  console.log(`\n## ${file}`);
  const run = spawnSync(process.execPath, [join(root, 'bench', file)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: process.env,
  });
  process.stdout.write(run.stdout);
  results.suites[file] = { exitCode: run.status, output: run.stdout };
  if (run.status !== 0) console.log(`(${file} exited with ${run.status})`);
}
writeFileSync(join(root, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log('\nWrote bench/results.json');
