/**
 * promote() when the run is cancelled mid-rollout, with the Kubernetes calls
 * mocked: on-cancel "undo" puts the stable back on the revision it had and
 * removes the canary, without obeying the cancel, within the runner's grace;
 * "leave" changes nothing more.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as kube from '../kube';
import { RolloutFailedError, undoRollout, waitForRollout, type Deployment, type KubeClient } from '../kube';
import type * as canaryModule from './canary';
import { readCanary, removeCanary } from './canary';
import type { DeployContext } from './context';
import { promote } from './promote';
import { CANCEL_UNDO_BUDGET_MS } from './promote-cancel';
import { Timeline } from './timeline';

vi.mock('../kube', async (original) => ({ ...(await original<typeof kube>()), undoRollout: vi.fn(), waitForRollout: vi.fn() }));
vi.mock('./canary', async (original) => ({ ...(await original<typeof canaryModule>()), readCanary: vi.fn(), removeCanary: vi.fn() }));

const deployment = (image: string, revision: number, replicas = 20): Deployment =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'prod', annotations: { 'deployment.kubernetes.io/revision': String(revision) } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
    },
    status: { updatedReplicas: 3, availableReplicas: 17 },
  }) as Deployment;

let controller: AbortController;
let ctx: DeployContext;
let lines: string[];

beforeEach(() => {
  vi.clearAllMocks();
  controller = new AbortController();
  lines = [];
  const client = {
    getIfExists: vi.fn(async () => deployment('repo/web:1', 1)),
    list: vi.fn(async () => ({ items: [] })),
    patch: vi.fn(async () => deployment('repo/web:2', 2)),
  } as unknown as KubeClient;
  ctx = {
    client,
    namespace: 'prod',
    runUrl: 'https://github.com/octo/app/actions/runs/7',
    timeline: new Timeline((line) => lines.push(line)),
    signal: controller.signal,
    inputs: {
      deployment: 'deployment',
      namespace: 'namespace',
      manifests: 'manifests',
      service: 'service',
      ingress: 'ingress',
      rolloutTimeout: 'rollout-timeout',
    },
  };
  vi.mocked(readCanary).mockResolvedValue({ ...deployment('repo/web:2', 1, 1), metadata: { name: 'web-canary' } } as Deployment);
  vi.mocked(removeCanary).mockResolvedValue({ removed: true, podsGone: true });
  vi.mocked(undoRollout).mockResolvedValue({
    restoredRevision: 1,
    fromRevision: 2,
    skipped: false,
    images: { web: 'repo/web:1' },
    deployment: deployment('repo/web:1', 3),
  });
  // The rollout stalls until the cancel; then the restored template rolls out.
  vi.mocked(waitForRollout).mockImplementationOnce(
    (_client, _ns, _name, options) =>
      new Promise((_resolve, reject) => {
        if (options.signal!.aborted) reject(options.signal!.reason);
        options.signal!.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
      }),
  );
});

function cancelSoon(): void {
  setTimeout(() => controller.abort(new Error('SIGINT')), 10);
}

describe('a cancel during the promotion rollout', () => {
  it('undoes the stable to the revision it had, removes the canary and says so (on-cancel: undo, the default)', async () => {
    vi.mocked(waitForRollout).mockResolvedValueOnce({
      deployment: deployment('repo/web:1', 3),
      completedAt: 0,
      elapsedMs: 1_200,
      apiRequests: 2,
      reconnects: 0,
      progress: [],
    });
    const started: number[] = [];
    let settled = 0;
    cancelSoon();
    const outcome = await promote(ctx, {
      name: 'web',
      timeoutMs: 60_000,
      rolloutStarted: (revision) => started.push(revision),
      rolloutSettled: () => settled++,
    });
    expect(outcome).toMatchObject({ result: 'cancelled', revision: 3, previousImage: 'repo/web:1', image: 'repo/web:1' });
    expect(outcome.failure).toBe(
      'The run was cancelled during the promotion: "web" was undone to revision 1\'s template (repo/web:1); its canary "web-canary" removed; the rollback finished in 1.2s.',
    );
    // Revision 1 explicitly, not "one back", and not under the aborted signal.
    expect(vi.mocked(undoRollout).mock.calls[0]!.slice(2)).toEqual(['web', { toRevision: 1, fieldManager: 'flightdeck' }]);
    const removal = vi.mocked(removeCanary).mock.calls[0]!;
    expect(removal[0].signal.aborted).toBe(false);
    expect(removal[3]).toEqual({ trafficRestored: true });
    const wait = vi.mocked(waitForRollout).mock.calls[1]![3];
    expect(wait.signal).toBeUndefined();
    expect(wait.timeoutMs).toBeLessThanOrEqual(CANCEL_UNDO_BUDGET_MS);
    // AbortSignal.timeout and the watches take whole milliseconds only.
    expect(Number.isInteger(wait.timeoutMs)).toBe(true);
    expect(Number.isInteger(removal[2])).toBe(true);
    expect(started).toEqual([1]);
    expect(settled).toBe(1);
    expect(lines.join('\n')).toContain('Cancelled during the rollout: undoing "web" to revision 1 and removing the canary');
  });

  it('says how far the rollback got when the grace period runs out first', async () => {
    vi.mocked(waitForRollout).mockRejectedValueOnce(new RolloutFailedError('timed out', 'Timeout', deployment('repo/web:1', 3), 5_000));
    cancelSoon();
    const outcome = await promote(ctx, { name: 'web', timeoutMs: 60_000 });
    expect(outcome.result).toBe('cancelled');
    expect(outcome.failure).toMatch(
      /the rollback was still rolling out when the step had to exit \(3 of 20 pods on the restored template, 17 available\); the Deployment controller finishes it\.$/,
    );
  });

  it('undoes a rollout whose patch was in flight when the cancel came', async () => {
    vi.mocked(ctx.client.patch).mockImplementationOnce(async (_ref, _patch, _type, options) => {
      controller.abort(new Error('SIGINT'));
      // The request was sent without the cancel's signal, so it completed.
      expect(options?.signal).toBeUndefined();
      return deployment('repo/web:2', 2);
    });
    vi.mocked(waitForRollout).mockResolvedValueOnce({
      deployment: deployment('repo/web:1', 3),
      completedAt: 0,
      elapsedMs: 300,
      apiRequests: 2,
      reconnects: 0,
      progress: [],
    });
    const outcome = await promote(ctx, { name: 'web', timeoutMs: 60_000 });
    expect(outcome.result).toBe('cancelled');
    expect(undoRollout).toHaveBeenCalledOnce();
  });

  it('with on-cancel: leave, rethrows the cancel and undoes nothing', async () => {
    cancelSoon();
    await expect(promote(ctx, { name: 'web', timeoutMs: 60_000, onCancel: 'leave' })).rejects.toThrow('SIGINT');
    expect(undoRollout).not.toHaveBeenCalled();
    expect(removeCanary).not.toHaveBeenCalled();
  });

  it('names the way out when the undo itself fails', async () => {
    vi.mocked(undoRollout).mockRejectedValueOnce(new Error('connection refused'));
    cancelSoon();
    const outcome = await promote(ctx, { name: 'web', timeoutMs: 60_000 });
    expect(outcome.result).toBe('cancelled');
    expect(outcome.failure).toMatch(/undoing "web" to revision 1 failed: connection refused.*Run rollback for "web" with undo: true\./);
    expect(removeCanary).not.toHaveBeenCalled();
  });
});
