import type { PromoteFlowInputs } from '../../packages/deploy/flows';
import { readClusterInputs, readDeploymentName, readPromoteInputs, readReportingInputs } from '../../packages/deploy/inputs';

export type Inputs = PromoteFlowInputs;

export function getInputs(): Inputs {
  return {
    cluster: readClusterInputs(),
    deployment: readDeploymentName(true)!,
    promote: readPromoteInputs(),
    reporting: readReportingInputs(),
  };
}
