import { describe, expect, it } from 'vitest';
import { CoverageFormatError, formatPercent, parseCobertura } from './coverage';

describe('parseCobertura', () => {
  it('computes percent from counts, not the rounded line-rate', () => {
    const xml = `<?xml version="1.0" ?><coverage version="7.6" lines-valid="3" lines-covered="2" line-rate="0.6667" branches-covered="0" branches-valid="0" branch-rate="0"><sources/><packages><package name="a"/></packages></coverage>`;
    const summary = parseCobertura(xml);
    expect(summary.percent).toBeCloseTo(66.6667, 3);
    expect(summary).toMatchObject({ linesCovered: 2, linesValid: 3 });
    expect(summary.branchPercent).toBeUndefined();
    expect(formatPercent(summary.percent)).toBe('66.67');
  });

  it('falls back to line-rate and reads branch coverage', () => {
    expect(parseCobertura('<coverage line-rate="0.875" branch-rate="0.5"/>')).toEqual({ percent: 87.5, branchPercent: 50 });
    expect(parseCobertura('<coverage lines-valid="10" lines-covered="9" branches-valid="4" branches-covered="3"/>').branchPercent).toBe(75);
  });

  it('reports 100% for a project with no measured lines, as coverage.py does', () => {
    expect(parseCobertura('<coverage lines-valid="0" lines-covered="0" line-rate="1"/>').percent).toBe(100);
  });

  it('rejects other XML and reports without totals', () => {
    expect(() => parseCobertura('<testsuites/>')).toThrow(CoverageFormatError);
    expect(() => parseCobertura('<coverage/>')).toThrow(/neither/);
    expect(() => parseCobertura('<coverage line-rate="2"/>')).toThrow(CoverageFormatError);
  });

  it('formats percents with at most two decimals', () => {
    expect(formatPercent(100)).toBe('100');
    expect(formatPercent(87.5)).toBe('87.5');
    expect(formatPercent(79.996)).toBe('80');
  });
});
