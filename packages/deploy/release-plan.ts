import { ConfigurationError } from '../core/errors';
import { KubePermissionError, refOf, type Deployment, type KubeObject } from '../kube';
import type { DeployContext } from './context';
import {
  ANNOTATION_CONFIG_HASH,
  ANNOTATION_RELEASED_IMAGES,
  ANNOTATION_STABLE,
  canaryConfigMapName,
  FIELD_MANAGER,
  managedByFlightdeck,
} from './keys';
import { BOOKKEEPING_ANNOTATIONS, contentHash, differences, referencedConfig, renameConfigMaps, stampConfig } from './release-diff';
import type { LeftAlone, ReleaseChanges } from './types';

/**
 * Kinds a release never applies after the first one. An Ingress is the platform's: it holds the
 * certificate, the scheme and the load balancer's settings, and in ALB mode Flightdeck changes only its
 * backend weights (the admission policy allows the deployer no more).
 */
const PLATFORM_KINDS: Record<string, string> = {
  Ingress:
    'an Ingress is the platform’s after the first release: Flightdeck only weighs its backends (traffic: alb). Apply Ingress changes with the platform’s identity',
};

/** Why a Secret is not applied by a release: its content would have to wait on the canary, readable by whoever reads Deployments. */
const SECRET_LEFT_ALONE =
  'Flightdeck does not re-apply Secrets (their content would have to be kept on the canary until promotion). Apply Secret changes with your secret manager or kubectl';

export function describeObject(object: KubeObject): string {
  return `${object.kind} "${object.metadata.name}"`;
}

/**
 * The Deployment promotion would apply: the rendered one, with what Flightdeck keeps on the live one carried
 * over (its bookkeeping annotations, the config stamp), and each image the live one pinned by digest at the
 * last promotion kept pinned while the manifests still name the same tag — so that releasing the same
 * manifests again changes nothing.
 */
export function promotedDeployment(desired: Deployment, live: Deployment, configHash: string | undefined): Deployment {
  const deployment = structuredClone(desired);
  const liveAnnotations = live.metadata.annotations ?? {};
  const carried: Record<string, string> = {};
  for (const key of BOOKKEEPING_ANNOTATIONS) if (liveAnnotations[key] !== undefined) carried[key] = liveAnnotations[key];
  deployment.metadata.annotations = { ...carried, ...(deployment.metadata.annotations ?? {}) };
  const released = parseReleasedImages(liveAnnotations[ANNOTATION_RELEASED_IMAGES]);
  const liveImages = new Map(
    [...(live.spec.template.spec?.initContainers ?? []), ...(live.spec.template.spec?.containers ?? [])].map((c) => [c.name, c.image]),
  );
  const spec = deployment.spec.template.spec;
  for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    const pinned = liveImages.get(container.name);
    if (pinned?.includes('@sha256:') && container.image !== undefined && released[container.name] === container.image)
      container.image = pinned;
  }
  const liveStamp = live.spec.template.metadata?.annotations?.[ANNOTATION_CONFIG_HASH];
  const stamp = configHash ?? liveStamp;
  if (stamp) deployment.spec.template = stampConfig(deployment.spec.template, stamp);
  return deployment;
}

function parseReleasedImages(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  try {
    const value = JSON.parse(raw) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/**
 * Compare the whole rendered manifests with the live objects, read-only: every object is applied as a
 * server-side dry run (why a dry run, not a comparison of our own: see release-diff.ts) and its answer
 * compared with the live object. Ingresses and Secrets are left alone, and so is any object the deploy
 * identity may not patch; each is said to be. A changed ConfigMap the pod template reads gets a copy for
 * the canary, so the stable pods read the live one until promotion. A changed Secret the pods read is
 * refused: it cannot be shown to the canary without also showing it to the stable pods.
 */
export async function planRelease(
  ctx: DeployContext,
  desired: Deployment,
  others: KubeObject[],
  live: Deployment,
): Promise<ReleaseChanges> {
  const leftAlone: LeftAlone[] = [];
  const apply: KubeObject[] = [];
  const objectChanges: string[] = [];
  const referenced = referencedConfig(desired.spec.template.spec);
  for (const object of others) {
    const what = describeObject(object);
    const platform = object.kind ? PLATFORM_KINDS[object.kind] : undefined;
    if (platform) {
      leftAlone.push({ object: what, reason: platform });
      continue;
    }
    const compared = await compareObject(ctx, object);
    if (compared === 'forbidden') {
      leftAlone.push({
        object: what,
        reason: 'the deploy identity may not read or patch it; grant get and patch, or apply it with the platform’s identity',
      });
      continue;
    }
    if (compared.length === 0) continue;
    if (object.kind === 'Secret') {
      if (referenced.Secret.has(object.metadata.name!))
        throw new ConfigurationError(
          `Input "${ctx.inputs.manifests}": the release changes Secret "${object.metadata.name}", which the pods of "${desired.metadata.name}" read. ` +
            'Flightdeck cannot show a changed Secret to the canary without showing it to the stable pods too, so it refuses before changing anything. ' +
            'Give the changed Secret a new name (and point the pod template at it), or apply it on its own first.',
          ctx.inputs.manifests,
        );
      leftAlone.push({ object: what, reason: SECRET_LEFT_ALONE });
      continue;
    }
    apply.push(object);
    objectChanges.push(`${what}: ${summarize(compared)}`);
  }

  const changedConfig = apply.filter((o) => o.kind === 'ConfigMap' && referenced.ConfigMap.has(o.metadata.name!));
  const configHash = changedConfig.length > 0 ? contentHash(changedConfig) : undefined;
  const deployment = promotedDeployment(desired, live, configHash);
  // An autoscaler in the manifests owns the replica count: applying the manifest's would fight it (and always differ).
  if (others.some((o) => scalesDeployment(o, desired.metadata.name!))) delete deployment.spec.replicas;
  const deploymentChanges = await compareObject(ctx, deployment, live);
  if (deploymentChanges === 'forbidden')
    throw new ConfigurationError(
      `The deploy identity may not patch Deployment "${desired.metadata.name}" in namespace "${ctx.namespace}"; bind it the deployer Role (deploy/rbac/deployer.yaml).`,
      ctx.inputs.deployment,
    );

  const canaryConfigMaps = changedConfig.map((configMap) => canaryCopy(configMap, desired.metadata.name!));
  const renamed = Object.fromEntries(changedConfig.map((c, i) => [c.metadata.name!, canaryConfigMaps[i]!.metadata.name!]));
  const canaryTemplate = structuredClone(deployment.spec.template);
  if (canaryTemplate.spec) canaryTemplate.spec = renameConfigMaps(canaryTemplate.spec, renamed);
  return { release: { deployment, apply }, deploymentChanges, objectChanges, leftAlone, canaryConfigMaps, canaryTemplate };
}

/** The canary's copy of a ConfigMap: its content under a name no stable pod reads, marked as Flightdeck's. */
export function canaryCopy(configMap: KubeObject, stableName: string): KubeObject {
  const copy: KubeObject = {
    apiVersion: configMap.apiVersion,
    kind: configMap.kind,
    metadata: {
      name: canaryConfigMapName(configMap.metadata.name!, contentHash([configMap])),
      labels: { ...(configMap.metadata.labels ?? {}), ...managedByFlightdeck() },
      annotations: { [ANNOTATION_STABLE]: stableName },
    },
  };
  for (const field of ['data', 'binaryData', 'immutable'] as const)
    if (configMap[field] !== undefined) copy[field] = structuredClone(configMap[field]);
  return copy;
}

function scalesDeployment(object: KubeObject, name: string): boolean {
  const target = (object.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
  return object.kind === 'HorizontalPodAutoscaler' && target?.kind === 'Deployment' && target.name === name;
}

function summarize(paths: string[]): string {
  const shown = paths.slice(0, 3).join(', ');
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}

/**
 * What applying the object would change: the dry-run answer against the live object, ['(new)'] when it does
 * not exist, or 'forbidden' when the deploy identity may not read or patch it.
 */
async function compareObject(ctx: DeployContext, object: KubeObject, known?: KubeObject): Promise<string[] | 'forbidden'> {
  try {
    const live = known ?? (await ctx.client.getIfExists(refOf(object, ctx.namespace), ctx.signal));
    const applied = await ctx.client.apply(object, {
      fieldManager: FIELD_MANAGER,
      force: true,
      dryRun: true,
      namespace: ctx.namespace,
      signal: ctx.signal,
    });
    if (!live) return ['(new)'];
    return differences(live, applied);
  } catch (error) {
    if (error instanceof KubePermissionError) return 'forbidden';
    throw error;
  }
}
