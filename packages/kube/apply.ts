import type { KubeClient } from './client';
import type { KubeObject } from './types';

export interface ApplyObjectsOptions {
  fieldManager: string;
  /** Take over fields another manager owns (e.g. replicas set by kubectl). */
  force?: boolean;
  /** Namespace for objects that have none. */
  namespace?: string;
  /** Server-side dry run: the apiserver validates (schema, admission) and changes nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/**
 * Server-side apply a set of objects in order (Namespaces and Services before
 * the Deployments that need them is the caller's order to choose). With
 * dryRun, the whole set is validated by the apiserver first, so a bad
 * manifest fails before anything changes.
 */
export async function applyObjects<T extends KubeObject>(client: KubeClient, objects: T[], options: ApplyObjectsOptions): Promise<T[]> {
  const applied: T[] = [];
  for (const object of objects) {
    applied.push(await client.apply<T>(object, options));
  }
  return applied;
}
