import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectProxy } from '../../test/support/connect-proxy';
import { closeHttpAgents } from '../core/http-request';
import { judgeHttp, percentile, runHttpCheck } from './http-check';

let server: Server;
let base: string;
let served = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    served += 1;
    if (req.url === '/flaky') {
      res.statusCode = served % 2 === 0 ? 500 : 200;
      res.end('x');
    } else if (req.url === '/protected') {
      res.statusCode = req.headers['x-api-key'] === 'key-123' && req.headers['user-agent'] === 'flightdeck-analysis' ? 200 : 401;
      res.end();
    } else if (req.url === '/slow') {
      setTimeout(() => res.end('slow'), 120);
    } else {
      res.end('ok');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const options = { expectedStatus: 200, requests: 10, minSuccessRate: 95, maxP95Ms: 1000, timeoutMs: 2000 };

describe('percentile', () => {
  it('uses the nearest rank', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([], 95)).toBe(0);
  });
});

describe('runHttpCheck against a real server', () => {
  it('passes a healthy URL', async () => {
    const results = await runHttpCheck({ ...options, url: `${base}/` });
    expect(results.every((r) => r.passed)).toBe(true);
    expect(results[0]!.value).toBe('100% (10/10)');
  });

  it('sends the http-headers with every request', async () => {
    const [withKey] = await runHttpCheck({ ...options, url: `${base}/protected`, headers: { 'X-Api-Key': 'key-123' } });
    expect(withKey).toMatchObject({ passed: true, value: '100% (10/10)' });
    const [without] = await runHttpCheck({ ...options, url: `${base}/protected` });
    expect(without!.detail).toContain('HTTP 401');
  });

  it('fails a URL that errors half the time and says what it answered', async () => {
    const [rate] = await runHttpCheck({ ...options, url: `${base}/flaky` });
    expect(rate).toMatchObject({ passed: false, value: '50% (5/10)' });
    expect(rate!.detail).toContain('HTTP 500');
  });

  it('fails p95 latency over the limit', async () => {
    const [, p95] = await runHttpCheck({ ...options, requests: 4, maxP95Ms: 50, url: `${base}/slow` });
    expect(p95!.passed).toBe(false);
    expect(parseInt(p95!.value)).toBeGreaterThanOrEqual(100);
  });

  it('counts a refused connection as a failure, with its cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [rate] = await runHttpCheck({ ...options, requests: 2, url: `http://127.0.0.1:${port}/` });
    expect(rate!.passed).toBe(false);
    expect(rate!.detail).toMatch(/ECONNREFUSED/);
  });
});

describe('runHttpCheck behind a proxy', () => {
  it('sends every request through HTTP_PROXY, and none for a host in NO_PROXY', async () => {
    const proxy = await startConnectProxy();
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    try {
      process.env.HTTP_PROXY = proxy.url;
      delete process.env.NO_PROXY;
      const results = await runHttpCheck({ ...options, requests: 3, url: `${base}/` });
      expect(results.every((r) => r.passed)).toBe(true);
      expect(proxy.requests).toEqual(Array.from({ length: 3 }, () => ({ method: 'GET', target: `${base}/` })));

      closeHttpAgents();
      process.env.NO_PROXY = '127.0.0.1';
      expect((await runHttpCheck({ ...options, requests: 2, url: `${base}/` }))[0]!.passed).toBe(true);
      expect(proxy.requests).toHaveLength(3);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      closeHttpAgents();
      await proxy.close();
    }
  });

  it('never shows credentials of the checked URL', () => {
    const [rate] = judgeHttp([{ status: 500, ms: 3 }], {
      url: 'https://user:hunter2@app.example/healthz',
      expectedStatus: 200,
      minSuccessRate: 90,
      maxP95Ms: 10,
    });
    expect(rate!.detail).toBe('https://app.example/healthz answered HTTP 500');
  });
});

describe('judgeHttp', () => {
  it('treats an unexpected status as a failure even when fast', () => {
    const results = judgeHttp([{ status: 404, ms: 3 }], { url: 'u', expectedStatus: 200, minSuccessRate: 90, maxP95Ms: 10 });
    expect(results[0]).toMatchObject({ passed: false, value: '0% (0/1)' });
    expect(results[1]!.passed).toBe(true);
  });
});
