import { createHash } from 'node:crypto';
import type { KubeObject, PodSpec, PodTemplateSpec } from '../kube/types';
import { ANNOTATION_CONFIG_HASH, ANNOTATION_IMAGE, ANNOTATION_RELEASED_IMAGES, ANNOTATION_RUN_URL, ANNOTATION_SHA } from './keys';

/**
 * What a release would change, field by field: the pure half of the
 * comparison in release-plan.ts.
 *
 * A release is compared by a server-side dry-run apply, not by comparing the
 * manifest with the live object here: the apiserver fills in defaults
 * (imagePullPolicy, protocol, terminationMessagePath…), normalises quantities
 * ("0.5" → "500m") and int-or-strings, runs the mutating admission the real
 * apply would run, and drops the fields this field manager applied before and
 * the manifest no longer names. A field-level comparison of our own would have
 * to re-implement all of that and would see differences that are none (or miss
 * a removed field). The dry-run answer is exactly the object the apply would
 * leave, so "nothing would change" is "the dry-run answer equals the live
 * object" once the fields the apiserver always rewrites are set aside.
 */

/** Flightdeck's own bookkeeping on the stable Deployment: rewritten by every promotion, so never a reason to release. */
export const BOOKKEEPING_ANNOTATIONS = [ANNOTATION_RUN_URL, ANNOTATION_SHA, ANNOTATION_IMAGE, ANNOTATION_RELEASED_IMAGES] as const;

/** Metadata the apiserver owns: it differs between a dry-run answer and the live object without anything changing. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'] as const;

/** The object as far as a release is concerned: no status, no server-owned metadata, no Flightdeck bookkeeping. */
export function comparable(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  delete copy.status;
  for (const field of SERVER_METADATA) delete copy.metadata[field];
  const annotations = { ...(copy.metadata.annotations ?? {}) };
  for (const key of BOOKKEEPING_ANNOTATIONS) delete annotations[key];
  if (Object.keys(annotations).length > 0) copy.metadata.annotations = annotations;
  else delete copy.metadata.annotations;
  return copy;
}

/** The dotted paths where two objects differ, after `comparable`; empty when the apply would change nothing. */
export function differences(live: KubeObject, applied: KubeObject): string[] {
  const paths: string[] = [];
  walk(comparable(live), comparable(applied), '', paths);
  return paths;
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(path || '.');
      return;
    }
    a.forEach((item, i) => walk(item, b[i], `${path}[${i}]`, out));
    return;
  }
  if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[key], b[key], path ? `${path}.${key}` : key, out);
    return;
  }
  out.push(path || '.');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type ConfigKind = 'ConfigMap' | 'Secret';

/** The ConfigMaps and Secrets a pod template reads, by kind: env, envFrom, volumes and projected volumes. */
export function referencedConfig(spec: PodSpec | undefined): Record<ConfigKind, Set<string>> {
  const found: Record<ConfigKind, Set<string>> = { ConfigMap: new Set(), Secret: new Set() };
  forEachConfigRef(spec, (kind, name) => {
    found[kind].add(name);
    return name;
  });
  return found;
}

/** The pod spec with every reference to a renamed ConfigMap pointing at its new name. */
export function renameConfigMaps(spec: PodSpec, renamed: Record<string, string>): PodSpec {
  const copy = structuredClone(spec);
  forEachConfigRef(copy, (kind, name) => (kind === 'ConfigMap' ? (renamed[name] ?? name) : name));
  return copy;
}

type RefVisitor = (kind: ConfigKind, name: string) => string;

/** Visit every ConfigMap and Secret name in a pod spec; the visitor's answer replaces the name. */
function forEachConfigRef(spec: PodSpec | undefined, visit: RefVisitor): void {
  if (!spec) return;
  const ref = (holder: unknown, field: string, kind: ConfigKind) => {
    if (!isRecord(holder)) return;
    const target = holder[field];
    if (isRecord(target) && typeof target.name === 'string') target.name = visit(kind, target.name);
  };
  for (const container of [...(spec.initContainers ?? []), ...spec.containers, ...asList(spec.ephemeralContainers)] as Record<
    string,
    unknown
  >[]) {
    for (const env of asList(container.env)) {
      if (!isRecord(env)) continue;
      ref(env.valueFrom, 'configMapKeyRef', 'ConfigMap');
      ref(env.valueFrom, 'secretKeyRef', 'Secret');
    }
    for (const source of asList(container.envFrom)) {
      ref(source, 'configMapRef', 'ConfigMap');
      ref(source, 'secretRef', 'Secret');
    }
  }
  for (const volume of asList(spec.volumes)) {
    if (!isRecord(volume)) continue;
    ref(volume, 'configMap', 'ConfigMap');
    if (isRecord(volume.secret) && typeof volume.secret.secretName === 'string')
      volume.secret.secretName = visit('Secret', volume.secret.secretName);
    if (isRecord(volume.projected))
      for (const source of asList(volume.projected.sources)) {
        ref(source, 'configMap', 'ConfigMap');
        ref(source, 'secret', 'Secret');
      }
  }
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** A short stable hash of a config object's content (data, binaryData, stringData), for copy names and rollout stamps. */
export function contentHash(objects: KubeObject[]): string {
  const hash = createHash('sha256');
  for (const object of [...objects].sort((a, b) => key(a).localeCompare(key(b)))) {
    hash.update(key(object));
    hash.update(canonicalJson({ data: object.data, binaryData: object.binaryData, stringData: object.stringData }));
  }
  return hash.digest('hex').slice(0, 10);
}

function key(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value))
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}

/** The template with a stamp of the config it reads, so a config-only change still rolls the pods (they read config at start). */
export function stampConfig(template: PodTemplateSpec, hash: string): PodTemplateSpec {
  const copy = structuredClone(template);
  copy.metadata = { ...(copy.metadata ?? {}), annotations: { ...(copy.metadata?.annotations ?? {}), [ANNOTATION_CONFIG_HASH]: hash } };
  return copy;
}
