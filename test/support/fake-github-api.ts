/**
 * A local HTTP server that answers the Checks and Deployments APIs the way api.github.com does,
 * for the endpoints the actions call, and records every request. Actions
 * reach it through GITHUB_API_URL, as they reach GitHub Enterprise.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  body: unknown;
}

export type ChecksMode = 'allow' | 'forbidden';

export interface FakeGitHubApi {
  url: string;
  requests: RecordedRequest[];
  mode: ChecksMode;
  close(): Promise<void>;
}

/** What GitHub answers when the token lacks `checks: write`. */
const FORBIDDEN = {
  message: 'Resource not accessible by integration',
  documentation_url: 'https://docs.github.com/rest/checks/runs#create-a-check-run',
  status: '403',
};
const MAX_ANNOTATIONS = 50;
/** The states GitHub accepts for a deployment status. */
const DEPLOYMENT_STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];

export async function startFakeGitHubApi(): Promise<FakeGitHubApi> {
  const checkRuns = new Map<number, Record<string, unknown>>();
  const deployments = new Map<number, { id: number; created_at: string; statuses: Record<string, unknown>[] } & Record<string, unknown>>();
  let nextId = 9000;
  const api: FakeGitHubApi = { url: '', requests: [], mode: 'allow', close: () => close(server) };

  const server = createServer((request, response) => {
    void readJson(request).then((body) => {
      const path = request.url ?? '/';
      api.requests.push({
        method: request.method ?? '',
        path,
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
        body,
      });
      if (!request.headers.authorization) return send(response, 401, { message: 'Requires authentication' });
      if (api.mode === 'forbidden') return send(response, 403, FORBIDDEN);

      const create = /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/.exec(path);
      const update = /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/.exec(path);
      const output = (body as { output?: { annotations?: unknown[] } } | undefined)?.output;
      if ((output?.annotations?.length ?? 0) > MAX_ANNOTATIONS) {
        return send(response, 422, {
          message: 'Validation Failed',
          errors: [
            { resource: 'CheckRun', code: 'invalid', field: 'annotations', message: 'Only 50 annotations are allowed per request.' },
          ],
        });
      }
      if (request.method === 'POST' && create) {
        const fields = body as { name?: string; head_sha?: string };
        if (!fields.name || !fields.head_sha)
          return send(response, 422, { message: 'Invalid request.\n\n"name" and "head_sha" are required.' });
        const id = nextId++;
        const run = { id, html_url: `https://github.com/${create[1]}/${create[2]}/runs/${id}`, ...fields };
        checkRuns.set(id, run);
        return send(response, 201, run);
      }
      if (request.method === 'PATCH' && update) {
        const run = checkRuns.get(Number(update[3]));
        if (!run) return send(response, 404, { message: 'Not Found' });
        Object.assign(run, body);
        return send(response, 200, run);
      }
      const [route, query = ''] = path.split('?') as [string, string?];
      const deployment = /^\/repos\/[^/]+\/[^/]+\/deployments$/.exec(route);
      const deploymentStatus = /^\/repos\/[^/]+\/[^/]+\/deployments\/(\d+)\/statuses$/.exec(route);
      if (request.method === 'GET' && deployment) {
        // Newest first, filtered by environment, as GitHub lists them; statuses are not part of a deployment.
        const environment = new URLSearchParams(query).get('environment');
        const perPage = Number(new URLSearchParams(query).get('per_page') ?? 30);
        const listed = [...deployments.values()]
          .filter((d) => !environment || d.environment === environment)
          .reverse()
          .slice(0, perPage)
          .map(({ statuses: _statuses, ...d }) => d);
        return send(response, 200, listed);
      }
      if (request.method === 'GET' && deploymentStatus) {
        const found = deployments.get(Number(deploymentStatus[1]));
        if (!found) return send(response, 404, { message: 'Not Found' });
        const perPage = Number(new URLSearchParams(query).get('per_page') ?? 30);
        return send(response, 200, [...found.statuses].reverse().slice(0, perPage));
      }
      if (request.method === 'POST' && deployment) {
        const fields = body as { ref?: string; environment?: string };
        if (!fields.ref) return send(response, 422, { message: 'Invalid request.\n\n"ref" is required.' });
        const id = nextId++;
        const created = { ...fields, id, created_at: new Date(Date.now() + id).toISOString(), statuses: [] };
        deployments.set(id, created);
        const { statuses: _statuses, ...shown } = created;
        return send(response, 201, shown);
      }
      if (request.method === 'POST' && deploymentStatus) {
        const found = deployments.get(Number(deploymentStatus[1]));
        if (!found) return send(response, 404, { message: 'Not Found' });
        const state = (body as { state?: string }).state ?? '';
        if (!DEPLOYMENT_STATES.includes(state)) return send(response, 422, { message: `Invalid state "${state}"` });
        const status = { id: nextId++, ...(body as object) };
        found.statuses.push(status);
        return send(response, 201, status);
      }
      return send(response, 404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
