import * as core from '@actions/core';
import { maskUserinfo, redactUrl } from './url';

/**
 * Proxy support for every HTTP client of the suite (the Kubernetes client, the AWS SDK, the HTTP
 * and Prometheus checks), as self-hosted runners behind a proxy need. Node's own agents do the
 * work since Node 24.5 (`proxyEnv`: CONNECT tunnels for https, absolute-form requests for http,
 * NO_PROXY matching, credentials in the proxy URL), so nothing is loaded at start-up.
 */

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'] as const;
const MIN_NODE = [24, 5] as const;

let warned = false;
/** Proxy URLs whose credentials were masked already: each mask is a line in the log. */
const masked = new Set<string>();

/** The proxy settings of an environment, or undefined when it names no proxy. Credentials in a proxy URL are masked. */
export function proxyEnvOf(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | undefined {
  const found: NodeJS.ProcessEnv = {};
  for (const name of PROXY_VARIABLES) if (env[name]) found[name] = env[name];
  const proxies = [found.HTTPS_PROXY, found.https_proxy, found.HTTP_PROXY, found.http_proxy].filter((value) => value !== undefined);
  if (proxies.length === 0) return undefined;
  for (const proxy of proxies) {
    if (masked.has(proxy)) continue;
    masked.add(proxy);
    try {
      maskUserinfo(new URL(proxy));
    } catch {
      // Node refuses a proxy URL it cannot parse, with its own error.
    }
  }
  if (!nodeHasProxyAgents() && !warned) {
    warned = true;
    core.warning(
      `HTTPS_PROXY/HTTP_PROXY is set, but this runner's Node ${process.versions.node} cannot use it (Node ${MIN_NODE.join('.')} or later can). Requests go direct.`,
    );
  }
  return found;
}

/** Options for an http(s).Agent that honour the environment's proxy settings; empty when there are none. */
export function proxyAgentOptions(env: NodeJS.ProcessEnv = process.env): { proxyEnv?: NodeJS.ProcessEnv } {
  const proxyEnv = proxyEnvOf(env);
  return proxyEnv ? { proxyEnv } : {};
}

/** For error messages: which proxy settings were in force, credentials left out; empty when none. */
export function describeProxySettings(env: NodeJS.ProcessEnv = process.env): string {
  const proxyEnv = proxyEnvOf(env);
  if (!proxyEnv) return '';
  const shown = Object.entries(proxyEnv)
    .filter(([, value]) => value)
    .map(([name, value]) => `${name}=${redactUrl(value!)}`);
  return ` (proxy settings: ${shown.join(', ')})`;
}

function nodeHasProxyAgents(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}
