import { describe, expect, it } from 'vitest';
import { albModeTraffic, describeTraffic, planSteps, podModeTraffic } from './plan';

describe('pod mode replica math', () => {
  it('reports the true share: 10% of 3 stable pods is 1 canary of 4 pods, 25%', () => {
    const step = podModeTraffic(10, 3);
    expect(step).toEqual({ requested: 10, canaryReplicas: 1, actual: 25 });
    expect(describeTraffic(step)).toBe('25% (asked 10%)');
  });
  it('hits the request when the replica count allows it', () => {
    expect(podModeTraffic(10, 9)).toMatchObject({ canaryReplicas: 1, actual: 10 });
    expect(podModeTraffic(25, 6)).toMatchObject({ canaryReplicas: 2, actual: 25 });
    expect(podModeTraffic(50, 4)).toMatchObject({ canaryReplicas: 4, actual: 50 });
  });
  it('never outnumbers production, so 100% is an even split', () => {
    expect(podModeTraffic(100, 4)).toMatchObject({ canaryReplicas: 4, actual: 50 });
    expect(podModeTraffic(90, 2)).toMatchObject({ canaryReplicas: 2, actual: 50 });
  });
  it('runs one canary pod even for a tiny share of a large fleet', () => {
    expect(podModeTraffic(1, 200)).toMatchObject({ canaryReplicas: 2, actual: 1 });
    expect(podModeTraffic(1, 20)).toMatchObject({ canaryReplicas: 1, actual: 4.8 });
  });
});

describe('alb mode', () => {
  it('uses exact weights and enough canary pods for the share', () => {
    expect(albModeTraffic(10, 4)).toEqual({ requested: 10, canaryReplicas: 1, actual: 10, weights: { stable: 90, canary: 10 } });
    expect(albModeTraffic(50, 4)).toMatchObject({ canaryReplicas: 2, weights: { stable: 50, canary: 50 } });
  });
  it('plans every step', () => {
    expect(planSteps('alb', [10, 50], 4).map((s) => s.weights?.canary)).toEqual([10, 50]);
    expect(planSteps('pod', [10, 50], 4).map((s) => s.canaryReplicas)).toEqual([1, 4]);
  });
});
