/**
 * The fault matrix, part 1: a canary per scenario, run by the bundled root
 * action (and the stage actions) as the runner runs them, as the
 * least-privilege deployer. In each, the stable Deployment's availability is
 * watched from outside and must never drop below replicas − maxUnavailable.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { runStep } from '../../scripts/harness/run-step';
import { startFakeGitHubApi } from '../support/fake-github-api';
import {
  admin,
  APP,
  baseInputs,
  canaryPods,
  getDeployment,
  HARNESS_RUN_URL,
  IMAGE_REPO,
  STABLE_IMAGE,
  stableImage,
  useDeployScenarios,
} from './deploy-support';

const scenario = useDeployScenarios();
const { setUp } = scenario;

async function expectNoCanaryLeft(ns: string): Promise<void> {
  expect(await getDeployment(ns, `${APP}-canary`)).toBeUndefined();
  const pods = await canaryPods(ns);
  expect(pods.filter((p) => !p.metadata.deletionTimestamp)).toEqual([]);
}

describe('release (root action): canary, analysis, promotion', () => {
  it('1. promotes a good image, with the annotations and outputs of a release', async () => {
    const { namespace: ns, workspace } = await setUp('deploy-good');
    const run = await runStep('release', {
      cwd: workspace,
      inputs: baseInputs(scenario.app, `${IMAGE_REPO}:1.1.0`, { percentage: '10' }),
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.result).toBe('promoted');
    expect(run.outputs['previous-image']).toBe(STABLE_IMAGE);
    expect(run.outputs.image).toBe(`${IMAGE_REPO}:1.1.0`);
    expect(Number(run.outputs.revision)).toBe(2);
    expect(await stableImage(ns)).toBe(`${IMAGE_REPO}:1.1.0`);
    const stable = await getDeployment(ns);
    expect(stable!.metadata.annotations).toMatchObject({
      'flightdeck.dev/run-url': HARNESS_RUN_URL,
      'flightdeck.dev/git-sha': '0123456789abcdef0123456789abcdef01234567',
      'flightdeck.dev/image': `${IMAGE_REPO}:1.1.0`,
    });
    await expectNoCanaryLeft(ns);
    // 10% asked of 4 stable pods: 1 canary pod is 1 of 5, and the summary says so.
    expect(run.summary).toContain('20% (asked 10%)');
    expect(run.summary).toMatch(/canary pods Ready \| 1\/1/);
    expect(run.summary).toContain('Timeline');
    // The lock is released at the end.
    const leases = await admin().get<{ items: unknown[] }>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`);
    expect(leases.items).toEqual([]);
  });

  it('1d. with a token, records GitHub Deployments: in_progress then success, or failure for a rolled-back canary', async () => {
    const { namespace: ns, workspace } = await setUp('deploy-ghdeploy');
    const api = await startFakeGitHubApi();
    try {
      const reporting = { environment: 'qa', 'environment-url': 'https://qa.example.com', 'github-token': 'ghs_e2eDeployToken0123456789' };
      const good = await runStep('release', {
        cwd: workspace,
        env: { GITHUB_API_URL: api.url },
        inputs: baseInputs(scenario.app, `${IMAGE_REPO}:1.3.0`, reporting),
      });
      expect(good.exitCode, good.stdout).toBe(0);
      const bad = await runStep('release', {
        cwd: workspace,
        env: { GITHUB_API_URL: api.url },
        inputs: baseInputs(scenario.app, `${IMAGE_REPO}:1.3.1-unready`, { ...reporting, 'ready-timeout': '3s' }),
      });
      expect(bad.exitCode).toBe(1);

      const calls = api.requests.map((r) => ({
        path: r.path.replace(/\/\d+\//, '/<id>/'),
        state: (r.body as { state?: string }).state,
        environment: (r.body as { environment?: string }).environment,
      }));
      const repo = '/repos/flightdeck-dev/sample';
      expect(calls).toEqual([
        { path: `${repo}/deployments`, state: undefined, environment: 'qa' },
        { path: `${repo}/deployments/<id>/statuses`, state: 'in_progress', environment: undefined },
        { path: `${repo}/deployments/<id>/statuses`, state: 'success', environment: undefined },
        { path: `${repo}/deployments`, state: undefined, environment: 'qa' },
        { path: `${repo}/deployments/<id>/statuses`, state: 'in_progress', environment: undefined },
        { path: `${repo}/deployments/<id>/statuses`, state: 'failure', environment: undefined },
      ]);
      const success = api.requests[2]!.body as { environment_url?: string; log_url?: string };
      expect(success.environment_url).toBe('https://qa.example.com/');
      expect(success.log_url).toBe(HARNESS_RUN_URL);
      expect(api.requests.every((r) => r.authorization === 'Bearer ghs_e2eDeployToken0123456789')).toBe(true);
      // The token is masked before any request, and printed nowhere else.
      expect(good.stdout).toContain('::add-mask::ghs_e2eDeployToken0123456789');
      expect(
        good.stdout
          .split('\n')
          .filter((l) => !l.startsWith('::add-mask::'))
          .join('\n'),
      ).not.toContain('ghs_e2eDeployToken');
      expect(await stableImage(ns)).toBe(`${IMAGE_REPO}:1.3.0`);
    } finally {
      await api.close();
    }
  });

  it('1b. canary-deploy leaves a passing canary for rolling-promote, which promotes it', async () => {
    const { namespace: ns, workspace } = await setUp('deploy-stages');
    const canary = await runStep('canary-deploy', {
      cwd: workspace,
      inputs: baseInputs(scenario.app, `${IMAGE_REPO}:1.2.0`, { steps: '10,50' }),
    });
    expect(canary.exitCode, canary.stdout).toBe(0);
    expect(canary.outputs).toMatchObject({ result: 'passed', canary: `${APP}-canary`, 'traffic-percent': '50' });
    expect((await canaryPods(ns)).length).toBe(4);
    expect(await stableImage(ns)).toBe(STABLE_IMAGE);
    expect(canary.post?.exitCode).toBe(0);
    expect(await getDeployment(ns, `${APP}-canary`)).toBeDefined();

    const promote = await runStep('rolling-promote', {
      cwd: workspace,
      inputs: {
        kubeconfig: baseInputs(scenario.app, '').kubeconfig!,
        namespace: ns,
        deployment: APP,
        'max-surge': '2',
        'max-unavailable': '0',
      },
    });
    expect(promote.exitCode, promote.stdout).toBe(0);
    expect(promote.outputs).toMatchObject({
      result: 'promoted',
      'previous-image': STABLE_IMAGE,
      image: `${IMAGE_REPO}:1.2.0`,
      revision: '2',
    });
    await expectNoCanaryLeft(ns);
  });
  it('1c. in ALB mode, weighs the Ingress step by step and leaves it as it was after promotion', async () => {
    const { namespace: ns, workspace } = await setUp('deploy-alb', { ingress: true });
    const before = await admin().get<{ metadata: { annotations: Record<string, string> }; spec: unknown }>(
      `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${APP}`,
    );
    const run = await runStep('release', {
      cwd: workspace,
      inputs: baseInputs(scenario.app, `${IMAGE_REPO}:1.6.0`, { traffic: 'alb', steps: '10,50' }),
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.result).toBe('promoted');
    // Exact weights, so the summary shows the asked share unchanged.
    expect(run.summary).toMatch(/\| 1 \| 10% \| 1 \|/);
    expect(run.summary).toMatch(/\| 2 \| 50% \| 2 \|/);
    const after = await admin().get<{ metadata: { annotations: Record<string, string> }; spec: unknown }>(
      `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${APP}`,
    );
    expect(after.spec).toEqual(before.spec);
    expect(after.metadata.annotations).toEqual(before.metadata.annotations);
    const services = await admin().get<{ items: { metadata: { name: string } }[] }>(`/api/v1/namespaces/${ns}/services`);
    expect(services.items.map((s) => s.metadata.name)).toEqual([APP]);
    expect(await stableImage(ns)).toBe(`${IMAGE_REPO}:1.6.0`);
    await expectNoCanaryLeft(ns);
  });
});

describe('release: a failing canary is rolled back', () => {
  it.each([
    ['2. never Ready', '-unready', /canary pods Ready.*0\/1/],
    ['3. crash loop', '-crashloop', /CrashLoopBackOff|container restarts/],
    ['4. image pull error', '-pullerror', /ErrImagePull|ImagePullBackOff/],
  ])('%s (%s)', async (_name, suffix, reason) => {
    const { namespace: ns, workspace } = await setUp(`deploy-fault${suffix}`);
    // Crash loops and pull errors must fail at once: only "never Ready" gets a ready timeout the test can outlive.
    const readyTimeout = suffix === '-unready' ? '8s' : '1h';
    const run = await runStep('release', {
      cwd: workspace,
      inputs: baseInputs(scenario.app, `${IMAGE_REPO}:1.3.0${suffix}`, { 'ready-timeout': readyTimeout }),
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /Canary analysis failed, so the canary was removed and traffic restored/,
    );
    expect(run.summary).toMatch(reason);
    expect(await stableImage(ns)).toBe(STABLE_IMAGE);
    await expectNoCanaryLeft(ns);
  });

  it('5. a failing HTTP check rolls the canary back and names the values', async () => {
    let requests = 0;
    const server: Server = createServer((_req, res) => {
      requests += 1;
      res.statusCode = requests % 3 === 0 ? 200 : 503;
      res.end('unavailable');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { namespace: ns, workspace } = await setUp('deploy-http');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
      const run = await runStep('release', {
        cwd: workspace,
        inputs: baseInputs(scenario.app, `${IMAGE_REPO}:1.4.0`, { 'http-url': url, 'http-requests': '10', 'http-success-rate': '90' }),
      });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.result).toBe('failed');
      expect(requests).toBeGreaterThanOrEqual(10);
      expect(run.summary).toMatch(/http \| success rate \| \d+(\.\d)?% \(\d+\/10\) \| ≥ 90% answering 200/);
      expect(run.summary).toContain('HTTP 503');
      const analysis = (JSON.parse(run.outputs.analysis!) as { v: 1; checks: { source: string; passed: boolean }[] }).checks;
      expect(analysis.some((r) => r.source === 'http' && !r.passed)).toBe(true);
      expect(await stableImage(ns)).toBe(STABLE_IMAGE);
      await expectNoCanaryLeft(ns);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('6. a CloudWatch alarm in ALARM rolls the canary back', async () => {
    const { namespace: ns, workspace } = await setUp('deploy-alarm');
    const cloudwatch = new CloudWatchClient({ region: 'us-east-1' });
    const alarm = `${ns}-5xx`;
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarm,
        MetricName: 'HTTPCode_Target_5XX_Count',
        Namespace: 'AWS/ApplicationELB',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'ALARM', StateReason: 'Threshold Crossed: 42 5xx in 1 minute' }),
    );
    const run = await runStep('release', {
      cwd: workspace,
      inputs: baseInputs(scenario.app, `${IMAGE_REPO}:1.5.0`, { 'cloudwatch-alarms': alarm, 'aws-region': 'us-east-1' }),
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.summary).toContain(`cloudwatch | ${alarm} | ALARM`);
    expect(run.summary).toContain('Threshold Crossed: 42 5xx');
    expect(await stableImage(ns)).toBe(STABLE_IMAGE);
    await expectNoCanaryLeft(ns);
  });

  it('6b. an alarm that does not exist fails the canary, as CodeDeploy does', async () => {
    const { workspace } = await setUp('deploy-noalarm');
    const run = await runStep('release', {
      cwd: workspace,
      inputs: baseInputs(scenario.app, `${IMAGE_REPO}:1.5.1`, { 'cloudwatch-alarms': 'no-such-alarm-anywhere', 'aws-region': 'us-east-1' }),
    });
    expect(run.exitCode).toBe(1);
    expect(run.summary).toMatch(/no-such-alarm-anywhere \| missing/);
  });
});
