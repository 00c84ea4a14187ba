import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Deployment } from '../kube/types';
import { trafficRecordOf } from './canary';
import { ANNOTATION_TRAFFIC } from './keys';
import { encodeReleaseRecord, encodeTrafficRecord, parseOriginalBackends, parseReleaseRecord, parseTrafficRecord } from './records';

const canary = (traffic?: string): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web-canary', namespace: 'prod', annotations: traffic === undefined ? {} : { [ANNOTATION_TRAFFIC]: traffic } },
  spec: { template: {} },
});

const alb = { service: 'web', port: 80, ingresses: ['web'] };

describe('the traffic record on the canary', () => {
  it('is written with its format version', () => {
    expect(JSON.parse(encodeTrafficRecord({ mode: 'alb', alb }))).toEqual({ v: 1, mode: 'alb', alb });
    expect(trafficRecordOf(canary(encodeTrafficRecord({ mode: 'alb', alb })))).toEqual({ mode: 'alb', alb });
    expect(trafficRecordOf(canary(encodeTrafficRecord({ mode: 'pod' })))).toEqual({ mode: 'pod' });
  });

  it('reads the records written before versioning, as today’s releases left them', () => {
    // Exactly what JSON.stringify(traffic) wrote on the canary before the format had a version.
    expect(trafficRecordOf(canary('{"mode":"alb","alb":{"service":"web","port":80,"ingresses":["web"]}}'))).toEqual({ mode: 'alb', alb });
    expect(trafficRecordOf(canary('{"mode":"pod"}'))).toEqual({ mode: 'pod' });
  });

  it('means pod mode when the canary has no record', () => {
    expect(trafficRecordOf(canary())).toEqual({ mode: 'pod' });
  });

  it('fails loudly on a version it cannot read, naming the object, instead of taking it for pod mode', () => {
    expect(() => trafficRecordOf(canary('{"v":2,"mode":"alb","routes":[]}'))).toThrow(
      'Deployment "web-canary" in namespace "prod": annotation flightdeck.dev/traffic has format version 2, and this Flightdeck reads only version 1.',
    );
  });

  it.each([
    ['not JSON', '{mode: alb}'],
    ['ALB without its target', '{"v":1,"mode":"alb"}'],
    ['a target missing its port', '{"mode":"alb","alb":{"service":"web","ingresses":["web"]}}'],
    ['an unknown mode', '{"v":1,"mode":"istio"}'],
    ['not an object', '"alb"'],
  ])('refuses %s, naming the object', (_case, raw) => {
    expect(() => parseTrafficRecord(raw, canary())).toThrow(
      /^Deployment "web-canary" in namespace "prod": annotation flightdeck.dev\/traffic is not a record/,
    );
  });
});

describe('the original backends on the Ingress', () => {
  const ingress = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'prod' } };

  it('reads format 1 by route, and the unversioned list by index', () => {
    expect(
      parseOriginalBackends(
        '{"v":1,"backends":[{"default":true,"service":{"name":"web"}},{"host":"","path":"/","service":{"name":"web","port":{"number":80}}}]}',
        ingress,
      ),
    ).toEqual({
      by: 'route',
      backends: [
        { route: { default: true }, service: { name: 'web' } },
        { route: { host: '', path: '/' }, service: { name: 'web', port: { number: 80 } } },
      ],
    });
    expect(parseOriginalBackends('[{"index":1,"port":{"name":"web","port":{"number":80}}}]', ingress)).toEqual({
      by: 'index',
      backends: [{ index: 1, service: { name: 'web', port: { number: 80 } } }],
    });
  });

  it('fails loudly on an unknown version or a broken record, naming the Ingress', () => {
    expect(() => parseOriginalBackends('{"v":7,"backends":[]}', ingress)).toThrow(
      /^Ingress "web" in namespace "prod": annotation flightdeck.dev\/original-backends has format version 7/,
    );
    expect(() => parseOriginalBackends('[{"index":"0"}]', ingress)).toThrow(/Ingress "web" in namespace "prod".*not a record/);
    expect(() => parseOriginalBackends('{"v":1,"backends":[{"path":"/","service":{"name":"web"}}]}', ingress)).toThrow(/a host and path/);
  });
});

describe('the release record on the canary', () => {
  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'prod' },
    spec: { template: { spec: { containers: [{ name: 'web', image: 'repo/web:2', env: [{ name: 'MODE', value: 'b' }] }] } } },
  };
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } };

  it('round-trips the rendered Deployment and the objects to apply, gzipped in the versioned JSON', () => {
    const raw = encodeReleaseRecord({ deployment, apply: [service] });
    expect(JSON.parse(raw)).toMatchObject({ v: 1, gzip: expect.any(String) });
    expect(parseReleaseRecord(raw, canary())).toEqual({ deployment, apply: [service] });
  });

  it('never carries a Secret', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { url: 'postgres://u:p@db' } };
    expect(() => encodeReleaseRecord({ deployment, apply: [secret] })).toThrow('A Secret must never be recorded');
  });

  it.each([
    ['no gzip field', '{"v":1}'],
    ['gzip that is not gzip', '{"v":1,"gzip":"bm90IGd6aXA="}'],
    ['a release without a Deployment', JSON.stringify({ v: 1, gzip: gzipSync('{"apply":[]}').toString('base64') })],
  ])('refuses %s, naming the object', (_case, raw) => {
    expect(() => parseReleaseRecord(raw, canary())).toThrow(
      /^Deployment "web-canary" in namespace "prod": annotation flightdeck.dev\/release is not a record/,
    );
  });
});
