/**
 * ECR scan severities, worst first. Kept apart from the ECR client so input
 * validation can use them without loading the AWS SDK.
 */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type SeverityCounts = Partial<Record<Severity, number>>;

/** The findings at or above the threshold, worst first; empty when the image passes. */
export function findingsAtOrAbove(counts: SeverityCounts, threshold: Severity): Array<[Severity, number]> {
  const limit = SEVERITIES.indexOf(threshold);
  return SEVERITIES.slice(0, limit + 1)
    .map((severity): [Severity, number] => [severity, counts[severity] ?? 0])
    .filter(([, count]) => count > 0);
}
