import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectProxy } from '../../test/support/connect-proxy';
import { closeHttpAgents } from '../core/http-request';
import { extractValue, runPrometheusCheck } from './prometheus';

let server: Server;
let base: string;
const answers: Record<string, unknown> = {
  error_rate: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0.02'] }] } },
  high: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0.5'] }] } },
  tenant: { status: 'success', data: { resultType: 'scalar', result: [1, '0'] } },
  none: { status: 'success', data: { resultType: 'vector', result: [] } },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const query = new URL(req.url!, 'http://x').searchParams.get('query')!;
    if (query === 'tenant' && req.headers['x-scope-orgid'] !== 'team-a') {
      res.statusCode = 401;
      res.end('{"status":"error","error":"no tenant"}');
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answers[query] ?? { status: 'error', error: 'parse error' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('runPrometheusCheck', () => {
  it('passes a value under the threshold and fails one over it', async () => {
    expect(await runPrometheusCheck({ url: base, query: 'error_rate', maxValue: 0.05, timeoutMs: 1000 })).toMatchObject({
      passed: true,
      value: '0.02',
    });
    expect(await runPrometheusCheck({ url: base, query: 'high', maxValue: 0.05, timeoutMs: 1000 })).toMatchObject({
      passed: false,
      value: '0.5',
    });
  });
  it('sends the prometheus-headers with the query', async () => {
    const query = { url: base, query: 'tenant', maxValue: 1, timeoutMs: 1000 };
    expect(await runPrometheusCheck({ ...query, headers: { 'X-Scope-OrgID': 'team-a' } })).toMatchObject({ passed: true, value: '0' });
    expect(await runPrometheusCheck(query)).toMatchObject({ passed: false, detail: expect.stringMatching(/no tenant/) });
  });
  it('fails when there is no data or the query is wrong', async () => {
    expect((await runPrometheusCheck({ url: base, query: 'none', maxValue: 1, timeoutMs: 1000 })).detail).toMatch(/no series/);
    expect((await runPrometheusCheck({ url: base, query: 'bad(', maxValue: 1, timeoutMs: 1000 })).detail).toMatch(/parse error/);
  });
  it('fails when Prometheus cannot be reached', async () => {
    expect(await runPrometheusCheck({ url: 'http://127.0.0.1:1', query: 'x', maxValue: 1, timeoutMs: 1000 })).toMatchObject({
      passed: false,
      value: 'unreadable',
    });
  });
  it('reads scalars and refuses several series', () => {
    expect(extractValue({ status: 'success', data: { resultType: 'scalar', result: [1, '3'] } })).toEqual({ value: 3 });
    expect(
      extractValue({ status: 'success', data: { resultType: 'vector', result: [{ value: [1, '1'] }, { value: [1, '2'] }] } }),
    ).toMatchObject({ problem: expect.stringMatching(/sum\(\)/) });
  });
});

describe('runPrometheusCheck behind a proxy', () => {
  it('queries through HTTP_PROXY', async () => {
    const proxy = await startConnectProxy();
    const saved = process.env.HTTP_PROXY;
    try {
      process.env.HTTP_PROXY = proxy.url;
      expect(await runPrometheusCheck({ url: base, query: 'error_rate', maxValue: 0.05, timeoutMs: 1000 })).toMatchObject({ passed: true });
      expect(proxy.requests).toEqual([{ method: 'GET', target: `${base}/api/v1/query?query=error_rate` }]);
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
      closeHttpAgents();
      await proxy.close();
    }
  });
});
