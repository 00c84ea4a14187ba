import { ConfigurationError, cutForDisplay } from '../core/errors';
import { describeProxySettings } from '../core/proxy';
import { redactUrl, redactUrlsIn } from '../core/redact';
import { INPUT } from './inputs';

/**
 * One REST call to the run's GitHub API over fetch, with errors that say what was asked of which
 * API, why it failed and what to check. The token goes in a header only: never in a message.
 */
export interface GithubApiRequest {
  /** The REST API base URL (GITHUB_API_URL), without a trailing slash. */
  api: string;
  method: 'GET' | 'POST';
  /** From the API root: "/repos/octo/app/deployments?…". */
  path: string;
  token: string;
  body?: Record<string, unknown>;
  /** What the call is for, in the message: "read the Deployments of environment "qa" in octo/app". */
  purpose: string;
  /** The token permission the call needs: "deployments: read". */
  permission: string;
}

const TIMEOUT_MS = 15_000;

/** The API never answered: a wrong GITHUB_API_URL, DNS, a firewall, a proxy, TLS. Not the user's input, so not a ConfigurationError. */
export class GithubApiUnreachableError extends Error {
  override readonly name = 'GithubApiUnreachableError';
}

export async function githubApiRequest(request: GithubApiRequest): Promise<unknown> {
  const { api, method, path, token, body } = request;
  const url = `${api}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'flightdeck',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw unreachable(request, error);
  }
  const text = await response.text();
  if (!response.ok) throw refused(request, response.status, text);
  return text === '' ? undefined : JSON.parse(text);
}

/** "GET /repos/octo/app/deployments?… at https://api.github.com", as the messages show it. */
function described({ api, method, path }: GithubApiRequest): string {
  return `the GitHub API at ${redactUrl(api)} (${method} ${path})`;
}

function refused(request: GithubApiRequest, status: number, text: string): Error {
  const answer = cutForDisplay(redactUrlsIn(text.trim().replace(/\s+/g, ' ')));
  const head = `Could not ${request.purpose}: ${described(request)} answered HTTP ${status}${answer ? ` ${answer}` : ''}.`;
  if (status === 401)
    return new ConfigurationError(
      `${head} The token was not accepted: pass a valid token in "${INPUT.githubToken}" (the default, \${{ github.token }}, works), with "${request.permission}".`,
      INPUT.githubToken,
    );
  if (status === 403 || status === 404)
    // GitHub answers 404 rather than 403 for a repository the token cannot see.
    return new ConfigurationError(
      `${head} The "${INPUT.githubToken}" lacks a permission: grant "${request.permission}" in the workflow's or job's "permissions:" (a token for another repository needs access to ${request.path.split('/').slice(2, 4).join('/')}).`,
      INPUT.githubToken,
    );
  return new Error(`${head} GitHub may be having trouble: run the job again, or see https://www.githubstatus.com.`);
}

/** The network error's code: fetch's own is "fetch failed", the reason is in its cause (an AggregateError when every address failed). */
function networkCode(error: unknown): { code?: string; message: string } {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const first = (cause as { errors?: unknown[] })?.errors?.[0];
  const code = (cause as { code?: unknown })?.code ?? (first as { code?: unknown } | undefined)?.code;
  const message = (cause as Error)?.message ?? String(cause);
  return { code: typeof code === 'string' ? code : undefined, message: redactUrlsIn(message) };
}

function reason(error: unknown, api: string): string {
  if ((error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError')
    return `no answer within ${TIMEOUT_MS / 1000} s`;
  const { code, message } = networkCode(error);
  let host = api;
  let port = '';
  try {
    const url = new URL(api);
    host = url.hostname;
    port = url.port || (url.protocol === 'http:' ? '80' : '443');
  } catch {
    // Reported as it is: fetch could not parse it either.
  }
  // fetch will not connect to some ports (1, 6000, …: the WHATWG "bad ports"), before any network use.
  if (message === 'bad port') return `fetch refuses port ${port} (one of the ports it blocks): set GITHUB_API_URL to the API's own port`;
  switch (code) {
    case 'ECONNREFUSED':
      return `the connection was refused (ECONNREFUSED): nothing listens on ${host}:${port}`;
    case 'ENOTFOUND':
      return `the host name ${host} does not resolve (ENOTFOUND)`;
    case 'EAI_AGAIN':
      return `the host name ${host} could not be resolved (EAI_AGAIN: no answer from DNS)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `there is no network route to ${host} (${code})`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `the connection to ${host}:${port} timed out (${code})`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `the connection to ${host}:${port} was closed before any answer (${code})`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `its TLS certificate is not trusted (${code}: ${message}); for GitHub Enterprise Server with a private CA, give the runner NODE_EXTRA_CA_CERTS`;
    default:
      return code ? `${message} (${code})` : message;
  }
}

function unreachable(request: GithubApiRequest, error: unknown): Error {
  const api = redactUrl(request.api);
  let parsed = true;
  try {
    new URL(request.api);
  } catch {
    parsed = false;
  }
  if (!parsed)
    return new ConfigurationError(
      `Could not ${request.purpose}: GITHUB_API_URL is not a URL (${JSON.stringify(cutForDisplay(api))}). Leave it to the runner, or set it to the REST API's base URL, e.g. "https://api.github.com" or "https://<host>/api/v3" for GitHub Enterprise Server.`,
    );
  return new GithubApiUnreachableError(
    `Cannot reach ${described(request)} to ${request.purpose}: ${reason(error, request.api)}.\n` +
      `Check GITHUB_API_URL (${api}; the runner sets it, "https://<host>/api/v3" on GitHub Enterprise Server), ` +
      `that this runner's network reaches that host (DNS, firewall, proxy${describeProxySettings() || ': HTTPS_PROXY, NO_PROXY'}), ` +
      `and that "${INPUT.githubToken}" has "${request.permission}".`,
  );
}
