/**
 * The fault matrix, part 2: promotions. A promotion whose rollout stalls is
 * undone to the previous revision; an apiserver restart in the middle of the
 * rollout wait is ridden out (the watch resumes) and the promotion finishes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveCanary } from '../../packages/deploy/canary-object';
import type { Deployment } from '../../packages/kube/types';
import { REPO_ROOT, startStep } from '../../scripts/harness/run-step';
import {
  admin,
  APP,
  canaryPods,
  getDeployment,
  HARNESS_RUN_URL,
  IMAGE_REPO,
  sleep,
  STABLE_IMAGE,
  stableImage,
  useDeployScenarios,
} from './deploy-support';
import { deployerKubeconfigPath } from '../stack/kube-http';

const scenario = useDeployScenarios();
const { setUp } = scenario;

/** A canary as canary-deploy leaves it after a passing analysis, made directly so the test controls its image. */
async function placeCanary(ns: string, image: string): Promise<void> {
  const stable = (await getDeployment(ns)) as unknown as Deployment;
  const canary = deriveCanary(stable, { images: { web: image }, replicas: 1, runUrl: HARNESS_RUN_URL });
  await admin().post(`/apis/apps/v1/namespaces/${ns}/deployments`, canary);
}

function promoteInputs(ns: string, extra: Record<string, string> = {}): Record<string, string> {
  return { kubeconfig: deployerKubeconfigPath(), namespace: ns, deployment: APP, ...extra };
}

describe('rolling-promote', () => {
  it('7. a promotion that stalls is undone to the previous revision, and the step fails saying so', async () => {
    const { namespace: ns } = await setUp('promote-stall', { progressDeadlineSeconds: 6 });
    await placeCanary(ns, `${IMAGE_REPO}:3.0.0-unready`);
    const step = startStep('rolling-promote', { inputs: promoteInputs(ns, { 'rollout-timeout': '60s' }) });
    const run = await step.result;
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.outputs.result).toBe('rolled-back');
    expect(run.outputs['previous-image']).toBe(STABLE_IMAGE);
    expect(run.outputs.image).toBe(STABLE_IMAGE);
    // Revision 1 (stable) → 2 (the stalled promote) → 3 (revision 1's template back).
    expect(run.outputs.revision).toBe('3');
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /Promotion failed: the rollout of "web" failed \(ProgressDeadlineExceeded/,
    );
    expect(run.summary).toMatch(/Undone to revision 1's template/);
    expect(await stableImage(ns)).toBe(STABLE_IMAGE);
    expect(await getDeployment(ns, `${APP}-canary`)).toBeUndefined();
  });

  it('8. the apiserver restarts in the middle of the rollout wait; the watch resumes and the promotion finishes', async () => {
    // minReadySeconds stretches the rollout (4 pods, one at a time, 5 s each) so the restart lands inside the wait.
    const { namespace: ns } = await setUp('promote-restart', { minReadySeconds: 5 });
    await placeCanary(ns, `${IMAGE_REPO}:3.1.0`);
    const step = startStep('rolling-promote', { inputs: promoteInputs(ns, { 'rollout-timeout': '180s' }) });
    let log = '';
    step.child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    // The first progress line comes from the watch, so the restart lands on an open watch, not on the initial list.
    for (let waited = 0; !/Waiting for deployment "web" rollout to finish/.test(log); waited += 100) {
      if (waited > 60_000) throw new Error(`the promotion never started:\n${log}`);
      await sleep(100);
    }
    const restartStarted = Date.now();
    restartApiserver();
    const restartMs = Date.now() - restartStarted;
    const run = await step.result;
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.result).toBe('promoted');
    expect(await stableImage(ns)).toBe(`${IMAGE_REPO}:3.1.0`);
    // The wait saw the connection drop and came back through a reconnect.
    expect(run.stdout).toMatch(/Rollout complete in [\d.]+s \(\d+ API requests, [1-9]\d* watch reconnects\)/);
    expect(await canaryPods(ns)).toEqual([]);
    console.log(`apiserver restart took ${restartMs} ms`);
  });
});

/** Stop the apiserver by its pid and bring it back with the stack's own component script. */
function restartApiserver(): void {
  const stackDir = process.env.STACK_DIR ?? join(REPO_ROOT, '.stack');
  const pid = Number(readFileSync(join(stackDir, 'pids', 'kube-apiserver.pid'), 'utf8').trim());
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
      spawnSync('sleep', ['0.1']);
    } catch {
      break;
    }
  }
  const up = spawnSync('bash', [join(REPO_ROOT, 'scripts/stack/components/k8s.sh'), 'up'], { encoding: 'utf8', timeout: 180_000 });
  if (up.status !== 0) throw new Error(`k8s.sh up failed:\n${up.stdout}\n${up.stderr}`);
}
