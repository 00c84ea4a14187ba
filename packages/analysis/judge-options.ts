import { ConfigurationError } from '../core/errors';
import { DEFAULT_JUDGE_OPTIONS, type JudgeOptions } from './judge';
import type { InconclusivePolicy } from './judge-results';

/**
 * The judge's settings from raw input strings. The engine passes its input
 * names, so every message names the input to fix, and all problems are
 * reported at once, before anything touches the cluster or AWS.
 */

export interface JudgeInputNames {
  alpha: string;
  minRequests: string;
  errorFloor: string;
  latencyRatio: string;
  latencyPercentile: string;
  onInconclusive: string;
}

export type RawJudgeInputs = Partial<Record<keyof JudgeInputNames, string | undefined>>;

export interface JudgeSettings {
  options: JudgeOptions;
  onInconclusive: InconclusivePolicy;
}

export function parseJudgeInputs(raw: RawJudgeInputs, names: JudgeInputNames): JudgeSettings {
  const problems: { input: string; message: string }[] = [];
  const number = (key: keyof JudgeOptions, check: (v: number) => boolean, expected: string, parse = parseNumber): number => {
    const text = raw[key]?.trim();
    if (!text) return DEFAULT_JUDGE_OPTIONS[key];
    const value = parse(text);
    if (value === undefined || !check(value)) {
      problems.push({ input: names[key], message: `Input "${names[key]}" is invalid: got ${JSON.stringify(text)}. ${expected}` });
      return DEFAULT_JUDGE_OPTIONS[key];
    }
    return value;
  };
  const options: JudgeOptions = {
    alpha: number('alpha', (v) => v > 0 && v <= 0.2, 'Use a significance level above 0 and at most 0.2, such as "0.05".'),
    minRequests: number(
      'minRequests',
      (v) => Number.isInteger(v) && v >= 1 && v <= 10_000_000,
      'Use a whole number of requests per track from 1 to 10000000, such as "100".',
    ),
    errorFloor: number('errorFloor', (v) => v >= 0 && v < 1, 'Use a percentage from 0 to under 100, such as "1" or "0.5%".', parseRate),
    latencyRatio: number('latencyRatio', (v) => v >= 1 && v <= 100, 'Use a ratio from 1 to 100, such as "1.2".'),
    latencyPercentile: number(
      'latencyPercentile',
      (v) => v >= 50 && v < 100,
      'Use a percentile from 50 to under 100, such as "95" or "99".',
    ),
  };
  const policyText = raw.onInconclusive?.trim();
  let onInconclusive: InconclusivePolicy = 'fail';
  if (policyText) {
    if (policyText === 'fail' || policyText === 'extend') onInconclusive = policyText;
    else
      problems.push({
        input: names.onInconclusive,
        message: `Input "${names.onInconclusive}" is invalid: got ${JSON.stringify(policyText)}. Use "fail" or "extend" (bake the step once more).`,
      });
  }
  if (problems.length) throw new ConfigurationError(problems.map((p) => p.message).join('\n'), problems[0]!.input);
  return { options, onInconclusive };
}

function parseNumber(text: string): number | undefined {
  const value = Number(text);
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text) && Number.isFinite(value) ? value : undefined;
}

/** A percentage, with or without "%", as the other rate inputs take it: "1" and "1%" are both 0.01. */
function parseRate(text: string): number | undefined {
  const value = parseNumber(text.endsWith('%') ? text.slice(0, -1).trim() : text);
  return value === undefined ? undefined : value / 100;
}
