import { rollbackFlow } from '../../packages/deploy/flows';
import { getInputs } from './context';

export async function run(): Promise<void> {
  await rollbackFlow('rollback', getInputs());
}
