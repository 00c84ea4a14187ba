import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAnnotations } from '../../scripts/harness/run-step';
import { withInputs } from '../../test/support/inputs';
import { readCanary, removeCanary } from '../deploy/canary';
import { Timeline } from '../deploy/timeline';
import { DeployLockHeldError, type Deployment } from '../kube';
import { INPUT_NAMES } from './inputs';
import { clearOpenCanary, recordOpenCanary, removeOpenCanary } from './post-state';
import { openSession, type Session } from './session';
import { writeTestKubeconfig } from '../../test/support/kubeconfig';

const KUBECONFIG = writeTestKubeconfig();

vi.mock('../deploy/canary', () => ({ readCanary: vi.fn(), removeCanary: vi.fn() }));
vi.mock('./session', () => ({ openSession: vi.fn() }));

const RUN = 'https://github.com/octo/app/actions/runs/7';
let lock: ReturnType<typeof vi.fn<Session['lock']>>;
let stdout: string;

beforeEach(() => {
  vi.clearAllMocks();
  lock = vi.fn<Session['lock']>(async () => ({}) as never);
  vi.mocked(openSession).mockImplementation(async (_action, cluster) => ({
    ctx: {
      client: {} as never,
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
