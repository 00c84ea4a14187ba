import { describe, expect, it } from 'vitest';
import { checkAlarms, type AlarmReader } from './cloudwatch';

const reader = (alarms: { name: string; state: string; reason?: string }[]): AlarmReader => ({ describeAlarms: async () => alarms });

describe('checkAlarms', () => {
  it('passes OK and INSUFFICIENT_DATA', async () => {
    const results = await checkAlarms(
      reader([
        { name: 'a', state: 'OK' },
        { name: 'b', state: 'INSUFFICIENT_DATA' },
      ]),
      ['a', 'b'],
    );
    expect(results.every((r) => r.passed)).toBe(true);
  });
  it('fails an alarm in ALARM with its reason', async () => {
    const [result] = await checkAlarms(reader([{ name: 'a', state: 'ALARM', reason: 'Threshold crossed' }]), ['a']);
    expect(result).toMatchObject({ passed: false, value: 'ALARM', detail: 'Threshold crossed' });
  });
  it('fails an alarm that does not exist, as CodeDeploy does', async () => {
    const [result] = await checkAlarms(reader([]), ['typo']);
    expect(result).toMatchObject({ passed: false, value: 'missing' });
    expect(result!.detail).toMatch(/cloudwatch-alarms/);
  });
  it('fails every alarm when they cannot be read', async () => {
    const denied: AlarmReader = {
      describeAlarms: async () => {
        throw Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
      },
    };
    const results = await checkAlarms(denied, ['a', 'b']);
    expect(results.map((r) => r.value)).toEqual(['unreadable', 'unreadable']);
    expect(results[0]!.detail).toMatch(/AccessDenied.*cloudwatch:DescribeAlarms/);
  });
});
