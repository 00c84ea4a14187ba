// The real node (scripts/stack/components/node.sh), measured on the local stack: run alone with
// `node bench/node.bench.mjs`, or through `npm run bench` (part `node`). Needs the stack up with its
// node, as root, under the machine-wide stack lock. Figures, printed as a table and as JSON:
//  1. node `up` time, cold (no .stack/node: no images, pause imported again) and warm (after a down);
//  2. pod start to Ready for the sample app (first one after a cold up includes the image pull);
//  3. a rolling update of 3 and of 10 replicas, wall time against the controller's limit: with
//     maxSurge 1 and maxUnavailable 0 (the product manifest's) pods are replaced one at a time, and
//     each needs a pod start plus minReadySeconds, so the limit is replicas × (start + minReady);
//  4. requests failed during a promotion (the release action, good → good) under a steady loop of
//     requests from the host to the stable Service's ClusterIP (goal: zero);
//  5. resident memory of the kubelet, containerd and kube-proxy, idle and with 10 app pods.
// Nothing here asserts; it measures and prints.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runStep } from '../scripts/harness/run-step.ts';
import { env, kubectl, loadStackEnv, manifests, namespace, root, stackDir } from './real-node-support.mjs';

if (!env?.REAL_NODE_NAME) {
  console.log(
    'node bench skipped: the local stack is not up with its real node (.stack/env has no REAL_NODE_NAME); run scripts/stack/up.sh',
  );
  process.exit(0);
}
Object.assign(process.env, env);
const NODE_SCRIPT = join(root, 'scripts/stack/components/node.sh');
const MIN_READY_SECONDS = 5;
const results = {};

const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));
const seconds = (ms) => (ms / 1000).toFixed(1);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function nodeScript(action) {
  const started = Date.now();
  const run = spawnSync('bash', [NODE_SCRIPT, action], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`node.sh ${action} failed:\n${run.stderr.slice(-3000)}`);
  return Date.now() - started;
}

function rssMiB(name) {
  const pid = readFileSync(join(stackDir, 'pids', `${name}.pid`), 'utf8').trim();
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Number(kb) / 1024 : undefined;
}

function memory() {
  return Object.fromEntries(['kubelet', 'containerd', 'kube-proxy'].map((name) => [name, rssMiB(name)]));
}

async function buildImages() {
  execFileSync('bash', [join(root, 'scripts/base-image.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const refs = {};
  const dockerConfig = mkdtempSync(join(tmpdir(), 'fd-bench-docker-'));
  for (const [name, version] of [
    ['good', '1.0.0'],
    ['next', '1.1.0'],
  ]) {
    const run = await runStep('build-push-ecr', {
      cwd: root,
      env: { DOCKER_CONFIG: dockerConfig },
      inputs: {
        repository: 'flask-app',
        context: 'examples/flask-app',
        'create-repository': 'true',
        'immutable-tags': 'false',
        'auto-tags': 'none',
        tags: `node-${name}`,
        'build-args': `BASE_IMAGE=localhost/flightdeck/python-base:bookworm\nAPP_VERSION=${version}`,
      },
    });
    if (run.exitCode !== 0) throw new Error(`build-push-ecr ${name} failed:\n${run.stdout.slice(-3000)}`);
    refs[name] = run.outputs['image-ref'];
  }
  return refs;
}

function deployApp(ns, image, replicas) {
  const objects = manifests().map((o) => {
    const copy = JSON.parse(JSON.stringify(o));
    copy.metadata.namespace = ns;
    if (copy.kind === 'Deployment') {
      copy.spec.replicas = replicas;
      copy.spec.template.spec.containers[0].image = image;
    }
    return copy;
  });
  kubectl(['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
}

function deploymentStatus(ns) {
  return JSON.parse(kubectl(['get', 'deployment', 'flask-app', '-n', ns, '-o', 'json']));
}

async function waitComplete(ns, replicas, timeoutMs = 900_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = deploymentStatus(ns);
    const s = d.status ?? {};
    if (
      (s.observedGeneration ?? 0) >= d.metadata.generation &&
      s.updatedReplicas === replicas &&
      s.availableReplicas === replicas &&
      (s.replicas ?? 0) === replicas
    )
      return;
    if (Date.now() > deadline) throw new Error(`rollout in ${ns} did not complete: ${JSON.stringify(s)}`);
    await sleep(200);
  }
}

/**
 * Seconds from creating a bare pod (the Deployment's pod template) to seeing it Ready, polled every
 * 100 ms: the API's condition times have one-second resolution, too coarse for a few seconds.
 */
async function podStartToReady(ns, image) {
  const template = manifests().find((o) => o.kind === 'Deployment').spec.template;
  const name = `start-${Date.now().toString(36)}`;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { bench: 'start' } },
    spec: JSON.parse(JSON.stringify(template.spec)),
  };
  pod.spec.containers[0].image = image;
  const started = Date.now();
  kubectl(['create', '-f', '-'], JSON.stringify(pod));
  for (;;) {
    const ready = kubectl(['get', 'pod', name, '-n', ns, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    if (ready === 'True') {
      const seconds = (Date.now() - started) / 1000;
      kubectl(['delete', 'pod', name, '-n', ns, '--wait=false', '--grace-period=1']);
      return seconds;
    }
    await sleep(100);
  }
}

function httpGet(url) {
  return new Promise((resolveGet, reject) => {
    const req = request(url, { agent: false, timeout: 5000, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolveGet(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function requestLoop(url) {
  const report = { requests: 0, failed: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      report.requests++;
      try {
        if ((await httpGet(url)) !== 200) report.failed++;
      } catch {
        report.failed++;
      }
      await sleep(50);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return report;
  };
}

// 1. node up, cold and warm.
nodeScript('down');
rmSync(join(stackDir, 'node'), { recursive: true, force: true });
const coldMs = nodeScript('up');
nodeScript('down');
const warmMs = nodeScript('up');
Object.assign(process.env, loadStackEnv());
results.nodeUp = { coldSeconds: coldMs / 1000, warmSeconds: warmMs / 1000 };
results.rssIdleMiB = memory();

const images = await buildImages();
const ns = namespace('bench-node');
try {
  // 2. pod start to Ready: the first pulls the image into the node's fresh containerd.
  const starts = [];
  for (let i = 0; i < 4; i++) starts.push(await podStartToReady(ns, images.good));
  results.podStartToReady = { firstWithPullSeconds: starts[0], warmMedianSeconds: median(starts.slice(1)), warmRuns: starts.slice(1) };

  // 3. rolling updates of 3 and 10 replicas.
  results.rollingUpdate = {};
  for (const replicas of [3, 10]) {
    const rollNs = namespace(`bench-roll${replicas}`);
    try {
      deployApp(rollNs, images.good, replicas);
      await waitComplete(rollNs, replicas);
      if (replicas === 10) results.rss10PodsMiB = memory();
      const started = Date.now();
      kubectl(['set', 'image', 'deployment/flask-app', `flask-app=${images.next}`, '-n', rollNs]);
      await waitComplete(rollNs, replicas);
      const wall = (Date.now() - started) / 1000;
      const limit = replicas * (results.podStartToReady.warmMedianSeconds + MIN_READY_SECONDS);
      results.rollingUpdate[replicas] = { wallSeconds: wall, limitSeconds: limit, overheadPercent: ((wall - limit) / limit) * 100 };
    } finally {
      kubectl(['delete', 'namespace', rollNs, '--wait=false']);
    }
  }

  // 4. requests failed during a promotion under a steady loop.
  const promoteNs = namespace('bench-promote');
  try {
    deployApp(promoteNs, images.good, 3);
    await waitComplete(promoteNs, 3);
    const workspace = mkdtempSync(join(tmpdir(), 'fd-bench-ws-'));
    writeFileSync(
      join(workspace, 'app.yaml'),
      manifests()
        .map((o) => stringify(o))
        .join('---\n'),
    );
    const ip = kubectl(['get', 'service', 'flask-app', '-n', promoteNs, '-o', 'jsonpath={.spec.clusterIP}']);
    const stop = requestLoop(`http://${ip}/version`);
    const started = Date.now();
    const run = await runStep('release', {
      cwd: workspace,
      inputs: {
        kubeconfig: env.DEPLOYER_KUBECONFIG,
        namespace: promoteNs,
        manifests: 'app.yaml',
        images: images.next,
        'bake-time': '10s',
        'analysis-interval': '2s',
        'ready-timeout': '180s',
        'rollout-timeout': '300s',
      },
    });
    const loop = await stop();
    results.promotionUnderLoad = { result: run.outputs.result, wallSeconds: (Date.now() - started) / 1000, ...loop };
  } finally {
    kubectl(['delete', 'namespace', promoteNs, '--wait=false']);
  }
} finally {
  kubectl(['delete', 'namespace', ns, '--wait=false']);
}

const rss = (m) =>
  `kubelet ${m.kubelet?.toFixed(0)} MiB, containerd ${m.containerd?.toFixed(0)} MiB, kube-proxy ${m['kube-proxy']?.toFixed(0)} MiB`;
console.log('| figure | value |');
console.log('| --- | --- |');
console.log(`| node up, cold (no images; pause imported) | ${seconds(coldMs)} s |`);
console.log(`| node up, warm (after a down) | ${seconds(warmMs)} s |`);
console.log(`| pod start to Ready, first (image pull) | ${results.podStartToReady.firstWithPullSeconds.toFixed(1)} s |`);
console.log(`| pod start to Ready, warm (median of 3) | ${results.podStartToReady.warmMedianSeconds.toFixed(1)} s |`);
for (const [replicas, r] of Object.entries(results.rollingUpdate)) {
  console.log(
    `| rolling update, ${replicas} replicas (maxSurge 1, maxUnavailable 0, minReadySeconds 5) | ${r.wallSeconds.toFixed(1)} s vs limit ${r.limitSeconds.toFixed(1)} s (${r.overheadPercent >= 0 ? '+' : ''}${r.overheadPercent.toFixed(0)} %) |`,
  );
}
const p = results.promotionUnderLoad;
console.log(`| requests failed during a promotion (${p.result}, ${p.wallSeconds.toFixed(0)} s) | ${p.failed} of ${p.requests} |`);
console.log(`| RSS idle | ${rss(results.rssIdleMiB)} |`);
console.log(`| RSS with 10 app pods | ${rss(results.rss10PodsMiB)} |`);
console.log('');
console.log(JSON.stringify(results));
