import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startConnectProxy, type ConnectProxy } from '../../test/support/connect-proxy';
import { loopbackTls } from '../../test/support/tls';
import { KubeClient } from './client';
import { KubeTokenError, KubeUnreachableError } from './errors';
import { Kinds } from './resources';
import { watchObjects } from './watch';

const ref = { ...Kinds.Deployment, namespace: 'shop', name: 'web' };
const answer = { kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', resourceVersion: '7' } };
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const server = createHttpServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function client(server: string, extra: Partial<ConstructorParameters<typeof KubeClient>[0]> = {}): KubeClient {
  const made = new KubeClient({ server, token: () => 'token', ...extra });
  cleanup.push(() => made.close());
  return made;
}

const answering = () =>
  createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer));
  });

describe('an apiserver that cannot be reached', () => {
  it('is reported within the start-up budget, not after the ~30 s of retries, with what to check', async () => {
    const port = await closedPort();
    // The default policy, as the actions use it.
    const kube = client(`http://127.0.0.1:${port}`, { proxyEnv: {} });
    const error = await kube.get(ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeUnreachableError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Cannot reach the Kubernetes API at http://127\\.0\\.0\\.1:${port} to get deployments: the connection was refused: nothing listens on 127\\.0\\.0\\.1:${port} \\(\\d attempts in \\d\\.\\d s, no answer yet\\)\\. Check the server address in the kubeconfig`,
      ),
    );
    expect((error as Error).message).toContain('proxy (HTTPS_PROXY, NO_PROXY).');
    // The full policy retries nine times; the start-up budget allows a few quick ones.
    expect(kube.retryCount).toBeLessThanOrEqual(4);
  });

  it('names the proxy settings in force, without their credentials', async () => {
    const kube = client(`http://127.0.0.1:${await closedPort()}`, {
      proxyEnv: { HTTP_PROXY: 'http://runner:s3cret@127.0.0.1:9', NO_PROXY: '127.0.0.1' },
    });
    const message = String(((await kube.get(ref).catch((e: unknown) => e)) as Error).message);
    expect(message).toContain('(proxy settings: HTTP_PROXY=http://127.0.0.1:9, NO_PROXY=127.0.0.1).');
    expect(message).not.toContain('s3cret');
  });

  it('ends a watch at once instead of reconnecting for two minutes', async () => {
    const kube = client(`http://127.0.0.1:${await closedPort()}`, { proxyEnv: {} });
    const watch = watchObjects(kube, { ...Kinds.Deployment, namespace: 'shop' }, { resourceVersion: '1' });
    await expect(watch.next()).rejects.toBeInstanceOf(KubeUnreachableError);
  });

  it('still rides out an apiserver restart in the middle of a run', async () => {
    let server = answering();
    const port = await listen(server);
    cleanup.push(() => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    });
    const kube = client(`http://127.0.0.1:${port}`, { proxyEnv: {}, retry: { baseDelayMs: 50, maxDelayMs: 200 } });
    await kube.get(ref);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const later = kube.get(ref);
    // Back on the same port a moment later, well inside the retries (9 of up to 200 ms).
    setTimeout(() => {
      server = answering();
      void listen(server, port);
    }, 150);
    expect((await later).metadata.resourceVersion).toBe('7');
    expect(kube.retryCount).toBeGreaterThan(0);
  });
});

describe('a bearer token that cannot be had', () => {
  it('is reported as what it is, naming the token file, not as a network failure', async () => {
    const server = answering();
    const port = await listen(server);
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const kube = client(`http://127.0.0.1:${port}`, {
      proxyEnv: {},
      token: () => readFileSync('/var/run/secrets/flightdeck/gone/token', 'utf8'),
    });
    const error = await kube.get(ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeTokenError);
    expect((error as Error).message).toBe(
      `Cannot get a bearer token for the Kubernetes API at http://127.0.0.1:${port}: the token file /var/run/secrets/flightdeck/gone/token does not exist (the kubeconfig's tokenFile; was it removed after the step started?)`,
    );
  });
});

describe('the Kubernetes client behind a proxy', () => {
  let proxy: ConnectProxy;

  async function tlsApiserver(): Promise<string> {
    const tls = loopbackTls();
    const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    });
    const port = await listen(server);
    cleanup.push(() => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    });
    proxy = await startConnectProxy();
    cleanup.push(() => proxy.close());
    return `https://127.0.0.1:${port}`;
  }

  it('tunnels to the apiserver with CONNECT through HTTPS_PROXY, checking its certificate against the CA', async () => {
    const server = await tlsApiserver();
    const kube = client(server, { ca: loopbackTls().ca, proxyEnv: { HTTPS_PROXY: proxy.url } });
    expect((await kube.get(ref)).metadata.resourceVersion).toBe('7');
    expect(proxy.requests).toEqual([{ method: 'CONNECT', target: new URL(server).host }]);
  });

  it('says so when the apiserver presents a certificate the CA did not sign', async () => {
    const server = await tlsApiserver();
    const kube = client(server, { proxyEnv: {} });
    const error = await kube.get(ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeUnreachableError);
    expect((error as Error).message).toMatch(/its TLS certificate is not trusted \(.*\): the kubeconfig's certificate-authority-data/);
  });

  it('goes direct to an apiserver in NO_PROXY', async () => {
    const server = await tlsApiserver();
    const kube = client(server, { ca: loopbackTls().ca, proxyEnv: { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
    await kube.get(ref);
    expect(proxy.requests).toEqual([]);
  });
});
