import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { buildKubeconfig, loadKubeconfig, parseKubeconfig, removeKubeconfigFile, writeKubeconfigFile } from './kubeconfig';

const { setSecret } = vi.hoisted(() => ({ setSecret: vi.fn() }));
vi.mock('@actions/core', async (importOriginal) => ({ ...(await importOriginal<object>()), setSecret }));
beforeEach(() => setSecret.mockClear());

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** GNU base64's default output: lines of 76 characters. */
const wrapped = (text: string) => b64(text).replace(/.{76}/g, '$&\n');

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
    ['a list, not a mapping', '- a\n- b\n', /mapping with clusters, users and contexts/],
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
      /neither kubeconfig YAML or JSON, nor base64 of one, nor a readable file: no file at \/nonexistent\/kubeconfig\./,
    );
  });
});

/** The same kubeconfig as `kubectl config view --raw -o json` writes it (tab-indented here, which YAML would refuse). */
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJlLXZhbHVl';
const KEY_DATA = b64('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAbcdefghijklmnopqrstuvwxyz0123456789\n-----END EC PRIVATE KEY-----\n');
const asJson = JSON.stringify(
  {
    kind: 'Config',
    apiVersion: 'v1',
    clusters: [{ name: 'prod', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': b64('CA PEM') } }],
    users: [{ name: 'deployer', user: { token: TOKEN, 'client-certificate-data': b64('CERT PEM'), 'client-key-data': KEY_DATA } }],
    contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'deployer', namespace: 'shop' } }],
    'current-context': 'prod',
  },
  null,
  '\t',
);
/** Whatever an error says, none of these may be in it: the credentials, and the input in any form. */
const secretsIn = (text: string) => [TOKEN, KEY_DATA, b64(text), text.slice(0, 40)];

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('kubeconfig input forms', () => {
  it.each([
    ['JSON (kubectl config view -o json)', asJson],
    ['base64 of JSON on one line (base64 -w0)', b64(asJson)],
    ['base64 of JSON wrapped at 76 columns (GNU base64)', wrapped(asJson)],
    ['base64 of YAML wrapped at 76 columns', wrapped(withCert)],
    ['URL-safe base64 of JSON', Buffer.from(asJson).toString('base64url')],
  ])('reads %s', (_form, value) => {
    const credentials = loadKubeconfig(value, { context: value.length && value === wrapped(withCert) ? 'deployer' : undefined });
    expect(credentials.server).toMatch(/^https:\/\/(10\.0\.0\.1|127\.0\.0\.1):6443$/);
    expect(credentials.token).toBe(value === wrapped(withCert) ? 'abc.def' : TOKEN);
  });

  it('masks the token, the key and the base64 form before anything could print them', () => {
    loadKubeconfig(b64(asJson));
    const masked = setSecret.mock.calls.map(([value]) => value);
    expect(masked).toEqual(expect.arrayContaining([TOKEN, KEY_DATA, b64(asJson)]));
  });

  it.each([
    ['base64 of something else', b64(`not a kubeconfig, but secret ${TOKEN}`), /looks like base64, but it does not decode to a kubeconfig/],
    ['wrapped base64 of something else', wrapped(`garbage ${TOKEN} `.repeat(8)), /looks like base64 \(wrapped lines\)/],
    ['JSON cut short', asJson.slice(0, -1), /malformed JSON at line \d+, column \d+\./],
    [
      'base64 of JSON with a syntax error',
      b64(asJson.replace(/,\n\t"current-context"/, '\n\t"current-context"')),
      /malformed JSON at line \d+, column \d+\./,
    ],
    [
      'YAML whose token line is broken',
      withCert.replace('token: abc.def', `token: "${TOKEN}`),
      /malformed YAML at line \d+, column \d+: a closing quote or bracket is missing/,
    ],
    ['a bare token', TOKEN, /not shown: it may hold credentials/],
    [
      'a YAML alias bomb',
      `${withCert}laughs:\n${Array.from({ length: 8 }, (_, level) => `  l${level}: &l${level} [${level === 0 ? '"lol","lol","lol","lol","lol","lol","lol","lol","lol"' : Array.from({ length: 9 }, () => `*l${level - 1}`).join(',')}]`).join('\n')}\n`,
      /aliases \(\*name\) expand into far more data than it holds/,
    ],
  ])('refuses %s without repeating any of it', (_name, value, message) => {
    const text = messageOf(() => loadKubeconfig(value));
    expect(text).toMatch(message);
    expect(text).toMatch(/^Input "kubeconfig"/);
    for (const secret of [...secretsIn(value), value.slice(0, 40), TOKEN.slice(0, 20)]) expect(text).not.toContain(secret);
  });
});

describe('kubeconfig server URLs', () => {
  const withServer = (server: string) => withCert.replace('server: https://127.0.0.1:6443', `server: ${server}`);

  it('refuses an http:// server, as it refuses insecure-skip-tls-verify, unless insecure access is allowed', () => {
    const text = withServer('http://10.0.0.1:8080');
    expect(() => parseKubeconfig(text)).toThrow(
      'Input "kubeconfig" is not a usable kubeconfig: cluster "local" has the plain-HTTP server http://10.0.0.1:8080/: its bearer token and everything the deploy sends would cross the network unencrypted.',
    );
    expect(parseKubeconfig(text, { allowInsecure: true }).server).toBe('http://10.0.0.1:8080');
  });

  it('refuses credentials in the server URL without printing them, and masks them', () => {
    for (const server of ['https://admin:s3cr%40t@10.0.0.1:6443', 'http://admin:s3cr%40t@10.0.0.1:8080', 'ftp://admin:s3cr%40t@host']) {
      const text = messageOf(() => parseKubeconfig(withServer(server), { allowInsecure: true }));
      expect(text).toMatch(/credentials in its server URL|needs a server URL/);
      expect(text).not.toMatch(/s3cr|admin/);
    }
    expect(setSecret.mock.calls.map(([value]) => value)).toEqual(expect.arrayContaining(['admin', 's3cr%40t', 's3cr@t']));
  });
});

describe('kubeconfig tokenFile', () => {
  const withTokenFile = (path: string) => withCert.replace('token: abc.def', `tokenFile: ${path}`);

  it('names a tokenFile that does not exist, as what it is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    expect(() => parseKubeconfig(withTokenFile('token'), { context: 'deployer', baseDir: dir })).toThrow(
      `Input "kubeconfig" is not a usable kubeconfig: user "deployer" reads its token from tokenFile ${join(dir, 'token')}, which does not exist.`,
    );
  });

  it('resolves a tokenFile that is there against the kubeconfig', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    writeFileSync(join(dir, 'token'), 'projected-token\n');
    expect(parseKubeconfig(withTokenFile('token'), { context: 'deployer', baseDir: dir }).tokenFile).toBe(join(dir, 'token'));
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
