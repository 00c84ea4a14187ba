/**
 * A small HTTP proxy in front of moto (or any AWS endpoint) that answers
 * chosen operations with AWS-shaped errors or canned responses, and forwards
 * everything else untouched. moto cannot be told to fail, so this is how
 * tests produce AccessDenied, throttling, expired tokens or odd responses.
 *
 * Usage:
 *   const proxy = await startAwsFaultProxy({ target: process.env.AWS_ENDPOINT_URL });
 *   proxy.addRule({ operation: 'GetAuthorizationToken', error: { code: 'AccessDeniedException' } });
 *   proxy.addRule({ operation: 'DescribeAlarms', times: 2, error: { code: 'Throttling', status: 400 } });
 *   // point the code under test at proxy.url (AWS_ENDPOINT_URL), then:
 *   expect(proxy.count('DescribeAlarms')).toBe(3);   // two throttled, the retry passed
 *   await proxy.close();
 *
 * The operation of a request is read the way the protocols carry it:
 *   - awsJson 1.0/1.1: the X-Amz-Target header ("AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken");
 *   - awsQuery/ec2: the Action= form field (or query parameter);
 *   - Smithy RPC v2 CBOR: the path /service/<Service>/operation/<Operation>;
 *   - REST protocols (EKS, S3) have none: match them with a predicate over method and path.
 * Errors are written in the protocol of the request, so the SDK parses them
 * exactly as it would parse AWS's (error code, message, HTTP status, retries).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';

export type AwsProtocol = 'json' | 'query' | 'cbor' | 'rest';

export interface ObservedRequest {
  method: string;
  /** Path and query string, as received. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  protocol: AwsProtocol;
  /** The operation name, when the protocol carries one (not for REST). */
  operation?: string;
}

export interface AwsError {
  /** The AWS error code, e.g. AccessDeniedException, ThrottlingException, Throttling, ExpiredTokenException. */
  code: string;
  message?: string;
  /** Default 400, as AWS answers client errors and throttling on most services. */
  status?: number;
}

export interface FaultRule {
  /** An operation name, or a predicate for anything else (REST paths, headers, bodies). */
  operation: string | ((request: ObservedRequest) => boolean);
  /** How many matching requests this rule answers; later ones pass through. Default: all of them. */
  times?: number;
  /** Answer with this error, in the request's protocol. */
  error?: AwsError;
  /** Or answer with this response (an object body is sent as JSON). */
  respond?: { status?: number; headers?: Record<string, string>; body: unknown };
  /** Wait this long before answering (or forwarding), e.g. to trip client timeouts. */
  delayMs?: number;
  /** Or forward, and change the target's JSON answer: e.g. point a moto EKS cluster at a reachable endpoint. */
  transform?: (body: unknown) => unknown;
}

export interface ProxiedCall {
  operation?: string;
  method: string;
  path: string;
  status: number;
  /** True when a rule answered instead of the target. */
  injected: boolean;
}

export interface AwsFaultProxy {
  /** Use as AWS_ENDPOINT_URL. */
  url: string;
  /** Every request seen, in order. */
  calls: ProxiedCall[];
  addRule(rule: FaultRule): void;
  clearRules(): void;
  /** How many requests for an operation arrived (injected or forwarded). */
  count(operation: string): number;
  close(): Promise<void>;
}

interface ActiveRule {
  rule: FaultRule;
  used: number;
}

export async function startAwsFaultProxy(options: { target?: string; rules?: FaultRule[] } = {}): Promise<AwsFaultProxy> {
  const target = new URL(options.target ?? process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000');
  const rules: ActiveRule[] = (options.rules ?? []).map((rule) => ({ rule, used: 0 }));
  const calls: ProxiedCall[] = [];

  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const observed = observe(incoming.method ?? 'GET', incoming.url ?? '/', incoming.headers, Buffer.concat(chunks));
      const active = rules.find((entry) => matches(entry.rule, observed) && entry.used < (entry.rule.times ?? Infinity));
      const answer = async () => {
        if (active) active.used += 1;
        if (active?.rule.delayMs) await sleep(active.rule.delayMs);
        if (active && (active.rule.error || active.rule.respond)) {
          const reply = active.rule.error ? errorReply(observed, active.rule.error) : cannedReply(active.rule.respond!);
          calls.push({ operation: observed.operation, method: observed.method, path: observed.path, status: reply.status, injected: true });
          outgoing.writeHead(reply.status, {
            'x-amzn-requestid': `fault-${calls.length}`,
            ...reply.headers,
            'content-length': String(reply.body.length),
          });
          outgoing.end(reply.body);
          return;
        }
        forward(target, observed, (status, headers, body) => {
          calls.push({ operation: observed.operation, method: observed.method, path: observed.path, status, injected: false });
          if (active?.rule.transform && status === 200) {
            body = Buffer.from(JSON.stringify(active.rule.transform(JSON.parse(body.toString('utf8')))));
            headers = { ...headers, 'content-length': String(body.length) };
          }
          outgoing.writeHead(status, headers);
          outgoing.end(body);
        });
      };
      answer().catch((error: unknown) => {
        outgoing.writeHead(502, { 'content-type': 'text/plain' });
        outgoing.end(`aws-fault-proxy: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    addRule: (rule) => rules.push({ rule, used: 0 }),
    clearRules: () => rules.splice(0, rules.length),
    count: (operation) => calls.filter((call) => call.operation === operation).length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function observe(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): ObservedRequest {
  const target = headers['x-amz-target'];
  if (typeof target === 'string')
    return { method, path, headers, body, protocol: 'json', operation: target.slice(target.lastIndexOf('.') + 1) };
  if (String(headers['smithy-protocol'] ?? '').startsWith('rpc-v2')) {
    return { method, path, headers, body, protocol: 'cbor', operation: /\/operation\/([^/?]+)/.exec(path)?.[1] };
  }
  const contentType = String(headers['content-type'] ?? '');
  const queryAction = new URL(path, 'http://proxy').searchParams.get('Action');
  if (contentType.startsWith('application/x-www-form-urlencoded') || queryAction) {
    const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? queryAction ?? undefined;
    return { method, path, headers, body, protocol: 'query', operation: action };
  }
  return { method, path, headers, body, protocol: 'rest' };
}

function matches(rule: FaultRule, request: ObservedRequest): boolean {
  return typeof rule.operation === 'function' ? rule.operation(request) : rule.operation === request.operation;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** An error exactly as the service's protocol carries it. */
export function errorReply(request: Pick<ObservedRequest, 'protocol' | 'headers'>, error: AwsError): Reply {
  const status = error.status ?? 400;
  const message = error.message ?? `${error.code} injected by aws-fault-proxy`;
  switch (request.protocol) {
    case 'json': {
      const contentType = String(request.headers['content-type'] ?? 'application/x-amz-json-1.1');
      return {
        status,
        headers: { 'content-type': contentType, 'x-amzn-errortype': error.code },
        body: Buffer.from(JSON.stringify({ __type: error.code, message })),
      };
    }
    case 'query':
      return {
        status,
        headers: { 'content-type': 'text/xml' },
        body: Buffer.from(
          `<ErrorResponse><Error><Type>Sender</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>fault</RequestId></ErrorResponse>`,
        ),
      };
    case 'cbor':
      return {
        status,
        headers: { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' },
        body: cborStringMap({ __type: error.code, message }),
      };
    case 'rest':
      return {
        status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
        body: Buffer.from(JSON.stringify({ message })),
      };
  }
}

function cannedReply(respond: NonNullable<FaultRule['respond']>): Reply {
  const isText = typeof respond.body === 'string' || Buffer.isBuffer(respond.body);
  return {
    status: respond.status ?? 200,
    headers: { 'content-type': isText ? 'text/plain' : 'application/x-amz-json-1.1', ...respond.headers },
    body: Buffer.isBuffer(respond.body) ? respond.body : Buffer.from(isText ? String(respond.body) : JSON.stringify(respond.body)),
  };
}

function forward(target: URL, request: ObservedRequest, done: (status: number, headers: IncomingHttpHeaders, body: Buffer) => void): void {
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = send(
    {
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: request.method,
      path: request.path,
      // moto ignores signatures, so the Host header may change with the port.
      headers: { ...request.headers, host: target.host },
    },
    (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(response.statusCode ?? 502, response.headers, Buffer.concat(chunks)));
    },
  );
  upstream.on('error', (error) =>
    done(502, { 'content-type': 'text/plain' }, Buffer.from(`aws-fault-proxy could not reach ${target.host}: ${error.message}`)),
  );
  upstream.end(request.body);
}

/** The few bytes of CBOR (RFC 8949) an error needs: a map of text strings. */
export function cborStringMap(map: Record<string, string>): Buffer {
  const entries = Object.entries(map);
  return Buffer.concat([cborHead(5, entries.length), ...entries.flatMap(([key, value]) => [cborText(key), cborText(value)])]);
}

function cborText(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([cborHead(3, bytes.length), bytes]);
}

function cborHead(majorType: number, length: number): Buffer {
  const major = majorType << 5;
  if (length < 24) return Buffer.from([major | length]);
  if (length < 0x100) return Buffer.from([major | 24, length]);
  if (length < 0x10000) return Buffer.from([major | 25, length >> 8, length & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = major | 26;
  head.writeUInt32BE(length, 1);
  return head;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
