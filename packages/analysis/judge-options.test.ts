import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { DEFAULT_JUDGE_OPTIONS } from './judge';
import { parseJudgeInputs, type JudgeInputNames } from './judge-options';

const names: JudgeInputNames = {
  alpha: 'judge-alpha',
  minRequests: 'judge-min-requests',
  errorFloor: 'judge-error-floor',
  latencyRatio: 'judge-latency-ratio',
  latencyPercentile: 'judge-latency-percentile',
  onInconclusive: 'on-inconclusive',
};

describe('parseJudgeInputs', () => {
  it('takes the defaults when nothing is set', () => {
    expect(parseJudgeInputs({}, names)).toEqual({ options: DEFAULT_JUDGE_OPTIONS, onInconclusive: 'fail' });
  });

  it('reads every setting, percentages with or without "%"', () => {
    const settings = parseJudgeInputs(
      { alpha: '0.01', minRequests: '500', errorFloor: '0.5%', latencyRatio: '1.5', latencyPercentile: '99', onInconclusive: 'extend' },
      names,
    );
    expect(settings).toEqual({
      options: { alpha: 0.01, minRequests: 500, errorFloor: 0.005, latencyRatio: 1.5, latencyPercentile: 99 },
      onInconclusive: 'extend',
    });
    expect(parseJudgeInputs({ errorFloor: '2' }, names).options.errorFloor).toBe(0.02);
  });

  it('reports every bad input at once, each by name, before anything runs', () => {
    let error: unknown;
    try {
      parseJudgeInputs(
        { alpha: '5%', minRequests: '0', errorFloor: '100', latencyRatio: '0.8', latencyPercentile: 'p95', onInconclusive: 'pass' },
        names,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const lines = (error as ConfigurationError).message.split('\n');
    expect(lines.map((line) => /^Input "([^"]+)"/.exec(line)?.[1])).toEqual(Object.values(names));
    expect((error as ConfigurationError).input).toBe('judge-alpha');
    expect(lines[5]).toMatch(/Use "fail" or "extend"/);
  });
});
