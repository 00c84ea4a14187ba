/**
 * A config-only release on the real node: the same image as the stable pods, only an env var
 * changed, and that env var breaks the app (DB_CONNECT_TIMEOUT must be whole seconds, see
 * examples/flask-app/app/config.py: the app refuses to start). Before whole-manifest releases
 * this release was skipped ("already runs these images") and its breakage only met the stable
 * pods at the next image release; now its canary runs the new env, crashes, and is rolled back,
 * leaving the stable Deployment exactly as it was. Bundled actions, least-privilege deployer,
 * the stable app's availability watched from outside.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep } from '../../scripts/harness/run-step';
import type { KubeObject } from '../../packages/kube/types';
import { deployerKubeconfigPath } from '../stack/kube-http';
import { createTestNamespace, type TestNamespace } from '../stack/namespaces';
import { watchDeployment } from '../stack/watcher';
import { admin, APP, appPods, buildApp, createStableApp, nodeSelected, renderManifests, writeWorkspace } from './node-support';

const FLOOR = 3;

interface LiveDeployment {
  metadata: { resourceVersion: string };
  spec: { template: { spec: { containers: { name: string; image: string; env?: { name: string; value?: string }[] }[] } } };
}

describe.runIf(nodeSelected())('a config-only release on the real node', () => {
  let namespace: TestNamespace;
  let image: string;

  beforeAll(async () => {
    ({ good: image } = await buildApp(['good']));
    namespace = await createTestNamespace('node-config');
    await createStableApp(namespace.name, image);
    const setup = await watchDeployment({ namespace: namespace.name, name: APP });
    await setup.waitFor((o) => o.observedGeneration >= o.generation && o.availableReplicas === FLOOR && o.updatedReplicas === FLOOR, {
      timeoutMs: 240_000,
      what: 'the stable app (3 real pods) fully available',
    });
    await setup.stop();
  });

  afterAll(async () => {
    await namespace?.delete();
  });

  it('a broken env var with the same image is canaried, caught by its restarts, and rolled back', { timeout: 600_000 }, async () => {
    const path = `/apis/apps/v1/namespaces/${namespace.name}/deployments/${APP}`;
    const before = await admin().get<LiveDeployment>(path);
    const workspace = writeWorkspace();
    const manifests = renderManifests().map((object) => {
      if (object.kind !== 'Deployment') return object;
      const deployment = structuredClone(object) as KubeObject & LiveDeployment;
      const app = deployment.spec.template.spec.containers.find((c) => c.name === APP)!;
      app.env = [...(app.env ?? []).filter((e) => e.name !== 'DB_CONNECT_TIMEOUT'), { name: 'DB_CONNECT_TIMEOUT', value: 'soon' }];
      return deployment;
    });
    writeFileSync(join(workspace, 'app.yaml'), manifests.map((o) => stringify(o)).join('---\n'));

    const watcher = await watchDeployment({ namespace: namespace.name, name: APP });
    const run = await runStep('release', {
      cwd: workspace,
      inputs: {
        kubeconfig: deployerKubeconfigPath(),
        namespace: namespace.name,
        manifests: 'app.yaml',
        images: image,
        'bake-time': '4s',
        'analysis-interval': '2s',
        // A long ready timeout: only the restarts may fail this canary.
        'ready-timeout': '300s',
        'rollout-timeout': '300s',
      },
    });
    const observed = await watcher.stop();
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.stdout).toContain('spec.template.spec.containers[0].env');
    expect(run.summary).toMatch(/CrashLoopBackOff|container restarts/);
    // The stable Deployment was not written, and its pods kept serving.
    const after = await admin().get<LiveDeployment>(path);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(observed.length).toBeGreaterThan(0);
    watcher.assertNeverBelow(FLOOR);
    expect((await appPods(namespace.name)).filter((p) => p.track === 'canary')).toEqual([]);
  });
});
