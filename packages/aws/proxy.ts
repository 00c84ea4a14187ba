import type { AgentOptions as HttpAgentOptions } from 'node:http';
import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import { proxyAgentOptions } from '../core/proxy';

export interface AwsProxyOptions {
  /** Options for the SDK's NodeHttpHandler: it builds its agents from these. */
  requestHandler?: { httpAgent: HttpAgentOptions; httpsAgent: HttpsAgentOptions };
}

/**
 * Client options that send an AWS SDK client through HTTPS_PROXY/HTTP_PROXY (NO_PROXY honoured),
 * which the SDK alone ignores. Nothing when no proxy is set, so the SDK keeps its own defaults.
 * Part of every client's options through awsClientOptions (config.ts).
 */
export function awsProxyOptions(env: NodeJS.ProcessEnv = process.env): AwsProxyOptions {
  const proxy = proxyAgentOptions(env);
  if (!proxy.proxyEnv) return {};
  return { requestHandler: { httpAgent: { keepAlive: true, ...proxy }, httpsAgent: { keepAlive: true, ...proxy } } };
}
