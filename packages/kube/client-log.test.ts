import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from './client';
import { KubePermissionError } from './errors';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A fake apiserver that records each request's URL and answers with `answer`. */
async function apiserver(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const seen: URL[] = [];
  const server: Server = createServer((request, response) => {
    seen.push(new URL(request.url!, 'http://x'));
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  cleanup.push(() => server.closeAllConnections());
  const client = new KubeClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: () => 't', proxyEnv: {} });
  cleanup.push(() => client.close());
  return { client, seen };
}

describe('KubeClient.podLog', () => {
  it("GETs the container's log tail, bounded in lines and bytes, and returns it as text", async () => {
    const { client, seen } = await apiserver((_q, r) => r.writeHead(200, { 'content-type': 'text/plain' }).end('booting\nfatal: no DB\n'));
    const log = await client.podLog('shop', 'web-canary-5d8f-x2k4q', { container: 'web', tailLines: 20, limitBytes: 16384 });
    expect(log).toBe('booting\nfatal: no DB\n');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.pathname).toBe('/api/v1/namespaces/shop/pods/web-canary-5d8f-x2k4q/log');
    expect(Object.fromEntries(seen[0]!.searchParams)).toEqual({ container: 'web', tailLines: '20', limitBytes: '16384' });
  });

  it("asks for the previous instance's log (the one that crashed) with previous=true", async () => {
    const { client, seen } = await apiserver((_q, r) => r.end('panic'));
    await client.podLog('shop', 'p', { container: 'sidecar', tailLines: 20, previous: true });
    expect(seen[0]!.searchParams.get('previous')).toBe('true');
    expect(seen[0]!.searchParams.get('container')).toBe('sidecar');
  });

  it('throws a permission error on 403, naming pods/log, after one request', async () => {
    const { client, seen } = await apiserver((_q, r) =>
      r
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'pods "p" is forbidden' })),
    );
    const error = await client.podLog('shop', 'p', { container: 'web' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubePermissionError);
    expect((error as Error).message).toContain("lack 'get' on pods/log");
    expect(seen).toHaveLength(1);
  });

  it('does not retry a 5xx: one request, then the error', async () => {
    const { client, seen } = await apiserver((_q, r) => r.writeHead(503).end('busy'));
    await expect(client.podLog('shop', 'p', { container: 'web' })).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(1);
    expect(client.retryCount).toBe(0);
  });

  it('gives up after timeoutMs when the apiserver never answers', async () => {
    const { client } = await apiserver(() => undefined);
    const started = Date.now();
    await expect(client.podLog('shop', 'p', { container: 'web', timeoutMs: 200 })).rejects.toThrow('no answer in 0.2 s');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
