import { InputErrorCollector } from '../../packages/core/input-errors';
import {
  readClusterInputs,
  readDeploymentName,
  readOnCancel,
  readPromoteInputs,
  readReportingInputs,
  type PromoteFlowInputs,
} from '../../packages/deploy-action/inputs';

export type Inputs = PromoteFlowInputs;

/** Every input, each bad one reported in one error, before the cluster is contacted. */
export function getInputs(): Inputs {
  const errors = new InputErrorCollector();
  const reporting = readReportingInputs(errors);
  const inputs: Inputs = {
    cluster: readClusterInputs(errors),
    deployment: errors.read(() => readDeploymentName(true))!,
    promote: { ...readPromoteInputs(errors), onCancel: errors.read(() => readOnCancel()) },
    reporting,
  };
  errors.throwIfAny();
  return inputs;
}
