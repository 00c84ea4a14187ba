/**
 * Reads the local registry (the ECR data plane stand-in) through its v2 HTTP
 * API, independently of docker, so tests can check what really landed there.
 * Credentials are the ones moto's ECR token carries (user AWS).
 */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

export interface RegistryApi {
  /** Docker-Content-Digest of a tag's manifest, or undefined when the tag does not exist. */
  manifestDigest(repository: string, tag: string): Promise<string | undefined>;
  /** Tags of a repository; empty when the repository does not exist. */
  tags(repository: string): Promise<string[]>;
  catalog(): Promise<string[]>;
}

export function registryApi(env: NodeJS.ProcessEnv = process.env): RegistryApi {
  const host = env.ECR_REGISTRY!;
  const ca = readFileSync(env.REGISTRY_CA_FILE!);
  const password = `${env.AWS_ACCOUNT_ID}-auth-token`;
  const authorization = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;

  function call(
    method: string,
    path: string,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host, port: 443, method, path, ca, headers: { authorization, accept: MANIFEST_TYPES } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  return {
    async manifestDigest(repository, tag) {
      const response = await call('HEAD', `/v2/${repository}/manifests/${encodeURIComponent(tag)}`);
      if (response.status === 404) return undefined;
      if (response.status !== 200) throw new Error(`HEAD manifest ${repository}:${tag} answered ${response.status}`);
      return String(response.headers['docker-content-digest']);
    },
    async tags(repository) {
      const response = await call('GET', `/v2/${repository}/tags/list`);
      if (response.status === 404) return [];
      if (response.status !== 200) throw new Error(`GET tags of ${repository} answered ${response.status}: ${response.body}`);
      return ((JSON.parse(response.body) as { tags: string[] | null }).tags ?? []).sort();
    },
    async catalog() {
      const response = await call('GET', '/v2/_catalog?n=1000');
      if (response.status !== 200) throw new Error(`GET /v2/_catalog answered ${response.status}: ${response.body}`);
      return (JSON.parse(response.body) as { repositories: string[] }).repositories.sort();
    },
  };
}
