import type { KubeObject } from '../kube/types';

/**
 * Where kustomize puts labels, for the kinds Flightdeck deploys. A path is a
 * list of keys; "[]" after a key walks every item of that list. `create`
 * says whether kustomize adds the map when it is missing: it creates a
 * Deployment's selector, but never invents a selector on a Job (the
 * apiserver generates that) or a PodDisruptionBudget.
 */
export interface LabelField {
  kinds: string[];
  path: string[];
  create: boolean;
}

const WORKLOADS = ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet'];
const AFFINITY_TERMS = [
  ['podAffinity', 'requiredDuringSchedulingIgnoredDuringExecution[]', 'labelSelector', 'matchLabels'],
  ['podAffinity', 'preferredDuringSchedulingIgnoredDuringExecution[]', 'podAffinityTerm', 'labelSelector', 'matchLabels'],
  ['podAntiAffinity', 'requiredDuringSchedulingIgnoredDuringExecution[]', 'labelSelector', 'matchLabels'],
  ['podAntiAffinity', 'preferredDuringSchedulingIgnoredDuringExecution[]', 'podAffinityTerm', 'labelSelector', 'matchLabels'],
];

/** Pod templates: their pods carry the labels too. */
export const TEMPLATE_LABEL_FIELDS: LabelField[] = [
  { kinds: [...WORKLOADS, 'Job', 'ReplicationController'], path: ['spec', 'template', 'metadata', 'labels'], create: true },
  { kinds: ['CronJob'], path: ['spec', 'jobTemplate', 'metadata', 'labels'], create: true },
  { kinds: ['CronJob'], path: ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels'], create: true },
  { kinds: ['StatefulSet'], path: ['spec', 'volumeClaimTemplates[]', 'metadata', 'labels'], create: true },
];

/** Selectors: changing these changes which pods an object selects, so kustomize does it only when asked. */
export const SELECTOR_LABEL_FIELDS: LabelField[] = [
  { kinds: ['Service', 'ReplicationController'], path: ['spec', 'selector'], create: true },
  { kinds: WORKLOADS, path: ['spec', 'selector', 'matchLabels'], create: true },
  { kinds: ['Job'], path: ['spec', 'selector', 'matchLabels'], create: false },
  { kinds: ['CronJob'], path: ['spec', 'jobTemplate', 'spec', 'selector', 'matchLabels'], create: false },
  { kinds: ['PodDisruptionBudget'], path: ['spec', 'selector', 'matchLabels'], create: false },
  { kinds: ['NetworkPolicy'], path: ['spec', 'podSelector', 'matchLabels'], create: false },
  { kinds: ['NetworkPolicy'], path: ['spec', 'ingress[]', 'from[]', 'podSelector', 'matchLabels'], create: false },
  { kinds: ['NetworkPolicy'], path: ['spec', 'egress[]', 'to[]', 'podSelector', 'matchLabels'], create: false },
  ...AFFINITY_TERMS.map((term) => ({ kinds: ['Deployment'], path: ['spec', 'template', 'spec', 'affinity', ...term], create: false })),
];

export const METADATA_LABEL_FIELD: LabelField = { kinds: [], path: ['metadata', 'labels'], create: true };

type Node = Record<string, unknown>;

function isMap(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merge `labels` into the map at `field.path` of `object` (changed in place), if the field applies to its kind. */
export function addLabels(object: KubeObject, field: LabelField, labels: Record<string, string>): void {
  if (field.kinds.length > 0 && !field.kinds.includes(object.kind ?? '')) return;
  visit(object as Node, field.path, field.create, labels);
}

function visit(node: Node, path: string[], create: boolean, labels: Record<string, string>): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (head.endsWith('[]')) {
    const items = node[head.slice(0, -2)];
    if (!Array.isArray(items)) return;
    for (const item of items) if (isMap(item)) visit(item, rest, create, labels);
    return;
  }
  if (!isMap(node[head])) {
    if (!create || node[head] !== undefined) return;
    node[head] = {};
  }
  const child = node[head] as Node;
  if (rest.length === 0) Object.assign(child, labels);
  else visit(child, rest, create, labels);
}
