import { formatDuration } from '../core/inputs';
import type { SummaryWriter } from '../core/summary';
import { formatPercent, type CoverageSummary } from './coverage';
import { headline, testTitle, type FailureAnnotation } from './annotations';
import type { JunitReport, TestCase } from './junit';

const SLOWEST_SHOWN = 10;
const DETAILS_LIMIT = 10_000;

export interface CoverageResult extends CoverageSummary {
  /** The coverage-threshold input, when set. */
  threshold?: number;
}

export interface TestSummary {
  title: string;
  report: JunitReport;
  /** Annotation per failed or erroring case, in report order, to show where each failed. */
  annotations: FailureAnnotation[];
  coverage?: CoverageResult;
  /** Things the reader must know: annotations cut, check run not created, and why. */
  notices: string[];
}

/** Writes the test results as Markdown: counts, coverage, notices, slowest tests, then each failure with its traceback. */
export function writeTestSummary(writer: SummaryWriter, summary: TestSummary): SummaryWriter {
  const { totals, cases } = summary.report;
  writer.heading(`${summary.title}: ${verdict(summary)}`);
  writer.table(
    ['Total', 'Passed', 'Failed', 'Errors', 'Skipped', 'Time'],
    [[totals.total, totals.passed, totals.failed, totals.errors, totals.skipped].map(String).concat(formatDuration(totals.time * 1000))],
  );
  if (summary.coverage) writer.paragraph(coverageLine(summary.coverage));
  for (const notice of summary.notices) writer.paragraph(`> [!NOTE]\n> ${notice}`);

  const slowest = cases
    .filter((testCase) => testCase.status !== 'skipped')
    .sort((a, b) => b.time - a.time)
    .slice(0, SLOWEST_SHOWN);
  if (slowest.length > 0) {
    writer.heading(`Slowest ${slowest.length === 1 ? 'test' : `${slowest.length} tests`}`, 3);
    writer.table(
      ['Test', 'Time', 'Result'],
      slowest.map((testCase) => [testTitle(testCase), formatDuration(testCase.time * 1000), testCase.status]),
    );
  }

  const broken = cases.filter((testCase) => testCase.status === 'failed' || testCase.status === 'error');
  if (broken.length > 0) {
    writer.heading(`Failures (${broken.length})`, 3);
    broken.forEach((testCase, index) => writer.details(failureHeadline(testCase), failureBody(testCase, summary.annotations[index])));
  }
  return writer;
}

function verdict({ report: { totals }, coverage }: TestSummary): string {
  const parts: string[] = [];
  if (totals.failed > 0) parts.push(`${totals.failed} failed`);
  if (totals.errors > 0) parts.push(`${totals.errors} errored`);
  const coverageLow = coverage?.threshold !== undefined && roundedPercent(coverage) < coverage.threshold;
  if (parts.length === 0 && totals.total === 0) return 'no tests ran';
  if (parts.length === 0)
    return `all ${totals.passed} passed${totals.skipped ? `, ${totals.skipped} skipped` : ''}${coverageLow ? ', coverage below threshold' : ''}`;
  return `${parts.join(', ')} of ${totals.total}`;
}

function coverageLine(coverage: CoverageResult): string {
  const lines = coverage.linesValid === undefined ? '' : ` (${coverage.linesCovered} of ${coverage.linesValid} lines)`;
  const branches = coverage.branchPercent === undefined ? '' : `, branches ${formatPercent(coverage.branchPercent)}%`;
  const threshold =
    coverage.threshold === undefined
      ? ''
      : roundedPercent(coverage) >= coverage.threshold
        ? ` ✅ meets the threshold of ${coverage.threshold}%`
        : ` ❌ below the threshold of ${coverage.threshold}%`;
  return `**Coverage:** ${formatPercent(coverage.percent)}%${lines}${branches}${threshold}`;
}

/** Compares what the reader sees: 79.996% shows as 80 and passes a threshold of 80. */
export function roundedPercent(coverage: CoverageSummary): number {
  return Number(formatPercent(coverage.percent));
}

function failureHeadline(testCase: TestCase): string {
  const mark = testCase.status === 'error' ? '💥' : '❌';
  const first = headline(testCase).split('\n')[0]!;
  return `${mark} ${testTitle(testCase)}: ${first.length > 200 ? `${first.slice(0, 199)}…` : first}`;
}

function failureBody(testCase: TestCase, annotation: FailureAnnotation | undefined): string {
  const where = annotation?.path ? `\`${annotation.path}${annotation.line ? `:${annotation.line}` : ''}\`\n\n` : '';
  const details = testCase.details ?? headline(testCase);
  const clipped =
    details.length > DETAILS_LIMIT
      ? `${details.slice(0, DETAILS_LIMIT)}\n… (${details.length - DETAILS_LIMIT} more characters in the log)`
      : details;
  const fence = longestBacktickRun(clipped) >= 3 ? '`'.repeat(longestBacktickRun(clipped) + 1) : '```';
  return `${where}${fence}text\n${clipped}\n${fence}`;
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
}
