import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks an EKS bearer token the way aws-iam-authenticator does before it
 * replays it to STS, and then does what STS would: recomputes the SigV4
 * signature with the (known, dummy) secret key, using the cluster name the
 * server expects as the x-k8s-aws-id header. A token signed for another
 * cluster therefore fails on the signature, as it would on a real cluster.
 * Written from the SigV4 specification, independently of @smithy/signature-v4,
 * so it can catch a misuse of the signer.
 */

export interface VerifyOptions {
  clusterName: string;
  secretAccessKey: string;
  now?: Date;
}

export interface VerifiedToken {
  accessKeyId: string;
  region: string;
  host: string;
  signedAt: Date;
  expiresSeconds: number;
}

const PREFIX = 'k8s-aws-v1.';
/** aws-iam-authenticator's accepted STS hosts: global, regional, and the China partition. */
const STS_HOST = /^sts(\.[a-z]{2}(-[a-z]+)+-\d+)?\.amazonaws\.com(\.cn)?$/;
const MAX_EXPIRES_SECONDS = 900;
const TOKEN_WINDOW_MS = 15 * 60_000;

export class TokenRejected extends Error {}

/** The access key id a token claims to be signed with (before any check), or "" when it names none. */
export function accessKeyIdOf(token: string): string {
  try {
    const url = new URL(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8'));
    return url.searchParams.get('X-Amz-Credential')?.split('/')[0] ?? '';
  } catch {
    return '';
  }
}

export function verifyEksToken(token: string, options: VerifyOptions): VerifiedToken {
  if (!token.startsWith(PREFIX)) throw new TokenRejected('token is missing the k8s-aws-v1. prefix');
  const encoded = token.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw new TokenRejected('token is not unpadded base64url');
  const url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  if (url.protocol !== 'https:') throw new TokenRejected(`presigned URL is not https: ${url.protocol}`);
  if (!STS_HOST.test(url.host)) throw new TokenRejected(`unexpected STS host ${url.host}`);
  if (url.pathname !== '/') throw new TokenRejected(`unexpected path ${url.pathname}`);
  const query = url.searchParams;
  const one = (key: string): string => {
    const values = query.getAll(key);
    if (values.length !== 1) throw new TokenRejected(`query parameter ${key} must appear once (found ${values.length})`);
    return values[0]!;
  };
  if (one('Action') !== 'GetCallerIdentity') throw new TokenRejected(`Action is ${query.get('Action')}, not GetCallerIdentity`);
  if (one('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw new TokenRejected('X-Amz-Algorithm must be AWS4-HMAC-SHA256');
  const expires = Number(one('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires <= 0 || expires > MAX_EXPIRES_SECONDS)
    throw new TokenRejected(`X-Amz-Expires ${expires} is not within 1..${MAX_EXPIRES_SECONDS}`);
  const signedHeaders = one('X-Amz-SignedHeaders').split(';');
  if (!signedHeaders.includes('x-k8s-aws-id')) throw new TokenRejected('x-k8s-aws-id is not among X-Amz-SignedHeaders');
  if (!signedHeaders.includes('host')) throw new TokenRejected('host is not among X-Amz-SignedHeaders');
  const unknown = signedHeaders.filter((header) => header !== 'host' && header !== 'x-k8s-aws-id');
  if (unknown.length) throw new TokenRejected(`signed headers the authenticator cannot replay: ${unknown.join(', ')}`);

  const amzDate = one('X-Amz-Date');
  const signedAt = parseAmzDate(amzDate);
  const now = options.now ?? new Date();
  if (Math.abs(now.getTime() - signedAt.getTime()) > TOKEN_WINDOW_MS)
    throw new TokenRejected(`token signed at ${signedAt.toISOString()} is outside the 15-minute window`);

  const [accessKeyId, date, region, service, terminator] = one('X-Amz-Credential').split('/');
  if (!accessKeyId || date !== amzDate.slice(0, 8) || !region || service !== 'sts' || terminator !== 'aws4_request') {
    throw new TokenRejected(`malformed credential scope ${query.get('X-Amz-Credential')}`);
  }

  // What STS does with the replayed request: the header value is the cluster the server is, not one the client chose.
  const headerValues: Record<string, string> = { host: url.host, 'x-k8s-aws-id': options.clusterName };
  const canonicalQuery = [...query.entries()]
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [rfc3986(key), rfc3986(value)] as const)
    .sort(([a, x], [b, y]) => (a === b ? compare(x, y) : compare(a, b)))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    signedHeaders.map((header) => `${header}:${headerValues[header]!.trim()}\n`).join(''),
    signedHeaders.join(';'),
    sha256Hex(''),
  ].join('\n');
  const scope = `${date}/${region}/sts/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${options.secretAccessKey}`, date);
  for (const part of [region, 'sts', 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, stringToSign);
  const given = Buffer.from(one('X-Amz-Signature'), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new TokenRejected(`signature does not match for cluster "${options.clusterName}" (token made for another cluster, or tampered)`);
  }
  return { accessKeyId, region, host: url.host, signedAt, expiresSeconds: expires };
}

function parseAmzDate(value: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) throw new TokenRejected(`malformed X-Amz-Date ${value}`);
  const [, y, mo, d, h, mi, s] = match;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}
