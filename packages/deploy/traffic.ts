import { ConfigurationError } from '../core/errors';
import { isConflict, isNotFound, Kinds, ownedReplicaSets, POD_TEMPLATE_HASH, revisionOf, type Deployment, type ReplicaSet } from '../kube';
import { ingressRoutesTo, restoredIngress, splitServices, weightedIngress, type Ingress, type Service } from './alb';
import type { DeployContext } from './context';
import { canaryServiceName, FIELD_MANAGER, FLIGHTDECK, MANAGED_BY, stableServiceName } from './keys';
import type { AlbTarget } from './types';

/**
 * Find the Service and Ingresses for ALB mode, read-only, so a missing one is
 * reported before anything changes.
 */
export async function resolveAlbTarget(
  ctx: DeployContext,
  stable: Deployment,
  serviceName: string | undefined,
  ingressName: string | undefined,
): Promise<AlbTarget> {
  const { client, namespace, inputs } = ctx;
  let service: Service | undefined;
  if (serviceName) {
    service = await client.getIfExists<Service>({ ...Kinds.Service, namespace, name: serviceName });
    if (!service)
      throw new ConfigurationError(
        `Input "${inputs.service}" names Service "${serviceName}", which does not exist in namespace "${namespace}".`,
        inputs.service,
      );
  } else {
    const podLabels = stable.spec.template.metadata?.labels ?? {};
    const services = (await client.list<Service>({ ...Kinds.Service, namespace })).items.filter((s) => {
      const selector = s.spec?.selector;
      return (
        selector &&
        Object.keys(selector).length > 0 &&
        s.metadata.labels?.[MANAGED_BY] !== FLIGHTDECK &&
        Object.entries(selector).every(([k, v]) => podLabels[k] === v)
      );
    });
    if (services.length !== 1) {
      throw new ConfigurationError(
        services.length === 0
          ? `Traffic "alb" needs a Service that selects Deployment "${stable.metadata.name}"'s pods; none exists in namespace "${namespace}". Create it, or set "${inputs.service}" to the Service the Ingress routes to.`
          : `Several Services select Deployment "${stable.metadata.name}"'s pods (${services.map((s) => s.metadata.name).join(', ')}); set "${inputs.service}" to the one the Ingress routes to.`,
        inputs.service,
      );
    }
    service = services[0]!;
  }
  const port = service.spec?.ports?.[0]?.port;
  if (!port)
    throw new ConfigurationError(`Service "${service.metadata.name}" has no ports; traffic "alb" needs one to route to.`, inputs.service);
  const ingresses = (await client.list<Ingress>({ ...Kinds.Ingress, namespace })).items.filter((i) =>
    ingressName ? i.metadata.name === ingressName : ingressRoutesTo(i, service.metadata.name!),
  );
  if (ingresses.length === 0) {
    throw new ConfigurationError(
      ingressName
        ? `Input "${inputs.ingress}" names Ingress "${ingressName}", which does not exist in namespace "${namespace}".`
        : `Traffic "alb" needs an Ingress that routes to Service "${service.metadata.name}"; none exists in namespace "${namespace}". Create it, or set "${inputs.ingress}" to the Ingress to weigh.`,
      inputs.ingress,
    );
  }
  return { service: service.metadata.name!, port, ingresses: ingresses.map((i) => i.metadata.name!) };
}

/** The pod-template-hash of the stable Deployment's current ReplicaSet. */
export async function currentTemplateHash(ctx: DeployContext, stable: Deployment): Promise<string> {
  const owned = await ownedReplicaSets(ctx.client, stable, ctx.signal);
  const current =
    owned.find((rs: ReplicaSet) => revisionOf(rs) === revisionOf(stable)) ?? owned.sort((a, b) => revisionOf(b) - revisionOf(a))[0];
  const hash = current?.metadata.labels?.[POD_TEMPLATE_HASH];
  if (!hash) throw new Error(`Deployment "${stable.metadata.name}" has no current ReplicaSet yet; wait for its rollout before a canary.`);
  return hash;
}

/** Create (or refresh) the <svc>-stable and <svc>-canary Services. */
export async function ensureSplitServices(ctx: DeployContext, target: AlbTarget, stableHash: string): Promise<void> {
  const service = await ctx.client.get<Service>({ ...Kinds.Service, namespace: ctx.namespace, name: target.service });
  for (const split of splitServices(service, stableHash)) {
    await ctx.client.apply(split, { fieldManager: FIELD_MANAGER, force: true, signal: ctx.signal });
  }
}

/** Read-modify-write an Ingress with its resourceVersion, retrying when someone else wrote first. */
async function updateIngress(
  ctx: DeployContext,
  name: string,
  change: (ingress: Ingress) => Ingress | null,
  signal?: AbortSignal,
): Promise<void> {
  const ref = { ...Kinds.Ingress, namespace: ctx.namespace, name };
  for (let attempt = 1; ; attempt++) {
    const ingress = await ctx.client.getIfExists<Ingress>(ref, signal);
    if (!ingress) return;
    const next = change(ingress);
    if (!next) return;
    try {
      await ctx.client.replace(next, { fieldManager: FIELD_MANAGER, signal });
      return;
    } catch (error) {
      if (!isConflict(error) || attempt >= 5) throw error;
    }
  }
}

export async function setAlbWeights(ctx: DeployContext, target: AlbTarget, weights: { stable: number; canary: number }): Promise<void> {
  for (const name of target.ingresses) {
    await updateIngress(ctx, name, (ingress) => weightedIngress(ingress, target.service, target.port, weights), ctx.signal);
  }
}

/** Put the Ingresses back on the app's Service and delete the split Services. Runs during cleanup, so it takes no cancel signal. */
export async function restoreAlbTraffic(ctx: DeployContext, target: AlbTarget): Promise<void> {
  for (const name of target.ingresses) {
    await updateIngress(ctx, name, (ingress) => restoredIngress(ingress, target.service, target.port));
  }
  for (const name of [stableServiceName(target.service), canaryServiceName(target.service)]) {
    try {
      await ctx.client.delete({ ...Kinds.Service, namespace: ctx.namespace, name });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
