import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { buildKubeconfig, loadKubeconfig, parseKubeconfig, removeKubeconfigFile, writeKubeconfigFile } from './kubeconfig';

const b64 = (text: string) => Buffer.from(text).toString('base64');

const withCert = `
apiVersion: v1
kind: Config
current-context: admin
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${b64('CA PEM')}
users:
- name: admin
  user:
    client-certificate-data: ${b64('CERT PEM')}
    client-key-data: ${b64('KEY PEM')}
- name: deployer
  user:
    token: abc.def
contexts:
- name: admin
  context: { cluster: local, user: admin }
- name: deployer
  context: { cluster: local, user: deployer, namespace: shop }
`;

describe('parseKubeconfig', () => {
  it('resolves current-context to server, CA and client certificate', () => {
    const c = parseKubeconfig(withCert);
    expect(c).toMatchObject({ contextName: 'admin', server: 'https://127.0.0.1:6443', insecureSkipTlsVerify: false });
    expect(c.ca?.toString()).toBe('CA PEM');
    expect(c.cert?.toString()).toBe('CERT PEM');
    expect(c.key?.toString()).toBe('KEY PEM');
    expect(c.token).toBeUndefined();
  });

  it('uses a chosen context, its token and namespace', () => {
    const c = parseKubeconfig(withCert, { context: 'deployer' });
    expect(c).toMatchObject({ token: 'abc.def', namespace: 'shop' });
  });

  it('reads certificate files relative to the kubeconfig', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    writeFileSync(join(dir, 'ca.crt'), 'FILE CA');
    const text = withCert.replace(/certificate-authority-data: .*/, 'certificate-authority: ca.crt');
    writeFileSync(join(dir, 'config'), text);
    expect(loadKubeconfig(join(dir, 'config')).ca?.toString()).toBe('FILE CA');
  });

  it('accepts base64 of the contents (a common way to store it in a secret)', () => {
    expect(loadKubeconfig(b64(withCert)).server).toBe('https://127.0.0.1:6443');
  });

  const bad: [string, string, RegExp][] = [
    ['malformed YAML', 'clusters: [\n  - name: x\n  bad: : :', /malformed YAML at line/],
    ['a list, not a mapping', '- a\n- b\n', /YAML mapping/],
    ['no current-context', withCert.replace('current-context: admin', ''), /no current-context/],
    [
      'an unknown context',
      withCert.replace('current-context: admin', 'current-context: nope'),
      /context "nope" is not among its contexts \("admin", "deployer"\)/,
    ],
    ['no server', withCert.replace('server: https://127.0.0.1:6443', 'server: ""'), /needs a server URL/],
    [
      'insecure-skip-tls-verify',
      withCert.replace('server: https', 'insecure-skip-tls-verify: true\n    server: https'),
      /insecure-skip-tls-verify/,
    ],
    [
      'an exec plugin',
      withCert.replace('token: abc.def', 'exec: { command: aws }').replace('current-context: admin', 'current-context: deployer'),
      /exec plugin.*cluster-name/,
    ],
    ['a certificate without a key', withCert.replace(/client-key-data: .*/, ''), /certificate but no key/],
  ];
  it.each(bad)('refuses %s with a ConfigurationError naming the input', (_name, text, message) => {
    const run = () => parseKubeconfig(text);
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(message);
    expect(run).toThrow(/Input "kubeconfig"/);
  });

  it('allows insecure-skip-tls-verify only when asked', () => {
    const text = withCert.replace('server: https', 'insecure-skip-tls-verify: true\n    server: https');
    expect(parseKubeconfig(text, { allowInsecure: true }).insecureSkipTlsVerify).toBe(true);
  });

  it('names a missing file', () => {
    expect(() => loadKubeconfig('/nonexistent/kubeconfig')).toThrow(
      /neither kubeconfig YAML nor a readable file: no file at \/nonexistent\/kubeconfig/,
    );
  });
});

describe('kubeconfig files', () => {
  it('writes 0600 under RUNNER_TEMP and removes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-temp-'));
    const text = buildKubeconfig({ name: 'eks', server: 'https://x.eks.amazonaws.com', ca: Buffer.from('CA'), token: 'k8s-aws-v1.abc' });
    const path = writeKubeconfigFile(text, dir);
    expect(path.startsWith(dir)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(parseKubeconfig(readFileSync(path, 'utf8')).token).toBe('k8s-aws-v1.abc');
    removeKubeconfigFile(path);
    expect(existsSync(path)).toBe(false);
    removeKubeconfigFile(path);
  });
});
