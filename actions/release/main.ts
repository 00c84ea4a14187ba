import { canaryFlow, cleanupFlow } from '../../packages/deploy/flows';
import { readClusterInputs } from '../../packages/deploy/inputs';
import { getInputs } from './context';

export async function run(): Promise<void> {
  await canaryFlow('release', getInputs());
}

export async function post(): Promise<void> {
  await cleanupFlow('release', readClusterInputs());
}
