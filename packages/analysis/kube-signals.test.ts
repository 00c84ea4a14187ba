import { describe, expect, it } from 'vitest';
import type { Pod } from '../kube/types';
import type { CheckResult } from './types';
import { containerSignals, containersToExplain, describeTermination, evaluatePods, previousInstance } from './kube-signals';

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

const byName = (results: CheckResult[], name: string) => results.find((r) => r.name === name)!;

describe('evaluatePods', () => {
  it('passes when every canary pod is Ready with no restarts', () => {
    const s = evaluatePods([pod('a', { ready: true }), pod('b', { ready: true })], { expectedReady: 2, maxRestarts: 0 }, true);
    expect(s.results.every((r) => r.passed)).toBe(true);
    expect(s.ready).toBe(2);
  });

  it('gives pods time to become Ready, then fails them', () => {
    const pods = [pod('a', { ready: false })];
    const early = byName(evaluatePods(pods, { expectedReady: 1, maxRestarts: 0 }, false).results, 'canary pods Ready');
    // Not failed yet, but not shown as if it were healthy either.
    expect(early).toMatchObject({ passed: true, value: '0/1 (still waiting for Ready)' });
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

describe('containerSignals: every container, every verdict', () => {
  // A pod as the apiserver reports it: an init container that ran, a native sidecar (an init container with
  // restartPolicy Always) in a crash loop, and the app container restarted after an OOM kill.
  const full: Pod = {
    metadata: { name: 'web-canary-7d9f-abcde' },
    spec: {
      initContainers: [{ name: 'migrate' }, { name: 'proxy', restartPolicy: 'Always' }],
      containers: [{ name: 'web' }],
    },
    status: {
      conditions: [{ type: 'Ready', status: 'False' }],
      initContainerStatuses: [
        { name: 'migrate', ready: false, restartCount: 0, state: { terminated: { reason: 'Completed', exitCode: 0 } } },
        {
          name: 'proxy',
          ready: false,
          restartCount: 4,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
          lastState: { terminated: { reason: 'Error', exitCode: 2 } },
        } as never,
      ],
      containerStatuses: [
        {
          name: 'web',
          ready: true,
          restartCount: 1,
          state: { running: { startedAt: '2026-01-01T00:01:00Z' } },
          lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
        } as never,
      ],
    },
  };

  it('reports init containers, sidecars and app containers with restarts, exit codes, OOMKilled and crash loops', () => {
    expect(containerSignals([full])).toEqual([
      expect.objectContaining({
        container: 'migrate',
        kind: 'init',
        state: 'terminated',
        termination: { reason: 'Completed', exitCode: 0 },
        oomKilled: false,
      }),
      expect.objectContaining({
        container: 'proxy',
        kind: 'sidecar',
        restarts: 4,
        state: 'waiting',
        waitingReason: 'CrashLoopBackOff',
        termination: { reason: 'Error', exitCode: 2 },
        crashLoop: true,
      }),
      expect.objectContaining({
        container: 'web',
        kind: 'app',
        restarts: 1,
        state: 'running',
        oomKilled: true,
        termination: { reason: 'OOMKilled', exitCode: 137 },
      }),
    ]);
  });

  it('names the container and the exit code in the failing checks', () => {
    const s = evaluatePods([full], { expectedReady: 1, maxRestarts: 0 }, false);
    expect(s.fatal).toEqual(['web-canary-7d9f-abcde/proxy: CrashLoopBackOff (last exit 2, Error)']);
    expect(byName(s.results, 'container restarts')).toMatchObject({
      passed: false,
      value: '5',
      detail:
        'web-canary-7d9f-abcde/proxy (sidecar container) restarted 4× (last: exit 2, Error), web-canary-7d9f-abcde/web restarted 1× (last: exit 137, OOMKilled); raise the memory limit or fix the leak; see `kubectl logs --previous`',
    });
    expect(s.containers).toHaveLength(3);
  });

  it('flags image pull and container config errors, and says what to check', () => {
    const pull = pod('a', { waiting: 'ErrImagePull' });
    const config = pod('b', { waiting: 'CreateContainerConfigError' });
    expect(containerSignals([pull])[0]).toMatchObject({ imagePullError: true, configError: false });
    expect(containerSignals([config])[0]).toMatchObject({ imagePullError: false, configError: true });
    expect(
      byName(evaluatePods([config], { expectedReady: 1, maxRestarts: 0 }, false).results, 'no crash loop or image pull error').detail,
    ).toMatch(/ConfigMap, Secret or volume/);
  });

  it('picks the containers whose logs explain the failure, worst first, none that never started, and reads the crashed instance of a restarted one', () => {
    const s = evaluatePods([full, pod('pull', { waiting: 'ErrImagePull' })], { expectedReady: 1, maxRestarts: 0 }, false);
    const explained = containersToExplain(s.containers, s.results);
    // The crash-looping sidecar, then the OOM-killed app; not the init container that completed, not the pull error.
    expect(explained.map((c) => c.container)).toEqual(['proxy', 'web']);
    expect(explained.map(previousInstance)).toEqual([true, true]);
    // A container terminated now (restartPolicy Never) has its own log: no previous.
    expect(previousInstance({ ...explained[0]!, state: 'terminated' })).toBe(false);
    expect(previousInstance({ ...explained[0]!, restarts: 0 })).toBe(false);
  });

  it('explains nothing while every Kubernetes check passes, and at most three containers', () => {
    const healthy = evaluatePods([full], { expectedReady: 1, maxRestarts: 10 }, false);
    // Still a crash loop, so the crash-loop check fails: its containers are explained.
    expect(containersToExplain(healthy.containers, healthy.results).map((c) => c.container)).toEqual(['proxy', 'web']);
    const passing = healthy.results.map((r) => ({ ...r, passed: true }));
    expect(containersToExplain(healthy.containers, passing)).toEqual([]);
    const many = Array.from({ length: 5 }, (_, i) => ({ ...full, metadata: { name: `p${i}` } }));
    const m = evaluatePods(many, { expectedReady: 1, maxRestarts: 0 }, false);
    expect(containersToExplain(m.containers, m.results)).toHaveLength(3);
  });

  it('describes terminations by exit code or signal', () => {
    expect(describeTermination({ exitCode: 137, reason: 'OOMKilled' })).toBe('exit 137, OOMKilled');
    expect(describeTermination({ signal: 9 })).toBe('signal 9');
    expect(describeTermination(undefined)).toBeUndefined();
  });
});
