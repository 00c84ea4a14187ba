import { POD_TEMPLATE_HASH } from '../kube/undo';
import type { KubeObject } from '../kube/types';
import {
  ALB_ACTION_ANNOTATION_PREFIX,
  ALB_USE_ANNOTATION_PORT,
  ANNOTATION_ORIGINAL_BACKENDS,
  CANARY_TRACK,
  canaryServiceName,
  managedByFlightdeck,
  stableServiceName,
  TRACK_LABEL,
  weightedActionName,
} from './keys';
import {
  encodeOriginalBackends,
  parseOriginalBackends,
  sameRoute,
  type BackendRoute,
  type SavedBackend,
  type ServiceBackend,
} from './records';

/**
 * ALB traffic mode, for the AWS Load Balancer Controller: two Services that
 * split the app's pods into stable and canary target groups, and a forward
 * action on the Ingress that weighs them. The Ingress rules that pointed at the
 * app's Service point at the action while a canary runs; the original backends
 * are kept in an annotation so any later run (rollback, cancel) can restore them.
 */

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  [field: string]: unknown;
}

export interface Service extends KubeObject {
  spec?: { selector?: Record<string, string>; ports?: ServicePort[]; type?: string; [field: string]: unknown };
}

export interface IngressBackend {
  service?: ServiceBackend;
  [field: string]: unknown;
}

export interface Ingress extends KubeObject {
  spec?: {
    defaultBackend?: IngressBackend;
    rules?: { host?: string; http?: { paths: { path?: string; pathType?: string; backend: IngressBackend }[] } }[];
    [field: string]: unknown;
  };
}

/**
 * The two target-group Services. Service selectors cannot say "without the
 * canary label", so the stable one pins the stable ReplicaSet's
 * pod-template-hash (as Argo Rollouts does) and the canary one adds the track label.
 */
export function splitServices(service: Service, stablePodTemplateHash: string): [Service, Service] {
  const base = (name: string, selector: Record<string, string>): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: service.metadata.namespace, labels: managedByFlightdeck() },
    spec: {
      // The ALB controller registers pod IPs (target-type ip) or node ports; NodePort serves both.
      type: service.spec?.type === 'ClusterIP' || service.spec?.type === undefined ? 'ClusterIP' : 'NodePort',
      selector,
      ports: (service.spec?.ports ?? []).map(({ name, port, targetPort, protocol }) => ({ name, port, targetPort, protocol })),
    },
  });
  const selector = service.spec?.selector ?? {};
  return [
    base(stableServiceName(service.metadata.name!), { ...selector, [POD_TEMPLATE_HASH]: stablePodTemplateHash }),
    base(canaryServiceName(service.metadata.name!), { ...selector, [TRACK_LABEL]: CANARY_TRACK }),
  ];
}

/** The forward action JSON the AWS Load Balancer Controller reads. */
export function forwardAction(service: string, port: number, weights: { stable: number; canary: number }): string {
  return JSON.stringify({
    type: 'forward',
    forwardConfig: {
      targetGroups: [
        { serviceName: stableServiceName(service), servicePort: String(port), weight: weights.stable },
        { serviceName: canaryServiceName(service), servicePort: String(port), weight: weights.canary },
      ],
    },
  });
}

/** Does this Ingress send traffic to the Service, directly or through our action? */
export function ingressRoutesTo(ingress: Ingress, service: string): boolean {
  const names = [service, weightedActionName(service)];
  return backends(ingress).some((b) => names.includes(b.service?.name ?? ''));
}

function backends(ingress: Ingress): IngressBackend[] {
  return routedBackends(ingress).map(({ backend }) => backend);
}

/** Every backend with where it sits: the default backend first, then each rule's paths in order. */
function routedBackends(ingress: Ingress): { route: BackendRoute; backend: IngressBackend }[] {
  const list: { route: BackendRoute; backend: IngressBackend }[] = [];
  if (ingress.spec?.defaultBackend) list.push({ route: { default: true }, backend: ingress.spec.defaultBackend });
  for (const rule of ingress.spec?.rules ?? []) {
    for (const path of rule.http?.paths ?? [])
      list.push({ route: { host: rule.host ?? '', path: path.path ?? '' }, backend: path.backend });
  }
  return list;
}

/**
 * The Ingress with the weighted action in place of every backend that named
 * the Service. Idempotent: a second call only changes the weights.
 */
export function weightedIngress(ingress: Ingress, service: string, port: number, weights: { stable: number; canary: number }): Ingress {
  const next = structuredClone(ingress);
  const annotations = (next.metadata.annotations ??= {});
  if (!annotations[ANNOTATION_ORIGINAL_BACKENDS]) {
    annotations[ANNOTATION_ORIGINAL_BACKENDS] = encodeOriginalBackends(collectOriginal(ingress, service));
  }
  annotations[ALB_ACTION_ANNOTATION_PREFIX + weightedActionName(service)] = forwardAction(service, port, weights);
  for (const backend of backends(next)) {
    if (backend.service?.name === service) backend.service = { name: weightedActionName(service), port: { name: ALB_USE_ANNOTATION_PORT } };
  }
  return next;
}

/**
 * Where each rewritten backend pointed before, by its route (host and path),
 * so an Ingress edited while the canary runs (a rule added above) is still
 * restored in the right places.
 */
function collectOriginal(ingress: Ingress, service: string): SavedBackend[] {
  return routedBackends(ingress).flatMap(({ route, backend }) =>
    backend.service?.name === service ? [{ route, service: backend.service }] : [],
  );
}

/**
 * The Ingress as it was before the canary: original backends back, our
 * annotations gone. Null when there is nothing to restore. Throws, naming the
 * Ingress, on a record of a format this version cannot read.
 */
export function restoredIngress(ingress: Ingress, service: string, servicePort: number): Ingress | null {
  const annotations = ingress.metadata.annotations ?? {};
  const saved = annotations[ANNOTATION_ORIGINAL_BACKENDS];
  const actionKey = ALB_ACTION_ANNOTATION_PREFIX + weightedActionName(service);
  if (!saved && !(actionKey in annotations)) return null;
  const next = structuredClone(ingress);
  const action = weightedActionName(service);
  const original = saved ? parseOriginalBackends(saved, ingress) : undefined;
  if (original?.by === 'route') {
    for (const { route, backend } of routedBackends(next)) {
      const before = original.backends.find((entry) => sameRoute(entry.route, route));
      if (before && backend.service?.name === action) backend.service = before.service;
    }
  } else if (original?.by === 'index') {
    const list = backends(next);
    for (const { index, service: before } of original.backends) if (list[index]) list[index]!.service = before;
  }
  // Anything still aimed at the action (the record was lost) goes back to the Service's port.
  for (const backend of backends(next)) {
    if (backend.service?.name === action) backend.service = { name: service, port: { number: servicePort } };
  }
  delete next.metadata.annotations![ANNOTATION_ORIGINAL_BACKENDS];
  delete next.metadata.annotations![actionKey];
  return next;
}
