import * as core from '@actions/core';
import { loadInputParsers, readClusterInputs } from './inputs';

// The runner state the post step reads. Kept apart from flows.ts so that the
// post step can tell whether it has anything to do without loading the cluster client.
const STATE_OPEN_CANARY = 'open-canary';
const STATE_NAMESPACE = 'namespace';
const STATE_OPEN_PROMOTION = 'open-promotion';

export interface OpenCanary {
  /** The app (stable Deployment) name; the canary is `<name>-canary`. */
  name: string;
  namespace: string;
}

/** Record a canary this run created, so that the post step removes it if the main step is killed. */
export function recordOpenCanary(canary: OpenCanary): void {
  core.saveState(STATE_NAMESPACE, canary.namespace);
  core.saveState(STATE_OPEN_CANARY, canary.name);
}

/** The canary was settled (removed, promoted or left on purpose): nothing for the post step. */
export function clearOpenCanary(): void {
  core.saveState(STATE_OPEN_CANARY, '');
}

/** The canary the main step left open, or undefined when it settled. Read in the post step. */
export function openCanaryFromState(): OpenCanary | undefined {
  const name = core.getState(STATE_OPEN_CANARY);
  return name ? { name, namespace: core.getState(STATE_NAMESPACE) } : undefined;
}

/** A promotion whose rollout is under way: the stable's template is patched, and its revision before that. */
export interface OpenPromotion extends OpenCanary {
  previousRevision: number;
}

/** Record a rollout this run started (on-cancel: undo), so that the post step undoes it if the main step is killed. */
export function recordOpenPromotion(promotion: OpenPromotion): void {
  core.saveState(STATE_OPEN_PROMOTION, JSON.stringify(promotion));
}

/** The rollout completed, or its undo was applied. */
export function clearOpenPromotion(): void {
  core.saveState(STATE_OPEN_PROMOTION, '');
}

export function openPromotionFromState(): OpenPromotion | undefined {
  const raw = core.getState(STATE_OPEN_PROMOTION);
  if (!raw) return undefined;
  const value = JSON.parse(raw) as Partial<OpenPromotion>;
  if (typeof value.name !== 'string' || typeof value.namespace !== 'string' || !Number.isInteger(value.previousRevision)) return undefined;
  return value as OpenPromotion;
}

/**
 * The post step of canary-deploy and release: undoes a promotion a killed main step left
 * rolling out, else removes a canary it left open.
 */
export async function removeOpenCanary(actionName: string): Promise<void> {
  if (await undoOpenPromotion(actionName)) return;
  const open = openCanaryFromState();
  if (!open) return;
  await loadInputParsers();
  const cluster = readClusterInputs();
  const { cleanupFlow } = await import('./post-cleanup');
  await cleanupFlow(actionName, cluster, open);
}

/** The post step of rolling-promote (and the first part of release's): true when there was a promotion to finish. */
export async function undoOpenPromotion(actionName: string): Promise<boolean> {
  const open = openPromotionFromState();
  if (!open) return false;
  const cluster = readClusterInputs();
  const { undoPromotionFlow } = await import('./post-cleanup');
  await undoPromotionFlow(actionName, cluster, open);
  return true;
}
