import * as http from 'node:http';
import * as https from 'node:https';
import { proxyAgentOptions } from './proxy';

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Aborts the request; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The whole request, connection included. */
  timeoutMs: number;
  /** Bodies larger than this are cut (the checks read a status, or a small JSON answer). Default 1 MiB. */
  maxBodyBytes?: number;
  /** The environment whose HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class HttpTimeoutError extends Error {
  override readonly name = 'HttpTimeoutError';
}

const agents = new Map<string, http.Agent>();

/** One keep-alive agent per scheme and proxy setting, as fetch would pool connections. */
function agentFor(protocol: string, env: NodeJS.ProcessEnv): http.Agent {
  const proxy = proxyAgentOptions(env);
  const key = `${protocol} ${JSON.stringify(proxy)}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = protocol === 'https:' ? new https.Agent({ keepAlive: true, ...proxy }) : new http.Agent({ keepAlive: true, ...proxy });
    agents.set(key, agent);
  }
  return agent;
}

/**
 * One HTTP(S) request over node:http, through the environment's proxy when it names one (fetch
 * ignores HTTPS_PROXY). Redirects are not followed: a check judges the answer it got.
 */
export function httpRequest(url: URL, options: HttpRequestOptions): Promise<HttpResponse> {
  const transport = url.protocol === 'https:' ? https : http;
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: agentFor(url.protocol, options.env ?? process.env),
        signal: options.signal,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < limit) chunks.push(chunk.subarray(0, limit - size));
          size += chunk.length;
        });
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
        });
        response.on('error', reject);
      },
    );
    const timer = setTimeout(() => request.destroy(new HttpTimeoutError(`timed out after ${options.timeoutMs}ms`)), options.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(options.signal?.aborted ? (options.signal.reason ?? error) : error);
    });
    request.end();
  });
}

/** Close pooled connections, e.g. at the end of a test. */
export function closeHttpAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}
