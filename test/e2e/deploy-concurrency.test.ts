/**
 * The fault matrix, part 3: two pipelines at once (the Lease refuses the
 * second, naming the first), a cancelled run (SIGINT, as the runner sends
 * it) in ALB mode, and AWS throttling retried with backoff.
 */
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { runStep, startStep } from '../../scripts/harness/run-step';
import { startAwsFaultProxy } from '../stack/aws-fault-proxy';
import {
  admin,
  APP,
  baseInputs,
  canaryPods,
  getDeployment,
  HARNESS_LOCK_HOLDER,
  HARNESS_RUN_URL,
  IMAGE_REPO,
  sleep,
  STABLE_IMAGE,
  stableImage,
  useDeployScenarios,
} from './deploy-support';

const scenario = useDeployScenarios();
const { setUp } = scenario;

async function waitForLog(read: () => string, text: string | RegExp, timeoutMs = 60_000): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    const log = read();
    if (typeof text === 'string' ? log.includes(text) : text.test(log)) return;
    if (waited > timeoutMs) throw new Error(`never saw ${text} in:\n${log}`);
    await sleep(100);
  }
}

describe('concurrency and cancellation', () => {
  it('9. a second concurrent deploy is refused by the Lease, naming the holder run', async () => {
    const { namespace: ns, workspace } = await setUp('deploy-lock');
    const first = startStep('release', {
      cwd: workspace,
      inputs: baseInputs(scenario.app, `${IMAGE_REPO}:4.0.0`, { 'bake-time': '15s' }),
    });
    let log = '';
    first.child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await waitForLog(() => log, 'Deploy lock "flightdeck-web" acquired');

    const second = await runStep('release', {
      cwd: workspace,
      inputs: baseInputs(scenario.app, `${IMAGE_REPO}:4.0.1`),
      env: { GITHUB_RUN_ID: '5151' },
    });
    expect(second.exitCode).toBe(1);
    expect(second.outputs.result).toBe('failed');
    const error = second.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(error).toContain('Another deployment is in progress');
    expect(error).toContain(HARNESS_RUN_URL);
    // The refused run changed nothing: the first run keeps the lock, and its canary runs its own image.
    const lease = await admin().get<{ spec: { holderIdentity: string } }>(
      `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/flightdeck-web`,
    );
    expect(lease.spec.holderIdentity).toMatch(HARNESS_LOCK_HOLDER);
    expect(error).toContain(lease.spec.holderIdentity);
    expect((await getDeployment(ns, `${APP}-canary`))?.spec.template.spec.containers[0]?.image).toBe(`${IMAGE_REPO}:4.0.0`);

    const done = await first.result;
    expect(done.exitCode, done.stdout).toBe(0);
    expect(await stableImage(ns)).toBe(`${IMAGE_REPO}:4.0.0`);
  });

  it('10. a cancel mid-canary (SIGINT) leaves no canary and restores the ALB traffic', async () => {
    const { namespace: ns, workspace } = await setUp('deploy-cancel', { ingress: true });
    const originalIngress = await admin().get<{ metadata: { annotations: Record<string, string> }; spec: unknown }>(
      `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${APP}`,
    );
    const step = startStep('release', {
      cwd: workspace,
      inputs: baseInputs(scenario.app, `${IMAGE_REPO}:5.0.0`, { traffic: 'alb', steps: '25,50', 'bake-time': '60s' }),
    });
    let log = '';
    step.child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await waitForLog(() => log, /Step 1: .* of traffic; baking/);

    // Mid-canary: the ingress is weighted 75/25 over the two split Services.
    const weighted = await admin().get<{ metadata: { annotations: Record<string, string> } }>(
      `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${APP}`,
    );
    const action = JSON.parse(weighted.metadata.annotations['alb.ingress.kubernetes.io/actions.web-weighted']!);
    expect(action.forwardConfig.targetGroups).toEqual([
      { serviceName: 'web-stable', servicePort: '80', weight: 75 },
      { serviceName: 'web-canary', servicePort: '80', weight: 25 },
    ]);
    const canaryService = await admin().get<{ spec: { selector: Record<string, string> } }>(`/api/v1/namespaces/${ns}/services/web-canary`);
    expect(canaryService.spec.selector).toEqual({ app: APP, 'flightdeck.dev/track': 'canary' });

    // As the runner cancels: SIGINT, then SIGTERM 7.5 s later if the step is still running.
    step.child.kill('SIGINT');
    const sigterm = setTimeout(() => step.child.kill('SIGTERM'), 7_500);
    const run = await step.result;
    clearTimeout(sigterm);
    // A cancelled canary run exits 4 (actions/canary-deploy/README.md, results and exit codes).
    expect(run.exitCode).toBe(4);
    expect(run.outputs.result).toBe('cancelled');
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(/cancelled; the canary was removed and traffic restored/);

    expect(await getDeployment(ns, `${APP}-canary`)).toBeUndefined();
    expect((await canaryPods(ns)).filter((p) => !p.metadata.deletionTimestamp)).toEqual([]);
    const restored = await admin().get<{ metadata: { annotations: Record<string, string> }; spec: unknown }>(
      `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${APP}`,
    );
    expect(restored.spec).toEqual(originalIngress.spec);
    expect(restored.metadata.annotations).toEqual(originalIngress.metadata.annotations);
    const services = await admin().get<{ items: { metadata: { name: string } }[] }>(`/api/v1/namespaces/${ns}/services`);
    expect(services.items.map((s) => s.metadata.name)).toEqual([APP]);
    expect(await stableImage(ns)).toBe(STABLE_IMAGE);
  });

  it('11. AWS throttling on DescribeAlarms is retried with backoff and the release goes on', async () => {
    const { namespace: ns, workspace } = await setUp('deploy-throttle');
    const alarm = `${ns}-latency`;
    await new CloudWatchClient({ region: 'us-east-1' }).send(
      new PutMetricAlarmCommand({
        AlarmName: alarm,
        MetricName: 'TargetResponseTime',
        Namespace: 'AWS/ApplicationELB',
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const proxy = await startAwsFaultProxy({
      rules: [{ operation: 'DescribeAlarms', times: 3, error: { code: 'ThrottlingException', message: 'Rate exceeded', status: 400 } }],
    });
    try {
      const run = await runStep('release', {
        cwd: workspace,
        env: { AWS_ENDPOINT_URL: proxy.url },
        inputs: baseInputs(scenario.app, `${IMAGE_REPO}:6.0.0`, { 'cloudwatch-alarms': alarm, 'aws-region': 'us-east-1' }),
      });
      expect(run.exitCode, run.stdout).toBe(0);
      expect(run.outputs.result).toBe('promoted');
      const calls = proxy.calls.filter((c) => c.operation === 'DescribeAlarms');
      expect(calls.filter((c) => c.injected).length).toBe(3);
      expect(calls.filter((c) => !c.injected && c.status === 200).length).toBeGreaterThanOrEqual(1);
      expect(run.summary).toContain(`cloudwatch | ${alarm} | OK`);
      expect(await stableImage(ns)).toBe(`${IMAGE_REPO}:6.0.0`);
    } finally {
      await proxy.close();
    }
  });
});
