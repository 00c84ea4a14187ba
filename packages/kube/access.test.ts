import { afterEach, describe, expect, it } from 'vitest';
import { closeFakeApiservers, fakeApiserver, json } from '../../test/support/fake-apiserver';
import { checkAccess } from './access';

afterEach(closeFakeApiservers);

interface ReviewBody {
  spec: { resourceAttributes: { verb: string; group: string; resource: string; namespace?: string; name?: string } };
}

describe('checkAccess', () => {
  it('asks one SelfSubjectAccessReview per request, with the RBAC group and plural, and reports denials', async () => {
    const reviews: ReviewBody['spec']['resourceAttributes'][] = [];
    const { client } = await fakeApiserver((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        const attributes = (JSON.parse(text) as ReviewBody).spec.resourceAttributes;
        reviews.push(attributes);
        const allowed = attributes.resource !== 'ingresses';
        json(response, 201, { status: allowed ? { allowed } : { allowed, reason: 'no RBAC rule' } });
      });
    });
    const decisions = await checkAccess(client, [
      { verb: 'create', apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop' },
      { verb: 'create', apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'shop', name: 'web' },
      { verb: 'create', apiVersion: 'v1', kind: 'Namespace', namespace: 'shop' },
    ]);
    expect(reviews).toEqual([
      { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'shop' },
      { verb: 'create', group: 'networking.k8s.io', resource: 'ingresses', namespace: 'shop', name: 'web' },
      // Cluster-scoped: the namespace is not part of the question.
      { verb: 'create', group: '', resource: 'namespaces' },
    ]);
    expect(decisions.map((d) => [d.resource, d.allowed, d.reason])).toEqual([
      ['deployments.apps', true, undefined],
      ['ingresses.networking.k8s.io', false, 'no RBAC rule'],
      ['namespaces', true, undefined],
    ]);
  });
});
