/**
 * What EKS puts in front of its apiserver, played locally: the action's
 * bearer token is checked by aws-iam-authenticator's rules (and its SigV4
 * recomputed, as STS would), the caller's identity comes from STS
 * GetCallerIdentity (moto), and the request goes on to the real local
 * apiserver as that identity, mapped to a group as an EKS access entry maps
 * an IAM role. The apiserver trusts the mapping through its request-header
 * (front-proxy) authentication, so RBAC decides on the mapped group.
 */
import { readFileSync } from 'node:fs';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { accessKeyIdOf, TokenRejected, verifyEksToken } from './eks-token-verifier';

export interface EksFrontOptions {
  /** The cluster this front is: a token signed for another name is refused. */
  clusterName: string;
  /** The group every authenticated caller is mapped to (the access entry's Kubernetes group). */
  group: string;
  /** The stack's k8s PKI directory: serving cert, cluster CA and the front-proxy client cert. */
  pkiDir: string;
  apiserver: string;
  stsEndpoint: string;
  /**
   * The secret of the key that signed a token, as STS knows it: the stack's one static secret, or a lookup,
   * e.g. `motoIssuedSecrets(url)` for the temporary keys moto's STS issued to an assumed role.
   */
  secretAccessKey: string | SecretLookup;
}

/** The secret key of an access key id, or undefined when the key is unknown. */
export type SecretLookup = (accessKeyId: string) => Promise<string | undefined>;

/**
 * The temporary keys moto's STS has issued (AssumeRole*, GetSessionToken), read from its state dump
 * (/moto-api/data.json) as real STS knows its own. Keys are only ever added, so a hit is cached and a
 * miss reads the dump again, once per unknown key.
 */
export function motoIssuedSecrets(motoUrl: string): SecretLookup {
  const known = new Map<string, string>();
  return async (accessKeyId) => {
    if (!known.has(accessKeyId)) {
      const response = await fetch(new URL('/moto-api/data.json', motoUrl));
      if (!response.ok) throw new TokenRejected(`moto's state dump answered ${response.status}`);
      const dump = (await response.json()) as { sts?: Record<string, { access_key_id?: string; secret_access_key?: string }[]> };
      for (const issued of Object.values(dump.sts ?? {}).flat()) {
        if (issued.access_key_id && issued.secret_access_key) known.set(issued.access_key_id, issued.secret_access_key);
      }
    }
    return known.get(accessKeyId);
  };
}

export interface EksFront {
  url: string;
  /** base64 of the CA that signed the front's serving certificate: what DescribeCluster's certificateAuthority.data carries. */
  caData: string;
  /** Who each accepted request was, as STS answered. */
  accepted: string[];
  /** Why each refused request was refused. */
  rejected: string[];
  close(): Promise<void>;
}

export async function startEksFront(options: EksFrontOptions): Promise<EksFront> {
  const pki = (name: string) => readFileSync(join(options.pkiDir, name));
  const ca = pki('ca.crt');
  const upstream = new URL(options.apiserver);
  const accepted: string[] = [];
  const rejected: string[] = [];

  const server: Server = createServer({ cert: pki('apiserver.crt'), key: pki('apiserver.key') }, (incoming, outgoing) => {
    const token = (incoming.headers.authorization ?? '').replace(/^Bearer /, '');
    identify(token, options)
      .then((arn) => {
        accepted.push(arn);
        const headers = { ...incoming.headers, host: upstream.host, 'x-remote-user': arn, 'x-remote-group': options.group };
        delete headers.authorization;
        const proxied = httpsRequest(
          {
            hostname: upstream.hostname,
            port: upstream.port,
            method: incoming.method,
            path: incoming.url,
            headers,
            ca,
            cert: pki('front-proxy-client.crt'),
            key: pki('front-proxy-client.key'),
          },
          (response) => {
            outgoing.writeHead(response.statusCode ?? 502, response.headers);
            response.pipe(outgoing);
          },
        );
        proxied.on('error', () => outgoing.destroy());
        outgoing.on('close', () => proxied.destroy());
        incoming.pipe(proxied);
      })
      .catch((error: unknown) => {
        rejected.push(error instanceof Error ? error.message : String(error));
        outgoing.writeHead(401, { 'content-type': 'application/json' });
        outgoing.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'Unauthorized',
            code: 401,
            message: 'Unauthorized',
          }),
        );
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caData: ca.toString('base64'),
    accepted,
    rejected,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The caller's ARN: the token verified as aws-iam-authenticator and STS would, then GetCallerIdentity asked of moto. */
async function identify(token: string, options: EksFrontOptions): Promise<string> {
  const secretAccessKey =
    typeof options.secretAccessKey === 'string' ? options.secretAccessKey : await options.secretAccessKey(accessKeyIdOf(token));
  if (secretAccessKey === undefined)
    throw new TokenRejected(`the token is signed with the access key ${accessKeyIdOf(token)}, which STS never issued`);
  const verified = verifyEksToken(token, { clusterName: options.clusterName, secretAccessKey });
  // moto routes by the credential scope and does not check signatures (the verifier did): replay the caller's identity.
  const response = await fetch(options.stsEndpoint, {
    method: 'POST',
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=${verified.accessKeyId}/${verified.signedAt.toISOString().slice(0, 10).replace(/-/g, '')}/${verified.region}/sts/aws4_request, SignedHeaders=host, Signature=0`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
  });
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(await response.text())?.[1];
  if (!response.ok || !arn) throw new TokenRejected(`STS GetCallerIdentity answered ${response.status}`);
  return arn;
}
