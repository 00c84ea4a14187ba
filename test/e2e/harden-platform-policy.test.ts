/**
 * Issue 12, item 6, on the local control plane: what the platform applies per application
 * namespace (deploy/rbac/app-namespace.yaml: Pod Security "restricted"; deploy/rbac/
 * admission-policy.yaml: ValidatingAdmissionPolicies for the deployer) stops the deployer
 * identity (DEPLOYER_KUBECONFIG) from turning its Role into node root or someone else's traffic,
 * while the sample app and Flightdeck's own Ingress changes still go through.
 *
 * test/stack/namespaces.ts prepares every e2e namespace from those files, so the deploy suites
 * run under the same policies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { restoredIngress, weightedIngress, type Ingress } from '../../packages/deploy/alb';
import { REPO_ROOT } from '../stack/env';
import { adminKubeconfigPath, deployerKubeconfigPath, KubeHttp, KubeHttpError } from '../stack/kube-http';
import { RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY, useTestNamespace } from '../stack/namespaces';
import { watchDeployment } from '../stack/watcher';

const IMAGE = 'flightdeck.local/web:1.0.0';
const namespace = useTestNamespace('harden-policy');
let admin: KubeHttp;
let deployer: KubeHttp;

beforeAll(() => {
  admin = KubeHttp.fromKubeconfig(adminKubeconfigPath());
  deployer = KubeHttp.fromKubeconfig(deployerKubeconfigPath());
});

/** The URL path of a namespaced collection or object, e.g. path('apps/v1/deployments') or path('v1/services', 'web'). */
const path = (collection: string, name?: string) => {
  const resource = collection.slice(collection.lastIndexOf('/') + 1);
  const groupVersion = collection.slice(0, collection.lastIndexOf('/'));
  const base = groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`;
  return `${base}/namespaces/${namespace.name}/${resource}${name ? `/${name}` : ''}`;
};

/** The refusal of a request: its HTTP status and the apiserver's message. */
async function refusal(request: Promise<unknown>): Promise<{ status: number; message: string }> {
  const error = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the request should have been refused').toBeInstanceOf(KubeHttpError);
  const { status, body } = error as KubeHttpError;
  return { status, message: (JSON.parse(body) as { message: string }).message };
}

function deployment(name: string, pod: { spec?: Record<string, unknown>; container?: Record<string, unknown> } = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          securityContext: RESTRICTED_POD_SECURITY,
          containers: [{ name: 'web', image: IMAGE, securityContext: RESTRICTED_CONTAINER_SECURITY, ...pod.container }],
          ...pod.spec,
        },
      },
    },
  };
}

describe('the deployer, in an application namespace', () => {
  it('may not create a Deployment with a privileged pod, and no one may run a privileged pod there', async () => {
    const privileged = deployment('privileged', {
      container: { securityContext: { ...RESTRICTED_CONTAINER_SECURITY, privileged: true, allowPrivilegeEscalation: true } },
    });
    const byDeployer = await refusal(deployer.post(path('apps/v1/deployments'), privileged));
    expect(byDeployer.status).toBe(422);
    expect(byDeployer.message).toContain("ValidatingAdmissionPolicy 'flightdeck-deployer-workloads'");
    expect(byDeployer.message).toContain('No container may be privileged');

    // Pod Security stops the pod itself, whoever asks: here the administrator.
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged' },
      spec: { containers: [{ name: 'c', image: IMAGE, securityContext: { privileged: true } }] },
    };
    const byAdmin = await refusal(admin.post(path('v1/pods'), pod));
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.message).toMatch(/violates PodSecurity "restricted:latest": .*privileged/);
  });

  it('may not create a Deployment that mounts a hostPath, nor one on the host network', async () => {
    const hostPath = deployment('host-root', {
      spec: { volumes: [{ name: 'root', hostPath: { path: '/' } }] },
      container: { volumeMounts: [{ name: 'root', mountPath: '/host' }] },
    });
    const refused = await refusal(deployer.post(path('apps/v1/deployments'), hostPath));
    expect(refused.status).toBe(422);
    expect(refused.message).toContain('may not mount a hostPath volume');

    const hostNetwork = await refusal(deployer.post(path('apps/v1/deployments'), deployment('host-net', { spec: { hostNetwork: true } })));
    expect(hostNetwork.message).toContain("may not use the node's network, PID or IPC namespace");
  });

  it('may not make a Service with externalIPs, a load balancer or an ExternalName, but makes a ClusterIP one', async () => {
    const service = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
    });
    const external = await refusal(deployer.post(path('v1/services'), service('grab', { externalIPs: ['198.51.100.7'] })));
    expect(external.status).toBe(422);
    expect(external.message).toContain('may not set spec.externalIPs');
    const balancer = await refusal(deployer.post(path('v1/services'), service('public', { type: 'LoadBalancer' })));
    expect(balancer.message).toContain('Service type LoadBalancer is not approved for the deployer');
    const alias = await refusal(
      deployer.post(path('v1/services'), {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'alias' },
        spec: { type: 'ExternalName', externalName: 'example.com' },
      }),
    );
    expect(alias.message).toContain('Service type ExternalName is not approved');

    await deployer.post(path('v1/services'), service('web', {}));
    // Nor may it add external IPs to a Service that exists.
    const patched = await refusal(deployer.patch(path('v1/services', 'web'), { spec: { externalIPs: ['198.51.100.7'] } }));
    expect(patched.message).toContain('may not set spec.externalIPs');
  });

  describe('Ingresses', () => {
    const ingress: Ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' } },
      spec: {
        ingressClassName: 'alb',
        rules: [
          {
            host: 'app.example',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] },
          },
        ],
      },
    };
    const current = () => deployer.get<Ingress>(path('networking.k8s.io/v1/ingresses', 'web'));
    const replace = (next: Ingress) => deployer.request('PUT', path('networking.k8s.io/v1/ingresses', 'web'), next);

    beforeAll(async () => {
      // The platform makes the Ingress (ADR-6).
      await admin.post(path('networking.k8s.io/v1/ingresses'), ingress);
    });

    it("may make Flightdeck's own change: weights on, then the original backends back", async () => {
      const weighted = weightedIngress(await current(), 'web', 80, { stable: 90, canary: 10 });
      await replace(weighted);
      const reweighed = weightedIngress(await current(), 'web', 80, { stable: 50, canary: 50 });
      await replace(reweighed);
      expect((await current()).spec!.rules![0]!.http!.paths[0]!.backend.service!.name).toBe('web-weighted');
      await replace(restoredIngress(await current(), 'web', 80)!);
      const restored = await current();
      expect(restored.spec!.rules![0]!.http!.paths[0]!.backend.service).toEqual({ name: 'web', port: { number: 80 } });
      expect(Object.keys(restored.metadata.annotations ?? {})).toEqual(['alb.ingress.kubernetes.io/scheme']);
    });

    it('may not rewrite its rules: another path, another host, another Service', async () => {
      const rewrites: ((next: Ingress) => void)[] = [
        (next) =>
          next.spec!.rules![0]!.http!.paths.push({
            path: '/admin',
            pathType: 'Prefix',
            backend: { service: { name: 'admin', port: { number: 80 } } },
          }),
        (next) => (next.spec!.rules![0]!.host = 'other.example'),
        (next) => (next.spec!.rules![0]!.http!.paths[0]!.backend.service = { name: 'someone-else', port: { number: 80 } }),
        (next) => (next.spec!.rules![0]!.http!.paths[0]!.path = '/'.concat('everything')),
      ];
      for (const rewrite of rewrites) {
        const next = await current();
        rewrite(next);
        const refused = await refusal(replace(next));
        expect(refused.status).toBe(422);
        expect(refused.message).toContain("ValidatingAdmissionPolicy 'flightdeck-deployer-ingresses'");
        expect(refused.message).toContain('may only switch an Ingress backend between its Service and');
      }
    });

    it('may not change annotations it does not manage, nor write an ALB action of its own', async () => {
      const scheme = await current();
      scheme.metadata.annotations!['alb.ingress.kubernetes.io/scheme'] = 'internal';
      expect((await refusal(replace(scheme))).message).toContain('may change only the Ingress annotations Flightdeck manages');

      const redirect = weightedIngress(await current(), 'web', 80, { stable: 100, canary: 0 });
      redirect.metadata.annotations!['alb.ingress.kubernetes.io/actions.web-weighted'] = JSON.stringify({
        type: 'redirect',
        redirectConfig: { host: 'attacker.example', statusCode: 'HTTP_302' },
      });
      expect((await refusal(replace(redirect))).message).toContain(
        "An ALB action the deployer writes must be Flightdeck's weighted forward",
      );

      const tls = await current();
      tls.spec!.tls = [{ hosts: ['app.example'], secretName: 'stolen' }];
      expect((await refusal(replace(tls))).message).toContain("may not change an Ingress's class or TLS settings");
    });
  });

  it('still deploys the sample app: its Deployment, Service and PodDisruptionBudget roll out under "restricted"', async () => {
    const manifest = (file: string) =>
      parseYaml(readFileSync(join(REPO_ROOT, 'examples/flask-app/k8s', file), 'utf8')) as Record<string, unknown>;
    const app = manifest('deployment.yaml') as ReturnType<typeof deployment>;
    app.spec.template.spec.containers[0]!.image = 'flightdeck.local/flask-app:1.0.0';
    const rollout = await watchDeployment({ namespace: namespace.name, name: 'flask-app' });
    await deployer.post(path('apps/v1/deployments'), app);
    await deployer.post(path('v1/services'), manifest('service.yaml'));
    await deployer.post(path('policy/v1/poddisruptionbudgets'), manifest('pdb.yaml'));
    // The platform applies the NetworkPolicy; the deployer can see it.
    await admin.post(path('networking.k8s.io/v1/networkpolicies'), manifest('networkpolicy.yaml'));
    await deployer.get(path('networking.k8s.io/v1/networkpolicies', 'flask-app'));
    await rollout.waitFor((o) => o.availableReplicas === 3 && o.updatedReplicas === 3, {
      timeoutMs: 120_000,
      what: 'the sample app available',
    });
    await rollout.stop();
  });
});
