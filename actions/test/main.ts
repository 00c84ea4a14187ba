import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { runCommand, SummaryWriter, timedGroup } from '../../packages/core';
import { buildAnnotations } from '../../packages/report/annotations';
import { CHECK_SUMMARY_LIMIT } from '../../packages/report/check-run';
import { formatPercent } from '../../packages/report/coverage';
import { writeTestSummary, type TestSummary } from '../../packages/report/summary';
import { getInputs } from './context';
import { installRequirements } from './install';
import { decideOutcome } from './outcome';
import { publishResults } from './publish';
import { readCoverage, readJunitReports } from './results';
import { spawnOrExplain } from './spawn';

const SUMMARY_TITLE = 'Test results';

export async function run(): Promise<void> {
  const inputs = getInputs();
  await installRequirements(inputs);

  const startedAt = Date.now();
  const [program, ...args] = inputs.argv as [string, ...string[]];
  const { exitCode } = await timedGroup(`Run ${inputs.argv.join(' ')}`, () =>
    spawnOrExplain(inputs, () => runCommand(program, args, { cwd: inputs.workingDirectory, stream: true }), program),
  );

  const reports = readJunitReports(inputs, startedAt, exitCode);
  if (!reports)
    throw new Error(`The test command exited with code ${exitCode} and wrote no JUnit report; its output is in the "Run" log group.`);
  const { report, files } = reports;
  const coverage = readCoverage(inputs, startedAt);
  if (coverage.problem && !coverage.summary) core.warning(capitalise(coverage.problem) + '.');

  const outcome = decideOutcome({
    totals: report.totals,
    cases: report.cases,
    exitCode,
    ...(coverage.summary ? { coverage: coverage.summary } : {}),
    ...(inputs.coverageThreshold !== undefined ? { coverageThreshold: inputs.coverageThreshold } : {}),
    ...(coverage.problem ? { coverageProblem: coverage.problem } : {}),
  });
  const stepFails = outcome.failure !== undefined && (inputs.failOnFailure || outcome.coverageLow);

  const annotations = buildAnnotations(report.cases, {
    workspace: inputs.workspace,
    workingDirectory: inputs.workingDirectory,
    exists: (path) => existsSync(resolve(inputs.workspace, path)),
  });
  const summaryOf = (notices: string[]): TestSummary => ({
    title: SUMMARY_TITLE,
    report,
    annotations,
    notices,
    ...(coverage.summary
      ? { coverage: { ...coverage.summary, ...(inputs.coverageThreshold !== undefined ? { threshold: inputs.coverageThreshold } : {}) } }
      : {}),
  });

  const publication = await publishResults(
    inputs,
    annotations,
    {
      conclusion: outcome.failure ? 'failure' : 'success',
      title: outcome.failure ?? `${report.totals.passed} passed, ${report.totals.skipped} skipped`,
      summary: writeTestSummary(new SummaryWriter(CHECK_SUMMARY_LIMIT), summaryOf([])).render(),
    },
    stepFails,
  );
  await writeTestSummary(new SummaryWriter(), summaryOf(publication.notices)).write();

  const { totals } = report;
  core.setOutput('total', totals.total);
  core.setOutput('passed', totals.passed);
  core.setOutput('failed', totals.failed);
  core.setOutput('skipped', totals.skipped);
  core.setOutput('errors', totals.errors);
  core.setOutput('coverage', coverage.summary ? formatPercent(coverage.summary.percent) : '');
  core.setOutput('report-path', files.join('\n'));
  core.setOutput('check-run-url', publication.checkRunUrl ?? '');

  core.info(
    `${totals.total} tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.errors} errored, ${totals.skipped} skipped` +
      (coverage.summary ? `; coverage ${formatPercent(coverage.summary.percent)}%` : ''),
  );
  if (outcome.failure && stepFails) throw new Error(outcome.failure);
  if (outcome.failure) core.warning(`${outcome.failure} (the step passes: fail-on-failure is false).`);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
