/**
 * The fault matrix on real pods: the sample app, built by build-push-ecr like any release, runs on
 * the stack's real node (kubelet, containerd, kube-proxy), and each bad release is a real broken
 * build caught by what the app does: probes that fail, a process that exits, HTTP answers. The
 * bundled actions run as the least-privilege deployer; the stable Deployment's availability is
 * watched from outside (test/stack/watcher.ts) and must never drop below replicas − maxUnavailable.
 *
 * One app for the whole file, in order: real pods take real seconds to start, so the stable app is
 * made once. The three canary faults leave it as it was; the good release then promotes a new
 * version; the last test's promotion of a crashing build is undone to that version.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runStep } from '../../scripts/harness/run-step';
import { createTestNamespace, type TestNamespace } from '../stack/namespaces';
import { deployerKubeconfigPath } from '../stack/kube-http';
import { watchDeployment, type DeploymentWatcher } from '../stack/watcher';
import {
  admin,
  APP,
  appPods,
  buildApp,
  clusterIP,
  createCanaryCheckService,
  createStableApp,
  deploymentImage,
  nodeSelected,
  realNode,
  startRequestLoop,
  TRACK_LABEL,
  waitForNoEndpoints,
  writeWorkspace,
  type BuildName,
  type LoopReport,
} from './node-support';

/** The product manifest's replicas and maxUnavailable (examples/flask-app/k8s/deployment.yaml): 3 − 0. */
const FLOOR = 3;

describe.runIf(nodeSelected())('releases on the real node: real pods, real faults', () => {
  let namespace: TestNamespace;
  let workspace: string;
  let images: Record<BuildName, string>;
  let stableIP: string;
  let canaryCheckIP: string;
  let watcher: DeploymentWatcher | undefined;

  beforeAll(async () => {
    images = await buildApp(['good', 'next', 'bad-database', 'notes-500', 'crash-on-start']);
    namespace = await createTestNamespace('node-release');
    workspace = writeWorkspace();
    await createStableApp(namespace.name, images.good);
    const setup = await watchDeployment({ namespace: namespace.name, name: APP });
    await setup.waitFor((o) => o.observedGeneration >= o.generation && o.availableReplicas === FLOOR && o.updatedReplicas === FLOOR, {
      timeoutMs: 240_000,
      what: 'the stable app (3 real pods) fully available',
    });
    await setup.stop();
    // Every stable pod runs on the real node, so every canary derived from it does too.
    const pods = await appPods(namespace.name);
    expect(pods.map((p) => p.node)).toEqual(Array(FLOOR).fill(realNode().name));
    stableIP = await clusterIP(namespace.name);
    canaryCheckIP = await createCanaryCheckService(namespace.name);
  });

  afterAll(async () => {
    await namespace?.delete();
  });

  beforeEach(async () => {
    await waitForNoEndpoints(namespace.name, `${APP}-canary-check`, canaryCheckIP);
    watcher = await watchDeployment({ namespace: namespace.name, name: APP });
  });

  afterEach(async () => {
    const observed = await watcher!.stop();
    expect(observed.length).toBeGreaterThan(0);
    watcher!.assertNeverBelow(FLOOR);
  });

  function inputs(image: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      kubeconfig: deployerKubeconfigPath(),
      namespace: namespace.name,
      manifests: 'app.yaml',
      images: image,
      // The first HTTP round comes one interval after Ready; 2 s covers the Service endpoint and
      // kube-proxy's programming of it (minSyncPeriod 1 s) on a loaded 2-core machine.
      'bake-time': '4s',
      'analysis-interval': '2s',
      'ready-timeout': '180s',
      'rollout-timeout': '300s',
      ...extra,
    };
  }

  /** Runs the step while a host-side loop sends requests to the stable Service's ClusterIP. */
  async function underRequestLoop<T>(step: () => Promise<T>): Promise<[T, LoopReport]> {
    const loop = startRequestLoop(`http://${stableIP}`);
    try {
      const result = await step();
      return [result, await loop.stop()];
    } catch (error) {
      await loop.stop();
      throw error;
    }
  }

  async function expectRolledBack(run: Awaited<ReturnType<typeof runStep>>): Promise<void> {
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /Canary analysis failed, so the canary was removed and traffic restored/,
    );
    expect(await deploymentImage(namespace.name)).toBe(images.good);
    expect((await appPods(namespace.name)).filter((p) => p.track === 'canary')).toEqual([]);
  }

  it('a release whose pods never become Ready (its database URL points at nothing) is rolled back', { timeout: 600_000 }, async () => {
    const run = await runStep('release', { cwd: workspace, inputs: inputs(images['bad-database'], { 'ready-timeout': '25s' }) });
    await expectRolledBack(run);
    expect(run.summary).toMatch(/canary pods Ready \| 0\/1/);
  });

  it('a release that answers 500 on a path while Ready is caught by the HTTP analysis', { timeout: 600_000 }, async () => {
    const run = await runStep('release', {
      cwd: workspace,
      inputs: inputs(images['notes-500'], {
        'http-url': `http://${canaryCheckIP}/api/notes`,
        'http-requests': '10',
        'http-success-rate': '90',
      }),
    });
    await expectRolledBack(run);
    // Kubernetes saw nothing wrong: the canary was Ready; only its answers were.
    expect(run.summary).toMatch(/canary pods Ready \| 1\/1/);
    expect(run.summary).toContain('HTTP 500');
    const analysis = (JSON.parse(run.outputs.analysis!) as { v: 1; checks: { source: string; passed: boolean }[] }).checks;
    expect(analysis.some((r) => r.source === 'http' && !r.passed)).toBe(true);
  });

  it('a release that crashes on start is caught by its restarts', { timeout: 600_000 }, async () => {
    // A long ready timeout: only the restarts may fail this canary.
    const run = await runStep('release', { cwd: workspace, inputs: inputs(images['crash-on-start'], { 'ready-timeout': '300s' }) });
    await expectRolledBack(run);
    expect(run.summary).toMatch(/CrashLoopBackOff|container restarts/);
    // The failing check carries the crashed instance's last log lines (pods/log, previous=true). Which 20 lines they
    // are depends on how far gunicorn got: the app's own message, or the arbiter's traceback after the worker died.
    expect(run.summary).toContain('last log lines:');
    expect(run.summary).toMatch(
      /last log lines:[\s\S]*(this build carries the crash-on-start defect \(APP_DEFECT\)|gunicorn\.errors\.HaltServer)/,
    );
  });

  it(
    'a good release is promoted while a host-side loop through the stable Service sees no failed request',
    { timeout: 900_000 },
    async () => {
      const [run, report] = await underRequestLoop(() =>
        runStep('release', {
          cwd: workspace,
          inputs: inputs(images.next, { 'http-url': `http://${canaryCheckIP}/api/notes`, 'http-requests': '10' }),
        }),
      );
      expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
      expect(run.outputs.result).toBe('promoted');
      expect(await deploymentImage(namespace.name)).toBe(images.next);
      expect(report.failures, JSON.stringify(report.failures.slice(0, 10))).toEqual([]);
      // Real traffic, served by both versions: the old pods, then the canary's share, then only the new.
      expect(report.requests).toBeGreaterThan(50);
      expect(report.versions).toEqual(['1.0.0', '1.1.0']);
      const pods = await appPods(namespace.name);
      expect(pods.filter((p) => p.ready && p.track !== 'canary').length).toBe(FLOOR);
    },
  );

  it('a rolling promotion whose new pods crash is undone, with no failed request on the way', { timeout: 900_000 }, async () => {
    // A canary of the crashing build, placed as canary-deploy leaves one that passed (the promotion
    // takes its template): `<deployment>-canary`, its pods labelled with the canary track.
    const stable = await admin().get<{
      metadata: { labels: Record<string, string> };
      spec: {
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string> }; spec: { containers: { name: string; image: string }[] } };
      };
    }>(`/apis/apps/v1/namespaces/${namespace.name}/deployments/${APP}`);
    const template = structuredClone(stable.spec.template);
    template.metadata.labels[TRACK_LABEL] = 'canary';
    for (const container of template.spec.containers) if (container.name === APP) container.image = images['crash-on-start'];
    await admin().post(`/apis/apps/v1/namespaces/${namespace.name}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: `${APP}-canary`,
        labels: { ...stable.metadata.labels, [TRACK_LABEL]: 'canary' },
        annotations: { 'flightdeck.dev/stable-deployment': APP },
      },
      // No pods: what is promoted is the template, and a crashing canary pod would only load the node.
      spec: { replicas: 0, selector: { matchLabels: { ...stable.spec.selector.matchLabels, [TRACK_LABEL]: 'canary' } }, template },
    });

    const [run, report] = await underRequestLoop(() =>
      runStep('rolling-promote', {
        cwd: workspace,
        inputs: { kubeconfig: deployerKubeconfigPath(), namespace: namespace.name, deployment: APP, 'rollout-timeout': '45s' },
      }),
    );
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(1);
    expect(run.outputs.result).toBe('rolled-back');
    expect(run.outputs['previous-image']).toBe(images.next);
    expect(run.outputs.image).toBe(images.next);
    expect(await deploymentImage(namespace.name)).toBe(images.next);
    expect(report.failures, JSON.stringify(report.failures.slice(0, 10))).toEqual([]);
    expect(report.versions).toEqual(['1.1.0']);
  });
});
