import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';
import { maskSecret } from '../core/log';

/** The header aws-iam-authenticator binds a token to: the cluster's name. It must be signed. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
export const TOKEN_PREFIX = 'k8s-aws-v1.';
/** aws-iam-authenticator accepts a token for 15 minutes after its X-Amz-Date. */
export const TOKEN_LIFETIME_MS = 15 * 60_000;
/** Mint a new token when the current one is this old: a 5-minute margin covers clock skew and a slow request. */
export const TOKEN_REFRESH_AFTER_MS = 10 * 60_000;

export interface EksTokenOptions {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** For tests: the signing time. */
  signingDate?: Date;
}

export interface EksToken {
  token: string;
  /** When aws-iam-authenticator stops accepting it. */
  expiresAt: Date;
  signedAt: Date;
}

/** SHA-256 / HMAC-SHA-256 over node:crypto, in the shape @smithy/signature-v4 expects (saves a dependency). */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data as ArrayBuffer);
}

/** The regional STS endpoint: regional endpoints are the default everywhere now, and work in opt-in regions. */
export function stsHost(region: string): string {
  return region.startsWith('cn-') ? `sts.${region}.amazonaws.com.cn` : `sts.${region}.amazonaws.com`;
}

/**
 * The EKS bearer token, made in-process as `aws eks get-token` does: a
 * presigned STS GetCallerIdentity URL, with the cluster name in a signed
 * x-k8s-aws-id header, base64url-encoded without padding behind "k8s-aws-v1.".
 * The apiserver's authenticator replays the URL to STS to learn who we are.
 */
export async function createEksToken(options: EksTokenOptions): Promise<EksToken> {
  const signer = new SignatureV4({ credentials: options.credentials, region: options.region, service: 'sts', sha256: NodeSha256 });
  const hostname = stsHost(options.region);
  const signedAt = options.signingDate ?? new Date();
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, [CLUSTER_ID_HEADER]: options.clusterName },
    },
    { expiresIn: 60, signingDate: signedAt },
  );
  const url = new URL(`https://${hostname}/`);
  for (const [key, value] of Object.entries(presigned.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== null && item !== undefined) url.searchParams.append(key, item);
  }
  const token = TOKEN_PREFIX + Buffer.from(url.toString(), 'utf8').toString('base64url');
  return { token, signedAt, expiresAt: new Date(signedAt.getTime() + TOKEN_LIFETIME_MS) };
}

/**
 * Keeps a fresh EKS token for KubeClient's `token` option: mints one on first
 * use, again once it is 10 minutes old (long rollouts outlive the 15-minute
 * life), and at once after a 401. Each new token is masked in the log.
 */
export class EksTokenProvider {
  private current: EksToken | undefined;
  private pending: Promise<EksToken> | undefined;

  constructor(
    private readonly options: Omit<EksTokenOptions, 'signingDate'>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Bound, so it can be handed over as `token: provider.get`. */
  readonly get = async (forceRefresh = false): Promise<string> => {
    const now = this.clock().getTime();
    if (!forceRefresh && this.current && now - this.current.signedAt.getTime() < TOKEN_REFRESH_AFTER_MS) return this.current.token;
    // Concurrent requests share one signing.
    this.pending ??= createEksToken({ ...this.options, signingDate: this.clock() }).finally(() => (this.pending = undefined));
    const token = await this.pending;
    maskSecret(token.token);
    this.current = token;
    return token.token;
  };

  /** The token in use, if one was minted. */
  get token(): EksToken | undefined {
    return this.current;
  }
}
