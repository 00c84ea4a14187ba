import { describe, expect, it } from 'vitest';
import { evaluatePods } from '../analysis/kube-signals';
import type { KubeClient } from '../kube/client';
import { errorFromResponse } from '../kube/errors';
import type { Pod } from '../kube/types';
import { explainWithLogs } from './pod-monitor';

const crashed = (name: string): Pod => ({
  metadata: { name },
  status: {
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [
      {
        name: 'web',
        ready: false,
        restartCount: 2,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 3, reason: 'Error' } },
      } as never,
    ],
  },
});

const failingWith = (error: unknown): Pick<KubeClient, 'podLog'> => ({
  podLog: async () => {
    throw error;
  },
});

async function detailWith(reader: Pick<KubeClient, 'podLog'>, signal?: AbortSignal): Promise<string> {
  const pods = [crashed('p1')];
  const { results } = evaluatePods(pods, { expectedReady: 1, maxRestarts: 0 }, false);
  const explained = await explainWithLogs(reader, 'shop', pods, results, signal);
  expect(explained.map((r) => r.passed)).toEqual(results.map((r) => r.passed));
  return explained.find((r) => r.name === 'no crash loop or image pull error')!.detail!;
}

const context = { verb: 'get', resource: 'pods/log', namespace: 'shop', name: 'p1' };

describe('explainWithLogs: a log that cannot be read says why, and the verdict stands', () => {
  it('a pod gone (404)', async () => {
    expect(await detailWith(failingWith(errorFromResponse(404, undefined, '', context)))).toContain(
      'p1/web: CrashLoopBackOff, last exit 3, Error, 2 restarts; (logs unavailable: the pod is gone)',
    );
  });

  it("an apiserver refusal in its own words (400: no previous instance's log)", async () => {
    const status = { kind: 'Status', reason: 'BadRequest', message: 'previous terminated container "web" in pod "p1" not found' };
    expect(await detailWith(failingWith(errorFromResponse(400, status as never, '', context)))).toContain(
      '(logs unavailable: HTTP 400: previous terminated container "web" in pod "p1" not found)',
    );
  });

  it('a timeout or a network error', async () => {
    expect(await detailWith(failingWith(new Error('no answer in 5 s')))).toContain('(logs unavailable: no answer in 5 s)');
  });

  it('but a cancellation propagates', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(detailWith(failingWith(new Error('aborted')), controller.signal)).rejects.toThrow('cancelled');
  });

  it('reads the logs side by side, one request per explained container', async () => {
    const pods = [crashed('p1'), crashed('p2'), crashed('p3'), crashed('p4')];
    let open = 0;
    let most = 0;
    const reader: Pick<KubeClient, 'podLog'> = {
      podLog: async (_ns, pod) => {
        most = Math.max(most, ++open);
        await new Promise((resolve) => setTimeout(resolve, 30));
        open--;
        return `${pod} died`;
      },
    };
    const { results } = evaluatePods(pods, { expectedReady: 4, maxRestarts: 0 }, false);
    const explained = await explainWithLogs(reader, 'shop', pods, results);
    expect(most).toBe(3);
    const detail = explained.find((r) => r.name === 'no crash loop or image pull error')!.detail!;
    expect(detail.match(/died/g)).toHaveLength(3);
  });
});
