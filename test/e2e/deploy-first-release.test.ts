/**
 * The paths around the canary: a first release (no stable Deployment yet),
 * refused up front when the deploy identity may not create an object of the
 * manifests, and the post step that cleans up after a main step was killed
 * (SIGKILL: no signal handler runs, only the runner's post step).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runStep, runPost, startStep } from '../../scripts/harness/run-step';
import { createTestNamespace, type TestNamespace } from '../stack/namespaces';
import { deployerKubeconfigPath } from '../stack/kube-http';
import {
  admin,
  APP,
  baseInputs,
  canaryPods,
  getDeployment,
  HARNESS_LOCK_HOLDER,
  IMAGE_REPO,
  ingressManifest,
  sleep,
  snapshot,
  STABLE_IMAGE,
  stableImage,
  useDeployScenarios,
  writeManifests,
} from './deploy-support';

describe('first release', () => {
  let namespace: TestNamespace | undefined;
  afterEach(async () => {
    await namespace?.delete();
    namespace = undefined;
  });

  async function emptyNamespace(prefix: string, options: { ingress?: boolean } = {}): Promise<{ ns: string; workspace: string }> {
    namespace = await createTestNamespace(prefix);
    const workspace = mkdtempSync(join(tmpdir(), 'fd-first-ws-'));
    writeManifests(workspace, namespace.name, options);
    return { ns: namespace.name, workspace };
  }

  function inputs(ns: string, image: string): Record<string, string> {
    return {
      kubeconfig: deployerKubeconfigPath(),
      namespace: ns,
      manifests: 'app.yaml',
      images: image,
      'rollout-timeout': '60s',
    };
  }

  it('applies the manifests without a canary and waits for the rollout', async () => {
    const { ns, workspace } = await emptyNamespace('first-release');
    const run = await runStep('release', { cwd: workspace, inputs: inputs(ns, `${IMAGE_REPO}:1.0.0`) });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.result).toBe('deployed');
    expect(run.summary).toMatch(/first release/);

    const deployment = await admin().get<{ status: { availableReplicas?: number; updatedReplicas?: number } }>(
      `/apis/apps/v1/namespaces/${ns}/deployments/${APP}`,
    );
    expect(deployment.status.availableReplicas).toBe(4);
    expect(deployment.status.updatedReplicas).toBe(4);
    expect(await stableImage(ns)).toBe(STABLE_IMAGE);
    await admin().get(`/api/v1/namespaces/${ns}/services/${APP}`);
    expect(await getDeployment(ns, `${APP}-canary`)).toBeUndefined();
    // The lock is released at the end, so the next pipeline is not refused.
    expect(Object.keys(await snapshot(ns)).filter((k) => k.startsWith('Lease/'))).toEqual([]);
  });

  it('fails the step, saying why, when the first rollout never completes', async () => {
    const { ns, workspace } = await emptyNamespace('first-stalls');
    const run = await runStep('release', {
      cwd: workspace,
      inputs: { ...inputs(ns, `${IMAGE_REPO}:1.0.0-unready`), 'rollout-timeout': '5s' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /first release of "web" did not roll out \(Timeout\).*0 of 4 updated replicas are available.*nothing was undone/,
    );
    expect(run.summary).toMatch(/first release/);
    // Nothing was serving before, so nothing is undone; the lock is still released.
    expect(Object.keys(await snapshot(ns)).filter((k) => k.startsWith('Lease/'))).toEqual([]);
  });

  it('is refused before anything is applied when the deployer may not create an object (the Ingress)', async () => {
    const { ns, workspace } = await emptyNamespace('first-refused', { ingress: true });
    const before = await snapshot(ns);
    const run = await runStep('release', { cwd: workspace, inputs: inputs(ns, `${IMAGE_REPO}:1.0.0`) });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('failed');
    const error = run.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(error).toContain('"manifests"');
    expect(error).toMatch(/was refused before applying anything/);
    expect(error).toMatch(/may not create Ingress "web" in namespace "[^"]+" \(needs create on ingresses\.networking\.k8s\.io/);
    // The Service and Deployment, which the deployer could create, were not: no half-applied app.
    expect(error).not.toMatch(/Service "web"/);
    expect(await snapshot(ns)).toEqual(before);
    expect(before).toEqual({});
  });

  it('leaves an Ingress the platform created alone and deploys the rest', async () => {
    const { ns, workspace } = await emptyNamespace('first-ingress', { ingress: true });
    const ingress = await admin().post<{ metadata: { resourceVersion: string } }>(
      `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`,
      ingressManifest(ns),
    );
    const run = await runStep('release', { cwd: workspace, inputs: inputs(ns, `${IMAGE_REPO}:1.0.0`) });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.result).toBe('deployed');
    const after = await snapshot(ns);
    expect(after[`Ingress/${APP}`]).toBe(ingress.metadata.resourceVersion);
    expect(after[`Deployment/${APP}`]).toBeDefined();
    expect(after[`Service/${APP}`]).toBeDefined();
  });
});

describe('post step after a killed main step', () => {
  const scenario = useDeployScenarios();

  it('removes the canary the killed run left, releases its lock, and leaves another run alone', async () => {
    const { namespace: ns, workspace } = await scenario.setUp('deploy-killed');
    const step = startStep('canary-deploy', {
      cwd: workspace,
      inputs: baseInputs(scenario.app, `${IMAGE_REPO}:7.0.0`, { steps: '25,50', 'bake-time': '60s' }),
    });
    let log = '';
    step.child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    for (let waited = 0; !/Step 1: .* of traffic; baking/.test(log); waited += 100) {
      if (waited > 60_000) throw new Error(`the canary never reached its first bake:\n${log}`);
      await sleep(100);
    }
    // SIGKILL: no handler runs, so the canary and the Lease are still there.
    step.child.kill('SIGKILL');
    const main = await step.result;
    expect(main.signal).toBe('SIGKILL');
    expect(main.state['open-canary']).toBe(APP);
    expect(await getDeployment(ns, `${APP}-canary`)).toBeDefined();
    const leases = await admin().get<{ items: { spec: { holderIdentity: string } }[] }>(
      `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
    );
    expect(leases.items.map((l) => l.spec.holderIdentity)).toEqual([expect.stringMatching(HARNESS_LOCK_HOLDER)]);

    // The post step of some other run (state copied, another run id) must not touch this run's canary.
    const stranger = await runPost('canary-deploy', { runDir: step.runDir, env: { ...step.env, GITHUB_RUN_ID: '9191' } }, main.state);
    expect(stranger.exitCode, stranger.stdout).toBe(0);
    expect(stranger.annotations.find((a) => a.level === 'notice')?.message).toMatch(/left alone/);
    expect(await getDeployment(ns, `${APP}-canary`)).toBeDefined();

    const post = await runPost('canary-deploy', step, main.state);
    expect(post.exitCode, post.stdout).toBe(0);
    expect(post.annotations.find((a) => a.level === 'warning')?.message).toMatch(
      /main step did not finish; its canary "web-canary" was removed and traffic restored/,
    );
    expect(await getDeployment(ns, `${APP}-canary`)).toBeUndefined();
    expect((await canaryPods(ns)).filter((p) => !p.metadata.deletionTimestamp)).toEqual([]);
    expect(Object.keys(await snapshot(ns)).filter((k) => k.startsWith('Lease/'))).toEqual([]);
    expect(await stableImage(ns)).toBe(STABLE_IMAGE);
  });

  it('does nothing when the main step settled its canary', async () => {
    const { workspace } = await scenario.setUp('deploy-settled');
    const run = await runStep('canary-deploy', {
      cwd: workspace,
      inputs: baseInputs(scenario.app, `${IMAGE_REPO}:7.0.1-unready`, { 'ready-timeout': '3s' }),
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.state['open-canary'] ?? '').toBe('');
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).not.toMatch(/Connected to/);
  });
});
