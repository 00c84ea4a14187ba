import { checkAlarms, type AlarmReader } from '../analysis/cloudwatch';
import { runHttpCheck } from '../analysis/http-check';
import { runPrometheusCheck } from '../analysis/prometheus';
import { failed, type CheckResult } from '../analysis/types';
import { sleep } from '../kube';
import type { PodMonitor } from './pod-monitor';
import type { AnalysisOptions } from './types';

export interface StepVerdict {
  passed: boolean;
  /** The latest value of every check, failures included. */
  results: CheckResult[];
}

/**
 * Wait for the step's canary pods to be Ready. Fails at once on a crash loop,
 * a pull error or too many restarts, and at the ready timeout otherwise.
 */
export async function waitForCanaryReady(
  monitor: PodMonitor,
  expectedReady: number,
  analysis: AnalysisOptions,
  signal: AbortSignal,
): Promise<StepVerdict> {
  const deadline = Date.now() + analysis.readyTimeoutMs;
  const verdict = await monitor.until<StepVerdict>(
    (deadlinePassed) => {
      const signals = monitor.evaluate(expectedReady, analysis.maxRestarts, deadlinePassed);
      if (failed(signals.results).length) return { passed: false, results: signals.results };
      if (signals.ready >= expectedReady) return { passed: true, results: signals.results };
      return undefined;
    },
    deadline,
    signal,
  );
  return verdict.passed ? verdict : { passed: false, results: await explainFailing(monitor, verdict.results, signal) };
}

/** The pods' results, with the failing containers' last log lines when a check failed (PodMonitor.explain). */
function explainFailing(monitor: PodMonitor, results: CheckResult[], signal: AbortSignal): Promise<CheckResult[]> {
  return failed(results).length ? monitor.explain(results, signal) : Promise.resolve(results);
}

/** A sampled check the engine runs beside the others, e.g. the canary-only probe of TrackAnalysis. */
export interface RoundCheck {
  /** @param signal aborted when the bake ends early (the pods failed first), or on cancel. */
  round(signal: AbortSignal): Promise<CheckResult[]>;
}

/** The checks that are sampled (HTTP, CloudWatch, Prometheus, the canary-only probe), all at once. */
export async function runPeriodicChecks(
  analysis: AnalysisOptions,
  alarms: AlarmReader | undefined,
  signal: AbortSignal,
  tracks?: RoundCheck,
): Promise<CheckResult[]> {
  const rounds: Promise<CheckResult[]>[] = [];
  if (tracks) rounds.push(tracks.round(signal));
  if (analysis.http) rounds.push(runHttpCheck({ ...analysis.http, signal }));
  if (alarms && analysis.alarms.length) rounds.push(checkAlarms(alarms, analysis.alarms));
  if (analysis.prometheus) rounds.push(runPrometheusCheck({ ...analysis.prometheus, timeoutMs: 10_000, signal }).then((r) => [r]));
  return (await Promise.all(rounds)).flat();
}

/**
 * Hold the step for the bake time. The pods are judged on every change they
 * make (from the watch); the sampled checks run after the first interval, every
 * interval after it, and once more at the end. The first failure ends the bake.
 */
export async function bakeStep(
  monitor: PodMonitor,
  expectedReady: number,
  analysis: AnalysisOptions,
  alarms: AlarmReader | undefined,
  signal: AbortSignal,
  onRound?: (results: CheckResult[]) => void,
  tracks?: RoundCheck,
): Promise<StepVerdict> {
  const end = Date.now() + analysis.bakeTimeMs;
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  let latestSampled: CheckResult[] = [];

  const pods = monitor
    .until(
      (deadlinePassed) => {
        const signals = monitor.evaluate(expectedReady, analysis.maxRestarts, true);
        if (failed(signals.results).length) return { passed: false, results: signals.results };
        return deadlinePassed ? { passed: true, results: signals.results } : undefined;
      },
      end,
      both,
    )
    .catch((error) => {
      if (stop.signal.aborted && !signal.aborted) return undefined;
      throw error;
    });

  const sampled = (async (): Promise<StepVerdict> => {
    // The first round waits one interval: a pod is Ready before its Service endpoint exists and
    // before kube-proxy has programmed it, so a request sent at the instant of Ready can be
    // refused by the node while the canary itself is healthy. The pods are watched meanwhile.
    await sleep(Math.min(analysis.intervalMs, Math.max(0, end - Date.now())), both);
    for (;;) {
      const results = await runPeriodicChecks(analysis, alarms, both, tracks);
      latestSampled = results;
      onRound?.(results);
      if (failed(results).length) return { passed: false, results };
      const left = end - Date.now();
      if (left <= 0) return { passed: true, results };
      await sleep(Math.min(analysis.intervalMs, left), both);
      if (Date.now() >= end) {
        const last = await runPeriodicChecks(analysis, alarms, both, tracks);
        latestSampled = last;
        onRound?.(last);
        return { passed: failed(last).length === 0, results: last };
      }
    }
  })().catch((error) => {
    if (stop.signal.aborted && !signal.aborted) return undefined;
    throw error;
  });

  // Whichever fails first decides; otherwise both must pass.
  const first = await Promise.race([
    pods.then((v) => ({ from: 'pods' as const, v })),
    sampled.then((v) => ({ from: 'sampled' as const, v })),
  ]);
  if (first.v && !first.v.passed) {
    stop.abort();
    await Promise.allSettled([pods, sampled]);
    const other = first.from === 'pods' ? latestSampled : monitor.evaluate(expectedReady, analysis.maxRestarts, true).results;
    // The failing pods' containers with their last log lines (the sampled checks' results are left as they are).
    const podResults = await explainFailing(monitor, first.from === 'pods' ? first.v.results : other, signal);
    return { passed: false, results: first.from === 'pods' ? [...podResults, ...other] : [...first.v.results, ...podResults] };
  }
  const [podVerdict, sampledVerdict] = await Promise.all([pods, sampled]);
  const podResults = await explainFailing(monitor, podVerdict?.results ?? [], signal);
  const results = [...podResults, ...(sampledVerdict?.results ?? [])];
  return { passed: failed(results).length === 0, results };
}
