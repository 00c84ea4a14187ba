import { InputErrorCollector } from '../../packages/core/input-errors';
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

/** Every input, each bad one reported in one error, before the cluster is contacted. */
export function getInputs(): Inputs {
  const errors = new InputErrorCollector();
  const reporting = readReportingInputs(errors);
  const cluster = readClusterInputs(errors);
  const deployment = errors.read(() => readDeploymentName(true));
  const { undo, toRevision } = readUndo(errors);
  const timeoutMs = errors.read(() => positiveDuration(INPUT.rolloutTimeout, 600_000));
  errors.throwIfAny();
  return { cluster, deployment: deployment!, undo, toRevision, timeoutMs: timeoutMs!, reporting };
}
