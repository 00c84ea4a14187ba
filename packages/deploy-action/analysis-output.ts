import { analysisRecord, type AnalysisRecord } from '../analysis/judge-results';
import type { CheckResult } from '../analysis/types';
import type { TrackReport } from '../deploy/types';
import { latestByCheck, type DeployResult } from './release-summary';

/**
 * The `analysis` output: versioned JSON a later step can read. "checks" are
 * the absolute guards (pods, http-url, alarms, Prometheus), latest value of
 * each; "steps" are the canary-only judgements, one per step, with every
 * figure behind each metric's verdict. Bump the version on any change of shape.
 */
export const ANALYSIS_OUTPUT_VERSION = 1;

export interface AnalysisOutput {
  v: typeof ANALYSIS_OUTPUT_VERSION;
  result: DeployResult;
  checks: CheckResult[];
  steps: ({ step: number; weight: number; against: 'baseline' | 'stable'; extended: boolean } & AnalysisRecord)[];
}

export function analysisOutput(result: DeployResult, log: readonly CheckResult[], tracks: TrackReport | undefined): AnalysisOutput {
  return {
    v: ANALYSIS_OUTPUT_VERSION,
    result,
    checks: latestByCheck([...log]),
    steps: (tracks?.judgements ?? []).map((j) => ({
      step: j.step,
      weight: j.weight,
      against: j.against,
      extended: j.extended,
      ...analysisRecord(j.judgement),
    })),
  };
}

/**
 * The process exit code of a canary run, so a caller that only sees the code
 * (a script around `act`, a wrapper action) can still tell the outcomes apart.
 * Success is 0; the runner marks any other code failed.
 */
export const EXIT_CODES = {
  failed: 1,
  'rolled-back': 2,
  inconclusive: 3,
  cancelled: 4,
} as const satisfies Partial<Record<DeployResult, number>>;

/** The exit code for a failed canary run's result; 1 for anything not listed. */
export function exitCodeFor(result: DeployResult): number {
  return (EXIT_CODES as Partial<Record<DeployResult, number>>)[result] ?? 1;
}
