// The JUnit scanner on deeply nested <testsuite> elements (issue 12, item 17): before the fix, a
// 581 KB report of nested suites took 1.76 GB and 8 s, and 1.17 MB ran out of a 2 GB heap.
// Each case runs in its own process, so the peak RSS printed is the parse's alone.
// Run alone with `node bench/junit-nesting.bench.mjs`. Nothing here asserts; it measures and prints.
import { fileURLToPath } from 'node:url';
import { mib, reportFromChild, runChild } from './child.mjs';

const here = fileURLToPath(import.meta.url);

/** A report whose suites nest `depth` deep, one test case in the innermost. */
export function nestedReport(depth) {
  return `${'<testsuite name="s">'.repeat(depth)}<testcase classname="c" name="t"/>${'</testsuite>'.repeat(depth)}`;
}

/** Nesting deep enough to make `bytes` of XML. */
const depthFor = (bytes) => Math.floor(bytes / ('<testsuite name="s">'.length + '</testsuite>'.length));

const CASES = {
  // The two reports of the issue.
  '581 KB': depthFor(581_000),
  '1.17 MB': depthFor(1_170_000),
  // Nesting a real suite can have, and the deepest the scanner accepts (255 suites and the case: 256 levels).
  'depth 50': 50,
  'depth 255': 255,
};

if (process.argv[2] === '--child') {
  await import('./ts-sources.mjs');
  const { parseJunit } = await import('../packages/report/junit.ts');
  const xml = nestedReport(CASES[process.argv[3]]);
  await reportFromChild(() => `${parseJunit(xml).totals.total} case(s)`);
} else {
  console.log('| report | nesting | size | outcome | parse time | peak RSS |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [name, depth] of Object.entries(CASES)) {
    // A 2 GB heap, as the run had.
    const result = runChild(here, name, { heapMb: 2048 });
    const ms = result.ms === undefined ? '–' : `${result.ms.toFixed(0)} ms`;
    const rss = result.peakRssMiB === undefined ? '–' : `${result.peakRssMiB.toFixed(0)} MiB`;
    console.log(`| ${name} | ${depth} | ${mib(nestedReport(depth).length)} | ${result.outcome.slice(0, 160)} | ${ms} | ${rss} |`);
  }
}
