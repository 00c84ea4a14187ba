import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loopbackTls } from '../../test/support/tls';
import { ConfigurationError } from '../core/errors';
import { readEvidence, type EvidenceSource } from './evidence';
import { GithubApiUnreachableError } from './github-api';

const TOKEN = 'ghs_notshownanywhere0123456789';

/** A loopback port nobody listens on: bound, then closed, so connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function source(api: string): EvidenceSource {
  return { api, repository: 'octo/app', environment: 'qa', token: TOKEN };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the request succeeded');
}

/** fetch rejecting as undici does: "fetch failed", the reason in its cause. */
function fetchFailing(code: string, message: string) {
  return vi.fn(async () => {
    throw new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
  });
}

describe('an evidence gate that cannot reach the GitHub API', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('says which API and request, that the connection was refused, and what to check', async () => {
    const api = `http://127.0.0.1:${await closedPort()}`;
    const error = await failure(readEvidence(source(api)));
    expect(error).toBeInstanceOf(GithubApiUnreachableError);
    expect(error).not.toBeInstanceOf(ConfigurationError);
    const [first, ...rest] = error.message.split('\n');
    expect(first).toBe(
      `Cannot reach the GitHub API at ${api} (GET /repos/octo/app/deployments?environment=qa&per_page=30) to read the GitHub Deployments of environment "qa" in octo/app: ` +
        `the connection was refused (ECONNREFUSED): nothing listens on ${api.slice('http://'.length)}.`,
    );
    expect(rest.join('\n')).toMatch(
      /^Check GITHUB_API_URL \(http:.*this runner's network reaches that host.*"github-token" has "deployments: read"\.$/,
    );
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).not.toContain('fetch failed');
  });

  it('says that the TLS certificate is not trusted, from a real handshake', async () => {
    const server = createHttpsServer({ ...loopbackTls() }, (_request, response) => response.end('[]'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const api = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const first = (await failure(readEvidence(source(api)))).message.split('\n')[0];
      expect(first).toMatch(
        /^Cannot reach the GitHub API at https:\/\/127\.0\.0\.1:\d+ \(GET .*: its TLS certificate is not trusted \([A-Z_]+: .*NODE_EXTRA_CA_CERTS\.$/,
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('says that fetch will not connect to a port it blocks', async () => {
    const first = (await failure(readEvidence(source('http://127.0.0.1:1')))).message.split('\n')[0];
    expect(first).toMatch(/: fetch refuses port 1 \(one of the ports it blocks\): set GITHUB_API_URL to the API's own port\.$/);
  });

  it.each([
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND ghes.example.com', /the host name ghes\.example\.com does not resolve \(ENOTFOUND\)/],
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'unable to verify the first certificate',
      /its TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate\); .*NODE_EXTRA_CA_CERTS/,
    ],
    ['EAI_AGAIN', 'getaddrinfo EAI_AGAIN ghes.example.com', /could not be resolved \(EAI_AGAIN/],
  ])('names the cause %s', async (code, message, expected) => {
    vi.stubGlobal('fetch', fetchFailing(code, message));
    const error = await failure(readEvidence(source('https://ghes.example.com/api/v3')));
    expect(error.message.split('\n')[0]).toMatch(
      /^Cannot reach the GitHub API at https:\/\/ghes\.example\.com\/api\/v3 \(GET \/repos\/octo\/app\/deployments/,
    );
    expect(error.message.split('\n')[0]).toMatch(expected);
  });

  it('shows GITHUB_API_URL without credentials in it', async () => {
    vi.stubGlobal('fetch', fetchFailing('ECONNREFUSED', 'connect ECONNREFUSED'));
    const error = await failure(readEvidence(source(`https://x-access-token:${TOKEN}@ghes.example.com/api/v3`)));
    expect(error.message).toContain('https://ghes.example.com/api/v3');
    expect(error.message).not.toContain(TOKEN);
  });

  it('refuses a GITHUB_API_URL that is no URL as the setting to fix', async () => {
    const error = await failure(readEvidence(source('api.github.com')));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(
      /^Could not read the GitHub Deployments of environment "qa" in octo\/app: GITHUB_API_URL is not a URL \("api\.github\.com"\)\. .*"https:\/\/api\.github\.com"/,
    );
  });

  it('says when the API gave no answer in time', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      }),
    );
    const error = await failure(readEvidence(source('https://api.github.com')));
    expect(error.message.split('\n')[0]).toMatch(/^Cannot reach the GitHub API at https:\/\/api\.github\.com .*: no answer within 15 s\.$/);
  });
});

describe('an evidence gate the GitHub API refuses', () => {
  afterEach(() => vi.unstubAllGlobals());

  it.each([
    [401, '{"message":"Bad credentials"}', /The token was not accepted: pass a valid token in "github-token".*with "deployments: read"/],
    [403, '{"message":"Resource not accessible by integration"}', /"github-token" lacks a permission: grant "deployments: read"/],
    [404, '{"message":"Not Found"}', /"github-token" lacks a permission: grant "deployments: read".*access to octo\/app/],
  ])('HTTP %i names the permission needed, as the user fixes it', async (status, body, expected) => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(body, { status })),
    );
    const error = await failure(readEvidence(source('https://api.github.com')));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).input).toBe('github-token');
    expect(error.message).toMatch(
      new RegExp(
        `^Could not read the GitHub Deployments of environment "qa" in octo/app: the GitHub API at https://api\\.github\\.com \\(GET /repos/octo/app/deployments\\?environment=qa&per_page=30\\) answered HTTP ${status} `,
      ),
    );
    expect(error.message).toMatch(expected);
    expect(error.message).not.toContain('\n');
  });

  it('HTTP 502 is GitHub in trouble, not the user’s mistake', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<html>bad gateway</html>', { status: 502 })),
    );
    const error = await failure(readEvidence(source('https://api.github.com')));
    expect(error).not.toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/answered HTTP 502 <html>bad gateway<\/html>\. GitHub may be having trouble/);
  });
});
