import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { judge } from './judge';
import { extractSeries, prometheusTrackMetric, queryRangeByTrack, renderTrackQuery, validateTrackQuery } from './prometheus-track';

const QUERY = 'sum(rate(http_requests_total{track="{{track}}",code=~"5.."}[1m])) / sum(rate(http_requests_total{track="{{ track }}"}[1m]))';

describe('track queries', () => {
  it('substitutes every {{track}}, spaces inside the braces allowed', () => {
    expect(renderTrackQuery(QUERY, 'canary')).toBe(
      'sum(rate(http_requests_total{track="canary",code=~"5.."}[1m])) / sum(rate(http_requests_total{track="canary"}[1m]))',
    );
  });

  it('refuses a query without the placeholder, or with an unknown one, naming the input', () => {
    expect(() => validateTrackQuery('sum(rate(x[1m]))', 'prometheus-query')).toThrow(ConfigurationError);
    expect(() => validateTrackQuery('sum(rate(x[1m]))', 'prometheus-query')).toThrow(
      /Input "prometheus-query" has no \{\{track\}\} placeholder/,
    );
    expect(() => validateTrackQuery('x{track="{{trak}}"}', 'prometheus-query')).toThrow(
      /has the placeholder \{\{trak\}\}; the only one is \{\{track\}\}/,
    );
    expect(() => validateTrackQuery(QUERY, 'prometheus-query')).not.toThrow();
  });

  it('refuses a track name that would need escaping', () => {
    expect(() => renderTrackQuery(QUERY, 'can"ary')).toThrow(RangeError);
  });
});

describe('extractSeries', () => {
  it('reads one series, dropping NaN steps', () => {
    expect(
      extractSeries({
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              values: [
                [1, '0.1'],
                [2, 'NaN'],
                [3, '0.3'],
              ],
            },
          ],
        },
      }),
    ).toEqual({ values: [0.1, 0.3] });
  });
  it('says why when it cannot', () => {
    expect(extractSeries({ status: 'error', error: 'parse error' })).toEqual({ problem: 'query failed: parse error' });
    expect(extractSeries({ status: 'success', data: { resultType: 'vector', result: [] } })).toMatchObject({ problem: /matrix/ });
    expect(extractSeries({ status: 'success', data: { resultType: 'matrix', result: [{ values: [] }, { values: [] }] } })).toMatchObject({
      problem: /2 series per track; aggregate/,
    });
    expect(extractSeries({ status: 'success', data: { resultType: 'matrix', result: [] } })).toEqual({ values: [] });
  });
});

describe('queryRangeByTrack against a Prometheus stand-in', () => {
  let server: Server;
  let base: string;
  const seen: URLSearchParams[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const params = new URL(req.url!, 'http://x').searchParams;
      seen.push(params);
      const query = params.get('query')!;
      const values = query.includes('"canary"')
        ? [0.09, 0.1, 0.11, 0.1, 0.12, 0.1, 0.09, 0.11]
        : query.includes('"baseline"')
          ? [0.01, 0.012, 0.009, 0.011, 0.01, 0.01, 0.012, 0.009]
          : undefined;
      res.setHeader('content-type', 'application/json');
      if (!values) {
        res.statusCode = 400;
        res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'unknown track' }));
        return;
      }
      res.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'matrix', result: [{ metric: {}, values: values.map((v, i) => [1000 + i * 60, String(v)]) }] },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('runs the query once per track over the window, and the judge fails a canary with ten times the error ratio', async () => {
    const series = await queryRangeByTrack({
      url: base,
      query: QUERY,
      tracks: ['canary', 'baseline', 'stable'],
      start: new Date('2026-01-01T00:00:00Z'),
      end: new Date('2026-01-01T00:08:00Z'),
      stepSeconds: 60,
      timeoutMs: 2000,
    });
    expect(seen.map((p) => [p.get('start'), p.get('end'), p.get('step')])).toEqual(Array(3).fill(['1767225600', '1767226080', '60s']));
    expect(series.stable).toEqual({ problem: 'query failed: unknown track' });
    const metric = prometheusTrackMetric('5xx ratio', series, { canary: 'canary', baseline: 'baseline' });
    expect('problem' in metric).toBe(false);
    const result = judge([metric as Exclude<typeof metric, { problem: string }>]);
    expect(result.verdict).toBe('fail');
    expect(result.metrics[0]).toMatchObject({ source: 'prometheus', canary: { n: 8 }, baseline: { n: 8 } });
    expect(result.metrics[0]!.test).toMatch(/^Mann–Whitney U \(normal approximation, tie-corrected, continuity-corrected\), one-sided/);
  });

  it('reports a Prometheus it cannot reach per track', async () => {
    const series = await queryRangeByTrack({
      url: 'http://127.0.0.1:1',
      query: QUERY,
      tracks: ['canary'],
      start: new Date(0),
      end: new Date(60_000),
      stepSeconds: 15,
      timeoutMs: 1000,
    });
    expect(series.canary).toMatchObject({ problem: expect.stringMatching(/^could not query http:\/\/127\.0\.0\.1:1/) });
    expect(prometheusTrackMetric('x', series, { canary: 'canary', baseline: 'baseline' })).toMatchObject({
      problem: /^canary: could not query/,
    });
  });
});
