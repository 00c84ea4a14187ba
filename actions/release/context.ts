import type { CanaryFlowInputs } from '../../packages/deploy-action/inputs';
import { readCanaryFlowInputs } from '../../packages/deploy-action/inputs';

export type Inputs = CanaryFlowInputs;

/** The root action's inputs: canary-deploy's, with promotion always on. */
export function getInputs(): Inputs {
  return readCanaryFlowInputs(true);
}
