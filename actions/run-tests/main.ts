import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { SummaryWriter } from '../../packages/core/summary';
import { buildAnnotations } from '../../packages/report/annotations';
import { CHECK_SUMMARY_LIMIT } from '../../packages/report/check-run';
import { writeTestSummary, type TestSummary } from '../../packages/report/summary';
import { getInputs } from './context';
import { installRequirements } from './install';
import { decideOutcome } from './outcome';
import { setResultOutputs } from './outputs';
import { publishResults } from './publish';
import { readCoverage, readJunitReports } from './results';
import { runTests } from './run-tests';

const SUMMARY_TITLE = 'Test results';

export async function run(): Promise<void> {
  const inputs = getInputs();
  await installRequirements(inputs);
  const { exitCode, startedAt } = await runTests(inputs);

  const { report, files } = readJunitReports(inputs, startedAt, exitCode);
  const coverage = readCoverage(inputs, startedAt);
  if (coverage.problem && !coverage.summary) core.warning(`${coverage.problem.charAt(0).toUpperCase()}${coverage.problem.slice(1)}.`);
  const threshold = inputs.coverageThreshold;
  const outcome = decideOutcome({
    totals: report.totals,
    cases: report.cases,
    exitCode,
    ...(coverage.summary ? { coverage: coverage.summary } : {}),
    ...(threshold !== undefined ? { coverageThreshold: threshold } : {}),
    ...(coverage.problem ? { coverageProblem: coverage.problem } : {}),
  });
  // fail-on-failure: false spares failing tests, not a missed coverage threshold.
  const stepFails = outcome.failure !== undefined && (inputs.failOnFailure || outcome.coverageLow);

  const annotations = buildAnnotations(report.cases, {
    workspace: inputs.workspace,
    workingDirectory: inputs.workingDirectory,
    exists: (path) => existsSync(resolve(inputs.workspace, path)),
  });
  const summaryWith = (notices: string[]): TestSummary => ({
    title: SUMMARY_TITLE,
    report,
    annotations,
    notices,
    ...(coverage.summary ? { coverage: { ...coverage.summary, ...(threshold !== undefined ? { threshold } : {}) } } : {}),
  });
  const publication = await publishResults(
    inputs,
    annotations,
    {
      conclusion: outcome.failure ? 'failure' : 'success',
      title: outcome.failure ?? `${report.totals.passed} passed, ${report.totals.skipped} skipped`,
      summary: writeTestSummary(new SummaryWriter(CHECK_SUMMARY_LIMIT), summaryWith([])).render(),
    },
    stepFails,
  );
  await writeTestSummary(new SummaryWriter(), summaryWith(publication.notices)).write();

  setResultOutputs({
    totals: report.totals,
    reportFiles: files,
    ...(coverage.summary ? { coverage: coverage.summary } : {}),
    ...(publication.checkRunUrl ? { checkRunUrl: publication.checkRunUrl } : {}),
  });
  if (outcome.failure && stepFails) throw new Error(outcome.failure);
  if (outcome.failure) core.warning(`${outcome.failure} (the step passes: fail-on-failure is false).`);
}
