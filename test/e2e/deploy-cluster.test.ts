/**
 * Issue 12, the cluster side: one holder of the deploy lock per job instance
 * (two jobs of one run: exactly one proceeds), a cancel during rolling-promote
 * (on-cancel: undo puts the stable back and removes the canary; leave leaves
 * both), the post step after a main step killed mid-rollout, and manifests
 * that name another namespace (refused before anything is applied).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveCanary } from '../../packages/deploy/canary-object';
import type { Deployment } from '../../packages/kube/types';
import { runPost, runStep, startStep, type RunningStep } from '../../scripts/harness/run-step';
import { deployerKubeconfigPath, KubeHttpError } from '../stack/kube-http';
import { createTestNamespace, type TestNamespace } from '../stack/namespaces';
import {
  admin,
  APP,
  baseInputs,
  deploymentManifest,
  getDeployment,
  HARNESS_RUN_URL,
  IMAGE_REPO,
  serviceManifest,
  sleep,
  snapshot,
  STABLE_IMAGE,
  stableImage,
  useDeployScenarios,
} from './deploy-support';

const scenario = useDeployScenarios();
const { setUp } = scenario;

function collectLog(step: RunningStep): () => string {
  let log = '';
  step.child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  return () => log;
}

async function waitForLog(read: () => string, text: string | RegExp, timeoutMs = 60_000): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    const log = read();
    if (typeof text === 'string' ? log.includes(text) : text.test(log)) return;
    if (waited > timeoutMs) throw new Error(`never saw ${text} in:\n${log}`);
    await sleep(100);
  }
}

/** A canary as canary-deploy leaves it after a passing analysis, made directly so the test controls its image. */
async function placeCanary(ns: string, image: string): Promise<void> {
  const stable = (await getDeployment(ns)) as unknown as Deployment;
  const canary = deriveCanary(stable, { images: { web: image }, replicas: 1, runUrl: HARNESS_RUN_URL });
  await admin().post(`/apis/apps/v1/namespaces/${ns}/deployments`, canary);
}

/** A promotion to an image KWOK never makes Ready: 20 replicas, 3 surge pods that stay unready, so the rollout stalls. */
async function stalledPromotion(prefix: string, onCancel?: 'undo' | 'leave') {
  const { namespace: ns } = await setUp(prefix, { replicas: 20, maxSurge: 3, maxUnavailable: 0 });
  await placeCanary(ns, `${IMAGE_REPO}:9.0.0-unready`);
  const step = startStep('rolling-promote', {
    inputs: {
      kubeconfig: deployerKubeconfigPath(),
      namespace: ns,
      deployment: APP,
      'rollout-timeout': '120s',
      ...(onCancel ? { 'on-cancel': onCancel } : {}),
    },
  });
  const log = collectLog(step);
  await waitForLog(log, /out of 20 new replicas have been updated/);
  // A few seconds into the stalled rollout, as a person cancelling a stuck run would.
  await sleep(3_000);
  return { ns, step, log };
}

/** As the runner cancels: SIGINT, then SIGTERM 7.5 s later if the step is still running. */
async function cancel(step: RunningStep) {
  const sent = performance.now();
  step.child.kill('SIGINT');
  const sigterm = setTimeout(() => step.child.kill('SIGTERM'), 7_500);
  const run = await step.result;
  clearTimeout(sigterm);
  return { run, exitedAfterMs: Math.round(performance.now() - sent) };
}

describe('the deploy lock holder is one job instance', () => {
  it('of two jobs of one run started a second apart, exactly one proceeds; the refusal names the holder', async () => {
    const { workspace } = await setUp('lock-jobs');
    const ns = scenario.app.namespace;
    const job = (name: string, image: string) =>
      startStep('release', { cwd: workspace, inputs: baseInputs(scenario.app, image, { 'bake-time': '10s' }), env: { GITHUB_JOB: name } });
    const a = job('deploy-a', `${IMAGE_REPO}:4.1.0`);
    await sleep(1_000);
    const b = job('deploy-b', `${IMAGE_REPO}:4.1.1`);
    const runs = await Promise.all([a.result, b.result]);
    const winners = runs.filter((r) => r.exitCode === 0);
    const losers = runs.filter((r) => r.exitCode !== 0);
    expect(winners.length, runs.map((r) => r.stdout).join('\n=====\n')).toBe(1);
    expect(losers.length).toBe(1);
    const [winner, loser] = [winners[0]!, losers[0]!];
    const winnerJob = winner === runs[0] ? 'deploy-a' : 'deploy-b';
    const error = loser.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(error).toMatch(
      new RegExp(
        `^Another deployment is in progress: Lease "flightdeck-web" in namespace "${ns}" is held by ${HARNESS_RUN_URL.replace(/[./]/g, '\\$&')}/attempts/1 \\(job "${winnerJob}", instance [0-9a-f]{8}\\) until `,
      ),
    );
    expect(winner.outputs.result).toBe('promoted');
    expect(await stableImage(ns)).toBe(winner === runs[0] ? `${IMAGE_REPO}:4.1.0` : `${IMAGE_REPO}:4.1.1`);
    expect(await getDeployment(ns, `${APP}-canary`)).toBeUndefined();
  });
});

describe('a cancel during rolling-promote', () => {
  it('by default undoes the stable to its previous template and removes the canary, within the grace, and says so', async () => {
    const { ns, step } = await stalledPromotion('promote-cancel-undo');
    const { run, exitedAfterMs } = await cancel(step);
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.outputs.result).toBe('cancelled');
    expect(exitedAfterMs).toBeLessThan(7_500);
    const said = run.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(said).toMatch(
      /^The run was cancelled during the promotion: "web" was undone to revision 1's template \(flightdeck\.local\/web:1\.0\.0\); its canary "web-canary" removed; /,
    );
    expect(run.summary).toContain(said);
    expect(run.stdout).toContain('Cancelled during the rollout: undoing "web" to revision 1 and removing the canary');
    expect(await stableImage(ns)).toBe(STABLE_IMAGE);
    expect(await getDeployment(ns, `${APP}-canary`)).toBeUndefined();
    // The post step finds nothing left to do.
    const post = await runPost('rolling-promote', step, run.state);
    expect(post.exitCode, post.stdout).toBe(0);
    expect(post.stdout).not.toMatch(/Connected to/);
    console.info(`cancel → exit: ${exitedAfterMs} ms; ${said}`);
  });

  it('with on-cancel: leave, leaves the canary and the new template as today', async () => {
    const { ns, step } = await stalledPromotion('promote-cancel-leave', 'leave');
    const { run } = await cancel(step);
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('cancelled');
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /cancelled during the promotion \(on-cancel: leave\); the Deployment keeps rolling out on its own/,
    );
    expect(await stableImage(ns)).toMatch(/^flightdeck\.local\/web(:9\.0\.0-unready|@sha256:)/);
    expect(await getDeployment(ns, `${APP}-canary`)).toBeDefined();
    // Undo by hand for the availability witness's sake is not needed: maxUnavailable 0 kept the floor.
  });

  it('after a main step killed mid-rollout, the post step undoes it', async () => {
    const { ns, step } = await stalledPromotion('promote-killed');
    step.child.kill('SIGKILL');
    const main = await step.result;
    expect(main.signal).toBe('SIGKILL');
    expect(JSON.parse(main.state['open-promotion'] ?? '{}')).toMatchObject({ name: APP, namespace: ns, previousRevision: 1 });
    const post = await runPost('rolling-promote', step, main.state);
    expect(post.exitCode, post.stdout).toBe(0);
    expect(post.annotations.find((a) => a.level === 'warning')?.message).toMatch(
      /^The main step was stopped before its promotion finished: "web" was undone to revision 1's template \(flightdeck\.local\/web:1\.0\.0\); its canary "web-canary" removed; the rollback finished in [\d.]+s\.$/,
    );
    expect(await stableImage(ns)).toBe(STABLE_IMAGE);
    expect(await getDeployment(ns, `${APP}-canary`)).toBeUndefined();
  });
});

describe('manifests outside the run namespace', () => {
  let namespace: TestNamespace | undefined;
  afterEach(async () => {
    await namespace?.delete();
    namespace = undefined;
  });

  it('a first release whose Service names kube-system is refused before anything is applied', async () => {
    namespace = await createTestNamespace('ns-confine');
    const ns = namespace.name;
    const workspace = mkdtempSync(join(tmpdir(), 'fd-ns-ws-'));
    const deployment = deploymentManifest(ns, STABLE_IMAGE);
    delete (deployment.metadata as { namespace?: string }).namespace;
    const service = { ...serviceManifest('kube-system'), metadata: { name: `${ns}-web`, namespace: 'kube-system' } };
    writeFileSync(join(workspace, 'app.yaml'), [deployment, service].map((d) => stringify(d)).join('---\n'));
    const run = await runStep('release', {
      cwd: workspace,
      inputs: { kubeconfig: deployerKubeconfigPath(), manifests: 'app.yaml', images: `${IMAGE_REPO}:1.0.0`, namespace: ns },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(
      new RegExp(
        `^Input "namespace": Service "${ns}-web" at app\\.yaml:\\d+ \\(document 2\\) declares namespace "kube-system", but this run deploys to namespace "${ns}" \\(from input "namespace"\\)`,
      ),
    );
    expect(run.stdout).not.toMatch(/Connected to/);
    expect(await snapshot(ns)).toEqual({});
    await expect(admin().get(`/api/v1/namespaces/kube-system/services/${ns}-web`)).rejects.toBeInstanceOf(KubeHttpError);
  });
});
