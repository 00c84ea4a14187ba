import type { CoverageSummary } from '../../packages/report/coverage';
import { formatPercent } from '../../packages/report/coverage';
import type { TestTotals, TestCase } from '../../packages/report/junit';
import { roundedPercent } from '../../packages/report/summary';

const NAMES_SHOWN = 5;

export interface Outcome {
  /** The one-line reason the step fails, or undefined when it passes. */
  failure?: string;
  testsFailed: boolean;
  coverageLow: boolean;
}

export interface OutcomeFacts {
  totals: TestTotals;
  cases: TestCase[];
  exitCode: number;
  coverage?: CoverageSummary;
  coverageThreshold?: number;
  /** Why coverage could not be checked against the threshold. */
  coverageProblem?: string;
}

/** Decides whether the step fails, and says why in one line: "3 of 42 tests failed: test_x, test_y, …". */
export function decideOutcome(facts: OutcomeFacts): Outcome {
  const reasons: string[] = [];
  const { totals } = facts;
  const broken = facts.cases.filter((testCase) => testCase.status === 'failed' || testCase.status === 'error');
  if (broken.length > 0) reasons.push(`${describeBroken(totals)}: ${listNames(broken)}`);
  else if (facts.exitCode !== 0)
    reasons.push(`the test command exited with code ${facts.exitCode} although its report shows no failures (${totals.total} tests)`);
  else if (totals.total === 0) reasons.push('no tests ran: the report has no test cases');
  const testsFailed = reasons.length > 0;

  let coverageLow = false;
  if (facts.coverageThreshold !== undefined) {
    if (!facts.coverage) {
      coverageLow = true;
      reasons.push(`"coverage-threshold" is ${facts.coverageThreshold}% but ${facts.coverageProblem ?? 'no coverage report was read'}`);
    } else if (roundedPercent(facts.coverage) < facts.coverageThreshold) {
      coverageLow = true;
      reasons.push(`coverage ${formatPercent(facts.coverage.percent)}% is below the threshold of ${facts.coverageThreshold}%`);
    }
  }
  const outcome: Outcome = { testsFailed, coverageLow };
  if (reasons.length > 0) outcome.failure = capitalise(reasons.join('; '));
  return outcome;
}

function describeBroken(totals: TestTotals): string {
  const noun = totals.total === 1 ? 'test' : 'tests';
  if (totals.failed > 0 && totals.errors > 0) return `${totals.failed} of ${totals.total} ${noun} failed and ${totals.errors} errored`;
  if (totals.failed > 0) return `${totals.failed} of ${totals.total} ${noun} failed`;
  return `${totals.errors} of ${totals.total} ${noun} errored`;
}

function listNames(cases: TestCase[]): string {
  const names = cases.slice(0, NAMES_SHOWN).map((testCase) => testCase.name);
  return cases.length > NAMES_SHOWN ? `${names.join(', ')}, …` : names.join(', ');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
