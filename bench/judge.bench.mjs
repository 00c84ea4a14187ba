// The canary judge on large sample sets: how long one judgement takes at the sizes the engine can feed it
// (runner load and service-proxy probes give per-request samples; CloudWatch gives counts in the millions),
// and what the defaults catch and wrongly fail on synthetic data with known answers.
// Imports the TypeScript sources directly (Node 24 strips the types). Run alone with
// `node bench/judge.bench.mjs`, or through `npm run bench`. Nothing here asserts; it measures and prints.
import './ts-sources.mjs';

const { judge } = await import('../packages/analysis/judge.ts');
const { exactDistribution } = await import('../packages/analysis/stats/mann-whitney.ts');
const { binomialCount, logNormalSamples, seededRandom } = await import('../packages/analysis/stats/seeded-random.ts');

const RUNS = Number(process.env.BENCH_JUDGE_RUNS ?? 7);

function time(fn) {
  fn(); // warm up the JIT once
  const times = [];
  const cpu = [];
  for (let i = 0; i < RUNS; i++) {
    const usage = process.cpuUsage();
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
    const used = process.cpuUsage(usage);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { medianMs: median(times), medianCpuMs: median(cpu) };
}

const latency = (canary, baseline) => ({ kind: 'distribution', name: 'latency', source: 'http', unit: 'ms', canary, baseline });
const errors = (canary, baseline) => ({ kind: 'rate', name: 'errors', source: 'cloudwatch', canary, baseline });

const results = { runs: RUNS, speed: [], accuracy: [] };

// --- speed -------------------------------------------------------------------------------------------
const random = seededRandom(42);
for (const n of [1_000, 10_000, 100_000]) {
  const canary = logNormalSamples(random, n, 100, 0.5);
  const baseline = logNormalSamples(random, n, 100, 0.5);
  results.speed.push({
    case: `latency, ${n.toLocaleString('en')} samples per track (rank test, normal approximation)`,
    ...time(() => judge([latency(canary, baseline)])),
  });
}
{
  const canary = logNormalSamples(random, 49, 100, 0.5);
  const baseline = logNormalSamples(random, 49, 100, 0.5);
  results.speed.push({
    case: 'latency, 49 samples per track (exact null distribution)',
    ...time(() => judge([{ ...latency(canary, baseline), minSamples: 5 }])),
  });
  results.speed.push({ case: 'the exact null distribution alone, 49 × 49', ...time(() => exactDistribution(49, 49)) });
}
// Fisher's tail is summed from the observation outwards: a canary at the baseline's rate sums the most terms.
for (const total of [10_000, 1_000_000, 10_000_000]) {
  for (const [label, canaryRate] of [
    ['the same rate', 0.005],
    ['10% higher', 0.0055],
  ]) {
    const canary = { events: Math.round(total * canaryRate), total };
    const baseline = { events: Math.round(total * 0.005), total };
    results.speed.push({
      case: `errors, ${total.toLocaleString('en')} requests per track at 0.5%, canary at ${label} (Fisher's exact test)`,
      ...time(() => judge([errors(canary, baseline)])),
    });
  }
}

// --- accuracy ----------------------------------------------------------------------------------------
// Verdict rates over fixed seeds: the same on every run and machine.
function rate(seeds, make) {
  let fails = 0;
  let inconclusive = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const verdict = judge(make(seededRandom(seed * 7919))).verdict;
    if (verdict === 'fail') fails++;
    if (verdict === 'inconclusive') inconclusive++;
  }
  return { fail: fails / seeds, inconclusive: inconclusive / seeds };
}
const SEEDS = Number(process.env.BENCH_JUDGE_SEEDS ?? 500);
const cases = [
  [
    'same distribution, errors 2% of 1,000 and latency σ 0.6, 200 samples (false failures)',
    (r) => [
      errors({ events: binomialCount(r, 1000, 0.02), total: 1000 }, { events: binomialCount(r, 1000, 0.02), total: 1000 }),
      latency(logNormalSamples(r, 200, 100, 0.6), logNormalSamples(r, 200, 100, 0.6)),
    ],
  ],
  [
    'errors 5% vs 0.5%, 1,000 requests each',
    (r) => [errors({ events: binomialCount(r, 1000, 0.05), total: 1000 }, { events: binomialCount(r, 1000, 0.005), total: 1000 })],
  ],
  [
    'errors 5% vs 0.5%, 300 requests each',
    (r) => [errors({ events: binomialCount(r, 300, 0.05), total: 300 }, { events: binomialCount(r, 300, 0.005), total: 300 })],
  ],
  [
    'errors 5% vs 0.5%, 100 requests each (the minimum)',
    (r) => [errors({ events: binomialCount(r, 100, 0.05), total: 100 }, { events: binomialCount(r, 100, 0.005), total: 100 })],
  ],
  [
    'errors 2% vs 1%, 2,000 requests each',
    (r) => [errors({ events: binomialCount(r, 2000, 0.02), total: 2000 }, { events: binomialCount(r, 2000, 0.01), total: 2000 })],
  ],
  [
    'latency 1.5×, σ 0.6, 100 samples each',
    (r) => [
      latency(
        logNormalSamples(r, 100, 100, 0.6).map((v) => v * 1.5),
        logNormalSamples(r, 100, 100, 0.6),
      ),
    ],
  ],
  [
    'latency 1.5×, σ 0.6, 200 samples each',
    (r) => [
      latency(
        logNormalSamples(r, 200, 100, 0.6).map((v) => v * 1.5),
        logNormalSamples(r, 200, 100, 0.6),
      ),
    ],
  ],
  [
    'latency 1.5×, σ 0.6, 500 samples each',
    (r) => [
      latency(
        logNormalSamples(r, 500, 100, 0.6).map((v) => v * 1.5),
        logNormalSamples(r, 500, 100, 0.6),
      ),
    ],
  ],
  [
    'latency 1.25×, σ 0.6, 500 samples each',
    (r) => [
      latency(
        logNormalSamples(r, 500, 100, 0.6).map((v) => v * 1.25),
        logNormalSamples(r, 500, 100, 0.6),
      ),
    ],
  ],
  [
    'latency: 5% of canary requests 10× slower (tail only), 500 samples each',
    (r) => [
      latency(
        logNormalSamples(r, 500, 100, 0.4).map((v) => (r() < 0.05 ? v * 10 : v)),
        logNormalSamples(r, 500, 100, 0.4),
      ),
    ],
  ],
];
for (const [name, make] of cases) results.accuracy.push({ case: name, ...rate(SEEDS, make) });

console.log(`Judge speed, median of ${RUNS} runs (wall and CPU):`);
console.log('');
console.log('| case | wall | CPU |');
console.log('| --- | --- | --- |');
for (const r of results.speed) console.log(`| ${r.case} | ${r.medianMs.toFixed(2)} ms | ${r.medianCpuMs.toFixed(2)} ms |`);
console.log('');
console.log(`Judge verdicts with the defaults (α 0.05, 100 requests, 1% floor, 1.2× p95), over ${SEEDS} seeds:`);
console.log('');
console.log('| synthetic canary vs baseline | fail | inconclusive |');
console.log('| --- | --- | --- |');
for (const r of results.accuracy) console.log(`| ${r.case} | ${(100 * r.fail).toFixed(1)}% | ${(100 * r.inconclusive).toFixed(1)}% |`);
console.log('');
console.log(JSON.stringify(results));
