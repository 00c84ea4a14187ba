/**
 * The sample app's pipeline (.github/workflows/flask-app.yml) run by act against the local stack: what GitHub
 * would hand it for a pull request, a push to main, or a dispatch to production. Shared by the e2e tests and
 * the demo. The caller owns the stack (scripts/stack/up.sh, under the machine-wide lock), starts the local
 * services (local-services.ts) and makes the AWS resources (aws-resources.ts).
 */
import { randomInt } from 'node:crypto';
import { pullRequestEvent, pushEvent, workflowDispatchEvent } from './events';
import type { LocalServices } from './local-services';
import { runAct, type ActRun } from './run-act';
import { REPOSITORY, type ScratchRepository } from './scratch-repo';

export const PIPELINE_WORKFLOW = '.github/workflows/flask-app.yml';
/** The app's base image on this machine (scripts/base-image.sh): nothing can be pulled from Docker Hub here. */
export const LOCAL_BASE_IMAGE = 'localhost/flightdeck/python-base:bookworm';
/** A token only the local GitHub API stand-in accepts, as act's github.token. */
const FAKE_GITHUB_TOKEN = 'ghs_local_stand_in_token_not_a_github_token';

export interface PipelineStack {
  region: string;
  accountId: string;
}

export interface EnvironmentSettings {
  /** The namespace the release deploys to (vars.<ENV>_NAMESPACE). */
  namespace: string;
  /**
   * The environment's public URL (vars.<ENV>_URL). Default: the local stand-in that answers /readyz. On the real
   * node, the stable Service's ClusterIP: then the HTTP analysis hears the app's own pods answer.
   */
  url?: string;
  canarySteps?: string;
  bakeTime?: string;
  analysisInterval?: string;
}

/** The host's trust settings a job needs to reach package indexes through this machine's TLS proxy, when set. */
const HOST_TRUST = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'PIP_CERT',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'GIT_SSL_CAINFO',
];
const HOST_PROXY = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

export function deployRoleArn(stack: PipelineStack, environment: string): string {
  return `arn:aws:iam::${stack.accountId}:role/flightdeck-${environment}-deploy`;
}

/**
 * What every job sees besides act's own GITHUB_* variables: the repository's name (act would take it from the
 * origin remote), the GitHub API and AWS endpoints on loopback, where the checkout stand-in fetches from, and a
 * run id of its own so the Lease holder and the deployment records tell runs apart.
 */
export function runnerEnv(repository: ScratchRepository, services: LocalServices): Record<string, string> {
  const env: Record<string, string> = {
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_REPOSITORY_OWNER: REPOSITORY.split('/')[0]!,
    GITHUB_API_URL: services.github.url,
    GITHUB_RUN_ID: String(randomInt(1_000_000, 9_999_999)),
    AWS_ENDPOINT_URL: services.aws.url,
    CHECKOUT_STANDIN_SOURCES: `${REPOSITORY}=${repository.dir}`,
  };
  for (const name of [...HOST_TRUST, ...HOST_PROXY]) if (process.env[name]) env[name] = process.env[name]!;
  return env;
}

/** Repository variables, as docs/pipeline.md lists them, for the environments given. */
export function pipelineVars(
  stack: PipelineStack,
  services: LocalServices,
  environments: Record<string, EnvironmentSettings>,
): Record<string, string> {
  const vars: Record<string, string> = { AWS_REGION: stack.region, BASE_IMAGE: LOCAL_BASE_IMAGE };
  for (const [environment, settings] of Object.entries(environments)) {
    const prefix = environment.toUpperCase();
    const url = settings.url ?? services.environmentUrls[environment]?.url;
    if (url) vars[`${prefix}_URL`] = url;
    vars[`${prefix}_NAMESPACE`] = settings.namespace;
    if (settings.canarySteps) vars[`${prefix}_CANARY_STEPS`] = settings.canarySteps;
    if (settings.bakeTime) vars[`${prefix}_BAKE_TIME`] = settings.bakeTime;
    if (settings.analysisInterval) vars[`${prefix}_ANALYSIS_INTERVAL`] = settings.analysisInterval;
  }
  return vars;
}

export interface PullRequest {
  number: number;
  headSha: string;
  baseSha: string;
  /** The merge commit GitHub tests a pull request at (github.sha). */
  mergeSha: string;
  payload: Record<string, unknown>;
}

/**
 * A pull request from `branch` with these commits on top of main, and its merge commit checked out, as
 * GitHub makes refs/pull/<n>/merge. Main stays where it was; `backToMain` returns the checkout there.
 */
export function openPullRequest(
  repository: ScratchRepository,
  options: { number: number; branch: string; commits: { message: string; files: Record<string, string | null> }[] },
): PullRequest {
  const baseSha = repository.git(['rev-parse', 'main']);
  repository.git(['checkout', '-q', '-B', options.branch, 'main']);
  let headSha = baseSha;
  for (const commit of options.commits) headSha = repository.commit(commit.message, commit.files);
  repository.git(['checkout', '-q', '--detach', 'main']);
  repository.git(['merge', '-q', '--no-ff', '-m', `Merge pull request #${options.number} from ${options.branch}`, options.branch]);
  const mergeSha = repository.head();
  repository.git(['update-ref', `refs/pull/${options.number}/merge`, mergeSha]);
  return {
    number: options.number,
    headSha,
    baseSha,
    mergeSha,
    payload: pullRequestEvent({ number: options.number, headRef: options.branch, headSha, baseSha }),
  };
}

export function backToMain(repository: ScratchRepository): void {
  repository.git(['checkout', '-q', 'main']);
}

/** A commit pushed to main (a merged pull request), checked out: github.sha of the push event. */
export function pushToMain(
  repository: ScratchRepository,
  commit: { message: string; files: Record<string, string | null> },
): { before: string; after: string; payload: Record<string, unknown> } {
  backToMain(repository);
  const before = repository.head();
  const after = repository.commit(commit.message, commit.files);
  return { before, after, payload: pushEvent(before, after, commit.message) };
}

export interface PipelineRunOptions {
  repository: ScratchRepository;
  services: LocalServices;
  stack: PipelineStack;
  environments: Record<string, EnvironmentSettings>;
  onLine?: (line: string) => void;
}

export function runPullRequest(pullRequest: PullRequest, options: PipelineRunOptions): Promise<ActRun> {
  return run('pull_request', pullRequest.payload, options, {});
}

export function runPush(push: { payload: Record<string, unknown> }, options: PipelineRunOptions): Promise<ActRun> {
  // act has one flat set of secrets, where GitHub would give the qa job the qa environment's.
  return run('push', push.payload, options, { AWS_DEPLOY_ROLE_ARN: deployRoleArn(options.stack, 'qa') });
}

export function runProductionDispatch(inputs: Record<string, string>, options: PipelineRunOptions): Promise<ActRun> {
  backToMain(options.repository);
  return run(
    'workflow_dispatch',
    workflowDispatchEvent(inputs),
    options,
    { AWS_DEPLOY_ROLE_ARN: deployRoleArn(options.stack, 'production') },
    inputs,
  );
}

function run(
  event: 'pull_request' | 'push' | 'workflow_dispatch',
  payload: Record<string, unknown>,
  options: PipelineRunOptions,
  secrets: Record<string, string>,
  inputs: Record<string, string> = {},
): Promise<ActRun> {
  return runAct({
    repositoryDir: options.repository.dir,
    event,
    payload,
    workflow: PIPELINE_WORKFLOW,
    env: runnerEnv(options.repository, options.services),
    vars: pipelineVars(options.stack, options.services, options.environments),
    secrets: { GITHUB_TOKEN: FAKE_GITHUB_TOKEN, ...secrets },
    inputs,
    onLine: options.onLine,
  });
}
