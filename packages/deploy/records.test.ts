import { describe, expect, it } from 'vitest';
import type { Deployment } from '../kube/types';
import { trafficRecordOf } from './canary';
import { ANNOTATION_TRAFFIC } from './keys';
import { encodeTrafficRecord, parseOriginalBackends, parseTrafficRecord } from './records';

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
