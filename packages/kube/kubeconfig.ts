import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ConfigurationError, cutForDisplay } from '../core/errors';
import { maskSecret } from '../core/log';
import { maskUserinfo, redactUrl } from '../core/url';
import { eksExecUser, type EksExecUser } from './kubeconfig-exec';
import { readKubeconfigSource } from './kubeconfig-source';

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
  /** An exec user that makes an EKS token (aws eks get-token, aws-iam-authenticator): made in-process by the caller. */
  eks?: EksExecUser;
}

export interface KubeconfigOptions {
  /** Use this context instead of current-context. */
  context?: string;
  /**
   * Accept `insecure-skip-tls-verify: true` and an http:// server. Both are refused by default: the
   * first lets anyone on the path impersonate the cluster, the second sends the token in clear.
   */
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
 * Read the `kubeconfig` input: YAML or JSON contents, base64 of them (how many teams store it in
 * a secret; one line or wrapped), or a path to a file. Errors never repeat the value.
 */
export function loadKubeconfig(contentsOrPath: string, options: KubeconfigOptions = {}): KubeconfigCredentials {
  const input = options.input ?? 'kubeconfig';
  const source = readKubeconfigSource(contentsOrPath, input);
  return parseKubeconfig(source.text, {
    ...options,
    input,
    format: source.format,
    ...(source.path ? { baseDir: dirname(source.path), source: source.path } : {}),
    ...(source.from === 'base64' ? { source: 'decoded from base64' } : {}),
  });
}

/**
 * Parse kubeconfig YAML (or JSON) and resolve its current (or chosen) context. Relative file
 * paths resolve against baseDir. Secret values found are masked before anything else happens.
 */
export function parseKubeconfig(
  text: string,
  options: KubeconfigOptions & { baseDir?: string; source?: string; format?: 'yaml' | 'json' } = {},
): KubeconfigCredentials {
  const input = options.input ?? 'kubeconfig';
  const from = options.source ? ` (${options.source})` : '';
  const fail = (problem: string) => new ConfigurationError(`Input "${input}"${from} is not a usable kubeconfig: ${problem}`, input);
  const doc = parseDocument(text, options.format ?? (text.trimStart().startsWith('{') ? 'json' : 'yaml'), fail);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw fail('expected a YAML or JSON mapping with clusters, users and contexts.');
  const config = doc as Raw;
  maskSecrets(config);

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

  const insecureSkipTlsVerify = cluster['insecure-skip-tls-verify'] === true;
  const server = checkServer(cluster.server, clusterName!, Boolean(options.allowInsecure), fail);
  if (insecureSkipTlsVerify && !options.allowInsecure) {
    throw fail(
      `cluster "${clusterName}" sets insecure-skip-tls-verify: true. Give its certificate-authority-data instead; skipping TLS verification lets anyone on the network path impersonate the cluster.`,
    );
  }
  if (user['auth-provider']) {
    throw fail(
      `user "${userName}" authenticates with an auth-provider, which this action does not run. For EKS, pass "cluster-name" and a region instead; otherwise use a kubeconfig with a token or client certificate.`,
    );
  }
  const eks = user.exec ? eksExecUser(user.exec, userName, fail) : undefined;

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
    tokenFile: typeof user.tokenFile === 'string' ? checkTokenFile(user.tokenFile, userName, options.baseDir, fail) : undefined,
    insecureSkipTlsVerify,
    tlsServerName: (cluster['tls-server-name'] as string | undefined) ?? undefined,
    namespace: (context.namespace as string | undefined) ?? undefined,
    ...(eks ? { eks } : {}),
  };
  if (Boolean(credentials.cert) !== Boolean(credentials.key)) {
    throw fail(
      `user "${userName}" has a client ${credentials.cert ? 'certificate but no key' : 'key but no certificate'}; give both client-certificate-data and client-key-data.`,
    );
  }
  if (!credentials.cert && !credentials.token && !credentials.tokenFile && !credentials.eks) {
    throw fail(`user "${userName ?? ''}" has no credentials: give a token, a tokenFile, or client-certificate-data with client-key-data.`);
  }
  return credentials;
}

/**
 * JSON first for text that starts with "{" (`kubectl config view -o json`; JSON may hold tabs,
 * which YAML refuses), then YAML. Parse errors give a position and a kind, never the text: a
 * kubeconfig's lines are its secrets.
 */
function parseDocument(text: string, format: 'yaml' | 'json', fail: (problem: string) => Error): unknown {
  let jsonProblem: string | undefined;
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      jsonProblem = describeJsonError(error as Error, text);
    }
  }
  try {
    return parseYaml(text);
  } catch (error) {
    if (jsonProblem) throw fail(`malformed JSON${jsonProblem}.`);
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw fail('its YAML aliases (*name) expand into far more data than it holds, as a resource-exhaustion file does; it is refused.');
    }
    const yamlError = error as { code?: string; linePos?: { line: number; col: number }[] };
    const where = yamlError.linePos?.[0];
    throw fail(
      `malformed YAML${where ? ` at line ${where.line}, column ${where.col}` : ''}: ${yamlErrorKind(yamlError.code)}. The text is not shown: it holds credentials.`,
    );
  }
}

/** V8's JSON errors quote the text around the fault; keep only the position. */
function describeJsonError(error: Error, text: string): string {
  const position = /at position (\d+)/.exec(error.message)?.[1];
  if (position === undefined) return '';
  const before = text.slice(0, Number(position)).split('\n');
  return ` at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** The yaml library's error codes in words; its messages may quote the offending line. */
function yamlErrorKind(code: string | undefined): string {
  const known: Record<string, string> = {
    BAD_INDENT: 'bad indentation',
    TAB_AS_INDENT: 'a tab used for indentation',
    DUPLICATE_KEY: 'a key appears twice in one mapping',
    MULTILINE_IMPLICIT_KEY: 'a key spans several lines',
    MISSING_CHAR: 'a closing quote or bracket is missing',
    BLOCK_AS_IMPLICIT_KEY: 'a nested mapping where a key was expected',
    UNEXPECTED_TOKEN: 'an unexpected character',
  };
  return (code && known[code]) ?? (code ? code.toLowerCase().replace(/_/g, ' ') : 'not YAML');
}

/** Mask what would be a credential if anything printed it: tokens, passwords, keys, and credentials in server URLs. */
function maskSecrets(config: Raw): void {
  for (const entry of Array.isArray(config.users) ? (config.users as NamedEntry<Raw>[]) : []) {
    const user = entry?.user as Raw | undefined;
    if (!user || typeof user !== 'object') continue;
    for (const field of ['token', 'password', 'client-key-data']) {
      if (typeof user[field] === 'string') maskSecret(user[field] as string);
    }
  }
  for (const entry of Array.isArray(config.clusters) ? (config.clusters as NamedEntry<Raw>[]) : []) {
    const server = (entry?.cluster as Raw | undefined)?.server;
    if (typeof server !== 'string') continue;
    try {
      maskUserinfo(new URL(server));
    } catch {
      // not a URL: checkServer refuses it when it is the one in use
    }
  }
}

/**
 * An https:// apiserver URL without credentials. http:// is refused like insecure-skip-tls-verify:
 * the bearer token would cross the network in clear. The URL is shown without its userinfo.
 */
function checkServer(server: unknown, clusterName: string, allowInsecure: boolean, fail: (problem: string) => Error): string {
  let url: URL | undefined;
  try {
    url = typeof server === 'string' ? new URL(server) : undefined;
  } catch {
    url = undefined;
  }
  const shown = typeof server === 'string' ? JSON.stringify(cutForDisplay(redactUrl(server))) : '""';
  if (!url || !['https:', 'http:'].includes(url.protocol)) {
    throw fail(`cluster "${clusterName}" needs a server URL such as https://host:6443 (got ${shown}).`);
  }
  if (url.username || url.password) {
    throw fail(
      `cluster "${clusterName}" has credentials in its server URL (user:password@, not shown). Remove them: the kubeconfig user's token or client certificate authenticates.`,
    );
  }
  if (url.protocol === 'http:' && !allowInsecure) {
    throw fail(
      `cluster "${clusterName}" has the plain-HTTP server ${redactUrl(url)}: its bearer token and everything the deploy sends would cross the network unencrypted. Use the apiserver's https:// address, with its certificate-authority-data.`,
    );
  }
  return server as string;
}

/** A tokenFile must be there when the run starts; a missing one is a setup mistake, not a network failure. */
function checkTokenFile(path: string, userName: string | undefined, baseDir: string | undefined, fail: (problem: string) => Error): string {
  const full = resolve(baseDir ?? process.cwd(), path);
  try {
    accessSync(full, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'which does not exist' : code === 'EACCES' ? 'which this job may not read' : `which cannot be read (${code})`;
    throw fail(
      `user "${userName ?? ''}" reads its token from tokenFile ${full}, ${why}. Create the file before this step (e.g. a projected service-account token), or give the token itself.`,
    );
  }
  if (!statSync(full).isFile()) throw fail(`user "${userName ?? ''}" has tokenFile ${full}, which is not a file.`);
  return full;
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
