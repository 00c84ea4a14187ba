import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCanaryChart, type ChartRound, type ChartStep } from './chart';

/** Three steps of four 15-second rounds; the canary's errors climb in the third, which fails. */
function exampleCanary(): { rounds: ChartRound[]; steps: ChartStep[] } {
  const rounds: ChartRound[] = Array.from({ length: 12 }, (_, i) => {
    const step = Math.floor(i / 4);
    return {
      atMs: (i + 1) * 15_000,
      weight: [10, 25, 50][step]!,
      canaryErrorRate: step === 2 ? 0.02 + 0.01 * (i - 8) : 0.004,
      baselineErrorRate: 0.004,
      canaryP95Ms: step === 2 ? 180 : 120,
      baselineP95Ms: 118,
    };
  });
  const steps: ChartStep[] = [
    { index: 1, endMs: 60_000, verdict: 'pass' },
    { index: 2, endMs: 120_000, verdict: 'pass' },
    { index: 3, endMs: 180_000, verdict: 'fail' },
  ];
  return { rounds, steps };
}

const blocks = (markdown: string) => [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
const line = (block: string, start: string) =>
  block
    .split('\n')
    .find((l) => l.trim().startsWith(start))!
    .trim();

describe('renderCanaryChart', () => {
  it('draws traffic, error rate and p95 as three xychart-beta blocks, verdicts on the x-axis at each step’s end', () => {
    const { rounds, steps } = exampleCanary();
    const chart = renderCanaryChart(rounds, steps);
    expect(chart.notes).toEqual([]);
    const [traffic, errors, latency] = blocks(chart.markdown);
    for (const block of [traffic!, errors!, latency!]) {
      expect(block).toContain('xychart-beta');
      expect(line(block, 'x-axis')).toBe(
        'x-axis ["0:15", "0:30", "0:45", "S1 pass", "1:15", "1:30", "1:45", "S2 pass", "2:15", "2:30", "2:45", "S3 FAIL"]',
      );
    }
    expect(line(traffic!, 'bar')).toBe('bar [10, 10, 10, 10, 25, 25, 25, 25, 50, 50, 50, 50]');
    expect(line(errors!, 'title')).toBe('title "Error rate (%): canary (red) vs baseline (blue)"');
    expect(line(errors!, 'y-axis')).toBe('y-axis "error rate (%)" 0 --> 5');
    expect(errors!.split('\n').filter((l) => l.trim().startsWith('line'))).toEqual([
      '  line [0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 2, 3, 4, 5]',
      '  line [0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]',
    ]);
    expect(line(latency!, 'y-axis')).toBe('y-axis "p95 (ms)" 0 --> 200');
    expect(errors).toContain('"plotColorPalette": "#d62728, #1f77b4"');
  });

  it('merges many rounds into about 20 points, keeps every step’s verdict, and says so', () => {
    const rounds: ChartRound[] = Array.from({ length: 500 }, (_, i) => ({
      atMs: (i + 1) * 10_000,
      weight: i < 250 ? 10 : 50,
      canaryErrorRate: 0.01,
      baselineErrorRate: 0.005,
      canaryP95Ms: i === 100 ? 900 : 100,
      baselineP95Ms: 100,
    }));
    const chart = renderCanaryChart(rounds, [
      { index: 1, endMs: 2_500_000, verdict: 'pass' },
      { index: 2, endMs: 5_000_000, verdict: 'inconclusive' },
    ]);
    const [traffic, , latency] = blocks(chart.markdown);
    const labels = JSON.parse(line(traffic!, 'x-axis').slice('x-axis '.length)) as string[];
    expect(labels.length).toBeLessThanOrEqual(22);
    expect(labels).toContain('S1 pass');
    expect(labels.at(-1)).toBe('S2 inconclusive');
    expect(new Set(labels).size).toBe(labels.length);
    // The one slow round survives the merge: a merged point shows the highest p95 of its rounds.
    expect(line(latency!, 'line')).toContain('900');
    expect(chart.notes).toEqual([
      expect.stringMatching(
        /^500 analysis rounds are drawn as \d+ points: each merged point shows the highest traffic share, the mean error rate and the highest p95/,
      ),
    ]);
  });

  it('says where a track had no data instead of drawing it as zero', () => {
    const { rounds, steps } = exampleCanary();
    rounds[2]!.canaryErrorRate = undefined;
    rounds[3]!.canaryErrorRate = undefined;
    const chart = renderCanaryChart(rounds, steps);
    expect(line(blocks(chart.markdown)[1]!, 'line')).toBe('line [0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 2, 3, 4, 5]');
    expect(chart.notes).toEqual(['Error rate (%): the canary had no data at 2 of 12 points, drawn at its last value (or 0 before any).']);
  });

  it('draws only the traffic when no track has error or latency data', () => {
    const chart = renderCanaryChart(
      [
        { atMs: 1000, weight: 10 },
        { atMs: 2000, weight: 10 },
      ],
      [],
    );
    expect(blocks(chart.markdown)).toHaveLength(1);
    expect(chart.notes).toEqual(['Error rate and p95 have no data from either track, so only the traffic is drawn.']);
  });

  it('stays under the byte bound, and leaves the chart out with a note rather than cutting it', () => {
    const { rounds, steps } = exampleCanary();
    const small = renderCanaryChart(rounds, steps, { maxBytes: 2000 });
    expect(Buffer.byteLength(small.markdown)).toBeLessThanOrEqual(2000);
    expect(small.markdown.endsWith('```\n')).toBe(true);
    const none = renderCanaryChart(rounds, steps, { maxBytes: 100 });
    expect(none).toEqual({
      markdown: '',
      notes: ['The chart would exceed 100 bytes even with 2 points, so it is left out; the tables have every round.'],
    });
    expect(renderCanaryChart([], [])).toEqual({ markdown: '', notes: ['No analysis round finished, so there is no chart.'] });
  });

  it('is the chart ADR-7 shows, so the document (which the infra checks render) draws what the code draws', () => {
    const { rounds, steps } = exampleCanary();
    const architecture = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
    expect(architecture).toContain(renderCanaryChart(rounds, steps).markdown);
  });
});
