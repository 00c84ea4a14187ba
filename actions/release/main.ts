import { removeOpenCanary } from '../../packages/deploy-action/post-state';
import { getInputs } from './context';

export async function run(): Promise<void> {
  const inputs = getInputs();
  // Loaded only after the inputs validate: the cluster client, YAML and AWS SDK are most of the start-up time.
  const { canaryFlow } = await import('../../packages/deploy-action/flows');
  await canaryFlow('release', inputs);
}

/** Removes a canary the main step left behind when it was killed before it could clean up. */
export async function post(): Promise<void> {
  await removeOpenCanary('release');
}
