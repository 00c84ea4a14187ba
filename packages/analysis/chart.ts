import type { Verdict } from './judge';

/**
 * The job summary's picture of a canary: its traffic share, and the canary's
 * and the baseline's error rate and p95 over time, as Mermaid xychart-beta
 * blocks, which GitHub draws in job summaries. Step verdicts label the x-axis
 * at the round that ended each step. Bounded in points and bytes; when it
 * merges rounds or leaves a chart out, its notes say so.
 */

export interface ChartRound {
  /** Milliseconds since the canary started. */
  atMs: number;
  /** The canary's traffic share, in percent. */
  weight: number;
  /** Error rates as fractions; undefined when that track had no data in the round. */
  canaryErrorRate?: number;
  baselineErrorRate?: number;
  canaryP95Ms?: number;
  baselineP95Ms?: number;
}

export interface ChartStep {
  /** 1-based. */
  index: number;
  /** The round time at which the step's verdict was reached. */
  endMs: number;
  verdict: Verdict;
}

export interface ChartOptions {
  /** Points per chart, about; more rounds are merged into buckets. Default 20. */
  maxPoints?: number;
  /** Bytes of Markdown at most, for all charts together. Default 12 KiB. */
  maxBytes?: number;
}

export interface Chart {
  /** Mermaid blocks, fenced, or empty when nothing could be drawn within the limits. */
  markdown: string;
  /** What the reader must know: merged rounds, rounds without data, a chart left out. */
  notes: string[];
}

const COLOURS = { canary: '#d62728', baseline: '#1f77b4', traffic: '#7f7f7f' };
const MARK: Record<Verdict, string> = { pass: 'pass', fail: 'FAIL', inconclusive: 'inconclusive' };

interface Point extends ChartRound {
  /** How many rounds the point stands for. */
  rounds: number;
  label: string;
}

export function renderCanaryChart(rounds: readonly ChartRound[], steps: readonly ChartStep[], options: ChartOptions = {}): Chart {
  const maxBytes = options.maxBytes ?? 12 * 1024;
  const notes: string[] = [];
  if (rounds.length === 0) return { markdown: '', notes: ['No analysis round finished, so there is no chart.'] };
  const sorted = [...rounds].sort((a, b) => a.atMs - b.atMs);
  // Fewer points until the charts fit the byte budget; a bucket never hides a step's verdict label.
  for (let maxPoints = Math.max(2, options.maxPoints ?? 20); maxPoints >= 2; maxPoints = Math.floor(maxPoints / 2)) {
    const points = bucket(sorted, steps, maxPoints);
    const gaps: string[] = [];
    const blocks = [
      block('Canary traffic (%)', 'traffic (%)', points, [{ kind: 'bar', values: points.map((p) => p.weight) }], 100, COLOURS.traffic),
      lineBlock('Error rate (%)', 'error rate (%)', points, 'ErrorRate', (v) => v * 100, gaps),
      lineBlock('p95 latency (ms)', 'p95 (ms)', points, 'P95Ms', (v) => v, gaps),
    ].filter((b): b is string => b !== undefined);
    const markdown = blocks.join('\n');
    if (Buffer.byteLength(markdown) > maxBytes) continue;
    const merged = points.filter((p) => p.rounds > 1).length;
    if (merged) {
      notes.push(
        `${sorted.length} analysis rounds are drawn as ${points.length} points: each merged point shows the highest traffic share, the mean error rate and the highest p95 of its rounds.`,
      );
    }
    notes.push(...gaps);
    if (blocks.length < 3) notes.push('Error rate and p95 have no data from either track, so only the traffic is drawn.');
    return { markdown, notes };
  }
  return {
    markdown: '',
    notes: [`The chart would exceed ${maxBytes} bytes even with 2 points, so it is left out; the tables have every round.`],
  };
}

/**
 * Rounds grouped into about maxPoints buckets. Every step's last round ends a
 * bucket, so no verdict label is merged away: with more steps than points,
 * there is one point per step.
 */
function bucket(rounds: readonly ChartRound[], steps: readonly ChartStep[], maxPoints: number): Point[] {
  const stepEnds = new Map<number, ChartStep>();
  for (const step of steps) stepEnds.set(lastRoundAt(rounds, step.endMs), step);
  // Segments end at each step's last round (and at the last round).
  const segments: [number, number][] = [];
  let from = 0;
  rounds.forEach((_, i) => {
    if (stepEnds.has(i) || i === rounds.length - 1) {
      segments.push([from, i]);
      from = i + 1;
    }
  });
  const points: Point[] = [];
  for (const [first, last] of segments) {
    const length = last - first + 1;
    const share = Math.max(1, Math.round((maxPoints * length) / rounds.length));
    const size = Math.ceil(length / share);
    for (let start = first; start <= last; start += size) {
      const end = Math.min(last, start + size - 1);
      points.push(merge(rounds.slice(start, end + 1), end === last ? stepEnds.get(last) : undefined));
    }
  }
  return points;
}

/** The index of the last round at or before a time. */
function lastRoundAt(rounds: readonly ChartRound[], atMs: number): number {
  let best = 0;
  rounds.forEach((r, i) => {
    if (r.atMs <= atMs) best = i;
  });
  return best;
}

function merge(group: readonly ChartRound[], step?: ChartStep): Point {
  const last = group.at(-1)!;
  const mean = (pick: (r: ChartRound) => number | undefined) => {
    const values = group.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
  };
  const max = (pick: (r: ChartRound) => number | undefined) => {
    const values = group.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? Math.max(...values) : undefined;
  };
  return {
    atMs: last.atMs,
    weight: max((r) => r.weight)!,
    canaryErrorRate: mean((r) => r.canaryErrorRate),
    baselineErrorRate: mean((r) => r.baselineErrorRate),
    canaryP95Ms: max((r) => r.canaryP95Ms),
    baselineP95Ms: max((r) => r.baselineP95Ms),
    rounds: group.length,
    label: step ? `S${step.index} ${MARK[step.verdict]}` : clock(last.atMs),
  };
}

/** "1:30", short enough for 20 labels side by side; unique while rounds are a second or more apart. */
function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60));
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm.padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

type Series = { kind: 'bar' | 'line'; values: number[] };

function lineBlock(
  title: string,
  axis: string,
  points: readonly Point[],
  key: 'ErrorRate' | 'P95Ms',
  scale: (v: number) => number,
  gaps: string[],
): string | undefined {
  const canary = held(points.map((p) => p[`canary${key}`]));
  const baseline = held(points.map((p) => p[`baseline${key}`]));
  if (canary.missing === points.length && baseline.missing === points.length) return undefined;
  for (const [track, series] of [
    ['canary', canary],
    ['baseline', baseline],
  ] as const) {
    if (series.missing)
      gaps.push(
        `${title}: the ${track} had no data at ${series.missing} of ${points.length} points, drawn at its last value (or 0 before any).`,
      );
  }
  const values = [...canary.values, ...baseline.values].map(scale);
  // At least 1 (% or ms) at the top, so a flat zero line does not fill the chart.
  const top = niceCeiling(Math.max(...values, 1));
  return block(
    `${title}: canary (red) vs baseline (blue)`,
    axis,
    points,
    [
      { kind: 'line', values: canary.values.map(scale) },
      { kind: 'line', values: baseline.values.map(scale) },
    ],
    top,
    `${COLOURS.canary}, ${COLOURS.baseline}`,
  );
}

/** A missing value drawn at the previous one: xychart lines cannot have gaps, and 0 would read as "no errors". */
function held(values: readonly (number | undefined)[]): { values: number[]; missing: number } {
  let last = 0;
  let missing = 0;
  return {
    values: values.map((v) => {
      if (v === undefined) {
        missing++;
        return last;
      }
      last = v;
      return v;
    }),
    missing,
  };
}

function block(title: string, axis: string, points: readonly Point[], series: Series[], top: number, palette: string): string {
  const lines = [
    '```mermaid',
    `%%{init: {"xyChart": {"width": 900, "height": 360, "xAxis": {"labelFontSize": 11}}, "themeVariables": {"xyChart": {"plotColorPalette": "${palette}"}}}}%%`,
    'xychart-beta',
    `  title ${quote(title)}`,
    `  x-axis [${points.map((p) => quote(p.label)).join(', ')}]`,
    `  y-axis ${quote(axis)} 0 --> ${format(top)}`,
    ...series.map((s) => `  ${s.kind} [${s.values.map(format).join(', ')}]`),
    '```',
  ];
  return lines.join('\n') + '\n';
}

/** Mermaid's quoted strings end at the next double quote; nothing of ours has one, but a label must never break the block. */
function quote(text: string): string {
  return `"${text.replace(/"/g, "'")}"`;
}

function format(value: number): string {
  if (!Number.isFinite(value)) return '0';
  return String(Number(value.toPrecision(4)));
}

/** The axis top: 1, 2 or 5 times a power of ten, at or above the highest value. */
function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}
