import type { CanaryFlowInputs } from '../../packages/deploy-action/inputs';
import { readAutoPromote, readCanaryFlowInputs } from '../../packages/deploy-action/inputs';

export type Inputs = CanaryFlowInputs;

/** Every input, validated, before anything touches the cluster. The names live in packages/deploy-action/inputs.ts (shared with the root action). */
export function getInputs(): Inputs {
  return readCanaryFlowInputs(readAutoPromote());
}
