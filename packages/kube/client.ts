import * as http from 'node:http';
import * as https from 'node:https';
import { proxyAgentOptions } from '../core/proxy';
import { redactUrlsIn } from '../core/redact';
import { errorFromResponse, KubeTokenError, KubeUnreachableError, type KubeErrorContext } from './errors';
import { groupVersionPath, knownResource, resourcePath, type ResourceInfo, type ResourceRef } from './resources';
import type { KubeList, KubeObject, KubeStatus } from './types';

/**
 * Returns the bearer token for the next request. `forceRefresh` is true after
 * a 401, so a provider of short-lived tokens (EKS) can mint a new one.
 */
export type TokenProvider = (forceRefresh: boolean) => Promise<string> | string;

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * While the apiserver has never answered, network errors are retried only this long: a refused
   * connection at the start is a wrong address or a cluster that is down, and is reported at once.
   */
  startupBudgetMs: number;
}

export interface KubeClientOptions {
  /** https://host:port of the apiserver (http:// is accepted for local fakes). */
  server: string;
  /** PEM CA bundle that signed the apiserver's certificate. */
  ca?: string | Buffer;
  /** PEM client certificate and key, for kubeconfigs with client-certificate auth. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Bearer token source (static token, token file, EKS token). */
  token?: TokenProvider;
  /** Only when the kubeconfig says insecure-skip-tls-verify and the caller allowed it. */
  insecureSkipTlsVerify?: boolean;
  /** TLS server name override (kubeconfig tls-server-name). */
  tlsServerName?: string;
  userAgent?: string;
  /** Per-request inactivity timeout for non-watch calls. Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * Backoff for connection refused/reset and 429/5xx. The default (10 attempts,
   * 250 ms doubling to 5 s, about 30 s in all) rides out an apiserver restart in
   * the middle of a run; before the first answer, network errors get 2.5 s.
   */
  retry?: Partial<RetryPolicy>;
  /** The environment whose HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply. Default process.env. */
  proxyEnv?: NodeJS.ProcessEnv;
}

export type PatchType = 'merge' | 'strategic' | 'json';

const PATCH_CONTENT_TYPES: Record<PatchType | 'apply', string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Safe to send twice. Non-idempotent calls are retried only when the connection was refused (nothing was sent). */
  idempotent: boolean;
  context: KubeErrorContext;
}

export interface ApplyOptions {
  fieldManager: string;
  /** Take ownership of fields another manager set (kubectl apply --server-side --force-conflicts). */
  force?: boolean;
  /** Namespace for an object whose metadata has none. */
  namespace?: string;
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  /** Delete only if the object still has this resourceVersion (compare-and-delete). */
  resourceVersion?: string;
  signal?: AbortSignal;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  signal?: AbortSignal;
}

export interface PodLogOptions {
  container: string;
  /** The last lines only (tailLines). */
  tailLines?: number;
  /** At most this many bytes of log (limitBytes); the apiserver may cut a line. */
  limitBytes?: number;
  /** The log of the container's previous instance: the one that crashed, for a restarted container. */
  previous?: boolean;
  /** The whole call, connection included. Default 5 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 250, maxDelayMs: 5000, startupBudgetMs: 2500 };
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A thin JSON client for the Kubernetes API over node:https: one keep-alive
 * agent, client-certificate or bearer-token auth, retries with backoff, and a
 * request counter (the benchmarks report API requests per rollout).
 */
export class KubeClient {
  readonly server: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly retry: RetryPolicy;
  private readonly discovered = new Map<string, Promise<Map<string, ResourceInfo>>>();
  private requests = 0;
  private retries = 0;
  /** Whether any HTTP answer came back yet: until then a network error means "cannot reach", not "restarting". */
  private answered = false;

  constructor(private readonly options: KubeClientOptions) {
    this.server = new URL(options.server);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    // Node's agents tunnel through HTTPS_PROXY (CONNECT) and honour NO_PROXY, as kubectl does.
    const proxy = proxyAgentOptions(options.proxyEnv ?? process.env);
    if (this.server.protocol === 'https:') {
      this.transport = https;
      this.agent = new https.Agent({
        keepAlive: true,
        ...proxy,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        rejectUnauthorized: !options.insecureSkipTlsVerify,
        servername: options.tlsServerName,
      });
    } else {
      this.transport = http;
      this.agent = new http.Agent({ keepAlive: true, ...proxy });
    }
  }

  /** HTTP requests sent so far, retries and watch connections included. */
  get requestCount(): number {
    return this.requests;
  }

  /** Requests that were repeated after a network error, 429 or 5xx. */
  get retryCount(): number {
    return this.retries;
  }

  /** Close idle keep-alive sockets so the process can exit. */
  close(): void {
    this.agent.destroy();
  }

  /** The plural name and scope of a kind: static table first, then discovery (cached per group/version). */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const known = knownResource(apiVersion, kind);
    if (known) return known;
    let pending = this.discovered.get(apiVersion);
    if (!pending) {
      pending = this.discover(apiVersion);
      this.discovered.set(apiVersion, pending);
      pending.catch(() => this.discovered.delete(apiVersion));
    }
    const info = (await pending).get(kind);
    if (!info) throw new Error(`The cluster does not serve kind "${kind}" in ${apiVersion}. Is the CRD or API group installed?`);
    return info;
  }

  private async discover(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const list = await this.request<{ resources?: { name: string; kind: string; namespaced: boolean }[] }>(
      'GET',
      groupVersionPath(apiVersion),
      {
        idempotent: true,
        context: { verb: 'get', resource: `API discovery for ${apiVersion}` },
      },
    );
    const found = new Map<string, ResourceInfo>();
    for (const resource of list.resources ?? []) {
      if (!resource.name.includes('/')) found.set(resource.kind, { plural: resource.name, namespaced: resource.namespaced });
    }
    return found;
  }

  /** The URL path and error context for a ref. */
  async locate(ref: ResourceRef, verb: string): Promise<{ path: string; context: KubeErrorContext }> {
    const info = await this.resolve(ref.apiVersion, ref.kind);
    const namespace = info.namespaced ? ref.namespace : undefined;
    return {
      path: resourcePath(ref.apiVersion, info, namespace, ref.name),
      context: { verb, resource: info.plural, namespace, name: ref.name },
    };
  }

  async get<T extends KubeObject>(ref: ResourceRef & { name: string }, signal?: AbortSignal): Promise<T> {
    const { path, context } = await this.locate(ref, 'get');
    return this.request<T>('GET', path, { idempotent: true, context, signal });
  }

  /** Like get, but undefined when the object does not exist. */
  async getIfExists<T extends KubeObject>(ref: ResourceRef & { name: string }, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.get<T>(ref, signal);
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  async list<T extends KubeObject>(ref: ResourceRef, options: ListOptions = {}): Promise<KubeList<T>> {
    const { path, context } = await this.locate({ ...ref, name: undefined }, 'list');
    return this.request<KubeList<T>>('GET', path, {
      idempotent: true,
      context,
      signal: options.signal,
      query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
    });
  }

  async create<T extends KubeObject>(
    object: T,
    options: { namespace?: string; fieldManager?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    const ref = refOf(object, options.namespace);
    const { path, context } = await this.locate({ ...ref, name: undefined }, 'create');
    context.name = ref.name;
    return this.request<T>('POST', path, {
      idempotent: false,
      body: object,
      context,
      signal: options.signal,
      query: { fieldManager: options.fieldManager },
    });
  }

  /** PUT: replaces the object; with metadata.resourceVersion set, fails with 409 if it changed meanwhile. */
  async replace<T extends KubeObject>(
    object: T,
    options: { namespace?: string; fieldManager?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    const { path, context } = await this.locate(refOf(object, options.namespace), 'update');
    return this.request<T>('PUT', path, {
      idempotent: true,
      body: object,
      context,
      signal: options.signal,
      query: { fieldManager: options.fieldManager },
    });
  }

  async patch<T extends KubeObject>(
    ref: ResourceRef & { name: string },
    patch: unknown,
    type: PatchType,
    options: { fieldManager?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    const { path, context } = await this.locate(ref, 'patch');
    return this.request<T>('PATCH', path, {
      // A JSON patch can be positional (add to a list) and may not be safe to repeat.
      idempotent: type !== 'json',
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
      context,
      signal: options.signal,
      query: { fieldManager: options.fieldManager },
    });
  }

  /** Server-side apply (PATCH application/apply-patch+yaml) with a field manager. Creates or updates. */
  async apply<T extends KubeObject>(object: T, options: ApplyOptions): Promise<T> {
    const { path, context } = await this.locate(refOf(object, options.namespace), 'patch');
    const body =
      options.namespace && !object.metadata.namespace
        ? { ...object, metadata: { ...object.metadata, namespace: options.namespace } }
        : object;
    return this.request<T>('PATCH', path, {
      idempotent: true,
      body,
      contentType: PATCH_CONTENT_TYPES.apply,
      context,
      signal: options.signal,
      query: { fieldManager: options.fieldManager, force: options.force ? true : undefined, dryRun: options.dryRun ? 'All' : undefined },
    });
  }

  /** Returns false when the object was already gone. */
  async delete(ref: ResourceRef & { name: string }, options: DeleteOptions = {}): Promise<boolean> {
    const { path, context } = await this.locate(ref, 'delete');
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: options.propagationPolicy,
      gracePeriodSeconds: options.gracePeriodSeconds,
      preconditions: options.resourceVersion ? { resourceVersion: options.resourceVersion } : undefined,
    };
    try {
      await this.request('DELETE', path, { idempotent: true, body, context, signal: options.signal });
      return true;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return false;
      throw error;
    }
  }

  /**
   * One GET through the API server's proxy (e.g. a Service's), answered with
   * whatever status the upstream gave: no retries and no throw on a non-2xx,
   * since a probe counts every answer. Network failures still reject.
   */
  async proxyGet(path: string, options: { signal?: AbortSignal }): Promise<{ status: number }> {
    const response = await this.send(
      'GET',
      path,
      { idempotent: true, signal: options.signal, context: { verb: 'get', resource: 'services/proxy' } },
      undefined,
      false,
    );
    return { status: response.status };
  }

  /**
   * The tail of one container's log (GET .../pods/<pod>/log), as text. It explains a failure, so it
   * must never hold one up: one attempt (a second only to refresh an expired token), bounded by
   * `timeoutMs` in all, no retries on 5xx or network errors. A non-2xx throws as request() does.
   */
  async podLog(namespace: string, pod: string, options: PodLogOptions): Promise<string> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const context: KubeErrorContext = { verb: 'get', resource: 'pods/log', namespace, name: pod };
    const request: RequestOptions = {
      idempotent: true,
      signal,
      context,
      query: {
        container: options.container,
        tailLines: options.tailLines,
        limitBytes: options.limitBytes,
        previous: options.previous ? true : undefined,
      },
    };
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
    try {
      let response = await this.send('GET', path, request, undefined, false);
      if (response.status === 401 && this.options.token) response = await this.send('GET', path, request, undefined, true);
      if (response.status >= 200 && response.status < 300) return response.body;
      throw errorFromResponse(response.status, parseStatus(response.body), response.body, context);
    } catch (error) {
      if (timeout.aborted && !options.signal?.aborted) throw new Error(`no answer in ${timeoutMs / 1000} s`, { cause: error });
      throw error;
    }
  }

  /** One JSON request with retries; throws KubeApiError / KubePermissionError on non-2xx. */
  async request<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const started = performance.now();
    let refreshToken = false;
    let refreshed = false;
    // After a refused or reset connection, the apiserver may be restarting: until its authenticators
    // and RBAC caches are ready it can answer 401/403 to good credentials, so those are retried too.
    let serverWasDown = false;
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      let response: RawResponse;
      try {
        response = await this.send(method, path, options, body, refreshToken);
        refreshToken = false;
      } catch (error) {
        if (options.signal?.aborted || error instanceof KubeTokenError) throw error;
        const code = (error as NodeJS.ErrnoException).code ?? '';
        const safe = options.idempotent || code === 'ECONNREFUSED';
        const delay = this.delay(attempt, undefined);
        // Never answered: retry only within the start-up budget, then say what to check.
        const withinBudget = this.answered || performance.now() - started + delay <= this.retry.startupBudgetMs;
        if (safe && RETRYABLE_NETWORK_CODES.has(code) && attempt < this.retry.maxAttempts && withinBudget) {
          serverWasDown = true;
          await this.wait(delay, options.signal);
          continue;
        }
        if (!this.answered) {
          throw new KubeUnreachableError(
            this.server,
            options.context,
            error as Error,
            attempt,
            performance.now() - started,
            this.options.proxyEnv,
          );
        }
        throw new Error(
          `Cannot reach the Kubernetes API at ${this.server.origin} to ${options.context.verb} ${options.context.resource}: ${redactUrlsIn((error as Error).message)}`,
          { cause: error },
        );
      }
      if (response.status >= 200 && response.status < 300) {
        return (response.body === '' ? undefined : JSON.parse(response.body)) as T;
      }
      // An expired token (EKS tokens live 15 minutes): mint a new one once, then believe the 401.
      if (response.status === 401 && this.options.token && !refreshed) {
        refreshToken = refreshed = true;
        continue;
      }
      const startingUp = serverWasDown && (response.status === 401 || response.status === 403);
      const retryable = response.status === 429 || (response.status >= 500 && options.idempotent) || startingUp;
      if (retryable && attempt < this.retry.maxAttempts) {
        await this.wait(this.delay(attempt, response.headers['retry-after']), options.signal);
        continue;
      }
      throw errorFromResponse(response.status, parseStatus(response.body), response.body, options.context);
    }
  }

  /**
   * Open a streaming GET (watch). Resolves with the response once its status
   * is 200; a non-200 answer is read and thrown as a typed error.
   */
  async stream(path: string, query: Query, context: KubeErrorContext, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const headers = await this.headers(false);
    this.requests++;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const request = this.transport.request(this.url(path, query), { method: 'GET', agent: this.agent, headers, signal }, (response) => {
        this.answered = true;
        if (response.statusCode === 200) {
          resolve(response);
          return;
        }
        collect(response).then((text) => reject(errorFromResponse(response.statusCode ?? 0, parseStatus(text), text, context)), reject);
      });
      request.on('error', (error) =>
        reject(
          this.answered || signal?.aborted
            ? error
            : new KubeUnreachableError(this.server, context, error, 1, performance.now() - started, this.options.proxyEnv),
        ),
      );
      request.end();
    });
  }

  private async headers(forceRefresh: boolean): Promise<http.OutgoingHttpHeaders> {
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json', 'user-agent': this.options.userAgent ?? 'flightdeck' };
    if (!this.options.token) return headers;
    let token: string;
    try {
      token = await this.options.token(forceRefresh);
    } catch (error) {
      // A token that cannot be had (a tokenFile gone, no AWS credentials) is not a network failure.
      throw new KubeTokenError(this.server, error as Error);
    }
    headers.authorization = `Bearer ${token}`;
    return headers;
  }

  private url(path: string, query: Query = {}): URL {
    const url = new URL(path, this.server);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
    body: string | undefined,
    forceRefresh: boolean,
  ): Promise<RawResponse> {
    const headers = await this.headers(forceRefresh);
    if (body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    this.requests++;
    return new Promise((resolve, reject) => {
      const request = this.transport.request(
        this.url(path, options.query),
        { method, agent: this.agent, headers, signal: options.signal, timeout: this.options.requestTimeoutMs ?? 30_000 },
        (response) => {
          this.answered = true;
          collect(response).then((text) => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }), reject);
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
      request.end(body);
    });
  }

  /** The pause before attempt + 1: the server's Retry-After when it gave one, else exponential backoff with jitter. */
  private delay(attempt: number, retryAfter: string | string[] | undefined): number {
    const exponential = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    const hinted = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) * 1000;
    // Jitter keeps two clients that failed together from retrying in lockstep.
    return Number.isFinite(hinted) && hinted > 0 ? Math.min(hinted, this.retry.maxDelayMs) : exponential * (0.75 + Math.random() * 0.5);
  }

  private async wait(delay: number, signal?: AbortSignal): Promise<void> {
    this.retries++;
    await sleep(delay, signal);
  }
}

/** The ref of an object from its own apiVersion, kind and metadata. */
export function refOf(object: KubeObject, defaultNamespace?: string): ResourceRef & { name: string } {
  const { apiVersion, kind } = object;
  const name = object.metadata?.name;
  if (!apiVersion || !kind || !name)
    throw new Error(`The object needs apiVersion, kind and metadata.name (got ${apiVersion ?? '?'} ${kind ?? '?'} "${name ?? ''}").`);
  return { apiVersion, kind, name, namespace: object.metadata.namespace ?? defaultNamespace };
}

function parseStatus(text: string): KubeStatus | undefined {
  try {
    const parsed = JSON.parse(text) as KubeStatus;
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function collect(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

/** setTimeout as a promise that rejects when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
