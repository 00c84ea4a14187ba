/**
 * What an act run of the pipeline talks to besides the local stack, for as long as the run lasts, all on
 * loopback. Each is a stand-in for a service that cannot exist offline, and is named so where it is defined:
 * - GitHub's REST API (check runs, deployments): test/support/fake-github-api.ts, as GITHUB_API_URL;
 * - per EKS cluster name, EKS's authenticating front before the one local apiserver (test/support/eks-front.ts):
 *   it accepts the temporary keys moto's STS issued to the assumed deploy role, and maps that identity to the
 *   deployer group, as an EKS access entry does;
 * - the AWS endpoint the jobs use (AWS_ENDPOINT_URL): test/stack/aws-fault-proxy.ts in front of moto, which
 *   records every call and points DescribeCluster of each cluster name at its front;
 * - per environment, its public URL: a server that answers /readyz. It can say only that "the environment URL
 *   answers", never that the canary does (KWOK's pods serve nothing); the canary's own checks are the pod
 *   watch and the alarms.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAwsFaultProxy, type AwsFaultProxy } from '../../test/stack/aws-fault-proxy';
import { motoIssuedSecrets, startEksFront, type EksFront } from '../../test/support/eks-front';
import { startFakeGitHubApi, type FakeGitHubApi } from '../../test/support/fake-github-api';

export interface LocalServicesOptions {
  /** moto: the AWS API behind the proxy, and the STS whose issued keys the fronts accept. */
  moto: string;
  /** The local apiserver every front hands requests to, and the stack's k8s PKI (serving cert, front-proxy client). */
  apiserver: string;
  pkiDir: string;
  /** EKS cluster names, each with its own front. */
  clusters: string[];
  /** GitHub environments that get a URL stand-in. */
  environments: string[];
  /** The stack's static keys, still accepted beside moto's temporary ones. */
  staticKey: { accessKeyId: string; secretAccessKey: string };
  /** The Kubernetes group an EKS access entry maps the deploy role to (infra/cloudformation/ci.yaml). */
  deployerGroup?: string;
}

export interface EnvironmentUrl {
  url: string;
  /** Paths requested, in order. */
  requests: string[];
}

export interface LocalServices {
  github: FakeGitHubApi;
  aws: AwsFaultProxy;
  fronts: Record<string, EksFront>;
  environmentUrls: Record<string, EnvironmentUrl>;
  close(): Promise<void>;
}

export async function startLocalServices(options: LocalServicesOptions): Promise<LocalServices> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const github = await startFakeGitHubApi();
    closers.push(github.close);
    const temporary = motoIssuedSecrets(options.moto);
    const secretFor = async (accessKeyId: string) =>
      accessKeyId === options.staticKey.accessKeyId ? options.staticKey.secretAccessKey : temporary(accessKeyId);
    const fronts: Record<string, EksFront> = {};
    for (const clusterName of options.clusters) {
      const front = await startEksFront({
        clusterName,
        group: options.deployerGroup ?? 'flightdeck-deployers',
        pkiDir: options.pkiDir,
        apiserver: options.apiserver,
        stsEndpoint: options.moto,
        secretAccessKey: secretFor,
      });
      closers.push(front.close);
      fronts[clusterName] = front;
    }
    // moto's cluster endpoint is a name nobody serves: keep its answer, with the front's address and CA.
    const aws = await startAwsFaultProxy({
      target: options.moto,
      rules: options.clusters.map((clusterName) => ({
        operation: (request) => request.method === 'GET' && new URL(request.path, 'http://proxy').pathname === `/clusters/${clusterName}`,
        transform: (body: unknown) => {
          const cluster = (body as { cluster: Record<string, unknown> }).cluster;
          return {
            cluster: { ...cluster, endpoint: fronts[clusterName]!.url, certificateAuthority: { data: fronts[clusterName]!.caData } },
          };
        },
      })),
    });
    closers.push(aws.close);
    const environmentUrls: Record<string, EnvironmentUrl> = {};
    for (const environment of options.environments) {
      const stand = await startEnvironmentUrl();
      closers.push(stand.close);
      environmentUrls[environment] = stand;
    }
    return {
      github,
      aws,
      fronts,
      environmentUrls,
      close: () => closeAll(closers),
    };
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}

async function closeAll(closers: (() => Promise<void>)[]): Promise<void> {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
}

/** The environment's public URL, played on loopback: /readyz answers 200, anything else 404. */
async function startEnvironmentUrl(): Promise<EnvironmentUrl & { close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '/');
    const ready = request.method === 'GET' && request.url === '/readyz';
    response.writeHead(ready ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(ready ? { status: 'ready' } : { error: { status: 404, message: 'not found' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
