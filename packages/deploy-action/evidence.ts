import { ConfigurationError } from '../core/errors';
import { parseImageReference } from '../manifests/images';
import { githubApiRequest } from './github-api';

/**
 * Evidence-gated promotion: a release records, in its GitHub Deployment's
 * payload, the digests it deployed, the commit and the run; a release with
 * "require-evidence-from" takes only digests a successful Deployment of that
 * environment recorded. Read before the cluster is touched.
 */
export const EVIDENCE_VERSION = 1;

export interface EvidencePayload {
  v: typeof EVIDENCE_VERSION;
  /** Every image of the pod template, each registry/repository@sha256:… */
  images: string[];
  commit: string;
  runUrl: string;
}

const DIGEST_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+@sha256:[a-f0-9]{64}$/;

export function isDigestReference(ref: string): boolean {
  return DIGEST_REF.test(ref) && parseImageReference(ref).name.split('/')[0]!.includes('.');
}

/** The payload, when every image is pinned by digest; else none (no evidence is recorded for tags). */
export function evidencePayload(images: string[], commit: string, runUrl: string): EvidencePayload | undefined {
  if (images.length === 0 || !images.every(isDigestReference)) return undefined;
  return { v: EVIDENCE_VERSION, images: [...new Set(images)].sort(), commit, runUrl };
}

/** Strict: exactly the fields of version 1, each of its type; anything else is no evidence. */
export function parseEvidencePayload(value: unknown): EvidencePayload | undefined {
  let data = value;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const record = data as Record<string, unknown>;
  const keys = Object.keys(record).sort().join(',');
  if (keys !== 'commit,images,runUrl,v' || record.v !== EVIDENCE_VERSION) return undefined;
  if (typeof record.commit !== 'string' || typeof record.runUrl !== 'string') return undefined;
  if (!Array.isArray(record.images) || record.images.length === 0) return undefined;
  if (!record.images.every((i) => typeof i === 'string' && isDigestReference(i))) return undefined;
  return { v: EVIDENCE_VERSION, images: record.images as string[], commit: record.commit, runUrl: record.runUrl };
}

/**
 * An image given to a gated release: registry/repository@sha256:… of the
 * expected registry and repository (those QA recorded), nothing else.
 */
export function checkGatedImage(input: string, gateInput: string, ref: string, expected: string[]): void {
  if (!isDigestReference(ref)) {
    throw new ConfigurationError(
      `Input "${input}": "${ref}" is not pinned by digest, and "${gateInput}" takes only registry/repository@sha256:<64 hex> (a tag can move after QA). Give the digest QA promoted, or leave "${input}" empty to take it.`,
      input,
    );
  }
  const name = parseImageReference(ref).name;
  const names = [...new Set(expected.map((e) => parseImageReference(e).name))];
  if (names.length > 0 && !names.includes(name)) {
    throw new ConfigurationError(
      `Input "${input}": "${name}" is not the registry and repository "${gateInput}" expects (${names.join(', ')}: the account, region and repository QA released from). Give a digest of that repository.`,
      input,
    );
  }
}

export interface EvidenceRecord {
  deploymentId: number;
  createdAt: string;
  payload: EvidencePayload;
  /** The latest status's state ("success", "failure", "inactive", …), or undefined when it has none. */
  state?: string;
}

export interface EvidenceSource {
  api: string;
  repository: string;
  environment: string;
  token: string;
}

function getJson(source: EvidenceSource, path: string): Promise<unknown> {
  return githubApiRequest({
    api: source.api,
    method: 'GET',
    path: `/repos/${source.repository}${path}`,
    token: source.token,
    purpose: `read the GitHub Deployments of environment "${source.environment}" in ${source.repository}`,
    permission: 'deployments: read',
  });
}

/** The environment's Deployments that carry evidence, newest first, each with its latest status. */
export async function readEvidence(source: EvidenceSource, limit = 30): Promise<EvidenceRecord[]> {
  const list = (await getJson(source, `/deployments?environment=${encodeURIComponent(source.environment)}&per_page=${limit}`)) as {
    id: number;
    created_at?: string;
    payload?: unknown;
  }[];
  const records: EvidenceRecord[] = [];
  for (const deployment of Array.isArray(list) ? list : []) {
    const payload = parseEvidencePayload(deployment.payload);
    if (!payload) continue;
    const statuses = (await getJson(source, `/deployments/${deployment.id}/statuses?per_page=1`)) as { state?: string }[];
    records.push({ deploymentId: deployment.id, createdAt: deployment.created_at ?? '', payload, state: statuses[0]?.state });
  }
  return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.deploymentId - a.deploymentId);
}

/** The images of the newest Deployment of the environment whose latest status is success. */
export function lastPromoted(records: EvidenceRecord[]): EvidenceRecord | undefined {
  return records.find((r) => r.state === 'success');
}

/**
 * Every image must be recorded by a Deployment of the environment whose
 * latest status is success; the newest Deployment of each image decides, so a
 * digest rolled back after it passed is refused.
 */
export function verifyEvidence(images: string[], records: EvidenceRecord[], source: EvidenceSource, gateInput: string): void {
  for (const image of images) {
    const where = `GitHub Deployments of environment "${source.environment}" in ${source.repository}`;
    if (!isDigestReference(image)) {
      throw new ConfigurationError(
        `"${gateInput}: ${source.environment}": the pod template runs "${image}", which is not pinned by digest, so no ${where} can vouch for it. Pin it as registry/repository@sha256:… in the manifests or the images input.`,
        gateInput,
      );
    }
    const newest = records.find((r) => r.payload.images.includes(image));
    const digest = parseImageReference(image).digest;
    if (!newest) {
      throw new ConfigurationError(
        `"${gateInput}: ${source.environment}": ${digest} (${image}) was never promoted there: no ${where} records it. Release it to "${source.environment}" first.`,
        gateInput,
      );
    }
    if (newest.state !== 'success') {
      throw new ConfigurationError(
        `"${gateInput}: ${source.environment}": ${digest} (${image}) did not stay promoted there: the latest status of its Deployment ${newest.deploymentId} in the ${where} is "${newest.state ?? 'none'}" (rolled back or failed). Release a digest "${source.environment}" promoted.`,
        gateInput,
      );
    }
  }
}
