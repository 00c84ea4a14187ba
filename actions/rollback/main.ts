import { getInputs } from './context';

export async function run(): Promise<void> {
  const inputs = getInputs();
  // Loaded only after the inputs validate: the cluster client, YAML and AWS SDK are most of the start-up time.
  const { rollbackFlow } = await import('../../packages/deploy-action/flows');
  await rollbackFlow('rollback', inputs);
}
