import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeployLock } from '../kube';
import { connectCluster } from './cluster';
import { resetLockHolderForTests } from './holder';
import { openSession } from './session';

vi.mock('./cluster', () => ({ connectCluster: vi.fn() }));

const RUN_ENV = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'octo/app', GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '1' };

afterEach(() => {
  vi.restoreAllMocks();
  resetLockHolderForTests();
  for (const key of ['GITHUB_REPOSITORY', 'GITHUB_RUN_ID', 'GITHUB_RUN_ATTEMPT', 'GITHUB_JOB']) delete process.env[key];
});

/** The holder identity openSession's lock asks the Lease for, in a job of the given name. */
async function holderInJob(job: string): Promise<{ holder: string; runUrl: string }> {
  resetLockHolderForTests();
  Object.assign(process.env, RUN_ENV, { GITHUB_JOB: job });
  const client = { requestCount: 0, retryCount: 0, close: vi.fn() };
  vi.mocked(connectCluster).mockResolvedValue({ client: client as never, source: 'kubeconfig', description: 'test' });
  const acquire = vi.spyOn(DeployLock, 'acquire').mockResolvedValue({ name: 'flightdeck-web', release: async () => undefined } as never);
  const session = await openSession('release', { source: { kind: 'kubeconfig', kubeconfig: 'unused' }, namespace: 'prod' }, undefined);
  await session.lock('web');
  await session.close();
  return { holder: acquire.mock.calls.at(-1)![1].holderIdentity, runUrl: session.ctx.runUrl };
}

describe('openSession', () => {
  it('locks as this job instance, not as the whole run: two jobs of one run are two holders', async () => {
    const a = await holderInJob('deploy-a');
    const b = await holderInJob('deploy-b');
    expect(a.runUrl).toBe(b.runUrl);
    expect(a.holder).not.toBe(b.holder);
    expect(a.holder).toMatch(/^https:\/\/github\.com\/octo\/app\/actions\/runs\/7\/attempts\/1 \(job "deploy-a", instance [0-9a-f]{8}\)$/);
  });
});
