import * as core from '@actions/core';
import { formatPercent, type CoverageSummary } from '../../packages/report/coverage';
import type { TestTotals } from '../../packages/report/junit';

export interface ResultOutputs {
  totals: TestTotals;
  coverage?: CoverageSummary;
  reportFiles: string[];
  checkRunUrl?: string;
}

/** Sets the outputs action.yml declares, and logs the same figures in one line. */
export function setResultOutputs({ totals, coverage, reportFiles, checkRunUrl }: ResultOutputs): void {
  core.setOutput('total', totals.total);
  core.setOutput('passed', totals.passed);
  core.setOutput('failed', totals.failed);
  core.setOutput('skipped', totals.skipped);
  core.setOutput('errors', totals.errors);
  core.setOutput('coverage', coverage ? formatPercent(coverage.percent) : '');
  core.setOutput('report-path', reportFiles.join('\n'));
  core.setOutput('check-run-url', checkRunUrl ?? '');
  core.info(
    `${totals.total} tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.errors} errored, ${totals.skipped} skipped` +
      (coverage ? `; coverage ${formatPercent(coverage.percent)}%` : ''),
  );
}
