// Issue 11: what a broken canary costs the users before it is rolled back, on the local stack's real
// node, for the canary-only check (`http-path`, the judge on the canary's own pods) against the
// blended check (`http-url` through the app's Service, which both tracks answer), at the same
// tolerated error rate. Run alone with `node bench/canary-rollback.bench.mjs`, or through
// `npm run bench` (part `canary-rollback`); needs the stack up with its node, under the stack lock.
// The action runs from dist/: on a branch whose dist/ is behind its sources, `npm run build` first.
//
// Each scenario releases the sample app's notes-500 build (GET /api/notes answers 500; the pod is
// Ready) with the bundled canary-deploy action (auto-promote off, so a check that never fails
// leaves the canary for this bench to remove rather than promoting a broken build), one step at
// 10 % or 50 %, over 3 stable pods. Meanwhile "users" send GET /api/notes to the app's Service at a
// fixed rate (open loop: a request every 1000/rps ms, each on a fresh connection, whatever the
// previous ones are doing). Figures per scenario:
//  - first failing request: the first non-2xx (or connection error) a user got;
//  - rollback: the action's "Canary removed … traffic restored" timeline line, stamped as it is
//    printed (the action's stdout is read live);
//  - time from the first failing request to the rollback, and the failed requests users were
//    served before it (and after it, while the removed pods drained from the Service);
//  - where the check never failed the step: "not caught within bake", with the failures served
//    during the whole bake (until the canary is removed here, after the action ends).
// Nothing here asserts; it measures and prints a table and one JSON line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runPost, startStep } from '../scripts/harness/run-step.ts';
import { env, kubectl, manifests, namespace, root } from './real-node-support.mjs';

if (!env?.REAL_NODE_NAME) {
  console.log(
    'canary-rollback bench skipped: the local stack is not up with its real node (.stack/env has no REAL_NODE_NAME); run scripts/stack/up.sh',
  );
  process.exit(0);
}
Object.assign(process.env, env);

const RPS = Number(process.env.BENCH_ROLLBACK_RPS ?? 20);
const BAKE_S = Number(process.env.BENCH_ROLLBACK_BAKE_S ?? 20);
const INTERVAL_S = Number(process.env.BENCH_ROLLBACK_INTERVAL_S ?? 3);
/** Tolerated error rate, percent, the same for both checks (ADR-8's e2e run: 50). */
const TOLERATED = Number(process.env.BENCH_ROLLBACK_TOLERATED ?? 50);
const STEPS = (process.env.BENCH_ROLLBACK_STEPS ?? '10,50').split(',').map(Number);
const REPLICAS = 3;
const PATH = '/api/notes';
const APP = 'flask-app';
const TRACK_LABEL = 'flightdeck.dev/track';

const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));

async function buildImages() {
  execFileSync('bash', [join(root, 'scripts/base-image.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const refs = {};
  const dockerConfig = mkdtempSync(join(tmpdir(), 'fd-bench-docker-'));
  for (const [name, args] of [
    ['good', 'APP_VERSION=1.0.0'],
    ['notes-500', 'APP_VERSION=1.3.0\nAPP_DEFECT=notes-500'],
  ]) {
    const step = startStep('build-push-ecr', {
      cwd: root,
      env: { DOCKER_CONFIG: dockerConfig },
      inputs: {
        repository: APP,
        context: 'examples/flask-app',
        'create-repository': 'true',
        'immutable-tags': 'false',
        'auto-tags': 'none',
        tags: `node-${name}`,
        'build-args': `BASE_IMAGE=localhost/flightdeck/python-base:bookworm\n${args}`,
      },
    });
    const run = await step.result;
    if (run.exitCode !== 0) throw new Error(`build-push-ecr ${name} failed:\n${run.stdout.slice(-3000)}`);
    refs[name] = run.outputs['image-ref'];
  }
  return refs;
}

function deployStable(ns, image) {
  const objects = manifests().map((o) => {
    const copy = JSON.parse(JSON.stringify(o));
    copy.metadata.namespace = ns;
    if (copy.kind === 'Deployment') {
      copy.spec.replicas = REPLICAS;
      for (const c of copy.spec.template.spec.containers) if (c.name === APP) c.image = image;
    }
    return copy;
  });
  kubectl(['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
}

/** The stable Deployment complete, and its Service routing to exactly its pods (no canary left). */
async function waitSettled(ns, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = JSON.parse(kubectl(['get', 'deployment', APP, '-n', ns, '-o', 'json']));
    const s = d.status ?? {};
    const pods = JSON.parse(kubectl(['get', 'pods', '-n', ns, '-l', `app=${APP}`, '-o', 'json'])).items;
    const slices = JSON.parse(kubectl(['get', 'endpointslices', '-n', ns, '-l', `kubernetes.io/service-name=${APP}`, '-o', 'json'])).items;
    const endpoints = slices.reduce((sum, slice) => sum + (slice.endpoints?.length ?? 0), 0);
    if (
      (s.observedGeneration ?? 0) >= d.metadata.generation &&
      s.availableReplicas === REPLICAS &&
      (s.replicas ?? 0) === REPLICAS &&
      pods.length === REPLICAS &&
      pods.every((p) => !p.metadata.labels?.[TRACK_LABEL] || p.metadata.labels[TRACK_LABEL] === 'stable') &&
      endpoints === REPLICAS
    )
      return;
    if (Date.now() > deadline) throw new Error(`${ns} did not settle: ${JSON.stringify(s)}, ${pods.length} pods, ${endpoints} endpoints`);
    await sleep(250);
  }
}

function httpGet(url) {
  return new Promise((resolveGet) => {
    const req = request(url, { agent: false, timeout: 5000, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolveGet(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolveGet(error.code ?? error.message));
    req.end();
  });
}

/** Users: a GET every 1000/rps ms, not waiting for earlier ones; each request's send time and outcome. */
function users(url) {
  const records = [];
  const pending = new Set();
  const timer = setInterval(() => {
    const record = { sent: Date.now(), outcome: undefined };
    records.push(record);
    const answer = httpGet(url).then((outcome) => {
      record.outcome = outcome;
      pending.delete(answer);
    });
    pending.add(answer);
  }, 1000 / RPS);
  return async () => {
    clearInterval(timer);
    await Promise.all(pending);
    return records;
  };
}

const failed = (record) => !(typeof record.outcome === 'number' && record.outcome >= 200 && record.outcome < 300);

async function scenario(ns, workspace, serviceIP, image, step, check) {
  const inputs = {
    kubeconfig: env.DEPLOYER_KUBECONFIG,
    namespace: ns,
    manifests: 'app.yaml',
    images: image,
    steps: String(step),
    'bake-time': `${BAKE_S}s`,
    'analysis-interval': `${INTERVAL_S}s`,
    'ready-timeout': '180s',
    'rollout-timeout': '300s',
    'auto-promote': 'false',
  };
  if (check === 'canary-only') {
    Object.assign(inputs, {
      'http-path': PATH,
      'probe-requests': '30',
      'judge-min-requests': '30',
      'judge-error-floor': `${TOLERATED}%`,
    });
  } else {
    Object.assign(inputs, {
      'http-url': `http://${serviceIP}${PATH}`,
      'http-requests': '40',
      'http-success-rate': String(100 - TOLERATED),
    });
  }
  const stop = users(`http://${serviceIP}${PATH}`);
  const started = Date.now();
  const marks = {};
  const step_ = startStep('canary-deploy', { cwd: workspace, inputs, timeoutMs: 600_000 });
  let buffered = '';
  step_.child.stdout.on('data', (chunk) => {
    const now = Date.now();
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const line of lines) {
      const ready = /Step 1: (\d+) canary pod\(s\) Ready; ([\d.]+)%/.exec(line);
      if (ready) Object.assign(marks, { canaryPods: Number(ready[1]), trafficPercent: Number(ready[2]) });
      if (/Step 1: .*baking/.test(line)) marks.bakeStarted ??= now;
      if (/Step 1 (failed|inconclusive)/.test(line)) marks.stepFailed ??= now;
      if (/Canary removed/.test(line)) marks.canaryRemoved ??= now;
      if (/Step 1 passed/.test(line)) marks.stepPassed ??= now;
    }
  });
  const run = await step_.result;
  await runPost('canary-deploy', step_, run.state, { cwd: workspace });
  const actionEnded = Date.now();
  const caught = Boolean(marks.stepFailed);
  if (!caught) {
    // Not caught: the canary is left for a promotion; the bench removes it instead, so its bake is
    // all the users got.
    marks.stepFailed = Date.now();
    kubectl(['delete', 'deployment', `${APP}-canary`, '-n', ns, '--ignore-not-found', '--wait=false']);
  }
  // The rollback: the step's failure, right after which the canary Deployment is deleted; its pods
  // then leave the Service's ready endpoints while their preStop sleep runs.
  const rollbackAt = marks.stepFailed;
  await sleep(5000); // what users get while the deleted pods drain from the Service counts too
  const records = await stop();
  await waitSettled(ns);

  const failures = records.filter(failed);
  const first = failures[0];
  const last = failures.at(-1);
  const since = (t) => (t === undefined ? null : (t - started) / 1000);
  const result = {
    step,
    // The Service's real share (pod mode: canary pods / all pods), from the action's timeline.
    trafficPercent: marks.trafficPercent ?? null,
    canaryPods: marks.canaryPods ?? null,
    check,
    result: run.outputs.result,
    exitCode: run.exitCode,
    caught,
    requests: records.length,
    failedServed: failures.length,
    failedBeforeRollback: failures.filter((r) => r.sent < rollbackAt).length,
    failedAfterRollback: failures.filter((r) => r.sent >= rollbackAt).length,
    // Seconds since the action started.
    bakeStartedAt: since(marks.bakeStarted),
    firstFailureAt: since(first?.sent),
    rollbackAt: since(rollbackAt),
    lastFailureAt: since(last?.sent),
    canaryPodsGoneAt: since(marks.canaryRemoved),
    actionEndedAt: since(actionEnded),
    firstFailureToRollbackSeconds: first && caught ? (rollbackAt - first.sent) / 1000 : null,
    firstToLastFailureSeconds: first ? (last.sent - first.sent) / 1000 : null,
  };
  if (check === 'blended') {
    const output = run.outputs.analysis ? JSON.parse(run.outputs.analysis) : undefined;
    result.blendedValue = output?.checks?.find((c) => c.source === 'http' && c.name === 'success rate')?.value;
  } else {
    const output = run.outputs.analysis ? JSON.parse(run.outputs.analysis) : undefined;
    const errors = output?.steps?.[0]?.metrics?.find((m) => m.name.startsWith('error rate'));
    if (errors) result.judge = { verdict: errors.verdict, canary: errors.canary, baseline: errors.baseline, pValue: errors.pValue };
  }
  if (run.exitCode !== 0 && !caught) result.log = run.stdout.slice(-2000);
  return result;
}

const images = await buildImages();
const ns = namespace('bench-rollback');
const results = {
  rps: RPS,
  bakeSeconds: BAKE_S,
  intervalSeconds: INTERVAL_S,
  toleratedErrorPercent: TOLERATED,
  stableReplicas: REPLICAS,
  path: PATH,
  scenarios: [],
};
try {
  deployStable(ns, images.good);
  await waitSettled(ns);
  const workspace = mkdtempSync(join(tmpdir(), 'fd-bench-ws-'));
  writeFileSync(
    join(workspace, 'app.yaml'),
    manifests()
      .map((o) => stringify(o))
      .join('---\n'),
  );
  const serviceIP = kubectl(['get', 'service', APP, '-n', ns, '-o', 'jsonpath={.spec.clusterIP}']);
  for (const step of STEPS) {
    for (const check of ['canary-only', 'blended']) {
      let r;
      try {
        r = await scenario(ns, workspace, serviceIP, images['notes-500'], step, check);
      } catch (error) {
        // One scenario's failure (a stuck canary, a timeout) leaves the others' figures standing.
        r = { step, check, error: String(error?.message ?? error).slice(0, 2000) };
        kubectl(['delete', 'deployment', `${APP}-canary`, '-n', ns, '--ignore-not-found', '--wait=false']);
        await waitSettled(ns).catch(() => undefined);
      }
      results.scenarios.push(r);
      process.stderr.write(`[canary-rollback] ${JSON.stringify(r)}\n`);
    }
  }
} finally {
  kubectl(['delete', 'namespace', ns, '--wait=false']);
}

const s = (v) => (v === null || v === undefined ? '-' : `${v.toFixed(1)} s`);
console.log(
  `notes-500 canary over ${REPLICAS} stable pods; users: GET ${PATH} at ${RPS} rps through the app's Service; bake ${BAKE_S} s, interval ${INTERVAL_S} s; both checks tolerate ${TOLERATED} % errors`,
);
console.log('');
console.log(
  '| step (real share) | check | result | first failing request → rollback | → last failing request | failed requests served before rollback | after it (draining) | requests |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results.scenarios) {
  if (r.error) {
    console.log(`| ${r.step} % | ${r.check} | error: ${r.error.split('\n')[0]} | - | - | - | - | - |`);
    continue;
  }
  const name =
    r.check === 'canary-only'
      ? 'canary-only (http-path)'
      : `blended (http-url on the Service${r.blendedValue ? `, last ${r.blendedValue}` : ''})`;
  const when = r.caught ? s(r.firstFailureToRollbackSeconds) : `not caught within bake (${BAKE_S} s)`;
  const before = r.caught ? String(r.failedBeforeRollback) : `${r.failedBeforeRollback} (whole bake)`;
  console.log(
    `| ${r.step} % (${r.trafficPercent} %) | ${name} | ${r.result} | ${when} | ${s(r.firstToLastFailureSeconds)} | ${before} | ${r.failedAfterRollback} | ${r.requests} |`,
  );
}
console.log('');
console.log(JSON.stringify(results));
