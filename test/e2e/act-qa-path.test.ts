/**
 * The QA path of the sample app's real pipeline (.github/workflows/flask-app.yml → deploy.yml), run whole by
 * nektos/act on a push to main: the deploy role assumed through moto's STS (configure-aws-credentials
 * stand-in), the image built and pushed to the registry at the ECR hostname, then released to the cluster
 * named flightdeck-qa through moto's DescribeCluster and the EKS front, as the assumed role in the deployer
 * group: canaried, analysed (pods, the QA URL, the alarms) and promoted. Short bakes, through the workflow's vars.
 */
import { describe, expect, it } from 'vitest';
import { jobSummary, stepOutputs } from '../../scripts/act/act-log';
import { loadManifests, substituteImages } from '../../packages/manifests';
import { deployRoleArn, pushToMain, runPush } from '../../scripts/act/pipeline';
import { REPO_ROOT } from '../../scripts/act/run-act';
import { REPOSITORY } from '../../scripts/act/scratch-repo';
import { KubeHttpError } from '../stack/kube-http';
import { useTestNamespace } from '../stack/namespaces';
import { registryApi } from '../stack/registry-api';
import { watchDeployment } from '../stack/watcher';
import { DEPLOYER_GROUP, QA_REPOSITORY, tail, useActPipeline } from './act-support';
import { admin, canaryPods } from './deploy-support';

const pipeline = useActPipeline();
const qa = useTestNamespace('act-qa');
const RELEASE_JOB = 'qa/deploy/release';
const REPLICAS = 3;

/** What the platform does once per environment (docs/architecture.md, "Deploying an environment"), as the admin. */
async function prepareQaNamespace(namespace: string, stableImage: string): Promise<void> {
  const kube = admin();
  // The EKS access entry maps the deploy role to this group; the RoleBinding gives the group the deployer Role here.
  await kube.post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'flightdeck-deployers', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flightdeck-deployer' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: DEPLOYER_GROUP }],
  });
  // The release already running in QA, from the same overlay the pipeline releases: Ingress, Service, Deployment.
  const rendered = loadManifests(['examples/flask-app/k8s/overlays/qa'], { cwd: REPO_ROOT });
  const { manifests } = substituteImages(rendered, [stableImage]);
  for (const { object } of manifests) {
    const plural = `${object.kind!.toLowerCase()}${object.kind === 'Ingress' ? 'es' : 's'}`;
    const group = object.apiVersion === 'v1' ? '/api/v1' : `/apis/${object.apiVersion}`;
    await kube.post(`${group}/namespaces/${namespace}/${plural}`, { ...object, metadata: { ...object.metadata, namespace } });
  }
  const watcher = await watchDeployment({ namespace, name: 'flask-app' });
  await watcher.waitFor((o) => o.availableReplicas === REPLICAS && o.updatedReplicas === REPLICAS && o.observedGeneration >= o.generation, {
    timeoutMs: 120_000,
    what: 'the stable flask-app fully available',
  });
  await watcher.stop();
}

async function deployment(
  namespace: string,
  name: string,
): Promise<{ spec: { template: { spec: { containers: { image: string }[] } } } } | undefined> {
  try {
    return await admin().get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
  } catch (error) {
    if (error instanceof KubeHttpError && error.status === 404) return undefined;
    throw error;
  }
}

describe('a push to main, under act', () => {
  it('builds and pushes the image, then canaries, analyses and promotes it in QA through EKS', async () => {
    const registry = process.env.ECR_REGISTRY!;
    const stable = `${registry}/${QA_REPOSITORY}:previous-release`;
    await prepareQaNamespace(qa.name, stable);
    const push = pushToMain(pipeline.repository, {
      message: 'feat(flask-app): a version QA has not seen',
      files: { 'examples/flask-app/CHANGES.md': `- released by the act e2e at ${new Date().toISOString()}\n` },
    });
    const awsBefore = pipeline.services.aws.calls.length;
    const front = pipeline.services.fronts['flightdeck-qa']!;
    const frontBefore = front.accepted.length;
    const deploymentsBefore = pipeline.services.github.requests.length;

    const run = await runPush(
      push,
      pipeline.options({ qa: { namespace: qa.name, canarySteps: '50', bakeTime: '3s', analysisInterval: '1s' } }),
    );
    expect(run.exitCode, tail(run.lines)).toBe(0);
    const job = run.job(RELEASE_JOB);
    expect(job.result).toBe('success');

    // Built and pushed: the digest is in the registry under the commit's tag.
    const built = stepOutputs(job, 'image')!;
    const imageRef = built['image-ref']!;
    expect(imageRef).toMatch(new RegExp(`^${registry.replace(/\./g, '\\.')}/${QA_REPOSITORY}@sha256:[0-9a-f]{64}$`));
    expect(await registryApi().manifestDigest(QA_REPOSITORY, `sha-${push.after.slice(0, 7)}`)).toBe(imageRef.split('@')[1]);

    // Released: canary at 50%, analysed, promoted; the outputs and the job summary say so.
    const released = stepOutputs(job, 'release')!;
    expect(released).toMatchObject({ result: 'promoted', image: imageRef, 'previous-image': stable });
    const analysis = (JSON.parse(released.analysis!) as { v: 1; checks: { source: string; passed: boolean }[] }).checks;
    // Every source the workflow configures was read: the pods, the QA URL and both alarms.
    expect([...new Set(analysis.map((check) => check.source))].sort()).toEqual(['cloudwatch', 'http', 'kubernetes']);
    expect(analysis.every((check) => check.passed)).toBe(true);
    const summary = jobSummary(job);
    expect(summary).toContain(`release ${qa.name}/flask-app: promoted`);
    expect(summary).toContain(imageRef);

    // The final state of the cluster: the stable Deployment runs the pushed digest, the canary is gone.
    expect((await deployment(qa.name, 'flask-app'))!.spec.template.spec.containers[0]!.image).toBe(imageRef);
    expect(await deployment(qa.name, 'flask-app-canary')).toBeUndefined();
    expect((await canaryPods(qa.name)).filter((pod) => !pod.metadata.deletionTimestamp)).toEqual([]);

    // Through the EKS front only, as the role the configure-aws-credentials stand-in assumed in moto.
    const identities = new Set(front.accepted.slice(frontBefore));
    expect(identities).toEqual(new Set([`arn:aws:sts::${pipeline.stack.accountId}:assumed-role/flightdeck-qa-deploy/GitHubActions`]));
    const calls = pipeline.services.aws.calls.slice(awsBefore);
    const operations = calls.map((call) => call.operation ?? `${call.method} ${call.path.split('?')[0]}`);
    expect(operations).toContain('AssumeRoleWithWebIdentity');
    expect(operations).toContain('GetAuthorizationToken');
    expect(operations).toContain('DescribeAlarms');
    expect(operations.filter((operation) => operation === 'GET /clusters/flightdeck-qa')).toHaveLength(1);
    // The role ARN is a secret: masked wherever act would have shown it.
    expect(run.lines.join('\n')).not.toContain(deployRoleArn(pipeline.stack, 'qa'));
    expect(pipeline.services.environmentUrls.qa!.requests.filter((path) => path === '/readyz').length).toBeGreaterThan(0);

    // The GitHub Deployment record of the QA release, ending in success.
    const github = pipeline.services.github.requests.slice(deploymentsBefore);
    const created = github.find((request) => request.method === 'POST' && request.path === `/repos/${REPOSITORY}/deployments`);
    expect(created?.body).toMatchObject({ environment: 'qa', ref: push.after });
    const states = github
      .filter((request) => /\/deployments\/\d+\/statuses$/.test(request.path))
      .map((request) => (request.body as { state: string }).state);
    expect(states.at(-1)).toBe('success');
  });
});
