import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAnnotations } from '../../scripts/harness/run-step';
import { withInputs } from '../../test/support/inputs';
import { readCanary, removeCanary } from '../deploy/canary';
import { Timeline } from '../deploy/timeline';
import { DeployLockHeldError, type Deployment } from '../kube';
import { INPUT_NAMES } from './inputs';
import { undoAfterCancel } from '../deploy/promote-cancel';
import { clearOpenCanary, recordOpenCanary, removeOpenCanary, undoOpenPromotion } from './post-state';
import { openSession, type Session } from './session';
import { writeTestKubeconfig } from '../../test/support/kubeconfig';

const KUBECONFIG = writeTestKubeconfig();

vi.mock('../deploy/canary', () => ({ readCanary: vi.fn(), removeCanary: vi.fn() }));
vi.mock('../deploy/promote-cancel', () => ({ undoAfterCancel: vi.fn() }));
vi.mock('./session', () => ({ openSession: vi.fn() }));

const RUN = 'https://github.com/octo/app/actions/runs/7';
let lock: ReturnType<typeof vi.fn<Session['lock']>>;
let stdout: string;
/** The stable Deployment the post step reads. */
let stable: Deployment | undefined;

beforeEach(() => {
  vi.clearAllMocks();
  lock = vi.fn<Session['lock']>(async () => ({}) as never);
  vi.mocked(openSession).mockImplementation(async (_action, cluster) => ({
    ctx: {
      client: { getIfExists: vi.fn(async () => stable) } as never,
      namespace: cluster.namespace ?? 'default',
      runUrl: RUN,
      timeline: new Timeline(() => undefined),
      signal: new AbortController().signal,
      inputs: INPUT_NAMES,
    },
    connection: {} as never,
    lock,
    close: vi.fn(async () => undefined),
  }));
  vi.mocked(removeCanary).mockResolvedValue({ removed: true, podsGone: true });
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  withInputs({ kubeconfig: KUBECONFIG });
});

/** The post step runs in a new process: what the main step saved comes back as STATE_<name>. */
function asPostStep(state: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('STATE_')) delete process.env[key];
  for (const [name, value] of Object.entries(state)) process.env[`STATE_${name}`] = value;
}

const canary = (owner: string): Deployment =>
  ({ metadata: { name: 'web-canary', annotations: { 'flightdeck.dev/run-url': owner } }, spec: { template: {} } }) as Deployment;

describe('the post step of canary-deploy and release', () => {
  it('does nothing, not even connect, when the main step settled its canary', async () => {
    recordOpenCanary({ name: 'web', namespace: 'prod' });
    clearOpenCanary();
    asPostStep({ 'open-canary': '', namespace: 'prod' });
    await removeOpenCanary('canary-deploy');
    expect(openSession).not.toHaveBeenCalled();
  });

  it("removes the canary a killed main step left, in the main step's namespace, under the lock", async () => {
    asPostStep({ 'open-canary': 'web', namespace: 'prod' });
    vi.mocked(readCanary).mockResolvedValue(canary(RUN));
    await removeOpenCanary('canary-deploy');
    expect(vi.mocked(openSession).mock.calls[0]![1]).toMatchObject({ namespace: 'prod' });
    expect(lock).toHaveBeenCalledWith('web');
    expect(vi.mocked(removeCanary).mock.calls[0]!.slice(1)).toEqual(['web', 5_000]);
    expect(parseAnnotations(stdout).map((a) => a.message)).toEqual([
      'The main step did not finish; its canary "web-canary" was removed and traffic restored.',
    ]);
  });

  it("leaves alone a canary another run owns, and one another run's lock protects", async () => {
    asPostStep({ 'open-canary': 'web', namespace: 'prod' });
    vi.mocked(readCanary).mockResolvedValue(canary('https://github.com/octo/app/actions/runs/8'));
    await removeOpenCanary('release');
    lock.mockRejectedValue(new DeployLockHeldError('flightdeck-web', 'prod', 'https://github.com/octo/app/actions/runs/9', new Date(0)));
    await removeOpenCanary('release');
    expect(removeCanary).not.toHaveBeenCalled();
    expect(parseAnnotations(stdout).map((a) => [a.level, a.message])).toEqual([
      ['notice', 'The canary "web-canary" belongs to https://github.com/octo/app/actions/runs/8, not this one; left alone.'],
      ['notice', 'The canary "web-canary" was left alone: https://github.com/octo/app/actions/runs/9 is deploying "web" now.'],
    ]);
  });
});

const promoted = (owner: string, revision: number): Deployment =>
  ({
    metadata: { name: 'web', annotations: { 'flightdeck.dev/run-url': owner, 'deployment.kubernetes.io/revision': String(revision) } },
    spec: { template: {} },
  }) as Deployment;

describe('the post step after a main step killed mid-promotion (on-cancel: undo)', () => {
  const open = JSON.stringify({ name: 'web', namespace: 'prod', previousRevision: 1 });

  beforeEach(() => {
    vi.mocked(undoAfterCancel).mockResolvedValue({
      result: 'cancelled',
      revision: 3,
      previousImage: '',
      image: 'repo/web:1',
      failure: 'The main step was stopped before its promotion finished: "web" was undone to revision 1\'s template (repo/web:1).',
    });
  });

  it('undoes the rollout this run left, under the lock, and says so; the canary step has nothing left to do', async () => {
    asPostStep({ 'open-promotion': open, 'open-canary': 'web', namespace: 'prod' });
    stable = promoted(RUN, 2);
    await removeOpenCanary('release');
    expect(lock).toHaveBeenCalledWith('web');
    expect(vi.mocked(undoAfterCancel).mock.calls[0]![1]).toMatchObject({ name: 'web', previousRevision: 1 });
    expect(removeCanary).not.toHaveBeenCalled();
    expect(parseAnnotations(stdout).map((a) => [a.level, a.message])).toEqual([
      ['warning', 'The main step was stopped before its promotion finished: "web" was undone to revision 1\'s template (repo/web:1).'],
    ]);
  });

  it('leaves alone a Deployment another run promoted since, or one already back on the old revision', async () => {
    asPostStep({ 'open-promotion': open });
    stable = promoted('https://github.com/octo/app/actions/runs/8', 2);
    expect(await undoOpenPromotion('rolling-promote')).toBe(true);
    stable = promoted(RUN, 1);
    await undoOpenPromotion('rolling-promote');
    expect(undoAfterCancel).not.toHaveBeenCalled();
    expect(parseAnnotations(stdout).map((a) => a.level)).toEqual(['notice', 'notice']);
  });

  it('does nothing, not even connect, when the main step settled its rollout', async () => {
    asPostStep({ 'open-promotion': '' });
    expect(await undoOpenPromotion('rolling-promote')).toBe(false);
    expect(openSession).not.toHaveBeenCalled();
  });
});
