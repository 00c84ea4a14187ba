/**
 * The canary-only analysis on real pods: the sample app's real broken builds on the stack's real
 * node, released by the bundled `release` action as the least-privilege deployer, judged by
 * probing the canary's own pods and, in the same round, the stable's (or the baseline's) through
 * the probe Services and the API server's service proxy.
 *
 * The point it proves: a canary that fails one path at a small step is diluted in anything that
 * samples the app as a whole. Here the same run carries both checks: the blended `http-url`
 * through the app's Service, and `http-path` on the canary alone, at the same tolerated error
 * rate. The first passes; the second fails the step in its first round.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep } from '../../scripts/harness/run-step';
import { deployerKubeconfigPath } from '../stack/kube-http';
import { createTestNamespace, type TestNamespace } from '../stack/namespaces';
import { watchDeployment } from '../stack/watcher';
import {
  admin,
  APP,
  appPods,
  buildApp,
  clusterIP,
  createStableApp,
  deploymentImage,
  nodeSelected,
  writeWorkspace,
  type BuildName,
} from './node-support';

/** The product manifest's replicas (examples/flask-app/k8s/deployment.yaml). */
const REPLICAS = 3;
const INTERVAL_S = 3;

interface MetricRecord {
  name: string;
  verdict: string;
  canary: { value: number | null; n: number };
  baseline: { value: number | null; n: number };
  test: string;
  pValue: number | null;
  reason: string;
}
interface AnalysisOutput {
  v: number;
  result: string;
  checks: { source: string; name: string; passed: boolean; value: string }[];
  steps: { step: number; weight: number; against: string; verdict: string; metrics: MetricRecord[] }[];
}

/** Seconds since the run started at the timeline row whose event matches. */
function at(summary: string, event: RegExp): number {
  const row = summary.split('\n').find((line) => /^\| \+[\d.]+s \|/.test(line) && event.test(line));
  if (!row) throw new Error(`no timeline row matches ${event}:\n${summary.slice(-3000)}`);
  return Number(/^\| \+([\d.]+)s/.exec(row)![1]);
}

describe.runIf(nodeSelected())('canary-only analysis on the real node', () => {
  let namespace: TestNamespace;
  let workspace: string;
  let images: Record<BuildName, string>;
  let stableIP: string;

  beforeAll(async () => {
    images = await buildApp(['good', 'notes-500', 'slow-notes-300']);
    namespace = await createTestNamespace('node-judge');
    workspace = writeWorkspace();
    await createStableApp(namespace.name, images.good);
    const setup = await watchDeployment({ namespace: namespace.name, name: APP });
    await setup.waitFor((o) => o.observedGeneration >= o.generation && o.availableReplicas === REPLICAS, {
      timeoutMs: 240_000,
      what: 'the stable app (3 real pods) fully available',
    });
    await setup.stop();
    stableIP = await clusterIP(namespace.name);
  }, 900_000);

  afterAll(async () => {
    await namespace?.delete();
  });

  function inputs(image: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      kubeconfig: deployerKubeconfigPath(),
      namespace: namespace.name,
      manifests: 'app.yaml',
      images: image,
      steps: '10',
      'bake-time': '6s',
      'analysis-interval': `${INTERVAL_S}s`,
      'ready-timeout': '180s',
      'rollout-timeout': '300s',
      'http-path': '/api/notes',
      'probe-requests': '30',
      'judge-min-requests': '30',
      ...extra,
    };
  }

  async function expectNothingLeft(): Promise<void> {
    expect(await deploymentImage(namespace.name)).toBe(images.good);
    expect((await appPods(namespace.name)).filter((p) => p.track === 'canary' || p.track === 'baseline')).toEqual([]);
    const services = await admin().get<{ items: { metadata: { name: string } }[] }>(`/api/v1/namespaces/${namespace.name}/services`);
    expect(services.items.map((s) => s.metadata.name).filter((n) => n.endsWith('-probe'))).toEqual([]);
  }

  it(
    'a canary answering 500 on one path at a 10% step fails in one interval, while the blended http-url check at the same tolerance passes',
    { timeout: 600_000 },
    async () => {
      const run = await runStep('release', {
        cwd: workspace,
        inputs: inputs(images['notes-500'], {
          // Both tolerate up to half the requests failing: the blended check through the app's
          // Service (1 canary pod of 4), and the canary-only judge (its floor).
          'http-url': `http://${stableIP}/api/notes`,
          'http-requests': '40',
          'http-success-rate': '50',
          'judge-error-floor': '50%',
        }),
      });
      expect(run.exitCode, `${run.outputs.analysis}\n${run.summary.slice(-4000)}`).toBe(1);
      expect(run.outputs.result).toBe('failed');
      const output = JSON.parse(run.outputs.analysis!) as AnalysisOutput;
      expect(output.v).toBe(1);

      // The canary-only judgement: every canary request failed, no stable one did.
      const [errors] = output.steps[0]!.metrics;
      expect(output.steps[0]).toMatchObject({ step: 1, against: 'stable', verdict: 'fail' });
      expect(errors).toMatchObject({ verdict: 'fail', canary: { value: 1 }, baseline: { value: 0 } });
      expect(errors!.canary.n).toBeGreaterThanOrEqual(30);
      expect(errors!.pValue).toBeLessThan(1e-6);

      // The blended check of the same round passed: the canary's errors were a quarter of its requests.
      const blended = output.checks.find((c) => c.source === 'http' && c.name === 'success rate');
      expect(blended, JSON.stringify(output.checks)).toMatchObject({ passed: true });
      const rate = Number(/^([\d.]+)%/.exec(blended!.value)![1]);
      expect(rate).toBeGreaterThan(50);
      expect(rate).toBeLessThan(100);

      // Caught in the first round: one interval after the bake began, plus the round itself.
      const baking = at(run.summary, /Step 1: .*baking/);
      const failed = at(run.summary, /Step 1 failed/);
      expect(failed - baking).toBeLessThan(2 * INTERVAL_S);
      expect(run.summary).toContain('### Canary-only analysis');
      expect(run.summary).toContain('```mermaid');
      process.stderr.write(
        `[judge e2e] notes-500: canary ${errors!.canary.n} requests, p=${errors!.pValue}; blended http-url ${blended!.value} (passed); failed ${(failed - baking).toFixed(1)}s after the bake began\n`,
      );
      await expectNothingLeft();
    },
  );

  it('a canary whose path answers 300 ms slower is failed by the latency test against a fresh baseline', { timeout: 600_000 }, async () => {
    const run = await runStep('release', { cwd: workspace, inputs: inputs(images['slow-notes-300'], { baseline: 'true' }) });
    expect(run.exitCode, `${run.outputs.analysis}\n${run.summary.slice(-4000)}`).toBe(1);
    expect(run.outputs.result).toBe('failed');
    const output = JSON.parse(run.outputs.analysis!) as AnalysisOutput;
    const step = output.steps[0]!;
    expect(step.against).toBe('baseline');
    const errors = step.metrics.find((m) => m.name.startsWith('error rate'))!;
    const latency = step.metrics.find((m) => m.name === 'latency')!;
    expect(errors.verdict).toBe('pass');
    expect(latency).toMatchObject({ verdict: 'fail' });
    expect(latency.test).toMatch(/^Mann–Whitney U/);
    expect(latency.canary.value!).toBeGreaterThan(300);
    expect(latency.canary.value! / latency.baseline.value!).toBeGreaterThan(1.2);
    expect(run.summary).toMatch(/Step 1: canary and baseline scaled to 1 pod/);
    process.stderr.write(
      `[judge e2e] slow-notes: canary p95 ${latency.canary.value} ms vs baseline ${latency.baseline.value} ms, p=${latency.pValue}\n`,
    );
    await expectNothingLeft();
  });
});
