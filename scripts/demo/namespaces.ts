/**
 * The demo's two application namespaces, made as the platform makes one (deploy/rbac/app-namespace.yaml): the
 * Pod Security "restricted" labels and the label that puts the namespace under the admission policies, read from
 * that file. Fixed names, so a reader can look around afterwards (DEMO_KEEP=1); a previous run's are deleted first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../act/run-act';
import { KubeHttpError, type KubeHttp } from '../../test/stack/kube-http';

/** The Namespace labels app-namespace.yaml ships. */
export function appNamespaceLabels(): Record<string, string> {
  const documents = parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy/rbac/app-namespace.yaml'), 'utf8')).map(
    (document) => document.toJS() as { kind?: string; metadata?: { labels?: Record<string, string> } },
  );
  const labels = documents.find((document) => document.kind === 'Namespace')?.metadata?.labels;
  if (!labels) throw new Error('deploy/rbac/app-namespace.yaml holds no Namespace with labels');
  return labels;
}

export async function createAppNamespace(admin: KubeHttp, name: string): Promise<void> {
  await admin.post('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...appNamespaceLabels(), 'flightdeck.dev/demo': 'true' } },
  });
  // Pods are refused until the serviceaccount controller has made "default".
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await admin.get(`/api/v1/namespaces/${name}/serviceaccounts/default`);
      return;
    } catch (error) {
      if (!(error instanceof KubeHttpError && error.status === 404) || Date.now() > deadline) throw error;
    }
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

/**
 * Deletes the namespace when it exists, its pods at once (grace period 0: the demo's pods serve nothing once it is
 * over, and their graceful stop, the app's 15 s preStop sleep and gunicorn's drain, would hold the namespace up to a
 * minute), and with `wait` waits until it is gone. A terminating namespace takes no new pods, so none replace them.
 */
export async function deleteNamespace(admin: KubeHttp, name: string, { wait = true, timeoutMs = 120_000 } = {}): Promise<void> {
  const status = (error: unknown) => (error instanceof KubeHttpError ? error.status : undefined);
  try {
    await admin.delete(`/api/v1/namespaces/${name}`);
  } catch (error) {
    if (status(error) === 404) return;
    // 409: already terminating (a previous run's); its pods may still be in their grace period.
    if (status(error) !== 409) throw error;
  }
  await admin.delete(`/api/v1/namespaces/${name}/pods?gracePeriodSeconds=0`).catch((error: unknown) => {
    if (status(error) !== 404) throw error;
  });
  if (!wait) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await admin.get(`/api/v1/namespaces/${name}`);
    } catch (error) {
      if (error instanceof KubeHttpError && error.status === 404) return;
      throw error;
    }
    if (Date.now() > deadline) throw new Error(`namespace ${name} still exists ${timeoutMs / 1000}s after its deletion`);
    await new Promise((wake) => setTimeout(wake, 500));
  }
}
