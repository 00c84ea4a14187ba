import type { CheckResult } from './types';

/** The part of DescribeAlarms we read; the real client is passed in so tests and callers choose the endpoint. */
export interface AlarmReader {
  describeAlarms(names: string[]): Promise<{ name: string; state: string; reason?: string }[]>;
}

/**
 * Any named alarm in ALARM fails the canary. So does an alarm that does not
 * exist or cannot be read: as in CodeDeploy, a check we cannot see is not a pass.
 */
export async function checkAlarms(reader: AlarmReader, names: string[]): Promise<CheckResult[]> {
  let alarms: Awaited<ReturnType<AlarmReader['describeAlarms']>>;
  try {
    alarms = await reader.describeAlarms(names);
  } catch (error) {
    const err = error as Error & { name?: string };
    return names.map((name) => ({
      source: 'cloudwatch' as const,
      name,
      passed: false,
      value: 'unreadable',
      threshold: 'OK or INSUFFICIENT_DATA',
      detail: `DescribeAlarms failed (${err.name ?? 'Error'}: ${err.message}); grant cloudwatch:DescribeAlarms and check the region`,
    }));
  }
  const byName = new Map(alarms.map((a) => [a.name, a]));
  return names.map((name) => {
    const alarm = byName.get(name);
    if (!alarm) {
      return {
        source: 'cloudwatch',
        name,
        passed: false,
        value: 'missing',
        threshold: 'OK or INSUFFICIENT_DATA',
        detail: 'no alarm by this name in this account and region; fix the name in "cloudwatch-alarms"',
      };
    }
    return {
      source: 'cloudwatch',
      name,
      passed: alarm.state !== 'ALARM',
      value: alarm.state,
      threshold: 'OK or INSUFFICIENT_DATA',
      detail: alarm.state === 'ALARM' ? alarm.reason : undefined,
    };
  });
}
