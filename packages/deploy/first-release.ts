import { ConfigurationError } from '../core/errors';
import { checkAccess, KubePermissionError, RolloutFailedError, waitForRollout, type Deployment, type KubeObject } from '../kube';
import { templateImages } from './canary-object';
import type { DeployContext } from './context';
import { FIELD_MANAGER } from './keys';

/** A first release: the objects of the manifests that do not exist yet, the Deployment last. */
export interface FirstReleasePlan {
  kind: 'first-release';
  create: KubeObject[];
}

// Server-side apply that creates an object is authorized as both patch and create.
const CREATE_VERBS = ['create', 'patch'] as const;

/**
 * Which manifest objects a first release creates, after making sure the
 * deploy identity may create every one of them. Read-only: a missing
 * permission (the least-privilege deployer may not create Ingresses, for
 * one) is refused here, before the first object is applied, rather than
 * leaving half an application behind.
 */
export async function planFirstRelease(ctx: DeployContext, desired: Deployment, others: KubeObject[]): Promise<FirstReleasePlan> {
  const namespaceOf = (object: KubeObject) => object.metadata.namespace ?? ctx.namespace;
  const create: KubeObject[] = [];
  const refusals: string[] = [];
  for (const object of others) {
    const ref = { apiVersion: object.apiVersion!, kind: object.kind!, name: object.metadata.name!, namespace: namespaceOf(object) };
    try {
      if (!(await ctx.client.getIfExists(ref, ctx.signal))) create.push(object);
    } catch (error) {
      if (!(error instanceof KubePermissionError)) throw error;
      refusals.push(`read ${describe(object, ref.namespace)}`);
    }
  }
  create.push(desired);
  for (const object of create) {
    const decisions = await checkAccess(
      ctx.client,
      CREATE_VERBS.map((verb) => ({
        verb,
        apiVersion: object.apiVersion!,
        kind: object.kind!,
        namespace: namespaceOf(object),
        name: verb === 'patch' ? object.metadata.name : undefined,
      })),
      ctx.signal,
    );
    const denied = decisions.filter((d) => !d.allowed).map((d) => `${d.verb} on ${d.resource}`);
    if (denied.length > 0) refusals.push(`create ${describe(object, namespaceOf(object))} (needs ${denied.join(' and ')})`);
  }
  if (refusals.length > 0) {
    throw new ConfigurationError(
      `Input "${ctx.inputs.manifests}": the first release of "${desired.metadata.name}" was refused before applying anything, because the cluster credentials may not ${refusals.join('; ')}. ` +
        `Create those objects once with an administrator identity (kubectl apply), or grant the verbs to the deploy identity's Role. ` +
        `Flightdeck's least-privilege deployer Role (deploy/rbac/deployer.yaml) leaves Ingresses, NetworkPolicies and Secrets to the platform.`,
      ctx.inputs.manifests,
    );
  }
  return { kind: 'first-release', create };
}

function describe(object: KubeObject, namespace: string | undefined): string {
  return `${object.kind} "${object.metadata.name}"${namespace ? ` in namespace "${namespace}"` : ''}`;
}

/** No stable Deployment yet: nothing to compare a canary with, so create the missing objects and wait for the rollout. */
export async function runFirstRelease(
  ctx: DeployContext,
  plan: FirstReleasePlan,
  rolloutTimeoutMs: number,
): Promise<{ result: 'deployed'; images: Record<string, string>; stable: Deployment }> {
  const desired = plan.create.at(-1) as Deployment;
  const name = desired.metadata.name!;
  ctx.timeline.add(
    `Deployment "${name}" does not exist in namespace "${ctx.namespace}": first release, applying the manifests without a canary`,
  );
  for (const object of plan.create) {
    await ctx.client.apply(object, { fieldManager: FIELD_MANAGER, force: true, namespace: ctx.namespace, signal: ctx.signal });
    ctx.timeline.add(`Applied ${object.kind} "${object.metadata.name}"`);
  }
  let rollout;
  try {
    rollout = await waitForRollout(ctx.client, ctx.namespace, name, { timeoutMs: rolloutTimeoutMs, signal: ctx.signal });
  } catch (error) {
    if (!(error instanceof RolloutFailedError)) throw error;
    ctx.timeline.add(`Deployment "${name}" did not roll out: ${error.reason}`);
    // Nothing served before this release, so there is no revision to go back to: say so rather than pretend to roll back.
    throw new Error(
      `The first release of "${name}" did not roll out (${error.reason}): ${error.message}. Nothing was serving before, so nothing was undone; ` +
        `the Deployment stays as applied. Check its pods' readiness and events, or raise "${ctx.inputs.rolloutTimeout}" if it only needs longer.`,
      { cause: error },
    );
  }
  ctx.timeline.add(`Deployment "${name}" rolled out in ${Math.round(rollout.elapsedMs / 100) / 10}s`);
  return { result: 'deployed', images: templateImages(desired), stable: rollout.deployment };
}
