import { canaryFlow, cleanupFlow } from '../../packages/deploy/flows';
import { readClusterInputs } from '../../packages/deploy/inputs';
import { getInputs } from './context';

export async function run(): Promise<void> {
  await canaryFlow('canary-deploy', getInputs());
}

/** Removes a canary the main step left behind when it was killed before it could clean up. */
export async function post(): Promise<void> {
  await cleanupFlow('canary-deploy', readClusterInputs());
}
