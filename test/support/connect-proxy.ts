/**
 * A stand-in for the HTTP proxy a self-hosted runner sits behind (squid, a corporate gateway),
 * on loopback: CONNECT tunnels for https:// targets and absolute-form requests for http:// ones,
 * optionally with Basic proxy authentication. It records every request it was asked to carry,
 * so a test can prove a client went through it (or, with NO_PROXY, did not). It forwards only
 * to loopback: nothing a test does through it can leave the machine.
 */
import { connect, isIP, type Socket } from 'node:net';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** host:port for CONNECT, the absolute URL for a plain request. */
  target: string;
  /** The Proxy-Authorization header the client sent, if any. */
  proxyAuthorization?: string;
}

export interface ConnectProxy {
  /** http://127.0.0.1:<port> (with user:password@ when authentication is on). */
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return LOOPBACK.has(bare) || (isIP(bare) === 4 && bare.startsWith('127.'));
}

export async function startConnectProxy(options: { credentials?: { user: string; password: string } } = {}): Promise<ConnectProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`
    : undefined;
  const authorized = (request: IncomingMessage) => !expected || request.headers['proxy-authorization'] === expected;
  const record = (request: IncomingMessage, target: string) =>
    requests.push({
      method: request.method ?? '',
      target,
      ...(request.headers['proxy-authorization'] ? { proxyAuthorization: request.headers['proxy-authorization'] } : {}),
    });

  const server: Server = createServer((request, response) => {
    const target = request.url ?? '';
    record(request, target);
    if (!authorized(request)) {
      response.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      response.writeHead(400).end('absolute-form request expected');
      return;
    }
    if (!isLoopback(url.hostname)) {
      response.writeHead(403).end('this proxy forwards to loopback only');
      return;
    }
    const headers = { ...request.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest(url, { method: request.method, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', (error) => response.writeHead(502).end(error.message));
    request.pipe(upstream);
  });

  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = request.url ?? '';
    record(request, target);
    if (!authorized(request)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const at = target.lastIndexOf(':');
    const host = target.slice(0, at);
    const port = Number(target.slice(at + 1));
    if (!isLoopback(host) || !Number.isInteger(port)) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(port, host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const userinfo = options.credentials
    ? `${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.password)}@`
    : '';
  return {
    url: `http://${userinfo}127.0.0.1:${port}`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
