import { ConfigurationError, invalidInput, splitList } from '../core';

/** How traffic reaches the canary: by its share of the Service's pods, or by exact ALB target-group weights. */
export const TRAFFIC_MODES = ['pod', 'alb'] as const;
export type TrafficMode = (typeof TRAFFIC_MODES)[number];

/**
 * Parse a canary percentage: a whole number from 1 to 100. 0 is refused
 * because a canary that takes no traffic proves nothing.
 */
export function parsePercentage(input: string, raw: string): number {
  const text = raw.trim().replace(/%$/, '');
  const value = Number(text);
  if (text === '' || !/^\d+$/.test(text) || !Number.isInteger(value) || value < 1 || value > 100) {
    throw invalidInput(input, raw, 'Use a whole percentage from 1 to 100, such as "10" or "25%".');
  }
  return value;
}

/** Parse "10,25,50": each a percentage, strictly increasing, so every step sends the canary more traffic. */
export function parseSteps(input: string, raw: string): number[] {
  const items = splitList(raw);
  if (items.length === 0) throw invalidInput(input, raw, 'List one or more percentages, such as "10,25,50".');
  const steps = items.map((item) => parsePercentage(input, item));
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]! <= steps[i - 1]!) {
      throw new ConfigurationError(
        `Input "${input}" is invalid: got ${JSON.stringify(raw)}. Steps must increase (${steps[i - 1]} is followed by ${steps[i]}); list them in rising order, such as "10,25,50".`,
        input,
      );
    }
  }
  return steps;
}

/** What one step really sends to the canary. In pod mode that is a pod ratio, which seldom equals what was asked. */
export interface StepTraffic {
  /** The percentage the user asked for. */
  requested: number;
  /** Canary pods to run. */
  canaryReplicas: number;
  /** The canary's real share of traffic, in percent (rounded to 0.1). */
  actual: number;
  /** ALB mode only: the target-group weights. */
  weights?: { stable: number; canary: number };
}

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
