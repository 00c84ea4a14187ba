import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { parseHttpPath, probeService, probeServiceName, serviceProxyPath } from './track-probe';

describe('probe Services', () => {
  it('selects one track’s pods on a ClusterIP Service named <app>-<track>-probe', () => {
    expect(
      probeService({
        app: 'flask-app',
        namespace: 'shop',
        track: 'canary',
        selector: { app: 'flask-app', 'flightdeck.dev/track': 'canary' },
        targetPort: 'http',
        labels: { 'app.kubernetes.io/managed-by': 'flightdeck' },
      }),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'flask-app-canary-probe', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'flightdeck' } },
      spec: {
        type: 'ClusterIP',
        selector: { app: 'flask-app', 'flightdeck.dev/track': 'canary' },
        ports: [{ name: 'probe', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    });
  });

  it('refuses an empty selector and names too long for a Service', () => {
    expect(() => probeService({ app: 'a', namespace: 'n', track: 'stable', selector: {}, targetPort: 80 })).toThrow(/every pod/);
    expect(() => probeServiceName('a'.repeat(50), 'baseline')).toThrow(/at most 63 characters/);
  });

  it('builds the API server’s service-proxy path', () => {
    expect(serviceProxyPath('shop', 'flask-app-canary-probe', '/readyz?deep=1')).toBe(
      '/api/v1/namespaces/shop/services/flask-app-canary-probe:80/proxy/readyz?deep=1',
    );
    expect(() => serviceProxyPath('shop', 'Bad_Name', '/')).toThrow(RangeError);
  });
});

describe('parseHttpPath', () => {
  it('takes absolute paths, with a query', () => {
    expect(parseHttpPath(' /readyz ', 'http-path')).toBe('/readyz');
    expect(parseHttpPath('/api/items?limit=1', 'http-path')).toBe('/api/items?limit=1');
  });

  it.each([
    ['readyz', 'it must start with "/"'],
    ['//evil.example.com/x', 'it must be a path, not a URL'],
    ['/a/../../etc', 'it must not contain ".."'],
    ['/a#frag', 'it must not contain a fragment'],
    ['/a b', 'it must not contain spaces'],
  ])('refuses %j, naming the input', (raw, why) => {
    expect(() => parseHttpPath(raw, 'http-path')).toThrow(ConfigurationError);
    expect(() => parseHttpPath(raw, 'http-path')).toThrow(
      new RegExp(`^Input "http-path" is invalid: got .*; ${why.replace(/[()"]/g, '.')}`),
    );
  });
});
