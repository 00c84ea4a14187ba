import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeClient } from '../../packages/kube/client';

export type FakeHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => void;

/**
 * A local stand-in for the apiserver over plain HTTP, for unit tests of the
 * client and watch: each test scripts its answers (errors, dropped streams,
 * 410 Gone) in a way the real apiserver cannot be made to on demand.
 */
export async function fakeApiserver(handler: FakeHandler): Promise<{ client: KubeClient; server: Server; seen: URL[] }> {
  const seen: URL[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    seen.push(url);
    handler(request, response, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new KubeClient({
    server: `http://127.0.0.1:${port}`,
    token: () => 'secret-token',
    retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4 },
  });
  running.push({ server, client });
  return { client, server, seen };
}

const running: { server: Server; client: KubeClient }[] = [];

/** For afterEach: close every fake started by the test. */
export async function closeFakeApiservers(): Promise<void> {
  for (const { server, client } of running.splice(0)) {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

export function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Start a watch response and return a function that sends one event line. */
export function startWatch(response: ServerResponse): (type: string, object: unknown) => void {
  response.writeHead(200, { 'content-type': 'application/json' });
  return (type, object) => response.write(`${JSON.stringify({ type, object })}\n`);
}
