import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ConfigurationError } from '../core/errors';

/** Everything needed to reach one cluster as one user. */
export interface KubeconfigCredentials {
  contextName: string;
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** A static bearer token (users[].user.token). */
  token?: string;
  /** A token file re-read on each refresh (users[].user.tokenFile), as projected service-account tokens rotate. */
  tokenFile?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  /** The context's default namespace, if any. */
  namespace?: string;
}

export interface KubeconfigOptions {
  /** Use this context instead of current-context. */
  context?: string;
  /** Accept `insecure-skip-tls-verify: true`. Refused by default: it lets anyone on the path impersonate the cluster. */
  allowInsecure?: boolean;
  /** The action input to name in errors. Default "kubeconfig". */
  input?: string;
}

interface NamedEntry<T> {
  name?: string;
  [key: string]: unknown;
  value?: T;
}

type Raw = Record<string, unknown>;

/**
 * Read the `kubeconfig` input: YAML contents, base64 of them (how many teams
 * store it in a secret), or a path to a file.
 */
export function loadKubeconfig(contentsOrPath: string, options: KubeconfigOptions = {}): KubeconfigCredentials {
  const input = options.input ?? 'kubeconfig';
  const text = contentsOrPath.trim();
  if (text === '') throw new ConfigurationError(`Input "${input}" is empty. Give the kubeconfig's contents or a path to it.`, input);
  if (looksLikeYaml(text)) return parseKubeconfig(text, { ...options, input });
  const decoded = decodeBase64Kubeconfig(text);
  if (decoded) return parseKubeconfig(decoded, { ...options, input });
  const path = resolve(text);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new ConfigurationError(
      `Input "${input}" is neither kubeconfig YAML nor a readable file: no file at ${path}. Pass the kubeconfig's contents (e.g. from a secret) or the path of a file the job created.`,
      input,
    );
  }
  return parseKubeconfig(readFileSync(path, 'utf8'), { ...options, input, baseDir: dirname(path), source: path });
}

function looksLikeYaml(text: string): boolean {
  return text.includes('\n') || text.startsWith('{') || /^apiVersion\s*:/.test(text);
}

function decodeBase64Kubeconfig(text: string): string | undefined {
  if (!/^[A-Za-z0-9+/=_-]{40,}$/.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  return /\bclusters\s*:/.test(decoded) ? decoded : undefined;
}

/** Parse kubeconfig YAML and resolve its current (or chosen) context. Relative file paths resolve against baseDir. */
export function parseKubeconfig(
  text: string,
  options: KubeconfigOptions & { baseDir?: string; source?: string } = {},
): KubeconfigCredentials {
  const input = options.input ?? 'kubeconfig';
  const from = options.source ? ` (${options.source})` : '';
  const fail = (problem: string) => new ConfigurationError(`Input "${input}"${from} is not a usable kubeconfig: ${problem}`, input);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    const where = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw fail(`malformed YAML${where ? ` at line ${where.line}, column ${where.col}` : ''}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw fail('expected a YAML mapping with clusters, users and contexts.');
  const config = doc as Raw;

  const contextName = options.context ?? (config['current-context'] as string | undefined);
  if (!contextName) throw fail('it has no current-context. Set current-context to one of its contexts.');
  const context = findNamed(config.contexts, 'context', contextName);
  if (!context) throw fail(`context "${contextName}" is not among its contexts (${names(config.contexts)}).`);
  const clusterName = context.cluster as string | undefined;
  const userName = context.user as string | undefined;
  const cluster = clusterName ? findNamed(config.clusters, 'cluster', clusterName) : undefined;
  if (!cluster)
    throw fail(
      `context "${contextName}" refers to cluster "${clusterName ?? ''}", which is not among its clusters (${names(config.clusters)}).`,
    );
  const user = userName ? (findNamed(config.users, 'user', userName) ?? {}) : {};

  const server = cluster.server as string | undefined;
  if (!server || !/^https?:\/\//.test(server))
    throw fail(`cluster "${clusterName}" needs a server URL such as https://host:6443 (got ${JSON.stringify(server ?? '')}).`);
  const insecureSkipTlsVerify = cluster['insecure-skip-tls-verify'] === true;
  if (insecureSkipTlsVerify && !options.allowInsecure) {
    throw fail(
      `cluster "${clusterName}" sets insecure-skip-tls-verify: true. Give its certificate-authority-data instead; skipping TLS verification lets anyone on the network path impersonate the cluster.`,
    );
  }
  if (user.exec || user['auth-provider']) {
    throw fail(
      `user "${userName}" authenticates with an ${user.exec ? 'exec plugin' : 'auth-provider'}, which this action does not run. For EKS, pass "cluster-name" and a region instead; otherwise use a kubeconfig with a token or client certificate.`,
    );
  }

  const readFile = (field: string, path: unknown): Buffer => {
    const full = isAbsolute(String(path)) ? String(path) : join(options.baseDir ?? process.cwd(), String(path));
    try {
      return readFileSync(full);
    } catch {
      throw fail(`${field} points to ${full}, which cannot be read. Embed it as ${field}-data instead.`);
    }
  };
  const material = (owner: Raw, field: string): Buffer | undefined => {
    const data = owner[`${field}-data`];
    if (typeof data === 'string' && data.trim() !== '') return Buffer.from(data, 'base64');
    const path = owner[field];
    if (typeof path === 'string' && path !== '') return readFile(field, path);
    return undefined;
  };

  const credentials: KubeconfigCredentials = {
    contextName,
    server,
    ca: material(cluster, 'certificate-authority'),
    cert: material(user, 'client-certificate'),
    key: material(user, 'client-key'),
    token: typeof user.token === 'string' && user.token !== '' ? user.token : undefined,
    tokenFile: typeof user.tokenFile === 'string' ? resolve(options.baseDir ?? process.cwd(), user.tokenFile) : undefined,
    insecureSkipTlsVerify,
    tlsServerName: (cluster['tls-server-name'] as string | undefined) ?? undefined,
    namespace: (context.namespace as string | undefined) ?? undefined,
  };
  if (Boolean(credentials.cert) !== Boolean(credentials.key)) {
    throw fail(
      `user "${userName}" has a client ${credentials.cert ? 'certificate but no key' : 'key but no certificate'}; give both client-certificate-data and client-key-data.`,
    );
  }
  if (!credentials.cert && !credentials.token && !credentials.tokenFile) {
    throw fail(`user "${userName ?? ''}" has no credentials: give a token, a tokenFile, or client-certificate-data with client-key-data.`);
  }
  return credentials;
}

function findNamed(list: unknown, field: string, name: string): Raw | undefined {
  if (!Array.isArray(list)) return undefined;
  const entry = (list as NamedEntry<Raw>[]).find((item) => item?.name === name);
  const value = entry?.[field];
  return value && typeof value === 'object' ? (value as Raw) : entry ? {} : undefined;
}

function names(list: unknown): string {
  if (!Array.isArray(list) || list.length === 0) return 'none';
  return (list as NamedEntry<Raw>[]).map((item) => `"${item?.name ?? '?'}"`).join(', ');
}

/** A minimal kubeconfig (e.g. for kubectl in later steps) for a server, CA and bearer token. */
export function buildKubeconfig(params: { name: string; server: string; ca?: Buffer; token: string; namespace?: string }): string {
  return stringifyYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: params.name,
        cluster: { server: params.server, ...(params.ca ? { 'certificate-authority-data': params.ca.toString('base64') } : {}) },
      },
    ],
    users: [{ name: params.name, user: { token: params.token } }],
    contexts: [
      {
        name: params.name,
        context: { cluster: params.name, user: params.name, ...(params.namespace ? { namespace: params.namespace } : {}) },
      },
    ],
    'current-context': params.name,
  });
}

/**
 * Write a kubeconfig under RUNNER_TEMP (or the OS temp dir) readable only by
 * the runner's user (0600). Keep the returned path in state so the post step
 * can remove it with removeKubeconfigFile.
 */
export function writeKubeconfigFile(contents: string, directory = process.env.RUNNER_TEMP || tmpdir()): string {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `flightdeck-kubeconfig-${randomBytes(6).toString('hex')}.yaml`);
  // mode on create, so the file is never readable by others, not even briefly.
  writeFileSync(path, contents, { mode: 0o600, flag: 'wx' });
  return path;
}

/** Remove a kubeconfig written by writeKubeconfigFile. Missing is fine (the post step may run twice). */
export function removeKubeconfigFile(path: string | undefined): void {
  if (path) rmSync(path, { force: true });
}
