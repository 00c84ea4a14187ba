import { describe, expect, it } from 'vitest';
import { withInputs } from '../../test/support/inputs';
import { getDuration, parseDuration } from './inputs';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['0', 0],
    ['0s', 0],
  ])('reads %j as %d ms', (raw, ms) => {
    expect(parseDuration('bake-time', raw)).toBe(ms);
  });

  it.each(['500', '30', '1.5'])('refuses the unitless %j, saying how to write it', (raw) => {
    expect(() => parseDuration('http-max-p95', raw)).toThrow(
      `Input "http-max-p95" is invalid: got "${raw}". A duration needs a unit: write "${raw}ms" or "${raw}s" (or "m", "h").`,
    );
  });

  it.each(['-5s', 'soon', '5 m', '5d', '1h 30m'])('refuses %j, naming the input', (raw) => {
    expect(() => parseDuration('rollout-timeout', raw)).toThrow(/^Input "rollout-timeout" is invalid: .*non-negative duration with a unit/);
  });

  it('reads an input, with its fallback when empty', () => {
    withInputs({ 'http-timeout': '' });
    expect(getDuration('http-timeout', 5000)).toBe(5000);
    withInputs({ 'http-timeout': '500' });
    expect(() => getDuration('http-timeout', 5000)).toThrow(/write "500ms" or "500s"/);
  });
});
