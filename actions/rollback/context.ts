import {
  INPUT,
  positiveDuration,
  readClusterInputs,
  readDeploymentName,
  readReportingInputs,
  readUndo,
  type RollbackFlowInputs,
} from '../../packages/deploy-action/inputs';

export type Inputs = RollbackFlowInputs;

export function getInputs(): Inputs {
  const cluster = readClusterInputs();
  const deployment = readDeploymentName(true)!;
  const { undo, toRevision } = readUndo();
  return {
    cluster,
    deployment,
    undo,
    toRevision,
    timeoutMs: positiveDuration(INPUT.rolloutTimeout, 600_000),
    reporting: readReportingInputs(),
  };
}
