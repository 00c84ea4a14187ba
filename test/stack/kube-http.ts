/**
 * A deliberately small Kubernetes REST client for the e2e tests' own checks.
 *
 * It shares no code with packages/kube on purpose: the tests use it as an
 * independent oracle of what the cluster did, so a bug in the product's
 * client cannot hide itself. It speaks HTTPS with node:https and
 * authenticates with the kubeconfig's client certificate or bearer token.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface KubeCredentials {
  server: URL;
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
}

/** The admin kubeconfig of the local stack (KUBECONFIG from .stack/env). */
export function adminKubeconfigPath(): string {
  return process.env.KUBECONFIG ?? resolve(process.cwd(), '.stack/k8s/admin.kubeconfig');
}

/** The deployer ServiceAccount's kubeconfig (DEPLOYER_KUBECONFIG from .stack/env). */
export function deployerKubeconfigPath(): string {
  return process.env.DEPLOYER_KUBECONFIG ?? resolve(process.cwd(), '.stack/k8s/deployer.kubeconfig');
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string } }[];
  users?: {
    name: string;
    user: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string };
  }[];
}

const fromBase64 = (data: string | undefined): Buffer | undefined => (data === undefined ? undefined : Buffer.from(data, 'base64'));

/** Reads the current context of a self-contained kubeconfig (…-data fields, as the stack writes them). */
export function loadKubeconfig(path: string): KubeCredentials {
  const config = parseYaml(readFileSync(path, 'utf8')) as KubeconfigFile;
  const contextName = config['current-context'];
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context?.user)?.user;
  if (!context || !cluster || !user) {
    throw new Error(`${path}: current-context "${contextName}" does not name a cluster and a user; is the stack up?`);
  }
  const ca = fromBase64(cluster['certificate-authority-data']);
  if (!ca) throw new Error(`${path}: cluster "${context.cluster}" has no certificate-authority-data`);
  return {
    server: new URL(cluster.server),
    ca,
    cert: fromBase64(user['client-certificate-data']),
    key: fromBase64(user['client-key-data']),
    token: user.token,
  };
}

/** A non-2xx answer; status is the HTTP code, body the apiserver's Status object when it sent one. */
export class KubeHttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path} answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'KubeHttpError';
  }
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchHandle {
  /** Settles when the stream ends, on its own or after close(). */
  done: Promise<void>;
  close(): void;
}

export class KubeHttp {
  constructor(readonly credentials: KubeCredentials) {}

  static fromKubeconfig(path: string): KubeHttp {
    return new KubeHttp(loadKubeconfig(path));
  }

  private options(method: string, path: string, headers: Record<string, string>): RequestOptions {
    const { server, ca, cert, key, token } = this.credentials;
    return {
      method,
      host: server.hostname,
      port: server.port || 443,
      path,
      ca,
      cert,
      key,
      headers: {
        Accept: 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
    };
  }

  /** One request; resolves to the parsed JSON body, rejects with KubeHttpError on a non-2xx answer. */
  request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = payload === undefined ? {} : { 'Content-Type': contentType };
    return new Promise<T>((resolvePromise, reject) => {
      const req = httpsRequest(this.options(method, path, headers), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(new KubeHttpError(method, path, status, text));
            return;
          }
          resolvePromise((text ? JSON.parse(text) : undefined) as T);
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** A JSON merge patch. */
  patch<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body, 'application/merge-patch+json');
  }

  delete<T = unknown>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /**
   * Streams watch events of `path` (a collection URL with its query, watch=1
   * is added) to onEvent, one JSON object per line as the apiserver sends them.
   */
  watch<T>(path: string, onEvent: (event: WatchEvent<T>) => void): WatchHandle {
    const separator = path.includes('?') ? '&' : '?';
    const fullPath = `${path}${separator}watch=1&allowWatchBookmarks=true`;
    let close = (): void => {};
    let closedByUs = false;
    const done = new Promise<void>((resolvePromise, reject) => {
      const req = httpsRequest(this.options('GET', fullPath, {}), (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => reject(new KubeHttpError('GET', fullPath, status, Buffer.concat(chunks).toString('utf8'))));
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let newline = buffered.indexOf('\n');
          while (newline >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
            newline = buffered.indexOf('\n');
          }
        });
        res.on('end', () => resolvePromise());
        res.on('error', (error) => (closedByUs ? resolvePromise() : reject(error)));
        // A stream cut without 'end' (apiserver restart) also ends the watch; callers resume from their last resourceVersion.
        res.on('close', () => resolvePromise());
      });
      req.on('error', (error) => (closedByUs ? resolvePromise() : reject(error)));
      req.on('close', () => closedByUs && resolvePromise());
      close = () => {
        closedByUs = true;
        req.destroy();
      };
      req.end();
    });
    return { done, close: () => close() };
  }
}
