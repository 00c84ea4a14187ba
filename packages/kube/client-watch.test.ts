import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFakeApiservers, fakeApiserver, json } from '../../test/support/fake-apiserver';
import { ConfigurationError } from '../core/errors';
import { KubeClient } from './client';
import { isNotFound, KubeApiError, KubePermissionError } from './errors';
import { Kinds } from './resources';
import type { Deployment } from './types';
import { parseWatchStream, watchObjects, type WatchEvent } from './watch';

afterEach(closeFakeApiservers);

const deployment = (rv: string, available: number): Deployment => ({
  metadata: { name: 'web', namespace: 'shop', resourceVersion: rv, generation: 1 },
  spec: { replicas: 2, template: {} },
  status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: available },
});

describe('KubeClient', () => {
  it('sends the bearer token and counts requests', async () => {
    let auth = '';
    const { client, seen } = await fakeApiserver((request, response) => {
      auth = request.headers.authorization ?? '';
      json(response, 200, deployment('5', 2));
    });
    const got = await client.get<Deployment>({ ...Kinds.Deployment, namespace: 'shop', name: 'web' });
    expect(got.metadata.resourceVersion).toBe('5');
    expect(auth).toBe('Bearer secret-token');
    expect(seen[0]!.pathname).toBe('/apis/apps/v1/namespaces/shop/deployments/web');
    expect(client.requestCount).toBe(1);
  });

  it('turns 403 into a ConfigurationError naming the verb, resource and namespace', async () => {
    const { client } = await fakeApiserver((_request, response) =>
      json(response, 403, {
        kind: 'Status',
        reason: 'Forbidden',
        code: 403,
        message: 'deployments.apps "web" is forbidden: User "deployer" cannot patch resource',
      }),
    );
    const call = client.patch({ ...Kinds.Deployment, namespace: 'shop', name: 'web' }, { spec: {} }, 'merge');
    await expect(call).rejects.toBeInstanceOf(KubePermissionError);
    await expect(call).rejects.toBeInstanceOf(ConfigurationError);
    await expect(call).rejects.toThrow(/lack 'patch' on deployments in namespace "shop".*deployer Role/);
  });

  it('reports NotFound as a KubeApiError, and getIfExists as undefined', async () => {
    const { client } = await fakeApiserver((_request, response) =>
      json(response, 404, { kind: 'Status', reason: 'NotFound', code: 404, message: 'deployments.apps "web" not found' }),
    );
    const error = await client.get({ ...Kinds.Deployment, namespace: 'shop', name: 'web' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(isNotFound(error)).toBe(true);
    expect((error as Error).message).toMatch(/Not found: cannot get deployments "web" in namespace "shop"/);
    expect(await client.getIfExists({ ...Kinds.Deployment, namespace: 'shop', name: 'web' })).toBeUndefined();
  });

  it('retries idempotent calls on 503 and 429, but not a create on 500', async () => {
    let calls = 0;
    const { client } = await fakeApiserver((request, response) => {
      calls++;
      if (request.method === 'POST') return json(response, 500, { message: 'boom' });
      if (calls < 3) return json(response, calls === 1 ? 503 : 429, { message: 'busy' });
      json(response, 200, deployment('9', 1));
    });
    await client.get({ ...Kinds.Deployment, namespace: 'shop', name: 'web' });
    expect(calls).toBe(3);
    expect(client.retryCount).toBe(2);
    await expect(client.create({ ...Kinds.Deployment, metadata: { name: 'x', namespace: 'shop' } })).rejects.toThrow(/HTTP 500/);
    expect(calls).toBe(4);
  });

  it('retries after a connection reset', async () => {
    let calls = 0;
    const { client } = await fakeApiserver((request, response) => {
      calls++;
      if (calls === 1) return request.socket.destroy();
      json(response, 200, deployment('1', 1));
    });
    await client.get({ ...Kinds.Deployment, namespace: 'shop', name: 'web' });
    expect(calls).toBe(2);
  });

  it('retries a 403 only right after the connection was refused or reset (an apiserver starting up)', async () => {
    let calls = 0;
    const { client } = await fakeApiserver((request, response) => {
      calls++;
      if (calls === 1) return request.socket.destroy();
      if (calls === 2) return json(response, 403, { kind: 'Status', code: 403, reason: 'Forbidden', message: 'not ready' });
      json(response, 200, deployment('3', 2));
    });
    await client.get({ ...Kinds.Deployment, namespace: 'shop', name: 'web' });
    expect(calls).toBe(3);
    calls = 1;
    await expect(client.get({ ...Kinds.Deployment, namespace: 'shop', name: 'web' })).rejects.toBeInstanceOf(KubePermissionError);
    expect(calls).toBe(2);
  });

  it('mints a new token once after a 401 (an expired EKS token), then believes the 401', async () => {
    const { server } = await fakeApiserver((request, response) =>
      request.headers.authorization === 'Bearer fresh'
        ? json(response, 200, deployment('1', 1))
        : json(response, 401, { kind: 'Status', code: 401, reason: 'Unauthorized', message: 'Unauthorized' }),
    );
    const { port } = server.address() as AddressInfo;
    const refreshes: boolean[] = [];
    const client = new KubeClient({
      server: `http://127.0.0.1:${port}`,
      token: (force) => (refreshes.push(force), force ? 'fresh' : 'stale'),
    });
    await client.get({ ...Kinds.Deployment, namespace: 'shop', name: 'web' });
    expect(refreshes).toEqual([false, true]);
    const stuck = new KubeClient({ server: `http://127.0.0.1:${port}`, token: () => 'stale' });
    await expect(stuck.get({ ...Kinds.Deployment, namespace: 'shop', name: 'web' })).rejects.toThrow(
      /Unauthorized: the apiserver rejected the credentials/,
    );
    client.close();
    stuck.close();
  });

  it('sends server-side apply with its content type, field manager and force', async () => {
    let contentType = '';
    const { client, seen } = await fakeApiserver((request, response) => {
      contentType = request.headers['content-type'] ?? '';
      json(response, 200, deployment('1', 1));
    });
    await client.apply({ ...Kinds.Deployment, metadata: { name: 'web' } }, { fieldManager: 'flightdeck', force: true, namespace: 'shop' });
    expect(contentType).toBe('application/apply-patch+yaml');
    expect(seen[0]!.search).toBe('?fieldManager=flightdeck&force=true');
    expect(seen[0]!.pathname).toBe('/apis/apps/v1/namespaces/shop/deployments/web');
  });
});

describe('parseWatchStream', () => {
  it('splits newline-delimited events across arbitrary chunk boundaries', async () => {
    const text = `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '7' } } })}\n`;
    const chunks = [text.slice(0, 10), text.slice(10, 51), text.slice(51)];
    const events = [];
    for await (const event of parseWatchStream(Readable.from(chunks))) events.push(event.type);
    expect(events).toEqual(['ADDED', 'BOOKMARK']);
  });
});

describe('watchObjects', () => {
  it('resumes from the last resourceVersion after a dropped connection and re-lists after 410 Gone', async () => {
    let lists = 0;
    let watches = 0;
    const { client, seen } = await fakeApiserver((request, response, url) => {
      if (url.searchParams.get('watch') !== '1') {
        lists++;
        const items = lists === 1 ? [deployment('10', 0)] : [deployment('30', 2)];
        return json(response, 200, { metadata: { resourceVersion: lists === 1 ? '10' : '30' }, items });
      }
      watches++;
      response.writeHead(200, { 'content-type': 'application/json' });
      if (watches === 1) {
        response.write(`${JSON.stringify({ type: 'MODIFIED', object: deployment('11', 1) })}\n`);
        response.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } })}\n`);
        // The apiserver dies mid-stream.
        setTimeout(() => request.socket.destroy(), 20);
      } else if (watches === 2) {
        response.end(
          `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } })}\n`,
        );
      } else {
        response.write(`${JSON.stringify({ type: 'DELETED', object: deployment('31', 2) })}\n`);
      }
    });
    const controller = new AbortController();
    const reconnects: string[] = [];
    const events: string[] = [];
    for await (const event of watchObjects<Deployment>(
      client,
      { ...Kinds.Deployment, namespace: 'shop' },
      {
        name: 'web',
        signal: controller.signal,
        onReconnect: (info) => reconnects.push(`${info.relisted ? 'relist' : 'resume'}@${info.resourceVersion}`),
      },
    ) as AsyncIterable<WatchEvent<Deployment>>) {
      events.push(`${event.type}:${event.object.metadata.resourceVersion}`);
      if (event.type === 'DELETED') controller.abort();
    }
    expect(events).toEqual(['ADDED:10', 'MODIFIED:11', 'MODIFIED:30', 'DELETED:31']);
    expect(reconnects).toEqual(['resume@15', 'relist@30']);
    const watchCalls = seen.filter((url) => url.searchParams.get('watch') === '1');
    expect(watchCalls.map((url) => url.searchParams.get('resourceVersion'))).toEqual(['10', '15', '30']);
    expect(watchCalls[0]!.searchParams.get('allowWatchBookmarks')).toBe('true');
    expect(watchCalls[0]!.searchParams.get('fieldSelector')).toBe('metadata.name=web');
    expect(lists).toBe(2);
  });

  it('tolerates 403 from an apiserver that is still starting after a drop, but not on the first connection', async () => {
    let watches = 0;
    const { client } = await fakeApiserver((request, response, url) => {
      if (url.searchParams.get('watch') !== '1')
        return json(response, 200, { metadata: { resourceVersion: '1' }, items: [deployment('1', 0)] });
      watches++;
      if (watches === 1) return request.socket.destroy();
      if (watches === 2) return json(response, 403, { kind: 'Status', code: 403, reason: 'Forbidden', message: 'RBAC: not ready' });
      response.writeHead(200);
      response.write(`${JSON.stringify({ type: 'MODIFIED', object: deployment('2', 2) })}\n`);
    });
    const controller = new AbortController();
    const types: string[] = [];
    for await (const event of watchObjects<Deployment>(client, { ...Kinds.Deployment, namespace: 'shop' }, { signal: controller.signal })) {
      types.push(`${event.type}:${event.object.metadata.resourceVersion}`);
      if (types.length === 2) controller.abort();
    }
    expect(types).toEqual(['ADDED:1', 'MODIFIED:2']);

    const denied = await fakeApiserver((_request, response, url) => {
      if (url.searchParams.get('watch') !== '1') return json(response, 200, { metadata: { resourceVersion: '1' }, items: [] });
      json(response, 403, { kind: 'Status', code: 403, reason: 'Forbidden', message: 'cannot watch' });
    });
    const run = async () => {
      for await (const _event of watchObjects(denied.client, { ...Kinds.Deployment, namespace: 'shop' })) void _event;
    };
    await expect(run()).rejects.toBeInstanceOf(KubePermissionError);
  });
});
