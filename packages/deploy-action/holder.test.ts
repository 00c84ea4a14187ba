import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeFakeApiservers, fakeApiserver, json } from '../../test/support/fake-apiserver';
import { savedState } from '../../test/support/runner-files';
import { DeployLock, DeployLockHeldError } from '../kube';
import type { Lease } from '../kube/types';
import { lockHolder, resetLockHolderForTests } from './holder';

const RUN_ENV = {
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'octo/app',
  GITHUB_RUN_ID: '7',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_JOB: 'deploy-a',
};

/** A new job (or matrix instance) starts a new process: no instance id in memory, none in its state. */
function newJobProcess(): void {
  resetLockHolderForTests();
  delete process.env.STATE_lock_instance;
  delete process.env['STATE_lock-instance'];
}

beforeEach(newJobProcess);
afterEach(async () => {
  newJobProcess();
  await closeFakeApiservers();
});

describe('the deploy lock holder identity', () => {
  it('names the run attempt, the job and a job instance, readably', () => {
    expect(lockHolder(RUN_ENV)).toMatch(
      /^https:\/\/github\.com\/octo\/app\/actions\/runs\/7\/attempts\/1 \(job "deploy-a", instance [0-9a-f]{8}\)$/,
    );
  });

  it('differs between two jobs of one run, two instances of one matrix job, and two attempts', () => {
    const first = lockHolder(RUN_ENV);
    newJobProcess();
    const otherJob = lockHolder({ ...RUN_ENV, GITHUB_JOB: 'deploy-b' });
    newJobProcess();
    const sameJobOtherMatrixInstance = lockHolder(RUN_ENV);
    newJobProcess();
    const reRun = lockHolder({ ...RUN_ENV, GITHUB_RUN_ATTEMPT: '2' });
    expect(new Set([first, otherJob, sameJobOtherMatrixInstance, reRun]).size).toBe(4);
  });

  it('is the same for the main step and its post step, through the action state', () => {
    const main = lockHolder(RUN_ENV);
    expect(lockHolder(RUN_ENV)).toBe(main);
    const saved = savedState()['lock-instance'];
    expect(saved).toMatch(/^[0-9a-f]{8}$/);
    // The post step is a new process that gets the main step's state as STATE_<name>.
    resetLockHolderForTests();
    process.env['STATE_lock-instance'] = saved;
    expect(lockHolder(RUN_ENV)).toBe(main);
  });

  it('makes the Lease refuse a second job of the same run, naming the first', async () => {
    let stored: Lease | undefined;
    const body = async (request: IncomingMessage) => {
      let text = '';
      for await (const chunk of request) text += String(chunk);
      return JSON.parse(text) as Lease;
    };
    const { client } = await fakeApiserver((request, response) => {
      if (request.method === 'GET') return stored ? json(response, 200, stored) : json(response, 404, { kind: 'Status', code: 404 });
      if (request.method === 'DELETE') {
        stored = undefined;
        return json(response, 200, { kind: 'Status', status: 'Success' });
      }
      void body(request).then((lease) => {
        stored = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(Date.now()) } };
        json(response, request.method === 'POST' ? 201 : 200, stored);
      });
    });
    const options = { namespace: 'prod', name: 'flightdeck-web' };
    const first = await DeployLock.acquire(client, { ...options, holderIdentity: lockHolder(RUN_ENV) });
    newJobProcess();
    const second = lockHolder({ ...RUN_ENV, GITHUB_JOB: 'deploy-b' });
    const refusal = await DeployLock.acquire(client, { ...options, holderIdentity: second }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DeployLockHeldError);
    expect((refusal as Error).message).toContain(`held by ${first.holder} until`);
    expect(first.holder).toContain('job "deploy-a"');
    expect(stored?.spec?.holderIdentity).toBe(first.holder);
    await first.release();
    expect(stored).toBeUndefined();
  });
});
