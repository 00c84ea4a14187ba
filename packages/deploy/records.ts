import { gunzipSync, gzipSync } from 'node:zlib';
import type { Deployment, KubeObject } from '../kube/types';
import { ANNOTATION_ORIGINAL_BACKENDS, ANNOTATION_RELEASE, ANNOTATION_TRAFFIC, RECORD_VERSION } from './keys';
import type { AlbTarget, ReleaseRecord, TrafficRecord } from './types';

/**
 * The JSON Flightdeck keeps on the cluster for a later run to undo what it
 * did: the canary's traffic record and the Ingress's original backends. A
 * later run may be another Flightdeck version, so each record carries its
 * format version ("v") and is read strictly: a record this version cannot
 * read fails loudly, naming the object, rather than being taken for "pod
 * mode, nothing to restore", which would leave an Ingress pointing at
 * deleted Services. Records written before versioning (no "v") are still read.
 */

/** A service backend as an Ingress names it. */
export interface ServiceBackend {
  name: string;
  port?: { name?: string; number?: number };
}

/** Where a backend sits in an Ingress: its default backend, or a rule's host and path. */
export type BackendRoute = { default: true } | { host: string; path: string };

export interface SavedBackend {
  route: BackendRoute;
  service: ServiceBackend;
}

/** Original backends as read: by route (format 1), or by position among all backends (before versioning). */
export type OriginalBackends =
  { by: 'route'; backends: SavedBackend[] } | { by: 'index'; backends: { index: number; service: ServiceBackend }[] };

export function encodeTrafficRecord(record: TrafficRecord): string {
  return JSON.stringify({ v: RECORD_VERSION, ...record });
}

export function parseTrafficRecord(raw: string, object: KubeObject): TrafficRecord {
  const read = reader(ANNOTATION_TRAFFIC, object);
  const record = read.versioned(raw);
  // Format 1 and the unversioned records before it have the same fields.
  if (record.mode === 'pod') return { mode: 'pod' };
  if (record.mode === 'alb' && isAlbTarget(record.alb)) return { mode: 'alb', alb: record.alb };
  throw read.malformed('a traffic mode "pod", or "alb" with its Service, port and Ingresses');
}

/**
 * The release on the canary: gzip, then base64, inside the versioned JSON, so a Deployment and its
 * Services, ConfigMaps and budgets fit an annotation (the apiserver allows 256 KiB for all of them).
 * Secrets are never recorded (release-plan.ts leaves them alone): annotations are readable by anyone
 * who may read the Deployment.
 */
export function encodeReleaseRecord(record: ReleaseRecord): string {
  if (record.apply.some((object) => object.kind === 'Secret')) throw new Error('A Secret must never be recorded on the canary.');
  return JSON.stringify({ v: RECORD_VERSION, gzip: gzipSync(JSON.stringify(record)).toString('base64') });
}

export function parseReleaseRecord(raw: string, object: KubeObject): ReleaseRecord {
  const read = reader(ANNOTATION_RELEASE, object);
  const record = read.versioned(raw);
  if (typeof record.gzip !== 'string') throw read.malformed('"gzip", the base64 of the gzipped release');
  let inner: unknown;
  try {
    inner = JSON.parse(gunzipSync(Buffer.from(record.gzip, 'base64')).toString('utf8'));
  } catch {
    throw read.malformed('"gzip", the base64 of a gzipped JSON release');
  }
  const { deployment, apply } = (isObject(inner) ? inner : {}) as { deployment?: unknown; apply?: unknown };
  if (!isKubeObject(deployment) || deployment.kind !== 'Deployment' || !isObject((deployment as { spec?: unknown }).spec))
    throw read.malformed('the rendered Deployment');
  if (!Array.isArray(apply) || !apply.every(isKubeObject)) throw read.malformed('"apply", a list of objects');
  return { deployment: deployment as Deployment, apply };
}

function isKubeObject(value: unknown): value is KubeObject {
  return (
    isObject(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isObject(value.metadata) &&
    typeof value.metadata.name === 'string'
  );
}

export function encodeOriginalBackends(backends: SavedBackend[]): string {
  return JSON.stringify({ v: RECORD_VERSION, backends: backends.map(({ route, service }) => ({ ...route, service })) });
}

export function parseOriginalBackends(raw: string, object: KubeObject): OriginalBackends {
  const read = reader(ANNOTATION_ORIGINAL_BACKENDS, object);
  const value = read.json(raw);
  if (Array.isArray(value)) {
    // Before versioning: [{ index, port }] by position among all backends, where `port` held the service backend.
    const backends = value.map((entry: unknown) => {
      const { index, port } = (isObject(entry) ? entry : {}) as { index?: unknown; port?: unknown };
      if (!Number.isInteger(index) || !isServiceBackend(port)) throw read.malformed('a list of { index, port }');
      return { index: index as number, service: port };
    });
    return { by: 'index', backends };
  }
  const record = read.versioned(raw);
  if (!Array.isArray(record.backends)) throw read.malformed('"backends", a list');
  const backends = record.backends.map((entry: unknown) => {
    const fields = (isObject(entry) ? entry : {}) as { default?: unknown; host?: unknown; path?: unknown; service?: unknown };
    if (!isServiceBackend(fields.service)) throw read.malformed('a service for every backend');
    if (fields.default === true) return { route: { default: true } as const, service: fields.service };
    if (typeof fields.host !== 'string' || typeof fields.path !== 'string') throw read.malformed('a host and path for every backend');
    return { route: { host: fields.host, path: fields.path }, service: fields.service };
  });
  return { by: 'route', backends };
}

export function sameRoute(a: BackendRoute, b: BackendRoute): boolean {
  if ('default' in a || 'default' in b) return 'default' in a && 'default' in b;
  return a.host === b.host && a.path === b.path;
}

function reader(annotation: string, object: KubeObject) {
  const where = `${object.kind ?? 'Object'} "${object.metadata.name}"${object.metadata.namespace ? ` in namespace "${object.metadata.namespace}"` : ''}`;
  const malformed = (expected: string) =>
    new Error(`${where}: annotation ${annotation} is not a record Flightdeck can read (it needs ${expected}). Was it edited by hand?`);
  const json = (raw: string): unknown => {
    try {
      return JSON.parse(raw);
    } catch {
      throw malformed('JSON');
    }
  };
  return {
    malformed,
    json,
    /** The record's fields, after checking its version: absent (written before versioning) or one this code reads. */
    versioned(raw: string): Record<string, unknown> {
      const value = json(raw);
      if (!isObject(value)) throw malformed('a JSON object');
      if ('v' in value && value.v !== RECORD_VERSION) {
        throw new Error(
          `${where}: annotation ${annotation} has format version ${JSON.stringify(value.v)}, and this Flightdeck reads only version ${RECORD_VERSION}. ` +
            'A newer Flightdeck wrote it: finish this release (rolling-promote or rollback) with that version.',
        );
      }
      return value;
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAlbTarget(value: unknown): value is AlbTarget {
  return (
    isObject(value) &&
    typeof value.service === 'string' &&
    typeof value.port === 'number' &&
    Array.isArray(value.ingresses) &&
    value.ingresses.every((name) => typeof name === 'string')
  );
}

function isServiceBackend(value: unknown): value is ServiceBackend {
  return isObject(value) && typeof value.name === 'string' && (value.port === undefined || isObject(value.port));
}
