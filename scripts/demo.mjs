// Runs the bundled actions one after another through the runner-protocol harness, the way a workflow
// would chain them, and says what each did. Called by scripts/demo.sh once the local stack is up.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runStep, REPO_ROOT } from './harness/run-step.ts';

const NAMESPACE = 'flask-app-demo';
const BASE_IMAGE = 'localhost/flightdeck/python-base:bookworm';
const kubeconfig = process.env.DEPLOYER_KUBECONFIG;
const started = Date.now();

function pythonVenv() {
  const venv = join(REPO_ROOT, '.venv/demo-python');
  if (!existsSync(join(venv, 'bin/python'))) {
    mkdirSync(join(REPO_ROOT, '.venv'), { recursive: true });
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  return join(venv, 'bin');
}

function heading(text) {
  console.log(`\n\x1b[1m== ${text}\x1b[0m`);
}

function report(name, run) {
  const outcome = run.exitCode === 0 ? 'succeeded' : `failed (exit ${run.exitCode})`;
  console.log(`${name} ${outcome}.`);
  for (const [key, value] of Object.entries(run.outputs)) console.log(`  ${key}: ${value.split('\n').join(', ')}`);
  for (const annotation of run.annotations.filter((a) => a.level === 'error')) console.log(`  error: ${annotation.message}`);
  return run;
}

function must(name, run) {
  if (run.exitCode !== 0) {
    console.log(run.stdout.split('\n').slice(-40).join('\n'));
    throw new Error(`${name} failed; the demo stops here.`);
  }
  return run;
}

const pathWithVenv = `${pythonVenv()}:${process.env.PATH}`;

heading('1. test: pytest on the sample app, published as annotations and a job summary');
const tested = must(
  'test',
  report(
    'test',
    await runStep('run-tests', {
      cwd: REPO_ROOT,
      env: { PATH: pathWithVenv },
      inputs: {
        'working-directory': 'examples/flask-app',
        requirements: 'requirements-dev.txt',
        command: 'python -m pytest --cov=app --cov-report=xml',
        'coverage-threshold': '80',
      },
    }),
  ),
);

async function buildAndPush(version) {
  return must(
    'build-push-ecr',
    report(
      'build-push-ecr',
      await runStep('build-push-ecr', {
        cwd: REPO_ROOT,
        inputs: {
          repository: 'flask-app',
          context: 'examples/flask-app',
          'create-repository': 'true',
          'build-args': `BASE_IMAGE=${BASE_IMAGE}\nAPP_VERSION=${version}`,
          tags: version,
        },
      }),
    ),
  );
}

function release(imageRef, extra = {}) {
  return runStep('release', {
    cwd: REPO_ROOT,
    inputs: {
      kubeconfig,
      namespace: NAMESPACE,
      manifests: 'examples/flask-app/k8s/deployment.yaml\nexamples/flask-app/k8s/service.yaml',
      images: imageRef,
      steps: '25,50',
      'bake-time': '5s',
      'analysis-interval': '1s',
      ...extra,
    },
  });
}

heading('2. build-push-ecr: build 1.0.0 and push it to the registry at the ECR hostname');
const v1 = await buildAndPush('1.0.0');

heading('3. release 1.0.0: the first release has no stable version to compare with, so it rolls out directly');
report('release', await release(v1.outputs['image-ref']));

heading('4. build-push-ecr: build 1.1.0');
const v2 = await buildAndPush('1.1.0');

heading('5. release 1.1.0: canary at 25% then 50%, analysed at each step, then a rolling promotion');
const good = report('release', await release(v2.outputs['image-ref']));

heading('6. release a bad build (its pods never become Ready): the canary is analysed, fails and is rolled back');
const badImage = `${process.env.ECR_REGISTRY}/flask-app:1.2.0-unready`;
const bad = report('release', await release(badImage, { 'ready-timeout': '10s' }));

heading('What happened');
const stable = execFileSync(
  'kubectl',
  [
    '-n',
    NAMESPACE,
    'get',
    'deployment',
    'flask-app',
    '-o',
    'jsonpath={.spec.template.spec.containers[0].image} {.status.availableReplicas}/{.status.replicas}',
  ],
  { encoding: 'utf8' },
);
console.log(
  `tests: ${tested.outputs.passed} passed of ${tested.outputs.total}, coverage ${tested.outputs.coverage ? `${tested.outputs.coverage}%` : 'not measured'}`,
);
console.log(`pushed: ${v1.outputs['image-ref']}`);
console.log(`pushed: ${v2.outputs['image-ref']}`);
console.log(
  `release 1.1.0: ${good.outputs.result ?? 'no result'}; bad release: ${bad.outputs.result ?? 'no result'} (exit ${bad.exitCode})`,
);
console.log(`stable Deployment now runs ${stable}`);
console.log(`demo took ${((Date.now() - started) / 1000).toFixed(0)}s`);
if (good.exitCode !== 0 || bad.exitCode === 0) process.exitCode = 1;
