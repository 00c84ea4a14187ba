import type { StepTraffic, TrafficMode } from './types';

/** How traffic reaches the canary (see TrafficMode). */
export const TRAFFIC_MODES: readonly TrafficMode[] = ['pod', 'alb'];

/**
 * Pod mode: the Service spreads requests over every Ready pod, so the canary's
 * share is canary / (stable + canary). Solve n / (S + n) = p for n, round, and
 * keep at least one canary pod (else nothing is tested) and at most S (a canary
 * never outnumbers production; 100% therefore means an even split).
 */
export function podModeTraffic(requested: number, stableReplicas: number): StepTraffic {
  const stable = Math.max(0, Math.floor(stableReplicas));
  if (stable === 0) return { requested, canaryReplicas: 1, actual: 100 };
  const exact = requested >= 100 ? stable : (requested * stable) / (100 - requested);
  const canaryReplicas = Math.min(stable, Math.max(1, Math.round(exact)));
  return { requested, canaryReplicas, actual: roundTenth((100 * canaryReplicas) / (stable + canaryReplicas)) };
}

/**
 * ALB mode: the load balancer splits by weight, so the share is exact. The
 * canary still needs enough pods to carry its share without overloading them:
 * the same fraction of the stable replica count, at least one.
 */
export function albModeTraffic(requested: number, stableReplicas: number): StepTraffic {
  const canaryReplicas = Math.max(1, Math.ceil((requested * Math.max(1, stableReplicas)) / 100));
  return { requested, canaryReplicas, actual: requested, weights: { stable: 100 - requested, canary: requested } };
}

export function planSteps(mode: TrafficMode, steps: number[], stableReplicas: number): StepTraffic[] {
  return steps.map((step) => (mode === 'pod' ? podModeTraffic(step, stableReplicas) : albModeTraffic(step, stableReplicas)));
}

function roundTenth(value: number): number {
  return Math.round(value * 10) / 10;
}

/** "25% (asked 10%)" — what the summary shows, so nobody mistakes the request for the reality. */
export function describeTraffic(step: StepTraffic): string {
  const actual = `${step.actual}%`;
  return step.actual === step.requested ? actual : `${actual} (asked ${step.requested}%)`;
}
