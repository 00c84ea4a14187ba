import type { CanaryFlowInputs } from '../../packages/deploy/flows';
import {
  readAnalysisInputs,
  readAutoPromote,
  readClusterInputs,
  readDeploymentName,
  readManifestInputs,
  readPromoteInputs,
  readReportingInputs,
  readTrafficInputs,
} from '../../packages/deploy/inputs';

export type Inputs = CanaryFlowInputs;

/** Every input, validated, before anything touches the cluster. The names live in packages/deploy/inputs.ts (shared with the root action). */
export function getInputs(): Inputs {
  return {
    cluster: readClusterInputs(),
    manifests: readManifestInputs(),
    deployment: readDeploymentName(false),
    traffic: readTrafficInputs(),
    analysis: readAnalysisInputs(),
    autoPromote: readAutoPromote(),
    promote: readPromoteInputs(),
    reporting: readReportingInputs(),
  };
}
