import { describe, expect, it } from 'vitest';
import type { Pod } from '../kube/types';
import { evaluatePods } from './kube-signals';

function pod(name: string, opts: { ready?: boolean; restarts?: number; waiting?: string; deleting?: boolean } = {}): Pod {
  return {
    metadata: { name, deletionTimestamp: opts.deleting ? '2026-01-01T00:00:00Z' : undefined },
    status: {
      conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'web',
          ready: !!opts.ready,
          restartCount: opts.restarts ?? 0,
          state: opts.waiting ? { waiting: { reason: opts.waiting } } : { running: {} },
        },
      ],
    },
  };
}

const byName = (results: { name: string; passed: boolean }[], name: string) => results.find((r) => r.name === name)!;

describe('evaluatePods', () => {
  it('passes when every canary pod is Ready with no restarts', () => {
    const s = evaluatePods([pod('a', { ready: true }), pod('b', { ready: true })], { expectedReady: 2, maxRestarts: 0 }, true);
    expect(s.results.every((r) => r.passed)).toBe(true);
    expect(s.ready).toBe(2);
  });

  it('gives pods time to become Ready, then fails them', () => {
    const pods = [pod('a', { ready: false })];
    expect(byName(evaluatePods(pods, { expectedReady: 1, maxRestarts: 0 }, false).results, 'canary pods Ready').passed).toBe(true);
    const late = byName(evaluatePods(pods, { expectedReady: 1, maxRestarts: 0 }, true).results, 'canary pods Ready');
    expect(late).toMatchObject({ passed: false, value: '0/1' });
  });

  it.each(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull'])('fails at once on %s', (reason) => {
    const s = evaluatePods([pod('a', { waiting: reason })], { expectedReady: 1, maxRestarts: 5 }, false);
    expect(s.fatal).toEqual([`a/web: ${reason}`]);
    expect(byName(s.results, 'no crash loop or image pull error').passed).toBe(false);
  });

  it('counts restarts against the limit and ignores terminating pods', () => {
    const s = evaluatePods(
      [pod('a', { ready: true, restarts: 2 }), pod('b', { restarts: 9, deleting: true })],
      { expectedReady: 1, maxRestarts: 1 },
      true,
    );
    expect(byName(s.results, 'container restarts')).toMatchObject({ passed: false, value: '2', threshold: '≤ 1' });
  });
});
