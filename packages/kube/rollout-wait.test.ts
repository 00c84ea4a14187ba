import { afterEach, describe, expect, it } from 'vitest';
import { closeFakeApiservers, fakeApiserver, json, startWatch } from '../../test/support/fake-apiserver';
import { RolloutFailedError, waitForRollout } from './rollout';
import type { Deployment, DeploymentStatus } from './types';

afterEach(closeFakeApiservers);

const web = (rv: string, status: DeploymentStatus, generation = 2): Deployment => ({
  metadata: { name: 'web', namespace: 'shop', resourceVersion: rv, generation },
  spec: { replicas: 2, template: {} },
  status: { observedGeneration: 2, ...status },
});

describe('waitForRollout (watch-driven, against a scripted apiserver)', () => {
  it('reports each progress step and resolves on the event that completes the rollout', async () => {
    const { client } = await fakeApiserver((_request, response, url) => {
      if (url.searchParams.get('watch') !== '1')
        return json(response, 200, { metadata: { resourceVersion: '1' }, items: [web('1', { observedGeneration: 1 })] });
      const send = startWatch(response);
      setTimeout(() => send('MODIFIED', web('2', { replicas: 3, updatedReplicas: 1, availableReplicas: 2 })), 5);
      setTimeout(() => send('MODIFIED', web('3', { replicas: 3, updatedReplicas: 2, availableReplicas: 2 })), 10);
      setTimeout(() => send('MODIFIED', web('4', { replicas: 2, updatedReplicas: 2, availableReplicas: 1 })), 15);
      setTimeout(() => send('MODIFIED', web('5', { replicas: 2, updatedReplicas: 2, availableReplicas: 2 })), 20);
    });
    const seen: string[] = [];
    const result = await waitForRollout(client, 'shop', 'web', { timeoutMs: 5000, onProgress: (status) => seen.push(status.message) });
    expect(seen).toEqual([
      'Waiting for deployment spec update to be observed...',
      'Waiting for deployment "web" rollout to finish: 1 out of 2 new replicas have been updated...',
      'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
      'Waiting for deployment "web" rollout to finish: 1 of 2 updated replicas are available...',
      'deployment "web" successfully rolled out',
    ]);
    expect(result.deployment.metadata.resourceVersion).toBe('5');
    expect(result.apiRequests).toBe(2);
  });

  it('fails on ProgressDeadlineExceeded', async () => {
    const { client } = await fakeApiserver((_request, response, url) => {
      if (url.searchParams.get('watch') !== '1')
        return json(response, 200, { metadata: { resourceVersion: '1' }, items: [web('1', { replicas: 3, updatedReplicas: 1 })] });
      startWatch(response)(
        'MODIFIED',
        web('2', {
          replicas: 3,
          updatedReplicas: 1,
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        }),
      );
    });
    const error = await waitForRollout(client, 'shop', 'web', { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RolloutFailedError);
    expect(error).toMatchObject({ reason: 'ProgressDeadlineExceeded' });
  });

  it('times out with the last status, says when the Deployment is missing, and honours cancellation', async () => {
    const { client } = await fakeApiserver((request, response, url) => {
      const missing = url.searchParams.get('fieldSelector') === 'metadata.name=gone';
      if (url.searchParams.get('watch') !== '1')
        return json(response, 200, {
          metadata: { resourceVersion: '1' },
          items: missing ? [] : [web('1', { replicas: 2, updatedReplicas: 2, availableReplicas: 0 })],
        });
      startWatch(response);
    });
    await expect(waitForRollout(client, 'shop', 'web', { timeoutMs: 300 })).rejects.toThrow(
      /timed out after 0.3s .*last status: .*0 of 2 updated replicas are available/,
    );
    await expect(waitForRollout(client, 'shop', 'gone', { timeoutMs: 5000 })).rejects.toThrow(
      'deployment "gone" not found in namespace "shop"',
    );
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(new Error('cancelled by the runner')), 100);
    await expect(waitForRollout(client, 'shop', 'web', { timeoutMs: 5000, signal: cancel.signal })).rejects.toThrow(
      'cancelled by the runner',
    );
  });
});
