// Peak memory of loading manifests (issue 12, item 18): before the limit, 20 MB of manifests
// peaked at about 850 MiB. Now documents are parsed one at a time and a run reads at most
// MAX_MANIFEST_BYTES (4 MiB); the 20 MB case shows the refusal, the 4 MB one the most a run loads. Each case runs in its own process, so the peak RSS printed is the
// load's alone. Run alone with `node bench/manifest-size.bench.mjs`. Nothing here asserts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mib, reportFromChild, runChild } from './child.mjs';

const here = fileURLToPath(import.meta.url);

/** One Deployment of about 1.5 KB, shaped like the sample app's. */
function deployment(i) {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  labels: { app: app-${i}, app.kubernetes.io/name: app-${i} }
spec:
  replicas: 3
  selector:
    matchLabels: { app: app-${i} }
  template:
    metadata:
      labels: { app: app-${i} }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: app
          image: registry.example/app:${i}
          ports: [{ name: http, containerPort: 8080 }]
          env:
            - { name: A_SETTING, value: "some value ${i}" }
            - { name: ANOTHER_SETTING, value: "another value ${i}" }
          readinessProbe: { httpGet: { path: /readyz, port: http }, periodSeconds: 5 }
          livenessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 10 }
          resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { cpu: 500m, memory: 256Mi } }
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
`;
}

/** A folder with one multi-document file of about `bytes`. */
function manifestsOf(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'fd-bench-manifests-'));
  const parts = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const doc = `---\n${deployment(i)}`;
    parts.push(doc);
    size += doc.length;
  }
  writeFileSync(join(dir, 'all.yaml'), parts.join(''));
  return { dir, size, documents: parts.length };
}

const CASES = { '100 KB': 100_000, '1 MB': 1_000_000, '4 MB': 4_000_000, '20 MB': 20_000_000 };

if (process.argv[2] === '--child') {
  const { dir } = JSON.parse(process.argv[4]);
  await import('./ts-sources.mjs');
  const { loadManifests } = await import('../packages/manifests/load.ts');
  await reportFromChild(() => `${loadManifests([dir]).length} objects`);
} else {
  console.log('| manifests | documents | outcome | load time | peak RSS |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, bytes] of Object.entries(CASES)) {
    const made = manifestsOf(bytes);
    const result = runChild(here, name, { extraArgs: [JSON.stringify(made)] });
    const ms = result.ms === undefined ? '–' : `${result.ms.toFixed(0)} ms`;
    const rss = result.peakRssMiB === undefined ? '–' : `${result.peakRssMiB.toFixed(0)} MiB`;
    console.log(`| ${name} (${mib(made.size)}) | ${made.documents} | ${result.outcome.slice(0, 200)} | ${ms} | ${rss} |`);
    rmSync(made.dir, { recursive: true, force: true });
  }
}
