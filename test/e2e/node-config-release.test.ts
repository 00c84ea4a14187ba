/**
 * Config-only releases on the real node: the same image as the stable pods, only an env var
 * changed. Before whole-manifest releases such a release was skipped ("already runs these
 * images"). Now a broken one (DB_CONNECT_TIMEOUT must be whole seconds, see
 * examples/flask-app/app/config.py: the app refuses to start) is canaried, crashes, and is rolled
 * back, leaving the stable Deployment exactly as it was; a good one is canaried and promoted to
 * the real pods. Bundled actions, least-privilege deployer, the stable app's availability
 * watched from outside.
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
import { admin, APP, appPods, buildApp, createStableApp, nodeSelected, realNode, renderManifests, writeWorkspace } from './node-support';

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
    // Every stable pod runs on the real node, so every canary derived from it does too.
    expect((await appPods(namespace.name)).map((p) => p.node)).toEqual(Array(FLOOR).fill(realNode().name));
  });

  afterAll(async () => {
    await namespace?.delete();
  });

  /** A workspace whose rendered Deployment sets one env var of the app container. */
  function workspaceWithEnv(name: string, value: string): string {
    const workspace = writeWorkspace();
    const manifests = renderManifests().map((object) => {
      if (object.kind !== 'Deployment') return object;
      const deployment = structuredClone(object) as KubeObject & LiveDeployment;
      const app = deployment.spec.template.spec.containers.find((c) => c.name === APP)!;
      app.env = (app.env ?? []).filter((e) => e.name !== name).concat({ name, value });
      return deployment;
    });
    writeFileSync(join(workspace, 'app.yaml'), manifests.map((o) => stringify(o)).join('---\n'));
    return workspace;
  }

  function inputs(): Record<string, string> {
    return {
      kubeconfig: deployerKubeconfigPath(),
      namespace: namespace.name,
      manifests: 'app.yaml',
      images: image,
      'bake-time': '4s',
      'analysis-interval': '2s',
      // A long ready timeout: only the restarts may fail a canary here.
      'ready-timeout': '300s',
      'rollout-timeout': '300s',
    };
  }

  it('a broken env var with the same image is canaried, caught by its restarts, and rolled back', { timeout: 600_000 }, async () => {
    const path = `/apis/apps/v1/namespaces/${namespace.name}/deployments/${APP}`;
    const before = await admin().get<LiveDeployment>(path);
    const watcher = await watchDeployment({ namespace: namespace.name, name: APP });
    const run = await runStep('release', { cwd: workspaceWithEnv('DB_CONNECT_TIMEOUT', 'soon'), inputs: inputs() });
    const observed = await watcher.stop();
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.stdout).toContain('spec.template.spec.containers[0].env');
    expect(run.summary).toMatch(/CrashLoopBackOff|container restarts/);
    // The failing check carries the crashed instance's last log lines (pods/log, previous=true).
    expect(run.stdout).toContain('last log lines:');
    // Which 20 lines they are depends on how far gunicorn got: the app's own message, or the arbiter's traceback
    // after the worker died.
    expect(run.stdout).toMatch(
      /last log lines:[\s\S]*(DB_CONNECT_TIMEOUT must be a whole number of seconds >= 1, got 'soon'|gunicorn\.errors\.HaltServer)/,
    );
    // The stable Deployment was not written, and its pods kept serving.
    const after = await admin().get<LiveDeployment>(path);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(observed.length).toBeGreaterThan(0);
    watcher.assertNeverBelow(FLOOR);
    expect((await appPods(namespace.name)).filter((p) => p.track === 'canary')).toEqual([]);
  });

  it(
    'a good config-only release (same image, a new env value) is canaried and promoted to the real pods',
    { timeout: 600_000 },
    async () => {
      const watcher = await watchDeployment({ namespace: namespace.name, name: APP });
      const run = await runStep('release', { cwd: workspaceWithEnv('DB_CONNECT_TIMEOUT', '3'), inputs: inputs() });
      const observed = await watcher.stop();
      expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
      expect(run.outputs.result).toBe('promoted');
      const after = await admin().get<LiveDeployment>(`/apis/apps/v1/namespaces/${namespace.name}/deployments/${APP}`);
      const app = after.spec.template.spec.containers.find((c) => c.name === APP)!;
      expect(app.env).toContainEqual({ name: 'DB_CONNECT_TIMEOUT', value: '3' });
      expect(app.image).toBe(image);
      expect(observed.length).toBeGreaterThan(0);
      watcher.assertNeverBelow(FLOOR);
      const pods = await appPods(namespace.name);
      expect(pods.filter((p) => p.ready && p.track !== 'canary' && p.node === realNode().name).length).toBe(FLOOR);
      expect(pods.filter((p) => p.track === 'canary')).toEqual([]);
    },
  );
});
