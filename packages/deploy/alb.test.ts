import { describe, expect, it } from 'vitest';
import { forwardAction, ingressRoutesTo, restoredIngress, splitServices, weightedIngress, type Ingress, type Service } from './alb';

const service: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'flask-app', namespace: 'prod', resourceVersion: '9' },
  spec: {
    type: 'NodePort',
    selector: { app: 'flask-app' },
    ports: [{ name: 'http', port: 80, targetPort: 8000, protocol: 'TCP', nodePort: 30080 }],
  },
};

const ingress: Ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'flask-app', namespace: 'prod', annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' } },
  spec: {
    rules: [
      { http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'flask-app', port: { number: 80 } } } }] } },
      {
        host: 'other',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'other', port: { number: 80 } } } }] },
      },
    ],
  },
};

describe('splitServices', () => {
  it('pins stable pods by template hash and canary pods by the track label, without copying node ports', () => {
    const [stable, canary] = splitServices(service, 'abc123');
    expect(stable.metadata.name).toBe('flask-app-stable');
    expect(stable.spec?.selector).toEqual({ app: 'flask-app', 'pod-template-hash': 'abc123' });
    expect(canary.metadata.name).toBe('flask-app-canary');
    expect(canary.spec?.selector).toEqual({ app: 'flask-app', 'flightdeck.dev/track': 'canary' });
    expect(canary.spec?.ports).toEqual([{ name: 'http', port: 80, targetPort: 8000, protocol: 'TCP' }]);
    expect(stable.metadata.resourceVersion).toBeUndefined();
  });
});

describe('weighted ingress', () => {
  it('writes the forward action with exact weights', () => {
    expect(JSON.parse(forwardAction('flask-app', 80, { stable: 90, canary: 10 }))).toEqual({
      type: 'forward',
      forwardConfig: {
        targetGroups: [
          { serviceName: 'flask-app-stable', servicePort: '80', weight: 90 },
          { serviceName: 'flask-app-canary', servicePort: '80', weight: 10 },
        ],
      },
    });
  });

  it('points only the app backends at the action, and round-trips back to the original', () => {
    const weighted = weightedIngress(ingress, 'flask-app', 80, { stable: 75, canary: 25 });
    expect(weighted.spec!.rules![0]!.http!.paths[0]!.backend.service).toEqual({
      name: 'flask-app-weighted',
      port: { name: 'use-annotation' },
    });
    expect(weighted.spec!.rules![1]!.http!.paths[0]!.backend.service!.name).toBe('other');
    expect(ingressRoutesTo(weighted, 'flask-app')).toBe(true);
    const again = weightedIngress(weighted, 'flask-app', 80, { stable: 50, canary: 50 });
    expect(
      JSON.parse(again.metadata.annotations!['alb.ingress.kubernetes.io/actions.flask-app-weighted']!).forwardConfig.targetGroups[1].weight,
    ).toBe(50);
    expect(restoredIngress(again, 'flask-app', 80)).toEqual(ingress);
  });

  it('has nothing to restore on an untouched Ingress', () => {
    expect(restoredIngress(ingress, 'flask-app', 80)).toBeNull();
  });

  it('saves the original backends by host and path, with the format version', () => {
    const weighted = weightedIngress(ingress, 'flask-app', 80, { stable: 90, canary: 10 });
    expect(JSON.parse(weighted.metadata.annotations!['flightdeck.dev/original-backends']!)).toEqual({
      v: 1,
      backends: [{ host: '', path: '/', service: { name: 'flask-app', port: { number: 80 } } }],
    });
  });

  it('restores the right backend after someone adds a rule above it while the canary runs', () => {
    const weighted = weightedIngress(ingress, 'flask-app', 80, { stable: 90, canary: 10 });
    const added = {
      host: 'docs',
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'docs', port: { number: 8080 } } } }] },
    };
    weighted.spec!.rules!.unshift(added);
    const restored = restoredIngress(weighted, 'flask-app', 80)!;
    expect(restored.spec!.rules![0]).toEqual(added);
    expect(restored.spec!.rules![1]).toEqual(ingress.spec!.rules![0]);
    expect(restored.spec!.rules![2]).toEqual(ingress.spec!.rules![1]);
  });

  it('still restores an Ingress weighted before the format had a version (backends by index)', () => {
    const weighted = weightedIngress(ingress, 'flask-app', 80, { stable: 90, canary: 10 });
    // What weightedIngress wrote before versioning: each rewritten backend's index among all backends, and its service as `port`.
    weighted.metadata.annotations!['flightdeck.dev/original-backends'] = '[{"index":0,"port":{"name":"flask-app","port":{"number":80}}}]';
    expect(restoredIngress(weighted, 'flask-app', 80)).toEqual(ingress);
  });

  it('refuses to guess at a record of a newer format, naming the Ingress', () => {
    const weighted = weightedIngress(ingress, 'flask-app', 80, { stable: 90, canary: 10 });
    weighted.metadata.annotations!['flightdeck.dev/original-backends'] = '{"v":2,"routes":{}}';
    expect(() => restoredIngress(weighted, 'flask-app', 80)).toThrow(/Ingress "flask-app" in namespace "prod".*format version 2/);
  });
});
