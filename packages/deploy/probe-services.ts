import { probeService, type Track } from '../analysis/track-probe';
import { isNotFound, Kinds, sleep } from '../kube';
import type { KubeObject } from '../kube/types';
import type { DeployContext } from './context';
import { baselineProbeServiceName, canaryProbeServiceName, FIELD_MANAGER, managedByFlightdeck, stableProbeServiceName } from './keys';

/**
 * The probe Services of a canary run: one per judged track, selecting only
 * that track's pods, applied before the first analysis round and deleted in
 * the same cleanup as the canary. Their names are fixed by keys.ts, so the
 * deployer's RBAC can grant services/proxy `get` on them alone.
 */

export function probeServiceNames(stableName: string): string[] {
  return [canaryProbeServiceName(stableName), baselineProbeServiceName(stableName), stableProbeServiceName(stableName)];
}

export interface ProbeTarget {
  track: Track;
  selector: Record<string, string>;
}

/** Apply one probe Service per target; returns the Service names, in the targets' order. */
export async function applyProbeServices(
  ctx: DeployContext,
  stableName: string,
  targets: readonly ProbeTarget[],
  targetPort: number | string,
): Promise<string[]> {
  const names: string[] = [];
  for (const target of targets) {
    const service = probeService({
      app: stableName,
      namespace: ctx.namespace,
      track: target.track,
      selector: target.selector,
      targetPort,
      labels: managedByFlightdeck(),
    });
    await ctx.client.apply(service, { fieldManager: FIELD_MANAGER, force: true, signal: ctx.signal });
    names.push(service.metadata.name!);
  }
  return names;
}

interface EndpointsObject extends KubeObject {
  subsets?: { addresses?: unknown[] }[];
}

/**
 * Wait until every named Service has a ready endpoint: a pod is Ready about a
 * second before its Service's endpoint exists, and a probe before then is
 * answered 503 by the API server, which would count against the track.
 */
export async function waitForProbeEndpoints(
  ctx: DeployContext,
  names: readonly string[],
  timeoutMs: number,
  pollMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await Promise.all(
      names.map(async (name) => {
        const endpoints = await ctx.client.getIfExists<EndpointsObject>(
          { apiVersion: 'v1', kind: 'Endpoints', namespace: ctx.namespace, name },
          ctx.signal,
        );
        return (endpoints?.subsets ?? []).some((s) => (s.addresses?.length ?? 0) > 0);
      }),
    );
    if (ready.every(Boolean)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs, ctx.signal);
  }
}

/** Delete every probe Service of the app that exists; part of the canary's cleanup, so it takes no cancel signal. */
export async function removeProbeServices(ctx: DeployContext, stableName: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of probeServiceNames(stableName)) {
    try {
      if (await ctx.client.delete({ ...Kinds.Service, namespace: ctx.namespace, name })) removed.push(name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return removed;
}
