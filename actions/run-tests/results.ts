import { existsSync, globSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import * as core from '@actions/core';
import { JunitFormatError, mergeReports, parseJunit, type JunitReport } from '../../packages/report/junit';
import { CoverageFormatError, parseCobertura, type CoverageSummary } from '../../packages/report/coverage';
import { INPUT, type Inputs } from './context';

export interface ReadReports {
  report: JunitReport;
  files: string[];
}

/** Files written before the command started are left from an earlier run and would report stale results. */
const CLOCK_SLACK_MS = 2000;

/** Reads the JUnit files this run wrote; throws when there are none, since then nothing can be reported. */
export function readJunitReports(inputs: Inputs, startedAt: number, exitCode: number): ReadReports {
  const matched = new Set<string>();
  for (const pattern of inputs.junitPatterns) {
    if (isAbsolute(pattern) && !/[*?[{]/.test(pattern)) {
      if (existsSync(pattern)) matched.add(pattern);
      continue;
    }
    for (const file of globSync(pattern, { cwd: inputs.workingDirectory })) matched.add(resolve(inputs.workingDirectory, file));
  }
  const files = [...matched].filter((file) => statSync(file).isFile()).sort();
  const fresh = files.filter((file) => statSync(file).mtimeMs >= startedAt - CLOCK_SLACK_MS);
  const stale = files.filter((file) => !fresh.includes(file));
  if (stale.length > 0)
    core.warning(
      `Ignored ${stale.length} JUnit file(s) older than this run: ${stale.map((file) => relative(inputs.workspace, file)).join(', ')}.`,
    );
  if (fresh.length === 0) {
    const where = inputs.ownsReport
      ? `at ${inputs.junitPatterns[0]}`
      : `matching "${inputs.junitPatterns.join(', ')}" (input "${INPUT.junitPath}", relative to "${INPUT.workingDirectory}")`;
    throw new Error(
      `The test command exited with code ${exitCode} and wrote no JUnit report ${where}; its output is in the "Run" log group.`,
    );
  }
  const reports = fresh.map((file) => {
    try {
      return parseJunit(readFileSync(file, 'utf8'), inputs.ownsReport ? { zeroBasedLines: true } : {});
    } catch (error) {
      if (error instanceof JunitFormatError)
        throw new Error(`${relative(inputs.workspace, file)} is not a JUnit report: ${error.message}.`);
      throw error;
    }
  });
  return { report: mergeReports(reports), files: fresh };
}

export interface CoverageRead {
  summary?: CoverageSummary;
  file: string;
  /** Why no coverage was read, when it was looked for and not usable. */
  problem?: string;
}

export function readCoverage(inputs: Inputs, startedAt: number): CoverageRead {
  const file = resolve(inputs.workingDirectory, inputs.coverage.path);
  const shown = relative(inputs.workspace, file);
  if (!existsSync(file)) {
    const wanted = inputs.coverage.explicit || inputs.coverageThreshold !== undefined;
    return wanted
      ? { file, problem: `no coverage report at ${shown}: have the command write one, e.g. "pytest --cov --cov-report=xml"` }
      : { file };
  }
  if (statSync(file).mtimeMs < startedAt - CLOCK_SLACK_MS)
    return { file, problem: `${shown} is older than this run, so it was not read: have the command write it again` };
  try {
    return { file, summary: parseCobertura(readFileSync(file, 'utf8')) };
  } catch (error) {
    if (error instanceof CoverageFormatError) return { file, problem: `${shown} is not a Cobertura coverage report: ${error.message}` };
    throw error;
  }
}
