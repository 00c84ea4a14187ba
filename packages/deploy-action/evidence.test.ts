import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../core/errors';
import {
  checkGatedImage,
  evidencePayload,
  lastPromoted,
  parseEvidencePayload,
  readEvidence,
  verifyEvidence,
  type EvidenceSource,
} from './evidence';

const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/flightdeck/qa/flask-app';
const A = `${REPO}@sha256:${'a'.repeat(64)}`;
const B = `${REPO}@sha256:${'b'.repeat(64)}`;
const C = `${REPO}@sha256:${'c'.repeat(64)}`;
const source: EvidenceSource = { api: 'https://api.test', repository: 'octo/app', environment: 'qa', token: 't' };

describe('the evidence payload', () => {
  it('is versioned JSON with the digests, the commit and the run', () => {
    expect(evidencePayload([A], 'abc', 'https://run/1')).toEqual({ v: 1, images: [A], commit: 'abc', runUrl: 'https://run/1' });
    expect(parseEvidencePayload(JSON.stringify(evidencePayload([A], 'abc', 'u')))).toEqual({
      v: 1,
      images: [A],
      commit: 'abc',
      runUrl: 'u',
    });
  });
  it('is not recorded for a tag', () => {
    expect(evidencePayload([`${REPO}:1.0`], 'abc', 'u')).toBeUndefined();
  });
  it('is parsed strictly', () => {
    for (const bad of [
      {},
      { v: 2, images: [A], commit: 'c', runUrl: 'u' },
      { v: 1, images: [A], commit: 'c', runUrl: 'u', extra: true },
      { v: 1, images: [`${REPO}:latest`], commit: 'c', runUrl: 'u' },
      { v: 1, images: [], commit: 'c', runUrl: 'u' },
      { v: 1, images: [A], commit: 1, runUrl: 'u' },
      'not json',
      null,
    ])
      expect(parseEvidencePayload(bad)).toBeUndefined();
  });
});

describe('a gated image', () => {
  it('must be a digest', () => {
    expect(() => checkGatedImage('images', 'require-evidence-from', `${REPO}:1.0`, [A])).toThrow(
      /Input "images": .* not pinned by digest, and "require-evidence-from" takes only/,
    );
  });
  it('must be of the repository the evidence names', () => {
    const foreign = `evil.example.com/flightdeck/qa/flask-app@sha256:${'a'.repeat(64)}`;
    expect(() => checkGatedImage('images', 'require-evidence-from', foreign, [A])).toThrow(ConfigurationError);
    expect(() => checkGatedImage('images', 'require-evidence-from', foreign, [A])).toThrow(/not the registry and repository/);
    expect(() => checkGatedImage('images', 'require-evidence-from', B, [A])).not.toThrow();
  });
});

const records = [
  {
    deploymentId: 3,
    createdAt: '2026-12-02T12:00:00Z',
    payload: { v: 1 as const, images: [C], commit: 'c3', runUrl: 'u3' },
    state: 'failure',
  },
  {
    deploymentId: 2,
    createdAt: '2026-12-02T11:00:00Z',
    payload: { v: 1 as const, images: [B], commit: 'c2', runUrl: 'u2' },
    state: 'success',
  },
  {
    deploymentId: 1,
    createdAt: '2026-12-02T10:00:00Z',
    payload: { v: 1 as const, images: [A], commit: 'c1', runUrl: 'u1' },
    state: 'success',
  },
];

describe('verifyEvidence', () => {
  it('takes a digest QA promoted, even when a later one superseded it', () => {
    expect(() => verifyEvidence([A, B], records, source, 'require-evidence-from')).not.toThrow();
    expect(lastPromoted(records)?.payload.images).toEqual([B]);
  });
  it('refuses a digest never promoted, naming it and where it looked', () => {
    const never = `${REPO}@sha256:${'d'.repeat(64)}`;
    expect(() => verifyEvidence([never], records, source, 'require-evidence-from')).toThrow(
      new RegExp(`sha256:${'d'.repeat(64)}.*never promoted.*environment "qa" in octo/app`),
    );
  });
  it('refuses a rolled-back digest', () => {
    expect(() => verifyEvidence([C], records, source, 'require-evidence-from')).toThrow(
      /latest status of its Deployment 3 .* is "failure"/,
    );
  });
  it('refuses a sidecar pinned by tag', () => {
    expect(() => verifyEvidence([A, 'docker.io/envoy:1.30'], records, source, 'require-evidence-from')).toThrow(/not pinned by digest/);
  });
});

describe('readEvidence', () => {
  afterEach(() => vi.unstubAllGlobals());
  it("reads the environment's deployments and their latest status through the GitHub API", async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        urls.push(url);
        const body = url.includes('/statuses')
          ? [{ state: url.includes('/deployments/8/') ? 'inactive' : 'success' }]
          : [
              { id: 8, created_at: '2026-12-02T11:00:00Z', payload: { v: 1, images: [B], commit: 'b', runUrl: 'u' } },
              { id: 7, created_at: '2026-12-02T10:00:00Z', payload: JSON.stringify({ v: 1, images: [A], commit: 'a', runUrl: 'u' }) },
              { id: 6, created_at: '2026-12-02T09:00:00Z', payload: {} },
            ];
        return new Response(JSON.stringify(body), { status: 200 });
      }),
    );
    const found = await readEvidence(source);
    expect(urls[0]).toBe('https://api.test/repos/octo/app/deployments?environment=qa&per_page=30');
    expect(found.map((r) => [r.deploymentId, r.state])).toEqual([
      [8, 'inactive'],
      [7, 'success'],
    ]);
    expect(lastPromoted(found)?.payload.images).toEqual([A]);
  });
  it('says what the token needs when the API refuses', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('{"message":"Forbidden"}', { status: 403 })),
    );
    await expect(readEvidence(source)).rejects.toThrow(/deployments: read/);
  });
});
