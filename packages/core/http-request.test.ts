import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startConnectProxy, type ConnectProxy } from '../../test/support/connect-proxy';
import { loopbackTls } from '../../test/support/tls';
import { closeHttpAgents, httpRequest } from './http-request';

let plain: Server;
let secure: Server;
let plainUrl: string;
let secureUrl: string;
let proxy: ConnectProxy;

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

beforeAll(async () => {
  plain = createHttpServer((_request, response) => response.end('plain ok'));
  plainUrl = `http://127.0.0.1:${await listen(plain)}/healthz`;
  const tls = loopbackTls();
  secure = createHttpsServer({ cert: tls.cert, key: tls.key }, (_request, response) => response.end('secure ok'));
  secureUrl = `https://127.0.0.1:${await listen(secure)}/healthz`;
});

afterEach(async () => {
  closeHttpAgents();
  await proxy?.close();
});

afterAll(async () => {
  plain.closeAllConnections();
  secure.closeAllConnections();
  await Promise.all([new Promise((resolve) => plain.close(resolve)), new Promise((resolve) => secure.close(resolve))]);
});

describe('httpRequest through a proxy', () => {
  it('sends an http:// request to the proxy named by HTTP_PROXY', async () => {
    proxy = await startConnectProxy();
    const response = await httpRequest(new URL(plainUrl), { timeoutMs: 5000, env: { HTTP_PROXY: proxy.url } });
    expect(response.body.toString()).toBe('plain ok');
    expect(proxy.requests).toEqual([{ method: 'GET', target: plainUrl }]);
  });

  it('tunnels an https:// request with CONNECT through HTTPS_PROXY, to the server it names', async () => {
    proxy = await startConnectProxy();
    const error = await httpRequest(new URL(secureUrl), { timeoutMs: 5000, env: { HTTPS_PROXY: proxy.url } }).catch((e: Error) => e);
    // The tunnel reached the test server, whose certificate no public CA signed: the TLS check still holds through a proxy.
    expect(String((error as Error).message)).toMatch(/certificate/);
    expect(proxy.requests).toEqual([{ method: 'CONNECT', target: `127.0.0.1:${new URL(secureUrl).port}` }]);
  });

  it('authenticates to a proxy with the credentials in its URL', async () => {
    proxy = await startConnectProxy({ credentials: { user: 'runner', password: 'pr0xy pass' } });
    const response = await httpRequest(new URL(plainUrl), { timeoutMs: 5000, env: { http_proxy: proxy.url } });
    expect(response.status).toBe(200);
    expect(proxy.requests[0]!.proxyAuthorization).toBe(`Basic ${Buffer.from('runner:pr0xy pass').toString('base64')}`);
  });

  it('goes direct to a host in NO_PROXY, and without proxy settings', async () => {
    proxy = await startConnectProxy();
    expect((await httpRequest(new URL(plainUrl), { timeoutMs: 5000, env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } })).status).toBe(
      200,
    );
    expect((await httpRequest(new URL(plainUrl), { timeoutMs: 5000, env: {} })).status).toBe(200);
    expect(proxy.requests).toEqual([]);
  });
});

describe('proxy credentials', () => {
  it('are masked once, however many requests go through the proxy', async () => {
    proxy = await startConnectProxy({ credentials: { user: 'runner', password: 'once-only' } });
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      written.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      for (let i = 0; i < 3; i++) await httpRequest(new URL(plainUrl), { timeoutMs: 5000, env: { HTTP_PROXY: proxy.url } });
    } finally {
      process.stdout.write = write;
    }
    expect(written.filter((line) => line.includes('::add-mask::once-only'))).toHaveLength(1);
    expect(proxy.requests).toHaveLength(3);
  });
});
