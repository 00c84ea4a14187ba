import type { CanaryFlowInputs } from '../../packages/deploy/flows';
import { readAutoPromote, readCanaryFlowInputs } from '../../packages/deploy/inputs';

export type Inputs = CanaryFlowInputs;

/** Every input, validated, before anything touches the cluster. The names live in packages/deploy/inputs.ts (shared with the root action). */
export function getInputs(): Inputs {
  return readCanaryFlowInputs(readAutoPromote());
}
