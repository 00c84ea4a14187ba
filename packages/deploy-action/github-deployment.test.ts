import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GithubDeployment } from './github-deployment';

let server: Server;
const seen: { method: string; url: string; auth: string; body: Record<string, unknown> }[] = [];
let refuse = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization ?? '', body: JSON.parse(body || '{}') });
      res.setHeader('content-type', 'application/json');
      if (refuse) {
        res.statusCode = 403;
        res.end('{"message":"Resource not accessible by integration"}');
        return;
      }
      res.statusCode = 201;
      res.end(req.url!.endsWith('/deployments') ? '{"id":77}' : '{"id":1}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.GITHUB_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.GITHUB_REPOSITORY = 'octo/app';
  process.env.GITHUB_SHA = 'abc123';
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('GithubDeployment', () => {
  it('creates a deployment for the environment and posts its statuses', async () => {
    const gh = new GithubDeployment({
      token: 'ghs_secret',
      environment: 'production',
      environmentUrl: 'https://app.example.com',
      logUrl: 'https://github.com/octo/app/actions/runs/1',
      description: 'Canary of app',
    });
    await gh.start();
    await gh.status('success', 'promoted');
    expect(gh.deploymentId).toBe(77);
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /repos/octo/app/deployments',
      'POST /repos/octo/app/deployments/77/statuses',
      'POST /repos/octo/app/deployments/77/statuses',
    ]);
    expect(seen[0]!.auth).toBe('Bearer ghs_secret');
    expect(seen[0]!.body).toMatchObject({ ref: 'abc123', environment: 'production', required_contexts: [], auto_merge: false });
    expect(seen[2]!.body).toMatchObject({
      state: 'success',
      auto_inactive: false,
      environment_url: 'https://app.example.com',
      log_url: 'https://github.com/octo/app/actions/runs/1',
    });
  });

  it('records the evidence payload, and posts a status for another deployment when told', async () => {
    seen.length = 0;
    const payload = { v: 1 as const, images: [`r.example.com/app@sha256:${'a'.repeat(64)}`], commit: 'abc123', runUrl: 'u' };
    const gh = new GithubDeployment({ token: 't', environment: 'qa', logUrl: 'u', description: 'd', payload });
    await gh.start();
    await gh.status('inactive', 'rolled back', 5);
    expect(seen[0]!.body).toMatchObject({ environment: 'qa', payload });
    expect(seen.at(-1)!.url).toBe('/repos/octo/app/deployments/5/statuses');
  });

  it('never fails the release when the API refuses', async () => {
    refuse = true;
    const gh = new GithubDeployment({ token: 't', environment: 'staging', logUrl: 'u', description: 'd' });
    await expect(gh.start()).resolves.toBeUndefined();
    await expect(gh.status('failure', 'x')).resolves.toBeUndefined();
    expect(gh.deploymentId).toBeUndefined();
  });

  it('warns with the request refused and the permission it needs', async () => {
    refuse = true;
    let stdout = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    try {
      await new GithubDeployment({ token: 'ghs_secret_token_value', environment: 'staging', logUrl: 'u', description: 'd' }).start();
    } finally {
      write.mockRestore();
    }
    expect(stdout).toMatch(
      /::warning::Could not create a GitHub Deployment for "staging".*\(POST \/repos\/octo\/app\/deployments\) answered HTTP 403 .*grant "deployments: write"/,
    );
    expect(stdout).toMatch(/"deployments: write" .*\. The release goes on without a GitHub Deployment\./);
    expect(stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))).not.toContainEqual(
      expect.stringContaining('ghs_secret_token_value'),
    );
  });
});
