/**
 * The three flows with the engine mocked: every way out of canaryFlow,
 * promoteFlow and rollbackFlow, what each leaves in the outputs, the job
 * summary and the runner state the post step reads, with no cluster. The
 * manifests, the summary writer and the runner files are the real ones
 * (test/support/setup.unit.ts points the runner files at a temporary directory).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAnnotations } from '../../scripts/harness/run-step';
import { savedState, stepOutputs, stepSummary } from '../../test/support/runner-files';
import { ConfigurationError } from '../core/errors';
import { removeCanary } from '../deploy/canary';
import type { DeployContext } from '../deploy/context';
import { podModeTraffic } from '../deploy/plan';
import { promote } from '../deploy/promote';
import { rollback } from '../deploy/rollback';
import { planCanary, runCanary } from '../deploy/run-canary';
import { Timeline } from '../deploy/timeline';
import type { CanaryOutcome, StepRecord } from '../deploy/types';
import type { KubeClient } from '../kube';
import { DeployLockHeldError } from '../kube';
import { CancelledError } from './cancel';
import { canaryFlow, promoteFlow, rollbackFlow } from './flows';
import { GithubDeployment } from './github-deployment';
import { INPUT_NAMES, type CanaryFlowInputs, type PromoteFlowInputs, type RollbackFlowInputs } from './inputs';
import { openSession, type Session } from './session';

vi.mock('../deploy/run-canary', () => ({ planCanary: vi.fn(), runCanary: vi.fn() }));
vi.mock('../deploy/promote', () => ({ promote: vi.fn() }));
vi.mock('../deploy/rollback', () => ({ rollback: vi.fn() }));
vi.mock('../deploy/canary', () => ({ removeCanary: vi.fn() }));
vi.mock('./session', () => ({ openSession: vi.fn() }));
vi.mock('./github-deployment', () => ({ GithubDeployment: vi.fn() }));

const RUN = 'https://github.com/octo/app/actions/runs/7';
/** What the flows hand promote() so that the post step knows of a rollout under way. */
const promotionHooks = { rolloutStarted: expect.any(Function), rolloutSettled: expect.any(Function) };
const removed = { removed: true, podsGone: true };

let workspace: string;
beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'fd-flows-'));
  writeFileSync(
    join(workspace, 'app.yaml'),
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: web }',
      'spec:',
      '  selector: { matchLabels: { app: web } }',
      '  template:',
      '    metadata: { labels: { app: web } }',
      '    spec: { containers: [{ name: web, image: "repo/web:1" }] }',
    ].join('\n'),
  );
});

/** The session openSession would give, over no cluster: the flows use its context, lock and close. */
let session: Session;
let lock: ReturnType<typeof vi.fn<Session['lock']>>;
let cancel: (reason: unknown) => void;
let stdout: string;
const statuses: [string, string][] = [];

beforeEach(() => {
  vi.clearAllMocks();
  const controller = new AbortController();
  cancel = (reason) => controller.abort(reason);
  lock = vi.fn<Session['lock']>(async () => ({}) as never);
  vi.mocked(openSession).mockImplementation(async (_action, _cluster, namespace, timeline) => {
    const ctx: DeployContext = {
      client: {} as KubeClient,
      namespace: namespace ?? 'prod',
      runUrl: RUN,
      timeline: timeline ?? new Timeline(() => undefined),
      signal: controller.signal,
      inputs: INPUT_NAMES,
    };
    session = {
      ctx,
      // "prod" when neither the input nor the manifests name a namespace: the kubeconfig context's.
      connection: { client: ctx.client, source: 'kubeconfig', description: 'kubeconfig context "test"', defaultNamespace: 'prod' },
      lock,
      close: vi.fn(async () => undefined),
    };
    return session;
  });
  statuses.length = 0;
  vi.mocked(GithubDeployment).mockImplementation(function () {
    return { start: async () => undefined, status: async (state: string, text: string) => void statuses.push([state, text]) } as never;
  });
  vi.mocked(planCanary).mockResolvedValue({ kind: 'canary', changes: { leftAlone: [] } } as never);
  vi.mocked(removeCanary).mockResolvedValue(removed);
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  process.env.GITHUB_SHA = 'abc123';
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.mocked(runCanary).mockReset();
  vi.mocked(promote).mockReset();
  vi.mocked(rollback).mockReset();
  delete process.env.GITHUB_SHA;
});

function canaryInputs(over: Partial<CanaryFlowInputs> = {}): CanaryFlowInputs {
  return {
    cluster: { source: { kind: 'kubeconfig', kubeconfig: 'unused: the session is mocked' } },
    manifests: { manifests: [join(workspace, 'app.yaml')], images: ['repo/web:2'] },
    traffic: { mode: 'pod', steps: [50] },
    analysis: { bakeTimeMs: 1000, intervalMs: 100, readyTimeoutMs: 1000, maxRestarts: 0, alarms: [] },
    autoPromote: false,
    promote: { timeoutMs: 60_000 },
    reporting: { environment: 'production' },
    ...over,
  };
}

const step = (outcome: StepRecord['outcome']): StepRecord => ({ traffic: podModeTraffic(50, 4), bakeMs: 1000, outcome });

/** runCanary as the engine runs it: it records each step in the flow's list before touching the canary. */
function canaryRuns(outcome: Omit<CanaryOutcome, 'steps' | 'analysis'>, records: StepRecord[] = [step('passed')]) {
  vi.mocked(runCanary).mockImplementation(async (_ctx, _request, _plan, steps, analysis) => {
    steps.push(...records);
    analysis.push({ source: 'kubernetes', name: 'canary pods Ready', passed: outcome.result !== 'failed', value: '1/1', threshold: '1' });
    return { ...outcome, steps, analysis };
  });
}

/** runCanary stopped by an error (a crash, a cancel) once it has recorded its first step, so a canary may exist. */
function stopsAfterStepOne(error: (ctx: DeployContext) => unknown) {
  vi.mocked(runCanary).mockImplementation(async (ctx, _request, _plan, steps) => {
    steps.push(step('running'));
    throw error(ctx);
  });
}

/** The runner's annotations from the step's stdout, as [level, message]. */
const annotations = () => parseAnnotations(stdout).map((a) => [a.level, a.message]);
/** The post step's view: the canary left open by the main step, if any. */
const openCanary = () => savedState()['open-canary'];

describe('canaryFlow', () => {
  it('leaves a passing canary running for rolling-promote when auto-promote is off', async () => {
    canaryRuns({ result: 'passed', images: { web: 'repo/web:2' }, trafficPercent: 33.3 });
    await canaryFlow('canary-deploy', canaryInputs());
    expect(vi.mocked(runCanary).mock.calls[0]![1]).toMatchObject({
      desired: { metadata: { name: 'web', namespace: 'prod' }, spec: { template: { spec: { containers: [{ image: 'repo/web:2' }] } } } },
      traffic: { mode: 'pod', steps: [50] },
      rolloutTimeoutMs: 60_000,
    });
    expect(session.lock).toHaveBeenCalledWith('web');
    expect(promote).not.toHaveBeenCalled();
    expect(stepOutputs()).toMatchObject({ result: 'passed', canary: 'web-canary', 'traffic-percent': '33.3', image: 'repo/web:2' });
    expect(JSON.parse(stepOutputs().analysis!)).toMatchObject({
      v: 1,
      result: 'passed',
      checks: [{ name: 'canary pods Ready' }],
      steps: [],
    });
    expect(process.exitCode).toBeUndefined();
    // Left on purpose: the post step must not remove it.
    expect(openCanary()).toBe('');
    expect(stepSummary()).toContain('canary-deploy prod/web: passed');
    expect(stepSummary()).toContain('still running at 33.3% of traffic');
    expect(session.close).toHaveBeenCalledOnce();
  });

  it('promotes a passing canary with auto-promote, and reports the release', async () => {
    canaryRuns({ result: 'passed', images: { web: 'repo/web:2' }, trafficPercent: 50 });
    vi.mocked(promote).mockResolvedValue({ result: 'promoted', revision: 4, previousImage: 'repo/web:1', image: 'repo/web@sha256:aa' });
    await canaryFlow('release', canaryInputs({ autoPromote: true, promote: { maxSurge: '1', timeoutMs: 60_000 } }));
    expect(promote).toHaveBeenCalledWith(session.ctx, {
      name: 'web',
      gitSha: 'abc123',
      maxSurge: '1',
      timeoutMs: 60_000,
      ...promotionHooks,
    });
    expect(stepOutputs()).toMatchObject({ result: 'promoted', image: 'repo/web@sha256:aa', revision: '4', 'previous-image': 'repo/web:1' });
    expect(stepOutputs().canary).toBeUndefined();
    expect(process.exitCode).toBeUndefined();
    expect(openCanary()).toBe('');
    expect(stepSummary()).toContain('"web" now runs repo/web@sha256:aa (revision 4); it ran repo/web:1 before.');
  });

  it('fails the step when the promotion was undone', async () => {
    canaryRuns({ result: 'passed', images: { web: 'repo/web:2' }, trafficPercent: 50 });
    vi.mocked(promote).mockResolvedValue({
      result: 'rolled-back',
      revision: 5,
      previousImage: 'repo/web:1',
      image: 'repo/web:1',
      failure: 'the rollout stalled',
    });
    await canaryFlow('release', canaryInputs({ autoPromote: true }));
    expect(stepOutputs()).toMatchObject({ result: 'rolled-back', revision: '5', image: 'repo/web:1' });
    expect(process.exitCode).toBe(2);
    expect(annotations()).toContainEqual(['error', 'Promotion failed: the rollout stalled']);
  });

  it('fails the step when the analysis failed (the engine already removed the canary)', async () => {
    canaryRuns({ result: 'failed', images: { web: 'repo/web:2' }, trafficPercent: 0, failure: 'http success rate: 80%' }, [step('failed')]);
    await canaryFlow('release', canaryInputs({ autoPromote: true }));
    expect(promote).not.toHaveBeenCalled();
    expect(removeCanary).not.toHaveBeenCalled();
    expect(stepOutputs()).toMatchObject({ result: 'failed', 'traffic-percent': '0', image: 'repo/web:2' });
    expect(process.exitCode).toBe(1);
    expect(annotations()).toContainEqual([
      'error',
      'Canary analysis failed, so the canary was removed and traffic restored: http success rate: 80%',
    ]);
    expect(openCanary()).toBe('');
    expect(stepSummary()).toMatch(/\| 1 \| 50% \| 4 \| 1\.0s \| failed \|/);
  });

  it('reports an inconclusive canary apart from a failed one, with its own exit code, never promoting it', async () => {
    canaryRuns({ result: 'inconclusive', images: { web: 'repo/web:2' }, trafficPercent: 0, failure: 'too few requests (canary 40)' }, [
      step('failed'),
    ]);
    await canaryFlow('release', canaryInputs({ autoPromote: true }));
    expect(promote).not.toHaveBeenCalled();
    expect(stepOutputs()).toMatchObject({ result: 'inconclusive' });
    expect(JSON.parse(stepOutputs().analysis!)).toMatchObject({ v: 1, result: 'inconclusive' });
    expect(process.exitCode).toBe(3);
    expect(annotations()).toContainEqual([
      'error',
      'Canary analysis was inconclusive (too little evidence to promote), so the canary was removed and traffic restored: too few requests (canary 40)',
    ]);
    expect(stepSummary()).toContain('release prod/web: inconclusive');
  });

  it.each([
    ['deployed', 'First release of "web": the manifests were applied and rolled out'],
    ['skipped', 'Nothing in the manifests differs from what runs in the cluster for "web"; nothing to do.'],
  ] as const)('reports a %s release without a canary', async (result, headline) => {
    canaryRuns({ result, images: { web: 'repo/web:2' } }, []);
    await canaryFlow('release', canaryInputs({ autoPromote: true }));
    expect(promote).not.toHaveBeenCalled();
    expect(stepOutputs()).toMatchObject({ result, image: 'repo/web:2' });
    expect(process.exitCode).toBeUndefined();
    expect(stepSummary()).toContain(headline);
  });

  it('says in the summary which objects of the manifests the release leaves alone, and why', async () => {
    vi.mocked(planCanary).mockResolvedValue({
      kind: 'skip',
      changes: { leftAlone: [{ object: 'Ingress "web"', reason: 'the platform owns it' }] },
    } as never);
    canaryRuns({ result: 'skipped', images: { web: 'repo/web:2' } }, []);
    await canaryFlow('release', canaryInputs());
    expect(stepSummary()).toMatch(/left alone.*Ingress "web": the platform owns it/);
  });

  it('records the open canary for the post step once it holds the lock, before the first step', async () => {
    let seenByPost: string | undefined;
    vi.mocked(runCanary).mockImplementation(async () => {
      seenByPost = openCanary();
      throw new Error('killed here, as far as the post step knows');
    });
    await canaryFlow('canary-deploy', canaryInputs());
    expect(seenByPost).toBe('web');
    expect(savedState().namespace).toBe('prod');
  });

  it('refuses alb-metrics without traffic "alb" before the plan, and hands the readers to the engine with it', async () => {
    const tracks = {
      path: '/readyz',
      requestsPerRound: 10,
      timeoutMs: 1000,
      expectedStatus: 200,
      judge: { alpha: 0.05, minRequests: 10, errorFloor: 0.01, latencyRatio: 1.2, latencyPercentile: 95 },
      latencyFloorMs: 5,
      onInconclusive: 'fail' as const,
      baseline: false,
      albMetrics: true,
      region: 'eu-west-1',
    };
    const analysis = { ...canaryInputs().analysis, tracks };
    await expect(canaryFlow('canary-deploy', canaryInputs({ analysis }))).rejects.toThrow(/Input "alb-metrics" .* "traffic: alb"/);
    expect(planCanary).not.toHaveBeenCalled();

    canaryRuns({ result: 'passed', images: { web: 'repo/web:2' }, trafficPercent: 10 });
    await canaryFlow('canary-deploy', canaryInputs({ analysis, traffic: { mode: 'alb', steps: [10] } }));
    const request = vi.mocked(runCanary).mock.calls[0]![1];
    expect(typeof request.albMetrics?.metrics.getMetricData).toBe('function');
    expect(typeof request.albMetrics?.elb.describeTargetGroups).toBe('function');
  });

  it('on a bad plan changes nothing: reports, closes the session and rethrows the ConfigurationError', async () => {
    const refusal = new ConfigurationError('Input "service" names Service "api", which does not exist in namespace "prod".', 'service');
    vi.mocked(planCanary).mockRejectedValue(refusal);
    await expect(canaryFlow('canary-deploy', canaryInputs())).rejects.toBe(refusal);
    expect(session.lock).not.toHaveBeenCalled();
    expect(removeCanary).not.toHaveBeenCalled();
    expect(stepOutputs()).toEqual({ result: 'failed' });
    expect(stepSummary()).toContain(refusal.message);
    expect(openCanary()).toBe('');
    expect(session.close).toHaveBeenCalledOnce();
  });

  it("refused by another run's lock, it never records a canary the post step would remove", async () => {
    const held = new DeployLockHeldError('flightdeck-web', 'prod', 'https://github.com/octo/app/actions/runs/6', new Date(0));
    let seenWhileLocking: string | undefined = 'not asked';
    lock.mockImplementation(async () => {
      seenWhileLocking = openCanary();
      throw held;
    });
    await expect(canaryFlow('canary-deploy', canaryInputs())).rejects.toBe(held);
    // Had it been recorded before the lock, a kill right there would let the post step remove the other run's canary.
    expect(seenWhileLocking).toBeUndefined();
    expect(runCanary).not.toHaveBeenCalled();
    expect(removeCanary).not.toHaveBeenCalled();
    expect(openCanary()).toBe('');
    expect(stepOutputs()).toEqual({ result: 'failed' });
  });

  it('removes the canary a crash left half made, and fails the step with the error', async () => {
    stopsAfterStepOne(() => new Error('the apiserver went away'));
    await canaryFlow('canary-deploy', canaryInputs());
    expect(removeCanary).toHaveBeenCalledWith(session.ctx, 'web');
    expect(stepOutputs()).toMatchObject({ result: 'failed' });
    expect(process.exitCode).toBe(1);
    expect(annotations()).toContainEqual(['error', 'the apiserver went away']);
    expect(openCanary()).toBe('');
  });

  it('does not look for a canary after an error before the first step', async () => {
    vi.mocked(runCanary).mockRejectedValue(new Error('no ReplicaSet yet'));
    await canaryFlow('canary-deploy', canaryInputs());
    expect(removeCanary).not.toHaveBeenCalled();
    expect(openCanary()).toBe('');
    expect(process.exitCode).toBe(1);
  });

  it('on cancellation removes the canary within the runner’s grace, restores traffic and says so', async () => {
    stopsAfterStepOne((ctx) => {
      cancel(new CancelledError('SIGINT'));
      return ctx.signal.reason;
    });
    await canaryFlow('canary-deploy', canaryInputs());
    expect(removeCanary).toHaveBeenCalledWith(session.ctx, 'web', 5_000);
    expect(stepOutputs()).toMatchObject({ result: 'cancelled' });
    expect(process.exitCode).toBe(4);
    expect(annotations()).toContainEqual(['error', 'The run was cancelled; the canary was removed and traffic restored.']);
    expect(openCanary()).toBe('');
    expect(stepSummary()).toContain('Cancelled: removing the canary and restoring traffic before exiting');
  });

  it.each([
    [
      'a crash',
      () => new Error('the apiserver went away'),
      ['warning', 'Could not remove the canary after the error: connection refused. Run the rollback action for "web".'],
      1,
    ],
    [
      'a cancel',
      (ctx: DeployContext) => (cancel(new CancelledError('SIGTERM')), ctx.signal.reason),
      ['error', 'The run was cancelled, and removing the canary failed: connection refused. Run the rollback action for "web".'],
      4,
    ],
  ] as const)(
    'after %s whose cleanup fails too, leaves the canary to the post step and names the way out',
    async (_case, error, annotation, code) => {
      stopsAfterStepOne(error);
      vi.mocked(removeCanary).mockRejectedValue(new Error('connection refused'));
      await canaryFlow('canary-deploy', canaryInputs());
      expect(openCanary()).toBe('web');
      expect(annotations()).toContainEqual(annotation);
      // A crash is "failed" (1); a cancel keeps its own code (4) even when its cleanup failed.
      expect(process.exitCode).toBe(code);
    },
  );

  it('reports to a GitHub Deployment when given a token: in progress, then success or failure', async () => {
    canaryRuns({ result: 'failed', images: { web: 'repo/web:2' }, trafficPercent: 0, failure: 'restarts: 3' }, [step('failed')]);
    await canaryFlow('release', canaryInputs({ reporting: { environment: 'staging', githubToken: 'ghs_x' } }));
    expect(GithubDeployment).toHaveBeenCalledWith({
      token: 'ghs_x',
      environment: 'staging',
      environmentUrl: undefined,
      logUrl: RUN,
      description: 'Canary of web',
    });
    expect(statuses).toEqual([['failure', 'Canary analysis failed, so the canary was removed and traffic restored: restarts: 3']]);
  });
});

describe('promoteFlow', () => {
  const inputs: PromoteFlowInputs = {
    cluster: { source: { kind: 'kubeconfig', kubeconfig: 'unused' }, namespace: 'prod' },
    deployment: 'web',
    promote: { timeoutMs: 60_000 },
    reporting: { environment: 'production' },
  };

  it('promotes under the lock and writes the outputs', async () => {
    vi.mocked(promote).mockResolvedValue({ result: 'promoted', revision: 3, previousImage: 'repo/web:1', image: 'repo/web:2' });
    await promoteFlow('rolling-promote', inputs);
    expect(session.lock).toHaveBeenCalledWith('web');
    expect(promote).toHaveBeenCalledWith(session.ctx, { name: 'web', gitSha: 'abc123', timeoutMs: 60_000, ...promotionHooks });
    expect(stepOutputs()).toEqual({ result: 'promoted', revision: '3', 'previous-image': 'repo/web:1', image: 'repo/web:2' });
    expect(process.exitCode).toBeUndefined();
    expect(stepSummary()).toContain('"web" now runs repo/web:2 (revision 3)');
  });

  it('fails the step after an undone promotion, with the outputs of the undo', async () => {
    vi.mocked(promote).mockResolvedValue({
      result: 'rolled-back',
      revision: 4,
      previousImage: 'repo/web:1',
      image: 'repo/web:1',
      failure: 'it stalled',
    });
    await promoteFlow('rolling-promote', inputs);
    expect(stepOutputs()).toMatchObject({ result: 'rolled-back', revision: '4' });
    expect(annotations()).toContainEqual(['error', 'Promotion failed: it stalled']);
    expect(process.exitCode).toBe(1);
  });

  it('says what to check after a cancel mid-rollout', async () => {
    vi.mocked(promote).mockImplementation(async (ctx) => {
      cancel(new CancelledError('SIGINT'));
      throw ctx.signal.reason;
    });
    await promoteFlow('rolling-promote', inputs);
    expect(stepOutputs()).toEqual({ result: 'cancelled' });
    expect(annotations()[0]![1]).toMatch(/cancelled during the promotion; the Deployment keeps rolling out on its own/);
  });

  it('after a cancel undone by the engine, fails the step saying what was undone, in the log and the summary', async () => {
    const said =
      'The run was cancelled during the promotion: "web" was undone to revision 1\'s template (repo/web:1); its canary "web-canary" removed; the rollback finished in 1.2s.';
    vi.mocked(promote).mockResolvedValue({
      result: 'cancelled',
      revision: 3,
      previousImage: 'repo/web:1',
      image: 'repo/web:1',
      failure: said,
    });
    await promoteFlow('rolling-promote', { ...inputs, promote: { timeoutMs: 60_000, onCancel: 'undo' } });
    expect(stepOutputs()).toEqual({ result: 'cancelled', revision: '3', 'previous-image': 'repo/web:1', image: 'repo/web:1' });
    expect(annotations()).toContainEqual(['error', said]);
    expect(stepSummary()).toContain(said);
    expect(process.exitCode).toBe(1);
  });

  it('records the rollout under way for the post step, and clears it once settled', async () => {
    let whileRolling: string | undefined;
    vi.mocked(promote).mockImplementation(async (_ctx, request) => {
      request.rolloutStarted!(1);
      whileRolling = savedState()['open-promotion'];
      request.rolloutSettled!();
      return { result: 'promoted', revision: 2, previousImage: 'repo/web:1', image: 'repo/web:2' };
    });
    await promoteFlow('rolling-promote', inputs);
    expect(JSON.parse(whileRolling!)).toEqual({ name: 'web', namespace: 'prod', previousRevision: 1 });
    expect(savedState()['open-promotion']).toBe('');
  });

  it('with on-cancel: leave, says the rollout goes on', async () => {
    vi.mocked(promote).mockImplementation(async (ctx) => {
      cancel(new CancelledError('SIGINT'));
      throw ctx.signal.reason;
    });
    await promoteFlow('rolling-promote', { ...inputs, promote: { timeoutMs: 60_000, onCancel: 'leave' } });
    expect(annotations()[0]![1]).toMatch(
      /cancelled during the promotion \(on-cancel: leave\); the Deployment keeps rolling out on its own/,
    );
  });

  it('rethrows a ConfigurationError after writing the outputs and the summary', async () => {
    const missing = new ConfigurationError('No canary "web-canary" in namespace "prod" to promote.', 'deployment');
    vi.mocked(promote).mockRejectedValue(missing);
    await expect(promoteFlow('rolling-promote', inputs)).rejects.toBe(missing);
    expect(stepOutputs()).toEqual({ result: 'failed' });
    expect(stepSummary()).toContain(missing.message);
    expect(session.close).toHaveBeenCalledOnce();
  });

  it('fails the step on any other error', async () => {
    vi.mocked(promote).mockRejectedValue(new Error('boom'));
    await promoteFlow('rolling-promote', inputs);
    expect(stepOutputs()).toEqual({ result: 'failed' });
    expect(annotations()).toContainEqual(['error', 'boom']);
  });
});

describe('rollbackFlow', () => {
  const inputs = (undo: boolean): RollbackFlowInputs => ({
    cluster: { source: { kind: 'kubeconfig', kubeconfig: 'unused' } },
    deployment: 'web',
    undo,
    timeoutMs: 60_000,
    reporting: { environment: 'production', githubToken: 'ghs_x' },
  });

  it('with undo, rolls back and reports the revision, under a GitHub Deployment', async () => {
    vi.mocked(rollback).mockResolvedValue({ result: 'rolled-back', canaryRemoved: true, revision: 6, image: 'repo/web:1' });
    await rollbackFlow('rollback', inputs(true));
    expect(rollback).toHaveBeenCalledWith(session.ctx, { name: 'web', undo: true, toRevision: undefined, timeoutMs: 60_000 });
    expect(stepOutputs()).toEqual({ result: 'rolled-back', revision: '6', 'canary-removed': 'true', image: 'repo/web:1' });
    expect(GithubDeployment).toHaveBeenCalledWith(expect.objectContaining({ description: 'Roll back web' }));
    expect(stepSummary()).toContain('"web" was rolled back to repo/web:1 (revision 6), and its canary removed.');
    expect(process.exitCode).toBeUndefined();
  });

  it('without undo, removes the canary and records no GitHub Deployment', async () => {
    vi.mocked(rollback).mockResolvedValue({ result: 'removed', canaryRemoved: true, revision: 5 });
    await rollbackFlow('rollback', inputs(false));
    expect(GithubDeployment).not.toHaveBeenCalled();
    expect(stepOutputs()).toEqual({ result: 'removed', revision: '5', 'canary-removed': 'true' });
    expect(stepSummary()).toContain('The canary of "web" was removed and traffic restored.');
  });

  it('with nothing to remove, succeeds and says so', async () => {
    vi.mocked(rollback).mockResolvedValue({ result: 'nothing-to-do', canaryRemoved: false });
    await rollbackFlow('rollback', inputs(false));
    expect(stepOutputs()).toEqual({ result: 'nothing-to-do', 'canary-removed': 'false' });
    expect(stepSummary()).toContain('rollback prod/web: skipped');
    expect(process.exitCode).toBeUndefined();
  });

  it('on any error, writes the failure and rethrows it to the run boundary', async () => {
    const error = new Error('deployment "web" has no revision before 1 to roll back to');
    vi.mocked(rollback).mockRejectedValue(error);
    await expect(rollbackFlow('rollback', inputs(true))).rejects.toBe(error);
    expect(stepOutputs()).toEqual({ result: 'failed' });
    expect(statuses).toEqual([['failure', error.message]]);
    expect(session.close).toHaveBeenCalledOnce();
  });
});

describe('canaryFlow keeps every object in the run namespace', () => {
  const APP_YAML = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: web }',
    'spec:',
    '  selector: { matchLabels: { app: web } }',
    '  template:',
    '    metadata: { labels: { app: web } }',
    '    spec: { containers: [{ name: web, image: "repo/web:1" }] }',
  ].join('\n');
  const withService = (metadata: string) =>
    `${APP_YAML}\n---\napiVersion: v1\nkind: Service\nmetadata: ${metadata}\nspec: { selector: { app: web }, ports: [{ port: 80 }] }\n`;
  const manifestsFile = (text: string) => {
    const file = join(workspace, `ns-${Math.random().toString(16).slice(2)}.yaml`);
    writeFileSync(file, text);
    return { manifests: [file], images: ['repo/web:2'] };
  };
  const refusal = (run: Promise<void>) =>
    run.then(
      () => undefined,
      (error: unknown) => error as Error,
    );

  it('refuses, before anything is applied, a Service that names kube-system while the lock is in the app namespace', async () => {
    const error = await refusal(
      canaryFlow('release', canaryInputs({ manifests: manifestsFile(withService('{ name: web, namespace: kube-system }')) })),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error?.message).toMatch(
      /^Input "namespace": Service "web" at .*ns-[0-9a-f]+\.yaml:10 \(document 2\) declares namespace "kube-system", but this run deploys to namespace "prod" \(from the kubeconfig context's namespace\)/,
    );
    expect(planCanary).not.toHaveBeenCalled();
    expect(lock).not.toHaveBeenCalled();
    expect(stepOutputs()).toEqual({ result: 'failed' });
  });

  it('refuses it before connecting when the namespace input is given', async () => {
    const error = await refusal(
      canaryFlow(
        'release',
        canaryInputs({
          cluster: { source: { kind: 'kubeconfig', kubeconfig: 'unused' }, namespace: 'shop' },
          manifests: manifestsFile(withService('{ name: web, namespace: kube-system }')),
        }),
      ),
    );
    expect(error?.message).toMatch(/declares namespace "kube-system", but this run deploys to namespace "shop" \(from input "namespace"\)/);
    expect(openSession).not.toHaveBeenCalled();
  });

  it('refuses a cluster-scoped kind', async () => {
    const text = `${APP_YAML}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: web-reader }\nrules: []\n`;
    const error = await refusal(canaryFlow('release', canaryInputs({ manifests: manifestsFile(text) })));
    expect(error?.message).toMatch(/ClusterRole "web-reader" at .* is cluster-scoped, and a release changes only namespace "prod"/);
    expect(planCanary).not.toHaveBeenCalled();
  });

  it('gives the objects without a namespace the run namespace', async () => {
    canaryRuns({ result: 'passed', images: { web: 'repo/web:2' }, trafficPercent: 50 });
    await canaryFlow('canary-deploy', canaryInputs({ manifests: manifestsFile(withService('{ name: web }')) }));
    expect(vi.mocked(planCanary).mock.calls[0]![1].others.map((o) => [o.kind, o.metadata.namespace])).toEqual([['Service', 'prod']]);
  });
});
