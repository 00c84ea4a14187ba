// JUnit parse time for a generated pytest-style report of 10,000 cases (target: under 300 ms).
// Imports the parser's TypeScript source directly (Node 24 strips the types; ts-sources.mjs resolves
// our extensionless imports), so no build step stands between the bench and the code.
// Run alone with `node bench/junit-parse.bench.mjs`, or call benchJunitParse() from the bench runner.
import { fileURLToPath } from 'node:url';
import './ts-sources.mjs';

const { parseJunit } = await import('../packages/report/junit.ts');

export const JUNIT_PARSE_TARGET_MS = 300;

/** A report shaped like pytest's: 90% passed, 5% failed with a traceback, 3% skipped, 2% errored. */
export function generateJunitReport(cases = 10_000) {
  const parts = [`<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" tests="${cases}">`];
  for (let i = 0; i < cases; i++) {
    const module = `tests.test_module_${i % 97}`;
    const open = `<testcase classname="${module}.TestGroup${i % 7}" name="test_case_${i}[param-${i % 13}]" time="${((i % 250) / 1000).toFixed(3)}"`;
    const kind = i % 100;
    if (kind < 90) parts.push(`${open} />`);
    else if (kind < 95)
      parts.push(
        `${open}><failure message="assert ${i} == ${i + 1}&#10; +  where ${i} = compute(${i})">${traceback(i)}</failure></testcase>`,
      );
    else if (kind < 98)
      parts.push(
        `${open}><skipped type="pytest.skip" message="needs a GPU">/repo/tests/test_module_${i % 97}.py:${10 + (i % 40)}: needs a GPU</skipped></testcase>`,
      );
    else
      parts.push(`${open}><error message="failed on setup with &quot;ConnectionError: refused&quot;">${traceback(i)}</error></testcase>`);
  }
  parts.push('</testsuite></testsuites>');
  return parts.join('\n');
}

function traceback(i) {
  const lines = [];
  for (let frame = 0; frame < 4; frame++) {
    lines.push(
      '    def helper(value):',
      `&gt;       assert compute(value) == value + ${frame}`,
      `E       assert ${i} == ${i + 1}`,
      '',
      `tests/test_module_${i % 97}.py:${20 + frame}: `,
    );
  }
  lines.push(`tests/test_module_${i % 97}.py:${30 + (i % 50)}: AssertionError`);
  return lines.join('\n');
}

export function benchJunitParse({ cases = 10_000, runs = 7 } = {}) {
  const xml = generateJunitReport(cases);
  const times = [];
  const cpuTimes = [];
  let total = 0;
  for (let run = 0; run < runs; run++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    total = parseJunit(xml).totals.total;
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  if (total !== cases) throw new Error(`parsed ${total} cases, expected ${cases}`);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    cases,
    bytes: Buffer.byteLength(xml),
    firstMs: times[0],
    medianMs: sorted[Math.floor(sorted.length / 2)],
    // CPU time tells a busy machine apart from a slow parser.
    medianCpuMs: [...cpuTimes].sort((a, b) => a - b)[Math.floor(cpuTimes.length / 2)],
    targetMs: JUNIT_PARSE_TARGET_MS,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = benchJunitParse();
  const verdict = result.medianMs < JUNIT_PARSE_TARGET_MS ? 'meets' : 'MISSES';
  console.log(
    `JUnit parse, ${result.cases} cases (${(result.bytes / 1024 / 1024).toFixed(1)} MiB): first ${result.firstMs.toFixed(0)} ms, median ${result.medianMs.toFixed(0)} ms (CPU ${result.medianCpuMs.toFixed(0)} ms) — ${verdict} the ${JUNIT_PARSE_TARGET_MS} ms target`,
  );
  if (result.medianMs >= JUNIT_PARSE_TARGET_MS) process.exitCode = 1;
}
