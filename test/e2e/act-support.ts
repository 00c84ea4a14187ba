/**
 * Set-up shared by the act e2e files (act-pr-path, act-qa-path): one scratch repository and one set of local
 * services per file, act built (cached), the app's local base image made, and the AWS resources of the
 * environments in moto. Everything here is what the pipeline needs around it; the pipeline itself is the real
 * flask-app.yml, run by act (scripts/act/).
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ensurePipelineAwsResources, type PipelineEnvironment } from '../../scripts/act/aws-resources';
import { startLocalServices, type LocalServices } from '../../scripts/act/local-services';
import { type PipelineRunOptions, type PipelineStack } from '../../scripts/act/pipeline';
import { ensureAct, REPO_ROOT } from '../../scripts/act/run-act';
import { scratchRepository, type ScratchRepository } from '../../scripts/act/scratch-repo';
import { mustRun, runProgram } from '../stack/commands';
import { stackDir } from '../stack/env';

export const ENVIRONMENTS: PipelineEnvironment[] = [
  { name: 'qa', clusterName: 'flightdeck-qa' },
  { name: 'production', clusterName: 'flightdeck-production' },
];
export const QA_REPOSITORY = 'flightdeck/qa/flask-app';
export const DEPLOYER_GROUP = 'flightdeck-deployers';

export interface ActFixture {
  repository: ScratchRepository;
  services: LocalServices;
  stack: PipelineStack;
  options(environments: PipelineRunOptions['environments']): PipelineRunOptions;
}

/**
 * Registers beforeAll/afterAll that prepare what every act run of the file shares, and returns it (filled in
 * once beforeAll has run). The base image is made by the project's own script, which installs debootstrap when
 * it is missing: the first run on a machine takes minutes, later ones a second.
 */
export function useActPipeline(): ActFixture {
  const fixture = {} as ActFixture;
  beforeAll(async () => {
    ensureAct();
    mustRun(join(REPO_ROOT, 'scripts/base-image.sh'), [], { timeoutMs: 25 * 60_000 });
    fixture.stack = { region: process.env.AWS_REGION!, accountId: process.env.AWS_ACCOUNT_ID! };
    await ensurePipelineAwsResources({
      endpoint: process.env.AWS_ENDPOINT_URL!,
      region: fixture.stack.region,
      credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! },
      repositories: [QA_REPOSITORY],
      environments: ENVIRONMENTS,
    });
    fixture.services = await startLocalServices({
      moto: process.env.AWS_ENDPOINT_URL!,
      apiserver: process.env.KUBE_APISERVER!,
      pkiDir: join(stackDir(), 'k8s/pki'),
      clusters: ENVIRONMENTS.map((environment) => environment.clusterName),
      environments: ENVIRONMENTS.map((environment) => environment.name),
      staticKey: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! },
      deployerGroup: DEPLOYER_GROUP,
    });
    fixture.repository = scratchRepository(REPO_ROOT);
    fixture.options = (environments) => ({
      repository: fixture.repository,
      services: fixture.services,
      stack: fixture.stack,
      environments,
    });
  });
  afterAll(async () => {
    await fixture.services?.close();
    fixture.repository?.remove();
    // The images the runs built stay in the registry; the engine's local copies go, as build-push-ecr's e2e does.
    const references = ['pr-check', `${process.env.ECR_REGISTRY}/${QA_REPOSITORY}`];
    const ids = references.flatMap((reference) =>
      runProgram('docker', ['images', '--quiet', '--filter', `reference=${reference}`])
        .stdout.split('\n')
        .filter(Boolean),
    );
    if (ids.length > 0) runProgram('docker', ['image', 'rm', '--force', ...new Set(ids)]);
  });
  return fixture;
}

/** A failing run's masked log, last lines first to read: what an assertion message should carry. */
export function tail(lines: string[], count = 80): string {
  return lines.slice(-count).join('\n');
}
