/** One measured value against its threshold: the unit the summary's analysis table is made of. */
export interface CheckResult {
  /** The source: kubernetes, http, cloudwatch or prometheus. */
  source: 'kubernetes' | 'http' | 'cloudwatch' | 'prometheus';
  /** What was checked, e.g. "success rate" or an alarm's name. */
  name: string;
  passed: boolean;
  /** What was observed, e.g. "92% (46/50)". */
  value: string;
  /** What it had to be, e.g. "≥ 95%". */
  threshold: string;
  /** Why it failed, in words that say what to look at. */
  detail?: string;
}

export function failed(results: CheckResult[]): CheckResult[] {
  return results.filter((r) => !r.passed);
}

/** "http success rate: 92% (46/50), needs ≥ 95%" — one line per failed check for the error message. */
export function describeFailures(results: CheckResult[]): string {
  return failed(results)
    .map((r) => `${r.source} ${r.name}: ${r.value}, needs ${r.threshold}${r.detail ? ` (${r.detail})` : ''}`)
    .join('; ');
}
