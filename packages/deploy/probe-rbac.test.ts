/**
 * The deployer's Role grants the service proxy on the probe Services by name, and the authorizer
 * checks the name segment of the path as sent, port included: the names in deploy/rbac/deployer.yaml
 * must be exactly what the probes send, or every probe is a 403 on both tracks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { serviceProxyPath } from '../analysis/track-probe';
import { probeServiceNames } from './probe-services';

interface Rule {
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
}

const role = parseAllDocuments(readFileSync(join(__dirname, '../../deploy/rbac/deployer.yaml'), 'utf8'))
  .map((d) => d.toJSON() as { kind?: string; rules?: Rule[] })
  .find((d) => d.kind === 'ClusterRole')!;

const rule = (resource: string) => role.rules!.find((r) => r.resources?.includes(resource))!;

describe('the deployer Role and the probes', () => {
  it('grants services/proxy get on exactly the name segments the probes send, and nothing else', () => {
    const sent = probeServiceNames('flask-app').map(
      (service) => /\/services\/([^/]+)\/proxy/.exec(serviceProxyPath('ns', service, '/readyz'))![1],
    );
    expect(sent).toEqual(['flask-app-canary-probe:80', 'flask-app-baseline-probe:80', 'flask-app-stable-probe:80']);
    expect(rule('services/proxy').resourceNames!.sort()).toEqual([...sent].sort());
    expect(rule('services/proxy').verbs).toEqual(['get']);
  });

  it('grants endpoints get on the probe Services alone', () => {
    expect(rule('endpoints').resourceNames!.sort()).toEqual(probeServiceNames('flask-app').sort());
    expect(rule('endpoints').verbs).toEqual(['get']);
  });
});

describe("the deployer Role and the failing containers' logs", () => {
  it('grants pods/log get, namespace-wide (pod names are generated), and nothing that runs or reaches into a pod', () => {
    expect(rule('pods/log')).toEqual({ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] });
    const resources = role.rules!.flatMap((r) => r.resources ?? []);
    for (const refused of ['pods/exec', 'pods/attach', 'pods/portforward', 'secrets', 'pods/proxy', 'nodes/proxy'])
      expect(resources).not.toContain(refused);
    expect(role.rules!.some((r) => r.resources?.includes('pods') && r.verbs?.includes('create'))).toBe(false);
  });
});
