/**
 * `make demo`, once scripts/demo.sh has the stack up: the sample app's real pipeline (.github/workflows/flask-app.yml)
 * run by nektos/act (scripts/act/), on this machine, in five stages, with the app's pods on the stack's real node:
 *   1. a pull request: tests with coverage, the check run and annotations, the image built without AWS;
 *   2. a push to main: the image built and pushed, canaried in QA, analysed and promoted;
 *   3. a dispatch to production with no image-ref: QA's promoted digest taken by the evidence gate, canaried, promoted;
 *   4. a commit that builds the app broken (it crashes on start) but passes its unit tests: the pull request is green,
 *      the push's canary in QA crashes and is rolled back by itself; production keeps serving the good version;
 *   5. a dispatch of that broken digest to production: refused by the evidence gate, with the reason.
 * Then which digest runs where, each stage's wall time and each stage's job summary. Exits 1 when a stage ends
 * other than as expected. DEMO_KEEP=1 leaves the namespaces (and the stack) up, and says how to look around.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobSummary, stepOutputs, type ActJob } from '../act/act-log';
import { ensurePipelineAwsResources, type PipelineEnvironment } from '../act/aws-resources';
import { APP, DEPLOYER_GROUP, namespaceSnapshot, prepareEnvironment, readDeployment } from '../act/environments';
import { startLocalServices, type LocalServices } from '../act/local-services';
import {
  LOCAL_BASE_IMAGE,
  openPullRequest,
  backToMain,
  pushToMain,
  runProductionDispatch,
  runPullRequest,
  runPush,
  type EnvironmentSettings,
  type PipelineRunOptions,
} from '../act/pipeline';
import { ensureAct, REPO_ROOT, type ActRun } from '../act/run-act';
import { scratchRepository, type ScratchRepository } from '../act/scratch-repo';
import { runStep } from '../harness/run-step';
import { applyStackEnv } from '../../test/stack/env';
import { adminKubeconfigPath, KubeHttp } from '../../test/stack/kube-http';
import { createAppNamespace, deleteNamespace } from './namespaces';
import { placeOnRealNode, realNodeFromEnv } from './real-node';
import { duration, isProgress, plainSummary, table } from './render';

const ENVIRONMENTS: PipelineEnvironment[] = [
  { name: 'qa', clusterName: 'flightdeck-qa' },
  { name: 'production', clusterName: 'flightdeck-production' },
];
const QA_REPOSITORY = 'flightdeck/qa/flask-app';
const NAMESPACES = { qa: 'flask-app-qa', production: 'flask-app-production' };
const OVERLAYS = { qa: 'examples/flask-app/k8s/overlays/qa', production: 'examples/flask-app/k8s/overlays/production' };
const JOBS = {
  test: 'checks/pr-checks/test',
  image: 'checks/pr-checks/image',
  commits: 'checks/pr-checks/commits',
  qa: 'qa/deploy/release',
  production: 'production/deploy/release',
};
const REPLICAS = 3;
/** One canary step (25%: one pod beside the three stable ones) held seconds, through the workflow's vars, not the defaults' minutes. */
const BAKE = { canarySteps: '25', bakeTime: '6s', analysisInterval: '2s' };
/** The defect the broken commit builds in (examples/flask-app/app/defects.py), through the Dockerfile's default. */
const DEFECT = 'crash-on-start';
const keep = process.env.DEMO_KEEP === '1';

interface Stage {
  title: string;
  expected: string;
  outcome: string;
  ok: boolean;
  ms: number;
  summaries: { job: string; text: string }[];
}

const stages: Stage[] = [];

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

function heading(text: string): void {
  say(`\n\x1b[1m== ${text}\x1b[0m`);
}

/** One line per act step or job result, as the run goes. */
function progress(line: string): void {
  if (isProgress(line)) say(`   ${line.replace(/\s+/g, ' ').trim()}`);
}

function lastLines(run: ActRun, count = 40): string {
  return run.lines.slice(-count).join('\n');
}

function releaseOf(job: ActJob): Record<string, string> {
  return stepOutputs(job, 'release') ?? {};
}

function errorsOf(job: ActJob): string[] {
  return job.steps
    .flatMap((step) => step.annotations)
    .filter((a) => a.level === 'error')
    .map((a) => a.message);
}

async function stage(title: string, expected: string, body: () => Promise<Omit<Stage, 'title' | 'expected' | 'ms'>>): Promise<Stage> {
  heading(`${stages.length + 1}. ${title}`);
  say(`   expected: ${expected}`);
  const started = Date.now();
  let result: Omit<Stage, 'title' | 'expected' | 'ms'>;
  try {
    result = await body();
  } catch (error) {
    result = { outcome: `error: ${(error as Error).message}`, ok: false, summaries: [] };
  }
  const done: Stage = { title, expected, ...result, ms: Date.now() - started };
  stages.push(done);
  say(`   ${done.ok ? 'as expected' : 'NOT AS EXPECTED'}: ${done.outcome} (${duration(done.ms)})`);
  return done;
}

function summaries(run: ActRun, jobs: string[]): { job: string; text: string }[] {
  return jobs.filter((name) => run.jobs.has(name)).map((name) => ({ job: name, text: plainSummary(jobSummary(run.job(name))) }));
}

/** The image the environment ran before the demo: main as it is, built and pushed by the bundled build-push-ecr. */
async function buildBaseline(repository: ScratchRepository): Promise<string> {
  const tag = `baseline-${repository.head().slice(0, 7)}`;
  const run = await runStep('build-push-ecr', {
    cwd: repository.dir,
    // Its own Docker client configuration, as a runner's: the registry login stays out of ~/.docker.
    env: { DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'fd-demo-docker-')) },
    inputs: {
      repository: QA_REPOSITORY,
      context: 'examples/flask-app',
      'auto-tags': 'none',
      tags: tag,
      'build-args': `BASE_IMAGE=${LOCAL_BASE_IMAGE}`,
    },
    timeoutMs: 600_000,
  });
  if (run.exitCode !== 0 || !run.outputs['image-ref']) {
    throw new Error(
      `build-push-ecr of the baseline failed (exit ${run.exitCode}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-1500)}`,
    );
  }
  return run.outputs['image-ref'];
}

/** The Dockerfile with the defect as its build's default: what the workflow's build takes from the commit. */
function brokenDockerfile(repository: ScratchRepository): string {
  const dockerfile = readFileSync(join(repository.dir, 'examples/flask-app/Dockerfile'), 'utf8');
  if (!/^ARG APP_DEFECT=$/m.test(dockerfile)) throw new Error('examples/flask-app/Dockerfile has no "ARG APP_DEFECT=" line to set');
  return dockerfile.replace(/^ARG APP_DEFECT=$/m, `ARG APP_DEFECT=${DEFECT}`);
}

async function main(): Promise<number> {
  const demoStarted = Date.now();
  applyStackEnv();
  const node = realNodeFromEnv();
  ensureAct();
  const admin = KubeHttp.fromKubeconfig(adminKubeconfigPath());
  const stack = { region: process.env.AWS_REGION!, accountId: process.env.AWS_ACCOUNT_ID! };
  const staticKey = { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! };
  const registry = process.env.ECR_REGISTRY!;

  heading('Set-up: what the platform has before the pipeline runs');
  await ensurePipelineAwsResources({
    endpoint: process.env.AWS_ENDPOINT_URL!,
    region: stack.region,
    credentials: staticKey,
    repositories: [QA_REPOSITORY],
    environments: ENVIRONMENTS,
  });
  say(`   moto: ECR repository ${QA_REPOSITORY}, EKS clusters flightdeck-qa and flightdeck-production, their CloudWatch alarms (OK)`);
  const services: LocalServices = await startLocalServices({
    moto: process.env.AWS_ENDPOINT_URL!,
    apiserver: process.env.KUBE_APISERVER!,
    pkiDir: join(process.env.STACK_DIR!, 'k8s/pki'),
    clusters: ENVIRONMENTS.map((environment) => environment.clusterName),
    environments: [],
    staticKey,
    deployerGroup: DEPLOYER_GROUP,
  });
  const repository = scratchRepository(REPO_ROOT, 'chore: flightdeck, as checked out');
  try {
    placeOnRealNode(repository, node);
    say(`   scratch repository ${repository.dir} (this checkout), the app placed on the real node ${node.name}`);
    for (const namespace of Object.values(NAMESPACES)) {
      await deleteNamespace(admin, namespace);
      await createAppNamespace(admin, namespace);
    }
    const baseline = await buildBaseline(repository);
    say(`   baseline image (what both environments run before the demo): ${baseline}`);
    const environments: Record<'qa' | 'production', EnvironmentSettings> = {
      qa: { namespace: NAMESPACES.qa, ...BAKE },
      production: { namespace: NAMESPACES.production, ...BAKE },
    };
    for (const name of ['qa', 'production'] as const) {
      await prepareEnvironment({
        admin,
        namespace: NAMESPACES[name],
        repositoryDir: repository.dir,
        overlay: OVERLAYS[name],
        image: baseline,
        replicas: REPLICAS,
        timeoutMs: 300_000,
      });
      // The environment's URL is its Service: the HTTP analysis hears the real pods answer through kube-proxy.
      const service = await admin.get<{ spec: { clusterIP: string } }>(`/api/v1/namespaces/${NAMESPACES[name]}/services/${APP}`);
      environments[name].url = `http://${service.spec.clusterIP}`;
      say(`   ${NAMESPACES[name]}: ${REPLICAS} real pods of the baseline available; ${name.toUpperCase()}_URL=${environments[name].url}`);
    }
    const options = (only: Partial<typeof environments>): PipelineRunOptions => ({
      repository,
      services,
      stack,
      environments: only as Record<string, EnvironmentSettings>,
      onLine: progress,
    });
    /** Every digest the pipeline built, with the tags it pushed, for the final table. */
    const tags = new Map<string, string>([[baseline.split('@')[1]!, `baseline-${repository.head().slice(0, 7)}`]]);
    const noteTags = (run: ActRun, job: string) => {
      const built = stepOutputs(run.job(job), 'image');
      if (built?.digest)
        tags.set(
          built.digest,
          (built.tags ?? '')
            .split('\n')
            .map((t) => t.split(':').pop())
            .filter(Boolean)
            .join(','),
        );
    };

    // --- 1 -------------------------------------------------------------------------------------------------
    const change = {
      message: 'feat(flask-app): say in the changelog what this release brings',
      files: { 'examples/flask-app/CHANGES.md': '- a release shipped by make demo\n' },
    };
    await stage('Pull request #1: tests, check run, image built without AWS', 'all three jobs succeed, no AWS call', async () => {
      const awsBefore = services.aws.calls.length;
      const checkRunsBefore = services.github.requests.filter((r) => r.path.endsWith('/check-runs')).length;
      const pullRequest = openPullRequest(repository, { number: 1, branch: 'feat/changelog', commits: [change] });
      let run: ActRun;
      try {
        run = await runPullRequest(pullRequest, options({}));
      } finally {
        backToMain(repository);
      }
      const tests = stepOutputs(run.job(JOBS.test), 'tests') ?? {};
      const image = stepOutputs(run.job(JOBS.image), 'image') ?? {};
      const checkRuns = services.github.requests.filter((r) => r.path.endsWith('/check-runs')).length - checkRunsBefore;
      const awsCalls = services.aws.calls.length - awsBefore;
      const ok =
        run.exitCode === 0 && [JOBS.test, JOBS.image, JOBS.commits].every((job) => run.job(job).result === 'success') && awsCalls === 0;
      if (!ok) say(lastLines(run));
      return {
        ok,
        outcome: `tests ${tests.passed ?? '?'} passed, ${tests.skipped ?? '?'} skipped, coverage ${tests.coverage ?? '?'}%; check run ${tests['check-run-url'] ?? 'none'} (${checkRuns} published); image ${image['image-id']?.slice(0, 19) ?? 'none'} built, pushed nowhere; ${awsCalls} AWS calls`,
        summaries: summaries(run, [JOBS.test, JOBS.image]),
      };
    });

    // --- 2 -------------------------------------------------------------------------------------------------
    let good = '';
    await stage('Push to main: build, push, canary in QA, analyse, promote', 'QA promotes the pushed digest', async () => {
      const push = pushToMain(repository, { ...change, message: `${change.message} (#1)` });
      const run = await runPush(push, options({ qa: environments.qa }));
      const release = releaseOf(run.job(JOBS.qa));
      good = release.image ?? '';
      noteTags(run, JOBS.qa);
      const deployed = await readDeployment(admin, NAMESPACES.qa);
      const ok = run.exitCode === 0 && release.result === 'promoted' && deployed?.image === good && good.startsWith(`${registry}/`);
      if (!ok) say(lastLines(run));
      return {
        ok,
        outcome: `result ${release.result ?? 'none'}; QA runs ${deployed?.image ?? 'nothing'} (revision ${deployed?.revision ?? '?'})`,
        summaries: summaries(run, [JOBS.qa]),
      };
    });

    // --- 3 -------------------------------------------------------------------------------------------------
    await stage(
      'Dispatch to production, no image-ref: the digest QA promoted, canary, promote',
      'production promotes exactly the QA digest, nothing built',
      async () => {
        const run = await runProductionDispatch({}, options({ production: environments.production }));
        const job = run.job(JOBS.production);
        const release = releaseOf(job);
        const deployed = await readDeployment(admin, NAMESPACES.production);
        const built = stepOutputs(job, 'image') ?? {};
        const ok =
          run.exitCode === 0 &&
          release.result === 'promoted' &&
          good !== '' &&
          release.image === good &&
          deployed?.image === good &&
          !built['image-ref'];
        if (!ok) say(lastLines(run));
        return {
          ok,
          outcome: `result ${release.result ?? 'none'}; production runs ${deployed?.image ?? 'nothing'} (revision ${deployed?.revision ?? '?'}), ${deployed?.image === good ? 'the digest QA promoted' : 'NOT the digest QA promoted'}`,
          summaries: summaries(run, [JOBS.production]),
        };
      },
    );

    // --- 4 -------------------------------------------------------------------------------------------------
    let broken = '';
    await stage(
      `A commit that builds the app broken (APP_DEFECT=${DEFECT}) but passes its unit tests`,
      'its pull request is green; in QA the canary crashes and is rolled back by itself; production is untouched',
      async () => {
        const defect = {
          message: `build(flask-app): make ${DEFECT} the image's default APP_DEFECT (the demo's broken release)`,
          files: { 'examples/flask-app/Dockerfile': brokenDockerfile(repository) },
        };
        const pullRequest = openPullRequest(repository, { number: 2, branch: 'build/defect', commits: [defect] });
        let checks: ActRun;
        try {
          checks = await runPullRequest(pullRequest, options({}));
        } finally {
          backToMain(repository);
        }
        const tests = stepOutputs(checks.job(JOBS.test), 'tests') ?? {};
        const checksGreen = checks.exitCode === 0 && checks.job(JOBS.test).result === 'success';
        say(
          `   pull request #2: ${checksGreen ? 'green' : 'NOT green'}, tests ${tests.passed ?? '?'} passed, ${tests.failed ?? '?'} failed`,
        );
        const productionBefore = await namespaceSnapshot(admin, NAMESPACES.production);
        const push = pushToMain(repository, { ...defect, message: `${defect.message} (#2)` });
        const run = await runPush(push, options({ qa: environments.qa }));
        const job = run.job(JOBS.qa);
        const release = releaseOf(job);
        broken = stepOutputs(job, 'image')?.['image-ref'] ?? '';
        noteTags(run, JOBS.qa);
        const qa = await readDeployment(admin, NAMESPACES.qa);
        const canary = await readDeployment(admin, NAMESPACES.qa, `${APP}-canary`);
        const productionUntouched =
          JSON.stringify(await namespaceSnapshot(admin, NAMESPACES.production)) === JSON.stringify(productionBefore);
        const production = await readDeployment(admin, NAMESPACES.production);
        const ok =
          checksGreen &&
          run.exitCode !== 0 &&
          release.result === 'failed' &&
          broken !== '' &&
          qa?.image === good &&
          canary === undefined &&
          productionUntouched &&
          production?.image === good;
        if (!ok) say(lastLines(run));
        const reason = errorsOf(job)[0] ?? 'no error annotation';
        return {
          ok,
          outcome: `pull request green; QA release ${release.result ?? 'none'} (${reason}); QA back on ${qa?.image === good ? 'the good digest' : qa?.image}, canary ${canary ? 'LEFT' : 'removed'}; production ${productionUntouched ? 'untouched' : 'CHANGED'}, serving ${production?.image === good ? 'the good digest' : production?.image}`,
          summaries: [...summaries(checks, [JOBS.test]), ...summaries(run, [JOBS.qa])],
        };
      },
    );

    // --- 5 -------------------------------------------------------------------------------------------------
    await stage('Dispatch the broken digest to production', 'refused by the evidence gate before any change, with the reason', async () => {
      if (!broken) return { ok: false, outcome: 'stage 4 built no broken digest to dispatch', summaries: [] };
      const before = await namespaceSnapshot(admin, NAMESPACES.production);
      const front = services.fronts['flightdeck-production']!;
      const frontBefore = front.accepted.length + front.rejected.length;
      const run = await runProductionDispatch({ 'image-ref': broken }, options({ production: environments.production }));
      const job = run.job(JOBS.production);
      const reason = errorsOf(job).find((message) => message.includes(broken.split('@')[1]!)) ?? '';
      const untouched = JSON.stringify(await namespaceSnapshot(admin, NAMESPACES.production)) === JSON.stringify(before);
      const contacted = front.accepted.length + front.rejected.length - frontBefore;
      const ok = run.exitCode !== 0 && job.result === 'failure' && reason !== '' && untouched && contacted === 0;
      if (!ok) say(lastLines(run));
      return {
        ok,
        outcome: `${reason ? `refused: ${reason}` : 'NOT refused with a reason naming the digest'}; cluster requests ${contacted}; production ${untouched ? 'untouched' : 'CHANGED'}`,
        // A release the gate refuses writes no job summary: it stops before its report starts. Its error is the reason.
        summaries: summaries(run, [JOBS.production]).map((summary) => ({
          ...summary,
          text: summary.text || `(no job summary: the release stopped at the gate, before any cluster contact)\nerror: ${reason || 'none'}`,
        })),
      };
    });

    // --- what runs where ----------------------------------------------------------------------------------
    heading('Which digest runs where');
    const rows: string[][] = [];
    for (const name of ['qa', 'production'] as const) {
      const deployed = await readDeployment(admin, NAMESPACES[name]);
      const digest = deployed?.image?.split('@')[1] ?? '';
      const label = digest === good.split('@')[1] ? 'stage 2 (good)' : digest === broken.split('@')[1] ? 'stage 4 (BROKEN)' : 'other';
      rows.push([
        name,
        digest ? `${digest.slice(0, 19)}…` : 'none',
        deployed?.image ? `${deployed.image.split('@')[0]!.slice(registry.length + 1)}:${tags.get(digest) ?? '?'}` : 'none',
        deployed?.revision ?? '?',
        `${deployed?.availableReplicas ?? 0}/${deployed?.replicas ?? 0}`,
        label,
      ]);
    }
    if (broken)
      rows.push([
        '(refused)',
        `${broken.split('@')[1]!.slice(0, 19)}…`,
        `${QA_REPOSITORY}:${tags.get(broken.split('@')[1]!) ?? '?'}`,
        '-',
        '-',
        'stage 4 (BROKEN)',
      ]);
    say(table(['environment', 'digest', 'image', 'revision', 'available', 'built by'], rows));

    heading('Wall time');
    say(
      table(
        ['stage', 'outcome', 'wall time'],
        stages.map((s, index) => [`${index + 1}. ${s.title}`, s.ok ? 'as expected' : 'NOT AS EXPECTED', duration(s.ms)]),
      ),
    );
    say(`whole demo (set-up included, stack start excluded): ${duration(Date.now() - demoStarted)}`);

    heading('Job summaries');
    stages.forEach((s, index) => {
      for (const summary of s.summaries) {
        say(`\n--- stage ${index + 1}, ${summary.job} ---`);
        say(summary.text || '(no summary)');
      }
    });

    if (keep) {
      heading('DEMO_KEEP=1: the stack and the namespaces stay up');
      const kubectl = `kubectl --kubeconfig ${process.env.KUBECONFIG}`;
      say(`   ${kubectl} -n ${NAMESPACES.qa} get deploy,rs,pods -o wide`);
      say(`   ${kubectl} -n ${NAMESPACES.production} get deploy,rs,pods -o wide`);
      say(`   ${kubectl} -n ${NAMESPACES.qa} rollout history deployment/${APP}`);
      say(`   ${kubectl} -n ${NAMESPACES.production} get events --sort-by=.lastTimestamp`);
      say(`   curl ${environments.production.url}/version    # production's Service, through kube-proxy`);
      say('   scripts/stack/down.sh                           # when done');
    } else {
      for (const namespace of Object.values(NAMESPACES)) await deleteNamespace(admin, namespace);
    }
    const failed = stages.filter((s) => !s.ok);
    say(
      failed.length === 0
        ? '\nmake demo: every stage ended as expected.'
        : `\nmake demo: ${failed.length} stage(s) did not end as expected.`,
    );
    return failed.length === 0 && stages.length === 5 ? 0 : 1;
  } finally {
    await services.close();
    repository.remove();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`make demo: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
