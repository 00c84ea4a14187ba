import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFakeApiservers, fakeApiserver, json } from '../../test/support/fake-apiserver';
import type { Deployment, ReplicaSet } from './types';
import { DeploymentPausedError, restoredAnnotations, undoRollout } from './undo';

afterEach(closeFakeApiservers);

const template = (image: string, hash?: string) => ({
  metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'web', image }] },
});

const deployment = (over: Partial<Deployment['spec']> = {}): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'd-1',
    resourceVersion: '77',
    annotations: {
      'deployment.kubernetes.io/revision': '2',
      'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}',
      'flightdeck.dev/image': 'web:2',
      'flightdeck.dev/git-sha': 'bad',
      'flightdeck.dev/run-url': 'https://github.com/o/r/actions/runs/2',
    },
  },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('web:2'), ...over },
});

const replicaSet = (revision: number, image: string, annotations: Record<string, string>): ReplicaSet => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name: `web-${revision}`,
    namespace: 'shop',
    annotations: { 'deployment.kubernetes.io/revision': String(revision), ...annotations },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-1', controller: true }],
  },
  spec: { template: template(image, `hash${revision}`) },
});

/** Revision 1 as the controller left it: the Deployment's annotations of the time, copied, plus its own bookkeeping. */
const revision1 = replicaSet(1, 'web:1', {
  'deployment.kubernetes.io/desired-replicas': '2',
  'deployment.kubernetes.io/max-replicas': '3',
  'flightdeck.dev/image': 'web:1',
  'flightdeck.dev/git-sha': 'good',
});

async function apiserver(current: Deployment) {
  const patches: { type: string; body: unknown }[] = [];
  const fake = await fakeApiserver((request: IncomingMessage, response, url) => {
    if (request.method === 'GET' && url.pathname.endsWith('/deployments/web')) return json(response, 200, current);
    if (request.method === 'GET' && url.pathname.endsWith('/replicasets'))
      return json(response, 200, { metadata: {}, items: [revision1, replicaSet(2, 'web:2', { 'flightdeck.dev/image': 'web:2' })] });
    if (request.method === 'PATCH') {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        patches.push({ type: request.headers['content-type'] ?? '', body: JSON.parse(body) });
        json(response, 200, current);
      });
      return;
    }
    json(response, 404, { kind: 'Status', code: 404, reason: 'NotFound' });
  });
  return { ...fake, patches };
}

describe('undoRollout, as kubectl rollout undo', () => {
  it("restores the revision's template and its annotations, keeping the Deployment's own bookkeeping", async () => {
    const { client, patches } = await apiserver(deployment());
    const undo = await undoRollout(client, 'shop', 'web', { fieldManager: 'flightdeck' });
    expect(undo).toMatchObject({ restoredRevision: 1, fromRevision: 2, skipped: false, images: { web: 'web:1' } });
    expect(patches).toHaveLength(1);
    expect(patches[0]!.type).toBe('application/json-patch+json');
    expect(patches[0]!.body).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '77' },
      { op: 'replace', path: '/spec/template', value: template('web:1') },
      {
        op: 'add',
        path: '/metadata/annotations',
        value: {
          // Kept from the Deployment: the controller's revision and kubectl apply's record describe it, not revision 1.
          'deployment.kubernetes.io/revision': '2',
          'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}',
          // Back from revision 1: what ran then and from which commit. The rolled-back run's URL goes.
          'flightdeck.dev/image': 'web:1',
          'flightdeck.dev/git-sha': 'good',
        },
      },
    ]);
  });

  it('refuses a paused Deployment and changes nothing', async () => {
    const { client, patches } = await apiserver(deployment({ paused: true }));
    const undo = undoRollout(client, 'shop', 'web');
    await expect(undo).rejects.toBeInstanceOf(DeploymentPausedError);
    await expect(undo).rejects.toThrow(/Deployment "web" is paused.*kubectl rollout resume deployment\/web/);
    expect(patches).toEqual([]);
  });

  it('skips, without a patch, when the current template already is the revision', async () => {
    const { client, patches } = await apiserver(deployment({ template: template('web:1') }));
    await expect(undoRollout(client, 'shop', 'web')).resolves.toMatchObject({ skipped: true, restoredRevision: 1 });
    expect(patches).toEqual([]);
  });
});

describe('restoredAnnotations', () => {
  it('gives a Deployment without annotations those of the revision, less the ReplicaSet bookkeeping', () => {
    const bare = deployment();
    delete bare.metadata.annotations;
    expect(restoredAnnotations(bare, revision1)).toEqual({ 'flightdeck.dev/image': 'web:1', 'flightdeck.dev/git-sha': 'good' });
  });
});
