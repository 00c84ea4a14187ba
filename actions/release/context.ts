import type { CanaryFlowInputs } from '../../packages/deploy/flows';
import {
  readAnalysisInputs,
  readClusterInputs,
  readDeploymentName,
  readManifestInputs,
  readPromoteInputs,
  readReportingInputs,
  readTrafficInputs,
} from '../../packages/deploy/inputs';

export type Inputs = CanaryFlowInputs;

/** The root action's inputs: canary-deploy's, with promotion always on. */
export function getInputs(): Inputs {
  return {
    cluster: readClusterInputs(),
    manifests: readManifestInputs(),
    deployment: readDeploymentName(false),
    traffic: readTrafficInputs(),
    analysis: readAnalysisInputs(),
    autoPromote: true,
    promote: readPromoteInputs(),
    reporting: readReportingInputs(),
  };
}
