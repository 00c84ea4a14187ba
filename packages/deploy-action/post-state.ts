import * as core from '@actions/core';
import { loadInputParsers, readClusterInputs } from './inputs';

// The runner state the post step reads. Kept apart from flows.ts so that the
// post step can tell whether it has anything to do without loading the cluster client.
const STATE_OPEN_CANARY = 'open-canary';
const STATE_NAMESPACE = 'namespace';

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

/** The post step of canary-deploy and release: removes a canary left open by a killed main step. */
export async function removeOpenCanary(actionName: string): Promise<void> {
  const open = openCanaryFromState();
  if (!open) return;
  await loadInputParsers();
  const cluster = readClusterInputs();
  const { cleanupFlow } = await import('./post-cleanup');
  await cleanupFlow(actionName, cluster, open);
}
