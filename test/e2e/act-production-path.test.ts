/**
 * The production path of the sample app's real pipeline (.github/workflows/flask-app.yml → deploy.yml), run whole
 * by nektos/act: a push to main builds, pushes and promotes a digest in QA; then a `workflow_dispatch` with no
 * image-ref releases to the cluster named flightdeck-production the digest QA promoted, which the evidence gate
 * reads from QA's GitHub Deployments (the local GitHub API stand-in): canaried, analysed and promoted, with
 * nothing built. A dispatch of a digest QA never promoted is refused by the gate before the cluster is touched,
 * and says which digest and why. Each environment has its own namespace on the one local apiserver (KWOK's
 * pods); short bakes, through the workflow's vars.
 */
import { describe, expect, it } from 'vitest';
import { jobSummary, stepOutputs } from '../../scripts/act/act-log';
import { APP, namespaceSnapshot, prepareEnvironment, readDeployment } from '../../scripts/act/environments';
import { deployRoleArn, pushToMain, runProductionDispatch, runPush, type EnvironmentSettings } from '../../scripts/act/pipeline';
import { REPO_ROOT } from '../../scripts/act/run-act';
import { REPOSITORY } from '../../scripts/act/scratch-repo';
import { useTestNamespace } from '../stack/namespaces';
import { QA_REPOSITORY, tail, useActPipeline } from './act-support';
import { admin, canaryPods } from './deploy-support';

const pipeline = useActPipeline();
const qa = useTestNamespace('act-prod-qa');
const production = useTestNamespace('act-prod');
const JOBS = { qa: 'qa/deploy/release', production: 'production/deploy/release' };
const REPLICAS = 3;
const SHORT = { canarySteps: '50', bakeTime: '3s', analysisInterval: '1s' };

interface DeploymentRequest {
  method: string;
  path: string;
  body: { environment?: string; ref?: string; payload?: { images?: string[] }; state?: string };
}

function githubRequests(from: number): DeploymentRequest[] {
  return pipeline.services.github.requests.slice(from) as DeploymentRequest[];
}

function createdDeployments(from: number, environment: string): DeploymentRequest[] {
  return githubRequests(from).filter(
    (request) =>
      request.method === 'POST' && request.path === `/repos/${REPOSITORY}/deployments` && request.body.environment === environment,
  );
}

describe('a dispatch to production, under act', () => {
  let promoted = '';

  it('releases to production the digest QA promoted, with no image-ref: canaried, analysed and promoted', async () => {
    const registry = process.env.ECR_REGISTRY!;
    const stable = `${registry}/${QA_REPOSITORY}:previous-release`;
    for (const [namespace, overlay] of [
      [qa.name, 'examples/flask-app/k8s/overlays/qa'],
      [production.name, 'examples/flask-app/k8s/overlays/production'],
    ] as const) {
      await prepareEnvironment({ admin: admin(), namespace, repositoryDir: REPO_ROOT, overlay, image: stable, replicas: REPLICAS });
    }
    const environments: Record<string, EnvironmentSettings> = {
      qa: { namespace: qa.name, ...SHORT },
      production: { namespace: production.name, ...SHORT },
    };

    // QA first: the push builds, pushes and promotes the digest production will take.
    const push = pushToMain(pipeline.repository, {
      message: 'feat(flask-app): a version for production',
      files: { 'examples/flask-app/CHANGES.md': `- released to production by the act e2e at ${new Date().toISOString()}\n` },
    });
    const qaRun = await runPush(push, pipeline.options({ qa: environments.qa! }));
    expect(qaRun.exitCode, tail(qaRun.lines)).toBe(0);
    promoted = stepOutputs(qaRun.job(JOBS.qa), 'release')!.image!;
    expect(stepOutputs(qaRun.job(JOBS.qa), 'release')).toMatchObject({ result: 'promoted' });
    expect(promoted).toMatch(new RegExp(`^${registry.replace(/\./g, '\\.')}/${QA_REPOSITORY}@sha256:[0-9a-f]{64}$`));

    const front = pipeline.services.fronts['flightdeck-production']!;
    const frontBefore = front.accepted.length;
    const githubBefore = pipeline.services.github.requests.length;
    const awsBefore = pipeline.services.aws.calls.length;
    const run = await runProductionDispatch({}, pipeline.options({ production: environments.production! }));
    expect(run.exitCode, tail(run.lines)).toBe(0);
    const job = run.job(JOBS.production);
    expect(job.result).toBe('success');

    // Nothing built: the build step is skipped by the gate, and no ECR push credentials were asked for.
    expect(stepOutputs(job, 'image') ?? {}).toEqual({});
    const operations = pipeline.services.aws.calls
      .slice(awsBefore)
      .map((call) => call.operation ?? `${call.method} ${call.path.split('?')[0]}`);
    expect(operations).not.toContain('GetAuthorizationToken');
    expect(operations).toContain('AssumeRoleWithWebIdentity');
    expect(operations.filter((operation) => operation === 'GET /clusters/flightdeck-production')).toHaveLength(1);

    // The gate took QA's promoted digest, and the release canaried and promoted exactly it.
    expect(run.lines.join('\n')).toMatch(new RegExp(`taking .*${promoted.split('@')[1]}`));
    const released = stepOutputs(job, 'release')!;
    expect(released).toMatchObject({ result: 'promoted', image: promoted, 'previous-image': stable });
    const analysis = (JSON.parse(released.analysis!) as { v: 1; checks: { source: string; passed: boolean }[] }).checks;
    expect([...new Set(analysis.map((check) => check.source))].sort()).toEqual(['cloudwatch', 'http', 'kubernetes']);
    expect(analysis.every((check) => check.passed)).toBe(true);
    const summary = jobSummary(job);
    expect(summary).toContain(`release ${production.name}/${APP}: promoted`);
    expect(summary).toContain(promoted);

    // The final state: production runs exactly QA's digest, fully available, with no canary left; QA is unchanged.
    const deployed = await readDeployment(admin(), production.name);
    expect(deployed).toMatchObject({ image: promoted, availableReplicas: REPLICAS });
    expect(await readDeployment(admin(), production.name, `${APP}-canary`)).toBeUndefined();
    expect((await canaryPods(production.name)).filter((pod) => !pod.metadata.deletionTimestamp)).toEqual([]);
    expect((await readDeployment(admin(), qa.name))!.image).toBe(promoted);

    // Through production's EKS front, as production's deploy role; the role ARN stays masked.
    expect(new Set(front.accepted.slice(frontBefore))).toEqual(
      new Set([`arn:aws:sts::${pipeline.stack.accountId}:assumed-role/flightdeck-production-deploy/GitHubActions`]),
    );
    expect(run.lines.join('\n')).not.toContain(deployRoleArn(pipeline.stack, 'production'));

    // The production Deployment record carries the digest, and ends in success.
    const [created] = createdDeployments(githubBefore, 'production');
    expect(created?.body.payload?.images).toEqual([promoted]);
    const states = githubRequests(githubBefore)
      .filter((request) => /\/deployments\/\d+\/statuses$/.test(request.path))
      .map((request) => request.body.state);
    expect(states.at(-1)).toBe('success');
  });

  it('refuses a digest QA never promoted before any change, naming the digest', async () => {
    expect(promoted, 'the first test promotes a digest to production').not.toBe('');
    const never = `${promoted.split('@')[0]}@sha256:${'c'.repeat(64)}`;
    const before = await namespaceSnapshot(admin(), production.name);
    const front = pipeline.services.fronts['flightdeck-production']!;
    const frontBefore = front.accepted.length + front.rejected.length;
    const githubBefore = pipeline.services.github.requests.length;

    const run = await runProductionDispatch(
      { 'image-ref': never },
      pipeline.options({ production: { namespace: production.name, ...SHORT } }),
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.jobs.has(JOBS.production), tail(run.lines)).toBe(true);
    const job = run.job(JOBS.production);
    expect(job.result, tail(run.lines)).toBe('failure');
    const errors = job.steps.flatMap((step) => step.annotations).filter((annotation) => annotation.level === 'error');
    expect(errors.map((error) => error.message)).toContainEqual(
      expect.stringMatching(new RegExp(`sha256:c{64} \\(${never.replace(/[.@]/g, '\\$&')}\\) was never promoted there`)),
    );
    expect(stepOutputs(job, 'release')?.result ?? '').not.toBe('promoted');

    // Before any change: the cluster was never contacted, nothing in the namespace moved, no Deployment record was made.
    expect(front.accepted.length + front.rejected.length).toBe(frontBefore);
    expect(run.lines.join('\n')).not.toMatch(/Connected to EKS cluster/);
    expect(await namespaceSnapshot(admin(), production.name)).toEqual(before);
    expect(createdDeployments(githubBefore, 'production')).toEqual([]);
    expect((await readDeployment(admin(), production.name))!.image).toBe(promoted);
  });
});
