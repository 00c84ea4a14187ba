// Deploy benchmarks on the local stack (needs `scripts/stack/up.sh`; run alone with
// `node bench/deploy.bench.mjs`, or through `npm run bench`). Four figures, printed as a table and as JSON:
//  1. detection latency: how long after the apiserver marks a rollout complete the bundled rolling-promote
//     reports it, next to `kubectl rollout status` on the same Deployment (target ≤ 250 ms);
//  2. Kubernetes API requests per rollout, and per whole release;
//  3. peak RSS of rolling-promote while it promotes a 200-replica Deployment on KWOK (target < 120 MB);
//  4. the root action's canary-to-promote wall time against its limit: the controller's own rollout times
//     plus the configured bake times (target within 3 %).
// Nothing here asserts; it measures and prints.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_DEPLOY_RUNS ?? 5);
const env = loadStackEnv();
if (!env) {
  console.log('deploy bench skipped: the local stack is not up (.stack/env has no KUBECONFIG); run scripts/stack/up.sh');
  process.exit(0);
}
const admin = kubeClient(env.KUBECONFIG);

function loadStackEnv() {
  const path = join(process.env.STACK_DIR ?? join(root, '.stack'), 'env');
  if (!existsSync(path)) return undefined;
  const vars = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match)
      vars[match[1]] = match[2].replace(/^"(.*)"$/, '$1').replace(/\$([A-Z_]+)/g, (_, name) => vars[name] ?? process.env[name] ?? '');
  }
  return vars.KUBECONFIG && existsSync(vars.KUBECONFIG) ? vars : undefined;
}

function kubeClient(kubeconfigPath) {
  const config = parseYaml(readFileSync(kubeconfigPath, 'utf8'));
  const context = config.contexts.find((c) => c.name === config['current-context']).context;
  const cluster = config.clusters.find((c) => c.name === context.cluster).cluster;
  const user = config.users.find((u) => u.name === context.user).user;
  const server = new URL(cluster.server);
  const b64 = (v) => (v ? Buffer.from(v, 'base64') : undefined);
  const tls = {
    ca: b64(cluster['certificate-authority-data']),
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
  };
  const headers = user.token ? { authorization: `Bearer ${user.token}` } : {};
  const call = (method, path, body, type = 'application/json') =>
    new Promise((resolveCall, reject) => {
      const req = httpsRequest(
        {
          host: server.hostname,
          port: server.port,
          path,
          method,
          ...tls,
          headers: { ...headers, accept: 'application/json', ...(body ? { 'content-type': type } : {}) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () =>
            res.statusCode >= 300
              ? reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`))
              : resolveCall(text ? JSON.parse(text) : undefined),
          );
        },
      );
      req.on('error', reject);
      if (body) req.write(JSON.stringify(body));
      req.end();
    });
  /** Watch a collection; onEvent gets (type, object, arrivalTime). Returns a stop function. */
  const watch = (path, onEvent) => {
    let stopped = false;
    let current;
    const open = (rv) => {
      const sep = path.includes('?') ? '&' : '?';
      current = httpsRequest(
        {
          host: server.hostname,
          port: server.port,
          path: `${path}${sep}watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`,
          ...tls,
          headers: { ...headers, accept: 'application/json' },
        },
        (res) => {
          let pending = '';
          res.on('data', (chunk) => {
            const now = performance.now();
            pending += chunk;
            let nl;
            while ((nl = pending.indexOf('\n')) >= 0) {
              const line = pending.slice(0, nl);
              pending = pending.slice(nl + 1);
              if (!line.trim()) continue;
              const event = JSON.parse(line);
              if (event.object?.metadata?.resourceVersion) rv = event.object.metadata.resourceVersion;
              if (event.type !== 'BOOKMARK' && event.type !== 'ERROR') onEvent(event.type, event.object, now);
            }
          });
          res.on('end', () => !stopped && open(rv));
        },
      );
      current.on('error', () => !stopped && setTimeout(() => open(rv), 200));
      current.end();
    };
    const started = call('GET', path).then((list) => {
      for (const item of list.items) onEvent('ADDED', item, performance.now());
      open(list.metadata.resourceVersion);
    });
    return { started, stop: () => ((stopped = true), current?.destroy()) };
  };
  return { call, watch };
}

/** kubectl's rollout-status rule: the controller saw the spec and every replica is updated, old ones gone, all available. */
function rolledOut(d) {
  const s = d.status ?? {};
  return (
    (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) &&
    (s.updatedReplicas ?? 0) >= d.spec.replicas &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}

async function makeNamespace(prefix) {
  const name = `${prefix}-${Math.random().toString(16).slice(2, 8)}`;
  await admin.call('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'flightdeck.dev/bench': 'true' } },
  });
  await admin.call('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${name}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'flightdeck-deployer' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flightdeck-deployer' },
    subjects: [{ kind: 'ServiceAccount', name: 'flightdeck-deployer', namespace: 'flightdeck-system' }],
  });
  for (let i = 0; i < 100; i++) {
    try {
      await admin.call('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`);
      break;
    } catch {
      await sleep(100);
    }
  }
  return name;
}

const deleteNamespace = (name) => admin.call('DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function deployment(
  name,
  image,
  { replicas = 4, minReadySeconds = 0, maxSurge = 1, maxUnavailable = 0, labels = { app: 'web' }, annotations } = {},
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels, annotations },
    spec: {
      replicas,
      minReadySeconds,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image }] } },
    },
  };
}

async function createAndWait(ns, object) {
  await admin.call('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, object);
  await waitFor(ns, object.metadata.name, rolledOut, 180_000);
}

function waitFor(ns, name, predicate, timeoutMs) {
  return new Promise((resolveWait, reject) => {
    const timer = setTimeout(() => (w.stop(), reject(new Error(`${ns}/${name}: not rolled out in ${timeoutMs} ms`))), timeoutMs);
    const w = admin.watch(`/apis/apps/v1/namespaces/${ns}/deployments?fieldSelector=metadata.name%3D${name}`, (_type, d) => {
      if (predicate(d)) {
        clearTimeout(timer);
        w.stop();
        resolveWait(d);
      }
    });
  });
}

/** A canary as canary-deploy leaves it after passing, for rolling-promote to promote. */
async function placeCanary(ns, image) {
  const labels = { app: 'web', 'flightdeck.dev/track': 'canary' };
  await admin.call(
    'POST',
    `/apis/apps/v1/namespaces/${ns}/deployments`,
    deployment('web-canary', image, {
      replicas: 1,
      labels,
      annotations: {
        'flightdeck.dev/run-url': 'https://github.com/flightdeck-dev/bench/actions/runs/1',
        'flightdeck.dev/stable-deployment': 'web',
      },
    }),
  );
}

/** Run a bundled action as the runner does (inputs as INPUT_*), timestamping each stdout line on arrival and sampling peak RSS. */
function runBundled(name, inputs, { cwd = root, onLine } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `fd-bench-${name}-`));
  const files = {};
  for (const f of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV'])
    writeFileSync((files[f] = join(dir, f.toLowerCase())), '');
  const childEnv = {
    ...process.env,
    ...env,
    ...files,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: cwd,
    GITHUB_REPOSITORY: 'flightdeck-dev/bench',
    GITHUB_RUN_ID: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: 'b'.repeat(40),
    RUNNER_TEMP: dir,
  };
  for (const [k, v] of Object.entries(inputs)) childEnv[`INPUT_${k.toUpperCase()}`] = v;
  const entry = name === 'release' ? join(root, 'dist/release/index.js') : join(root, 'dist', name, 'index.js');
  const started = performance.now();
  const child = spawn(process.execPath, [entry], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let pending = '';
  child.stdout.on('data', (chunk) => {
    const t = performance.now();
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      lines.push({ t, text });
      onLine?.(text, t);
    }
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  let peakKb = 0;
  const sampler = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      // exited
    }
  }, 20);
  const done = new Promise((resolveRun) =>
    child.on('close', (code) => {
      clearInterval(sampler);
      resolveRun({ code, wallMs: performance.now() - started, lines, stderr, peakMb: peakKb / 1024, started });
    }),
  );
  return { child, done, started };
}

function apiRequests(lines) {
  const rollout = lines.map((l) => /\((\d+) API requests, (\d+) watch reconnects\)/.exec(l.text)).find(Boolean);
  const total = lines.map((l) => /Kubernetes API requests: (\d+)/.exec(l.text)).find(Boolean);
  return { rollout: rollout ? Number(rollout[1]) : undefined, total: total ? Number(total[1]) : undefined };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// 1 + 2: detection latency and API requests per rollout.
async function detection() {
  const ns = await makeNamespace('bench-detect');
  const ours = [];
  const kubectl = [];
  const requests = [];
  const totals = [];
  try {
    await createAndWait(ns, deployment('web', 'flightdeck.local/web:1.0.0', { minReadySeconds: 1 }));
    for (let run = 0; run < RUNS; run++) {
      await placeCanary(ns, `flightdeck.local/web:2.0.${run}`);
      let completeAt;
      let startGeneration;
      const observer = admin.watch(`/apis/apps/v1/namespaces/${ns}/deployments?fieldSelector=metadata.name%3Dweb`, (_t, d, at) => {
        startGeneration ??= d.metadata.generation;
        if (completeAt === undefined && d.metadata.generation > startGeneration && rolledOut(d)) completeAt = at;
      });
      await observer.started;
      let kubectlExit;
      let kubectlStarted = false;
      const action = runBundled(
        'rolling-promote',
        { kubeconfig: env.DEPLOYER_KUBECONFIG, namespace: ns, deployment: 'web', 'rollout-timeout': '120s' },
        {
          onLine: (text) => {
            if (!kubectlStarted && text.includes('Promoting "web"')) {
              kubectlStarted = true;
              const k = spawn(
                'kubectl',
                ['--kubeconfig', env.KUBECONFIG, '-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=120s'],
                { stdio: 'ignore', env: { ...process.env, PATH: env.PATH ?? process.env.PATH } },
              );
              kubectlExit = new Promise((r) => k.on('close', () => r(performance.now())));
            }
          },
        },
      );
      const result = await action.done;
      const kubectlAt = await kubectlExit;
      observer.stop();
      const reportedAt = result.lines.find((l) => l.text.includes('Rollout complete in'))?.t;
      if (result.code !== 0 || reportedAt === undefined || completeAt === undefined) {
        console.error(`run ${run}: exit ${result.code}\n${result.lines.map((l) => l.text).join('\n')}\n${result.stderr}`);
        continue;
      }
      ours.push(reportedAt - completeAt);
      kubectl.push(kubectlAt - completeAt);
      const counted = apiRequests(result.lines);
      requests.push(counted.rollout);
      totals.push(counted.total);
    }
  } finally {
    await deleteNamespace(ns);
  }
  return {
    runs: ours.length,
    oursMs: median(ours),
    oursMaxMs: Math.max(...ours),
    kubectlMs: median(kubectl),
    requestsPerRollout: median(requests),
    requestsPerPromote: median(totals),
  };
}

// 3: RSS while promoting 200 replicas.
async function rss200() {
  const ns = await makeNamespace('bench-rss');
  try {
    await createAndWait(ns, deployment('web', 'flightdeck.local/web:1.0.0', { replicas: 200, maxSurge: '25%', maxUnavailable: 0 }));
    await placeCanary(ns, 'flightdeck.local/web:2.0.0');
    const result = await runBundled('rolling-promote', {
      kubeconfig: env.DEPLOYER_KUBECONFIG,
      namespace: ns,
      deployment: 'web',
      'rollout-timeout': '600s',
      'max-surge': '25%',
      'max-unavailable': '0',
    }).done;
    if (result.code !== 0) console.error(result.lines.map((l) => l.text).join('\n'), result.stderr);
    return { exit: result.code, peakRssMb: result.peakMb, wallMs: result.wallMs, ...apiRequests(result.lines) };
  } finally {
    await deleteNamespace(ns);
  }
}

// 4: canary-to-promote wall time against controller time + bakes.
async function wallTime() {
  const ns = await makeNamespace('bench-wall');
  const workspace = mkdtempSync(join(tmpdir(), 'fd-bench-ws-'));
  const BAKE_S = Number(process.env.BENCH_BAKE_SECONDS ?? 15);
  const STEPS = [10, 50];
  try {
    await createAndWait(ns, deployment('web', 'flightdeck.local/web:1.0.0'));
    const manifest = deployment('web', 'flightdeck.local/web:1.0.0');
    mkdirSync(join(workspace, 'k8s'));
    writeFileSync(join(workspace, 'k8s', 'app.yaml'), stringifyYaml(manifest));
    // Per Deployment and generation: when the controller was asked (first event at that generation) and when it finished.
    const spans = new Map();
    const observer = admin.watch(`/apis/apps/v1/namespaces/${ns}/deployments`, (type, d, at) => {
      if (type === 'DELETED') return;
      const key = `${d.metadata.name}@${d.metadata.generation}`;
      if (!spans.has(key)) spans.set(key, { start: at });
      const span = spans.get(key);
      if (span.end === undefined && rolledOut(d)) span.end = at;
    });
    await observer.started;
    spans.clear();
    const result = await runBundled(
      'release',
      {
        kubeconfig: env.DEPLOYER_KUBECONFIG,
        namespace: ns,
        manifests: 'k8s/',
        images: 'flightdeck.local/web:2.0.0',
        steps: STEPS.join(','),
        'bake-time': `${BAKE_S}s`,
        'analysis-interval': '5s',
        traffic: 'pod',
      },
      { cwd: workspace },
    ).done;
    observer.stop();
    if (result.code !== 0) console.error(result.lines.map((l) => l.text).join('\n'), result.stderr);
    const controllerMs = [...spans.values()].filter((s) => s.end !== undefined).reduce((sum, s) => sum + (s.end - s.start), 0);
    const limitMs = controllerMs + STEPS.length * BAKE_S * 1000;
    return {
      exit: result.code,
      wallMs: result.wallMs,
      controllerMs,
      bakeMs: STEPS.length * BAKE_S * 1000,
      limitMs,
      overPercent: ((result.wallMs - limitMs) / limitMs) * 100,
      ...apiRequests(result.lines),
    };
  } finally {
    await deleteNamespace(ns);
  }
}

const results = {};
results.detection = await detection();
results.rss200 = await rss200();
results.wall = await wallTime();
const d = results.detection;
const r = results.rss200;
const w = results.wall;
console.log('| figure | measured | target |');
console.log('| --- | --- | --- |');
console.log(
  `| rollout-complete detection, median of ${d.runs} (max) | ${d.oursMs?.toFixed(0)} ms (${d.oursMaxMs?.toFixed(0)} ms); kubectl rollout status: ${d.kubectlMs?.toFixed(0)} ms | ≤ 250 ms |`,
);
console.log(`| API requests per rollout wait / per rolling-promote | ${d.requestsPerRollout} / ${d.requestsPerPromote} | - |`);
console.log(
  `| peak RSS, promoting 200 replicas on KWOK | ${r.peakRssMb.toFixed(0)} MB (rollout ${(r.wallMs / 1000).toFixed(1)} s, ${r.rollout} requests, exit ${r.exit}) | < 120 MB |`,
);
console.log(
  `| release wall time vs controller + bakes | ${(w.wallMs / 1000).toFixed(2)} s vs ${(w.limitMs / 1000).toFixed(2)} s (controller ${(w.controllerMs / 1000).toFixed(2)} s + bakes ${(w.bakeMs / 1000).toFixed(0)} s): ${w.overPercent >= 0 ? '+' : ''}${w.overPercent.toFixed(2)} %, exit ${w.exit} | within 3 % |`,
);
console.log(JSON.stringify(results));
