import {
  readClusterInputs,
  readDeploymentName,
  readOnCancel,
  readPromoteInputs,
  readReportingInputs,
  type PromoteFlowInputs,
} from '../../packages/deploy-action/inputs';

export type Inputs = PromoteFlowInputs;

export function getInputs(): Inputs {
  return {
    cluster: readClusterInputs(),
    deployment: readDeploymentName(true)!,
    promote: { ...readPromoteInputs(), onCancel: readOnCancel() },
    reporting: readReportingInputs(),
  };
}
