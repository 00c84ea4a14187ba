import { ConfigurationError } from '../core/errors';
import type { KubeObject } from '../kube/types';

/**
 * Reaching one track's pods from CI with nothing in the cluster: a short-lived
 * ClusterIP Service per track (<app>-<track>-probe) selecting only that
 * track's pods, called through the API server's service proxy,
 * GET /api/v1/namespaces/<ns>/services/<svc>:<port>/proxy/<path>. The deployer
 * needs `get` on `services/proxy` for those names only. Pure: the engine
 * applies the Service, sends the requests and deletes it in its cleanup.
 */

export type Track = 'canary' | 'baseline' | 'stable';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function probeServiceName(app: string, track: Track): string {
  const name = `${app}-${track}-probe`;
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    throw new RangeError(`probe Service name "${name}" is not a DNS label of at most 63 characters; the app name "${app}" is too long`);
  }
  return name;
}

export interface ProbeServiceOptions {
  app: string;
  namespace: string;
  track: Track;
  /**
   * Labels that select this track's pods and no others: the canary's and the baseline's carry their track label;
   * the stable's need its pod-template-hash, since a selector cannot say "without the track label".
   */
  selector: Record<string, string>;
  /** The container port (number or name) the probe reaches. */
  targetPort: number | string;
  /** Labels that mark the Service as Flightdeck's, for cleanup by label. */
  labels?: Record<string, string>;
}

export function probeService(options: ProbeServiceOptions): KubeObject {
  if (Object.keys(options.selector).length === 0)
    throw new RangeError('probeService: an empty selector would select every pod in the namespace');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: probeServiceName(options.app, options.track), namespace: options.namespace, labels: { ...options.labels } },
    spec: {
      type: 'ClusterIP',
      selector: { ...options.selector },
      ports: [{ name: 'probe', port: 80, targetPort: options.targetPort, protocol: 'TCP' }],
    },
  };
}

/** The API server path that proxies to the probe Service's port 80 and the given path. */
export function serviceProxyPath(namespace: string, service: string, path: string): string {
  for (const [what, value] of [
    ['namespace', namespace],
    ['service', service],
  ] as const) {
    if (!DNS_LABEL.test(value)) throw new RangeError(`serviceProxyPath: ${what} "${value}" is not a DNS label`);
  }
  // Port 80 is the probe Service's only port; the proxy speaks plain HTTP to it.
  return `/api/v1/namespaces/${namespace}/services/${service}:80/proxy${path}`;
}

/**
 * A path to probe, from an input: absolute, no scheme or host (the pods are reached through the API server, never
 * a URL the user gives), no "..", no fragment. A query string is allowed.
 */
export function parseHttpPath(raw: string, inputName: string): string {
  const path = raw.trim();
  const problem = !path.startsWith('/')
    ? 'it must start with "/"'
    : path.startsWith('//')
      ? 'it must be a path, not a URL'
      : /(^|\/)\.\.(\/|$|\?)/.test(path)
        ? 'it must not contain ".."'
        : path.includes('#')
          ? 'it must not contain a fragment ("#")'
          : /[\s\p{Cc}]/u.test(path)
            ? 'it must not contain spaces or control characters'
            : path.length > 2000
              ? 'it must be at most 2000 characters'
              : undefined;
  if (problem) {
    throw new ConfigurationError(
      `Input "${inputName}" is invalid: got ${JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path)}; ${problem}. Use a path such as "/readyz" or "/api/items?limit=1".`,
      inputName,
    );
  }
  return path;
}
