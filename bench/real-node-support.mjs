// What the real-node benches (node.bench.mjs, canary-rollback.bench.mjs) share: the stack's env, kubectl as the
// stack's admin, the product's manifests for the real node, and a test namespace bound to the deployer Role.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const stackDir = process.env.STACK_DIR ?? join(root, '.stack');

/** The variables of .stack/env, or undefined when the stack is not up. */
export function loadStackEnv() {
  const path = join(stackDir, 'env');
  if (!existsSync(path)) return undefined;
  const vars = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match)
      vars[match[1]] = match[2].replace(/^"(.*)"$/, '$1').replace(/\$([A-Z_]+)/g, (_, name) => vars[name] ?? process.env[name] ?? '');
  }
  return vars.KUBECONFIG ? vars : undefined;
}

export const env = loadStackEnv();

export function kubectl(args, input) {
  return execFileSync('kubectl', ['--kubeconfig', env.KUBECONFIG, ...args], { encoding: 'utf8', input, maxBuffer: 64 << 20 });
}

/** The product's Deployment and Service on the real node (test/fixtures/real-node). */
export function manifests() {
  return parseAllDocuments(kubectl(['kustomize', join(root, 'test/fixtures/real-node')]))
    .map((doc) => doc.toJSON())
    .filter((o) => o.kind === 'Deployment' || o.kind === 'Service');
}

/** A fresh namespace with the deployer bound to its Role, once its default ServiceAccount exists. */
export function namespace(prefix) {
  const name = `${prefix}-${Date.now().toString(36)}`;
  kubectl(['create', 'namespace', name]);
  kubectl([
    'create',
    'rolebinding',
    'flightdeck-deployer',
    '-n',
    name,
    '--clusterrole=flightdeck-deployer',
    '--serviceaccount=flightdeck-system:flightdeck-deployer',
  ]);
  for (let i = 0; i < 100 && spawnSync('kubectl', ['--kubeconfig', env.KUBECONFIG, 'get', 'sa', 'default', '-n', name]).status !== 0; i++) {
    spawnSync('sleep', ['0.1']);
  }
  return name;
}
