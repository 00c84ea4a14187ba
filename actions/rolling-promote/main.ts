import { promoteFlow } from '../../packages/deploy/flows';
import { getInputs } from './context';

export async function run(): Promise<void> {
  await promoteFlow('rolling-promote', getInputs());
}
