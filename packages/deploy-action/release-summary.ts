import * as core from '@actions/core';
import { renderCanaryChart } from '../analysis/chart';
import { judgementTable } from '../analysis/judge-results';
import type { CheckResult } from '../analysis/types';
import { SummaryWriter } from '../core/summary';
import { describeTraffic } from '../deploy/plan';
import { formatOffset, type Timeline } from '../deploy/timeline';
import type { StepRecord, TrackReport } from '../deploy/types';

export type DeployResult =
  'passed' | 'failed' | 'inconclusive' | 'promoted' | 'rolled-back' | 'removed' | 'deployed' | 'skipped' | 'cancelled';

export interface DeployReport {
  title: string;
  result: DeployResult;
  /** One paragraph: what happened and, on failure, what to fix. */
  headline: string;
  steps: StepRecord[];
  /** Every analysis round's results; the summary shows the latest value of each check, and the failing round. */
  analysis: CheckResult[];
  timeline: Timeline;
  facts: [string, string][];
  /** The canary-only analysis, when it ran: a judgement table per step and the chart. */
  tracks?: TrackReport;
}

const ICON: Record<string, string> = {
  passed: '✅',
  promoted: '✅',
  deployed: '✅',
  skipped: 'ℹ️',
  removed: '↩️',
  'rolled-back': '↩️',
  failed: '❌',
  inconclusive: '❔',
  cancelled: '⏹️',
};

/** The job summary: result, steps with their real traffic, analysis against thresholds, the timeline. */
export function renderSummary(report: DeployReport): SummaryWriter {
  const summary = new SummaryWriter();
  summary.heading(`${ICON[report.result] ?? ''} ${report.title}: ${report.result}`);
  summary.paragraph(report.headline);
  if (report.facts.length) summary.table(['', ''], report.facts);
  if (report.steps.length) {
    summary.heading('Steps', 3);
    summary.table(
      ['#', 'canary traffic', 'canary pods', 'bake', 'outcome'],
      report.steps.map((step, i) => [
        String(i + 1),
        describeTraffic(step.traffic),
        String(step.traffic.canaryReplicas),
        formatOffset(step.bakeMs),
        step.outcome,
      ]),
    );
  }
  if (report.analysis.length) {
    summary.heading('Analysis', 3);
    summary.table(
      ['source', 'check', 'value', 'threshold', 'result'],
      latestByCheck(report.analysis).map((r) => [
        r.source,
        r.name,
        r.value,
        r.threshold,
        r.passed ? 'pass' : `**fail**${r.detail ? `: ${r.detail}` : ''}`,
      ]),
    );
  }
  if (report.tracks) renderTracks(summary, report.tracks);
  summary.heading('Timeline', 3);
  summary.table(
    ['time', 'event'],
    report.timeline.events.map((e) => [`+${formatOffset(e.at)}`, e.text]),
  );
  return summary;
}

/** The canary against the baseline or the stable: each step's verdict per metric, then the chart over the whole run. */
function renderTracks(summary: SummaryWriter, tracks: TrackReport): void {
  summary.heading('Canary-only analysis', 3);
  for (const j of tracks.judgements) {
    const { header, rows } = judgementTable(j.judgement);
    summary.paragraph(
      `**Step ${j.step}** (${j.weight}% of traffic), canary vs ${j.against}${j.extended ? ', bake extended once' : ''}: **${j.judgement.verdict}**, ${j.judgement.reason}.`,
    );
    summary.table(header, rows);
  }
  const chart = renderCanaryChart(tracks.rounds, tracks.steps);
  if (chart.markdown) summary.add(chart.markdown);
  if (chart.notes.length) summary.paragraph(chart.notes.map((n) => `_${n}_`).join(' '));
}

/** The last result of each check, failures kept over later passes so the cause stays visible. */
export function latestByCheck(results: CheckResult[]): CheckResult[] {
  const byKey = new Map<string, CheckResult>();
  for (const result of results) {
    const key = `${result.source}/${result.name}`;
    const previous = byKey.get(key);
    if (previous && !previous.passed && result.passed) continue;
    byKey.set(key, result);
  }
  return [...byKey.values()];
}

export function setOutputs(outputs: Record<string, string | number | undefined>): void {
  for (const [name, value] of Object.entries(outputs)) if (value !== undefined) core.setOutput(name, String(value));
}
